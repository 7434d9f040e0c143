"""Reads of the medical area: who is covered by a premium, who is missing one, what is left
of a person's yearly cap, totals. ``premium_missing`` is unscoped (the discoveries area
applies its own scope); the ``*_for(user)`` reads apply the user's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from youfu.benefits.money import money, yuan
from youfu.core.scope import region_prefix
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import MAX_LEVEL, PRIORITY_CATEGORIES, Category, DisabilityCause
from youfu.registry.models import Beneficiary, Qualification, Suspension
from youfu.relief.medical.models import (
    CAP_STATES,
    ClaimState,
    MedicalClaim,
    MedicalPremium,
    OutpatientSubsidy,
)

# Premiums are paid for disabled veterans of levels 1 to 6 (the highest level for illness).
PREMIUM_LEVELS = range(1, MAX_LEVEL[DisabilityCause.ILLNESS] + 1)


def year_window(year: int, today: date | None = None) -> tuple[date, date]:
    """The part of ``year`` that counts: the whole of a past year, this year up to today,
    the first day of a later one."""
    today = today or timezone.localdate()
    first = date(year, 1, 1)
    if year < today.year:
        return first, date(year, 12, 31)
    return first, max(first, min(today, date(year, 12, 31)))


def payable_during(year: int) -> Q:
    """A regular-benefit qualification payable at some time in ``year`` (up to today): the
    registry's payable rule (``registry.selectors.payable_in_month``) over the year rather
    than one month — approved by the window's end, not ended, dead or suspended throughout."""
    first, last = year_window(year)
    suspended_throughout = Suspension.objects.filter(
        qualification=OuterRef("pk"), started_on__lte=first
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=last))
    return (
        Q(category__in=PRIORITY_CATEGORIES)
        & Q(approved_on__lte=last)
        & (Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gte=first))
        & (Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        & Q(~Exists(suspended_throughout))
    )


def premium_qualifications(year: int) -> QuerySet[Qualification]:
    """Disabled-veteran qualifications of levels 1–6 payable at some time in ``year``."""
    return Qualification.objects.filter(
        payable_during(year),
        category=Category.DISABLED_VETERAN,
        disability_level__gte=PREMIUM_LEVELS.start,
        disability_level__lt=PREMIUM_LEVELS.stop,
    )


def premium_people(year: int) -> QuerySet[Beneficiary]:
    """Everyone a premium should be paid for in ``year``, county-wide (unscoped)."""
    due = premium_qualifications(year).filter(beneficiary=OuterRef("pk"))
    return Beneficiary.objects.filter(Exists(due))


def premium_missing(year: int) -> QuerySet[Beneficiary]:
    """Disabled veterans of levels 1–6 with a qualification payable at some time in ``year``
    (up to today) and no premium recorded for ``year``. Unscoped: the caller narrows it with
    ``.visible_to(user)``."""
    paid = MedicalPremium.objects.filter(beneficiary=OuterRef("pk"), year=year)
    return premium_people(year).filter(~Exists(paid))


def is_premium_person(beneficiary: Beneficiary, year: int) -> bool:
    return premium_qualifications(year).filter(beneficiary=beneficiary).exists()


def premium_people_for(user: object, year: int, covered: bool | None = None) -> QuerySet[Beneficiary]:
    """The premium list for ``year`` in the user's scope, each person annotated with
    ``has_premium``; ``covered`` keeps only those with (True) or without (False) one."""
    paid = MedicalPremium.objects.filter(beneficiary=OuterRef("pk"), year=year)
    due = premium_qualifications(year).filter(beneficiary=OuterRef("pk"))
    people: QuerySet[Beneficiary] = (
        Beneficiary.objects.visible_to(user)
        .filter(Exists(due))
        .annotate(has_premium=Exists(paid))
        .select_related("township")
    )
    if covered is not None:
        people = people.filter(Exists(paid) if covered else ~Exists(paid))
    return people.order_by("township__code", "name", "pk")


def cap_used_fen(beneficiary_id: int, year: int, exclude_claim: int | None = None) -> int:
    """What the person's claims that hold a share (pending, approved, paid) take of ``year``'s cap."""
    claims = MedicalClaim.objects.filter(beneficiary_id=beneficiary_id, year=year, state__in=CAP_STATES)
    if exclude_claim is not None:
        claims = claims.exclude(pk=exclude_claim)
    return int(claims.aggregate(total=Sum("subsidy_fen"))["total"] or 0)


def claims_for(
    user: object, *, state: str = "", year: int | None = None, township: str = ""
) -> QuerySet[MedicalClaim]:
    """Claims in the user's scope, newest first, filtered by state, year of discharge, township."""
    claims: QuerySet[MedicalClaim] = MedicalClaim.objects.visible_to(user)
    if state:
        claims = claims.filter(state=state)
    if year:
        claims = claims.filter(year=year)
    if township:
        claims = claims.filter(beneficiary__township_id=township)
    return claims.select_related("beneficiary__township", "entered_by", "decided_by").order_by(
        "-entered_at", "-pk"
    )


