"""年审: the yearly confirmation of everyone who holds a regular benefit (军人抚恤优待条例 Art. 8).

A county clerk opens the year's campaign; every active regular-benefit qualification of a
living person becomes an item; township clerks confirm theirs. An unconfirmed person is
never suspended automatically: suspending is a clerk's explicit, audited decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import RegionLevel
from youfu.registry.categories import PRIORITY_CATEGORIES
from youfu.registry.models import (
    AnnualReview,
    Beneficiary,
    LifeEventKind,
    PersonStatus,
    Qualification,
    QualificationStatus,
    ReviewItem,
    ReviewStatus,
)
from youfu.registry.services import do_record_life_event

if TYPE_CHECKING:
    from youfu.accounts.models import User

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the annual review's services and selectors: every write is checked by require(acting_user)"
    " and audited; every read for a page starts from visible_to(user)"
)


def do_open_annual_review(year: int, *, acting_user: User) -> AnnualReview:
    """Open the campaign and list its items in one INSERT … SELECT."""
    require(acting_user, Capability.WRITE_REGISTRY)
    county = acting_user.region
    if county is None or county.level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        raise InvalidInput(Message(gettext_noop("A county clerk opens the annual confirmation.")))
    if AnnualReview.objects.filter(region=county, year=year).exists():
        raise Conflict(
            Message(gettext_noop("The %(year)d annual confirmation is already open."), {"year": year}),
            code="review_exists",
        )
    with transaction.atomic():
        review = AnnualReview.objects.create(year=year, region=county, opened_by=acting_user)
        q, b = Qualification._meta.db_table, Beneficiary._meta.db_table
        categories = sorted(PRIORITY_CATEGORIES)
        placeholders = ", ".join(["%s"] * len(categories))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ReviewItem._meta.db_table} (review_id, qualification_id, status, note) "  # noqa: S608
                f"SELECT %s, q.id, %s, '' FROM {q} q JOIN {b} b ON b.id = q.beneficiary_id "
                f"WHERE q.status = %s AND b.status = %s AND q.category IN ({placeholders}) "
                "AND b.region_id LIKE %s",
                [
                    review.pk,
                    ReviewStatus.PENDING,
                    QualificationStatus.ACTIVE,
                    PersonStatus.ALIVE,
                    *categories,
                    county.scope_prefix + "%",
                ],
            )
            items = cursor.rowcount
        record_event(
            EventType.ANNUAL_REVIEW_OPENED,
            actor=acting_user,
            region=county,
            obj=review,
            new={"year": year, "items": items},
        )
    return review


def do_confirm_review_items(
    review: AnnualReview, item_ids: list[int], *, acting_user: User, note: str = ""
) -> int:
    """Confirm the given pending items the user may see; returns how many changed."""
    require(acting_user, Capability.WRITE_REGISTRY)
    if review.closed_at is not None:
        raise Conflict(Message(gettext_noop("This annual confirmation is closed.")), code="review_closed")
    with transaction.atomic():
        mine = ReviewItem.objects.visible_to(acting_user).filter(
            review=review, pk__in=item_ids, status=ReviewStatus.PENDING
        )
        confirmed = list(mine.values_list("pk", flat=True))
        # Compare-and-set: only rows still pending change, whoever got there first.
        changed = ReviewItem.objects.filter(pk__in=confirmed, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.CONFIRMED, decided_at=timezone.now(), decided_by=acting_user, note=note[:500]
        )
        if changed:
            record_event(
                EventType.ANNUAL_REVIEW_CONFIRMED,
                actor=acting_user,
                obj=review,
                extra={"items": confirmed, "count": changed},
            )
    return changed


def do_suspend_unconfirmed(
    item: ReviewItem, *, acting_user: User, effective_on: date, reason: str
) -> ReviewItem:
    """A clerk's decision to suspend a person who was not confirmed."""
    require(acting_user, Capability.WRITE_REGISTRY)
    if not reason.strip():
        raise InvalidInput(
            Message(gettext_noop("Give the reason for the suspension.")),
            fields={"reason": gettext_noop("required")},
        )
    if item.status != ReviewStatus.PENDING:
        raise Conflict(
            Message(gettext_noop("Only an unconfirmed person can be suspended here.")), code="not_pending"
        )
    qualification = item.qualification
    with transaction.atomic():
        if qualification.status == QualificationStatus.ACTIVE:
            do_record_life_event(
                qualification.beneficiary,
                LifeEventKind.SUSPENSION,
                effective_on,
                acting_user=acting_user,
                qualification=qualification,
                reason=reason,
                note=f"annual confirmation {item.review.year}",
            )
        changed = ReviewItem.objects.filter(pk=item.pk, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.SUSPENDED,
            decided_at=timezone.now(),
            decided_by=acting_user,
            note=reason[:500],
        )
        if not changed:
            raise Conflict(
                Message(gettext_noop("Only an unconfirmed person can be suspended here.")), code="not_pending"
            )
        record_event(
            EventType.ANNUAL_REVIEW_SUSPENDED,
            actor=acting_user,
            region=qualification.beneficiary.region_id,
            obj=item,
            new={"qualification": qualification.pk, "reason": reason, "effective_on": effective_on},
        )
    item.refresh_from_db()
    return item


@dataclass(frozen=True)
class TownshipProgress:
    township_code: str
    township_name: str
    total: int
    confirmed: int
    pending: int
    suspended: int


def reviews_for(user: User) -> QuerySet[AnnualReview]:
    """Campaigns of the user's county (a township clerk works in the county's campaign)."""
    qs: QuerySet[AnnualReview] = AnnualReview.objects.visible_to(user)
    return qs


def progress_by_township(review: AnnualReview, user: User) -> list[TownshipProgress]:
    """The outstanding list per township, in one aggregate query."""
    rows = (
        ReviewItem.objects.visible_to(user)
        .filter(review=review)
        .values("qualification__beneficiary__township", "qualification__beneficiary__township__name")
        .annotate(
            total=Count("pk"),
            confirmed=Count("pk", filter=Q(status=ReviewStatus.CONFIRMED)),
            pending=Count("pk", filter=Q(status=ReviewStatus.PENDING)),
            suspended=Count("pk", filter=Q(status=ReviewStatus.SUSPENDED)),
        )
        .order_by("qualification__beneficiary__township")
    )
    return [
        TownshipProgress(
            r["qualification__beneficiary__township"],
            r["qualification__beneficiary__township__name"],
            r["total"],
            r["confirmed"],
            r["pending"],
            r["suspended"],
        )
        for r in rows
    ]


def items_for(
    review: AnnualReview, user: User, *, status: str = "", township: str = ""
) -> QuerySet[ReviewItem]:
    qs = (
        ReviewItem.objects.visible_to(user)
        .filter(review=review)
        .select_related("qualification__beneficiary__township", "qualification__beneficiary__region")
        .order_by("qualification__beneficiary__township", "qualification__beneficiary__name", "pk")
    )
    if status:
        qs = qs.filter(status=status)
    if township:
        qs = qs.filter(qualification__beneficiary__township_id=township)
    return qs
