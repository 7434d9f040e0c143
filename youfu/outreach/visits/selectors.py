"""走访慰问: what a user may read. Every read starts from ``visible_to(user)``: a township clerk
in a county-wide campaign sees the campaign, and only their township's targets and visits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from youfu.core.roles import Capability
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.registry.models import Beneficiary

if TYPE_CHECKING:
    from youfu.accounts.models import User


def may_read(user: User) -> bool:
    return user.can(Capability.READ_PERSONAL_DATA)


def campaigns_for(
    user: User, *, state: str = "", year: int | None = None, on: date | None = None
) -> QuerySet[VisitCampaign]:
    """Campaigns the user may see; ``state`` ``open`` (running on ``on``), ``upcoming`` or ``ended``."""
    qs: QuerySet[VisitCampaign] = VisitCampaign.objects.visible_to(user).select_related("region")
    if on is not None:
        if state == "open":
            qs = qs.filter(starts_on__lte=on, ends_on__gte=on)
        elif state == "upcoming":
            qs = qs.filter(starts_on__gt=on)
        elif state == "ended":
            qs = qs.filter(ends_on__lt=on)
    if year is not None:
        qs = qs.filter(starts_on__year=year)
    return qs


def with_counts(campaigns: Iterable[VisitCampaign], user: User) -> list[tuple[VisitCampaign, int, int]]:
    """(campaign, targets, visited) for a page of campaigns, in the user's scope: one query."""
    rows = list(campaigns)
    counts = {
        r["campaign"]: (r["targets"], r["visited"])
        for r in VisitTarget.objects.visible_to(user)
        .filter(campaign__in=[c.pk for c in rows])
        .values("campaign")
        .annotate(targets=Count("pk"), visited=Count("visit"))
        .order_by()
    }
    return [(c, *counts.get(c.pk, (0, 0))) for c in rows]


@dataclass(frozen=True)
class TownshipCoverage:
    code: str
    name: str
    targets: int
    visited: int

    @property
    def coverage(self) -> Decimal | None:
        return coverage_percent(self.visited, self.targets)


@dataclass(frozen=True)
class Coverage:
    targets: int
    visited: int
    by_township: list[TownshipCoverage]

    @property
    def coverage(self) -> Decimal | None:
        return coverage_percent(self.visited, self.targets)

    @property
    def not_visited(self) -> int:
        return self.targets - self.visited


def coverage_percent(visited: int, targets: int) -> Decimal | None:
    """Visited as a percent of targets, one decimal, half up; None when there is no target."""
    if targets == 0:
        return None
    return (Decimal(100 * visited) / Decimal(targets)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def coverage_for(campaign: VisitCampaign, user: User) -> Coverage:
    """Targets and visits by township, only the targets the user may see: one aggregate query."""
    rows = (
        VisitTarget.objects.visible_to(user)
        .filter(campaign=campaign)
        .values("beneficiary__township", "beneficiary__township__name")
        .annotate(targets=Count("pk"), visited=Count("visit"))
        .order_by("beneficiary__township")
    )
    towns = [
        TownshipCoverage(
            r["beneficiary__township"], r["beneficiary__township__name"], r["targets"], r["visited"]
        )
        for r in rows
    ]
    return Coverage(sum(t.targets for t in towns), sum(t.visited for t in towns), towns)


def targets_for(
    campaign: VisitCampaign, user: User, *, township: str = "", name: str = ""
) -> QuerySet[VisitTarget]:
    qs = (
        VisitTarget.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("beneficiary__township", "beneficiary__region")
        .order_by("beneficiary__township", "beneficiary__region", "beneficiary__name", "pk")
    )
    if township:
        qs = qs.filter(beneficiary__township_id=township)
    if name.strip():
        qs = qs.filter(beneficiary__name__contains=name.strip())
    return qs


def not_visited_for(
    campaign: VisitCampaign, user: User, *, township: str = "", name: str = ""
) -> QuerySet[VisitTarget]:
    return targets_for(campaign, user, township=township, name=name).filter(visit__isnull=True)


def visits_for(
    user: User, *, campaign: VisitCampaign | None = None, township: str = "", name: str = ""
) -> QuerySet[Visit]:
    qs = (
        Visit.objects.visible_to(user)
        .select_related("target__campaign", "target__beneficiary__township", "target__beneficiary__region")
        .order_by("target__beneficiary__township", "-visited_on", "target__beneficiary__name", "pk")
    )
    if campaign is not None:
        qs = qs.filter(target__campaign=campaign)
    if township:
        qs = qs.filter(target__beneficiary__township_id=township)
    if name.strip():
        qs = qs.filter(target__beneficiary__name__contains=name.strip())
    return qs


def visits_of(person: Beneficiary, user: User) -> QuerySet[Visit]:
    """The visits a person received, newest first, as far as the user may see them."""
    return (
        Visit.objects.visible_to(user)
        .filter(target__beneficiary=person)
        .select_related("target__campaign")
        .order_by("-visited_on", "-pk")
    )


def open_campaigns_waiting(user: User, on: date) -> list[tuple[int, str, int, date]]:
    """(campaign id, name, targets not yet visited, last day) of the campaigns running on ``on`` with
    targets in the user's scope still to visit: one query."""
    rows = (
        VisitTarget.objects.visible_to(user)
        .filter(campaign__starts_on__lte=on, campaign__ends_on__gte=on, visit__isnull=True)
        .values("campaign", "campaign__name", "campaign__ends_on")
        .annotate(waiting=Count("pk"))
        .order_by("campaign__ends_on", "campaign")
    )
    return [(r["campaign"], r["campaign__name"], r["waiting"], r["campaign__ends_on"]) for r in rows]


def townships_in(campaign: VisitCampaign, user: User) -> list[tuple[str, str]]:
    """The townships of the user's targets in the campaign (the pages' filter)."""
    return [(t.code, t.name) for t in coverage_for(campaign, user).by_township]


def visible_person(user: User, beneficiary_id: int) -> Beneficiary | None:
    found: Beneficiary | None = Beneficiary.objects.visible_to(user).filter(pk=beneficiary_id).first()
    return found