def claims_waiting_for(user: object) -> QuerySet[MedicalClaim]:
    """Pending claims a leader may decide: in scope, not entered by them."""
    return claims_for(user, state=ClaimState.PENDING).exclude(entered_by_id=getattr(user, "pk", None))


def outpatient_for(
    user: object, *, year: int | None = None, township: str = ""
) -> QuerySet[OutpatientSubsidy]:
    subsidies: QuerySet[OutpatientSubsidy] = OutpatientSubsidy.objects.visible_to(user)
    if year:
        subsidies = subsidies.filter(year=year)
    if township:
        subsidies = subsidies.filter(beneficiary__township_id=township)
    return subsidies.select_related("beneficiary__township", "recorded_by").order_by("-paid_on", "-pk")


def premium_amounts(beneficiary_ids: list[int], year: int) -> dict[int, int]:
    """Premium amounts (fen) of these people for ``year``, by person (ids already in scope)."""
    return dict(
        MedicalPremium.objects.filter(beneficiary_id__in=beneficiary_ids, year=year).values_list(
            "beneficiary_id", "amount_fen"
        )
    )


def premiums_of(beneficiary: Beneficiary) -> QuerySet[MedicalPremium]:
    return MedicalPremium.objects.filter(beneficiary=beneficiary).order_by("-year")


@dataclass
class TownshipTotals:
    code: str
    name: str
    claims: int = 0
    subsidy_fen: int = 0  # approved or paid
    pending_fen: int = 0
    premiums: int = 0
    premium_fen: int = 0
    outpatient: int = 0
    outpatient_fen: int = 0

    @property
    def subsidy(self) -> Decimal:
        return yuan(self.subsidy_fen)

    @property
    def pending(self) -> Decimal:
        return yuan(self.pending_fen)

    @property
    def premium(self) -> Decimal:
        return yuan(self.premium_fen)

    @property
    def outpatient_amount(self) -> Decimal:
        return yuan(self.outpatient_fen)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "claims": self.claims,
            "subsidy": money(self.subsidy_fen),
            "pending": money(self.pending_fen),
            "premiums": self.premiums,
            "premium_amount": money(self.premium_fen),
            "outpatient": self.outpatient,
            "outpatient_amount": money(self.outpatient_fen),
        }


def totals_by_township(user: object, year: int) -> tuple[list[TownshipTotals], TownshipTotals]:
    """Per township of the user's scope, for ``year``: claims not refused and their subsidies
    (approved or paid, and waiting), premiums, outpatient subsidies; and the sum of them."""
    rows: dict[str, TownshipTotals] = {}

    def row(code: str, name: str) -> TownshipTotals:
        return rows.setdefault(code, TownshipTotals(code, name))

    claims = (
        MedicalClaim.objects.visible_to(user)
        .filter(year=year, state__in=CAP_STATES)
        .values("beneficiary__township_id", "beneficiary__township__name", "state")
        .annotate(n=Count("pk"), fen=Sum("subsidy_fen"))
        .order_by()
    )
    for c in claims:
        r = row(c["beneficiary__township_id"], c["beneficiary__township__name"])
        r.claims += c["n"]
        if c["state"] == ClaimState.PENDING:
            r.pending_fen += c["fen"] or 0
        else:
            r.subsidy_fen += c["fen"] or 0
    for model, count_field, fen_field in (
        (MedicalPremium, "premiums", "premium_fen"),
        (OutpatientSubsidy, "outpatient", "outpatient_fen"),
    ):
        found = (
            model.objects.visible_to(user)
            .filter(year=year)
            .values("beneficiary__township_id", "beneficiary__township__name")
            .annotate(n=Count("pk"), fen=Sum("amount_fen"))
            .order_by()
        )
        for f in found:
            r = row(f["beneficiary__township_id"], f["beneficiary__township__name"])
            setattr(r, count_field, getattr(r, count_field) + f["n"])
            setattr(r, fen_field, getattr(r, fen_field) + (f["fen"] or 0))
    ordered = [rows[k] for k in sorted(rows)]
    total = TownshipTotals("", "")
    for r in ordered:
        for name in (
            "claims",
            "subsidy_fen",
            "pending_fen",
            "premiums",
            "premium_fen",
            "outpatient",
            "outpatient_fen",
        ):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return ordered, total


def townships_for(user: object) -> QuerySet[Region]:
    """The townships a user may filter by: those of their region."""
    prefix = region_prefix(user)
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP)
    if prefix is None:
        return townships.none()
    user_region = getattr(user, "region", None)
    if user_region is not None and user_region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        township_code = (
            user_region.code if user_region.level == RegionLevel.TOWNSHIP else user_region.parent_id
        )
        return townships.filter(code=township_code)
    return townships.filter(code__startswith=prefix).order_by("code")
