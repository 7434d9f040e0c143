"""The summary of a period for a region: one aggregate query per section, in the user's scope.

Every figure is counted by the date that its own record carries (approved, paid, visited,
received, solved on …) and read through ``visible_to(user)``; the region asked for narrows it
further by the same code column the scope uses. The number of queries is fixed: it does not grow
with the townships, the people or the months of the period.

What each figure means (the API's ``reports/summary`` and the page show them):

- ``registry``: ``persons`` on the registry at the end of the period (alive then and holding a
  qualification approved by then and not ended by then); ``by_category`` those qualifications per
  category; ``added`` people whose first qualification was approved in the period; ``ended`` people
  who left it in the period (died while holding a qualification, or whose last qualification
  ended in it with none left at its end).
- ``payments``: what the bank confirmed as paid (lines with status paid) in the batches whose
  period (the month's first day) falls in the range, one-off relief and medical payments
  included; ``by_kind`` splits it into regular benefits, death lump sums, relief and medical
  (``by_benefit`` per benefit); ``persons_paid`` the people with a paid line; ``arrears_total``
  the arrears part of the paid lines; ``recoveries_raised`` the claims (追缴) those batches
  raised, less those a later batch of the range superseded; ``recoveries_settled`` the claims
  recovered in the period (``recoveries_waived`` those waived); ``failed_lines`` the lines the
  bank did not pay (failed, or held for want of an account).
- ``relief``: grants approved in the period (approved or since paid) and their amount.
- ``medical``: claims approved in the period (approved or since paid) and their subsidy.
- ``housing``: cases completed in the period (and their households); ``amount`` the money paid
  out to housing cases in the period.
- ``pairing``: activities done in the period, their money, the departments and households.
- ``visits``: visits made in the period (``elderly``: of people aged 60 or more that day);
  ``targets`` the people of the campaigns running in it.
- ``petitions``: received, accepted, replied (first written reply), concluded (reached 办结),
  extended (extension approved) and rated in the period, each by its own date; on time means
  accepted by the acceptance deadline, and for a concluded matter replied by the conclusion
  deadline (extension included), as the petitions statistics count them.
- ``needs_checks``: findings found and solved in the period, and open at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from youfu.accounts.models import User
from youfu.benefits.models import (
    BatchItem,
    BatchLine,
    BatchState,
    LineStatus,
    PaymentBenefit,
    Recovery,
    RecoveryStatus,
)
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404
from youfu.outreach.needs.models import Finding
from youfu.outreach.pairing.models import PairingActivity
from youfu.outreach.visits.models import Visit, VisitTarget
from youfu.petitions.models import Petition, Satisfaction
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary, Qualification
from youfu.relief.grants.models import GrantState, ReliefGrant
from youfu.relief.housing.models import CaseState, HousingCase, HousingDisbursement
from youfu.relief.medical.models import ClaimState, MedicalClaim

M = TypeVar("M", bound=models.Model)

# The kinds of money ``payments.by_kind`` splits the paid total into.
KIND_OF_BENEFIT: dict[str, str] = {
    PaymentBenefit.DISABILITY_PENSION: "regular",
    PaymentBenefit.SURVIVOR_PENSION: "regular",
    PaymentBenefit.LIVING_SUBSIDY: "regular",
    PaymentBenefit.CONSCRIPT_FAMILY_ALLOWANCE: "regular",
    PaymentBenefit.LUMP_SUM_DISABILITY_PENSION: "lump_sum",
    PaymentBenefit.LUMP_SUM_SURVIVOR_PENSION: "lump_sum",
    PaymentBenefit.LUMP_SUM_LIVING_SUBSIDY: "lump_sum",
    PaymentBenefit.RELIEF: "relief",
    PaymentBenefit.MEDICAL: "medical",
}
KINDS = ("regular", "lump_sum", "relief", "medical")
# The age from which the year-end report counts a person visited as elderly (老年优抚对象).
ELDERLY_AGE = 60


@dataclass(frozen=True)
class RegistryFigures:
    persons: int
    by_category: dict[str, int]
    added: int
    ended: int


@dataclass(frozen=True)
class PaymentFigures:
    paid_total_fen: int
    by_kind_fen: dict[str, int]
    by_benefit_fen: dict[str, int]
    persons_paid: int
    arrears_total_fen: int
    recoveries_raised_fen: int
    recoveries_settled_fen: int
    recoveries_waived_fen: int
    failed_lines: int


@dataclass(frozen=True)
class ReliefFigures:
    grants: int
    amount_fen: int


@dataclass(frozen=True)
class MedicalFigures:
    claims: int
    subsidy_fen: int


@dataclass(frozen=True)
class HousingFigures:
    cases_completed: int
    households: int
    amount_fen: int


@dataclass(frozen=True)
class PairingFigures:
    activities: int
    amount_fen: int
    departments: int
    households: int


@dataclass(frozen=True)
class VisitFigures:
    visited: int
    elderly: int  # of ``visited``: people aged 60 or more on the day of the visit
    targets: int


@dataclass(frozen=True)
class PetitionFigures:
    received: int
    accepted: int
    accepted_on_time: int
    replied: int
    concluded: int
    concluded_on_time: int
    extended: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int


@dataclass(frozen=True)
class NeedsFigures:
    found: int
    solved: int
    open: int


@dataclass(frozen=True)
class Summary:
    region: Region
    start: date
    end: date
    registry: RegistryFigures
    payments: PaymentFigures
    relief: ReliefFigures
    medical: MedicalFigures
    housing: HousingFigures
    pairing: PairingFigures
    visits: VisitFigures
    petitions: PetitionFigures
    needs_checks: NeedsFigures


# --- who and where -------------------------------------------------------------------------------


def require_reader(user: User) -> None:
    """The summary counts people, payments and petitions: the roles that read personal data.
    The admin and the auditor do not (separation of duties), so they get a 403 here, as on the
    petitions statistics; a liaison's summary holds what its scope holds, the department's."""
    require(user, Capability.READ_PERSONAL_DATA)


def report_region(user: User, code: str | None) -> Region:
    """The region asked for, or the user's own; a region outside the user's scope is a 404."""
    require_reader(user)
    if not code:
        return get_visible_or_404(Region, user, code=user.region_id or "")
    return get_visible_or_404(Region, user, code=code)


def regions_to_choose(user: User) -> list[Region]:
    """The user's own region and the regions directly below it (a county's townships)."""
    own = user.region_id or ""
    return list(Region.objects.visible_to(user).filter(Q(code=own) | Q(parent_id=own)).order_by("code"))


def _in(qs: models.QuerySet[M], user: User, region: Region) -> models.QuerySet[M]:
    """``qs`` in the user's scope and inside ``region``, by the code column the scope itself uses."""
    code_path = qs.model.scope.code_path  # type: ignore[attr-defined]
    scoped: models.QuerySet[M] = qs.visible_to(user)  # type: ignore[attr-defined]
    return scoped.filter(**{f"{code_path}__startswith": region.scope_prefix}).order_by()


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as local times: from the start day's midnight to the midnight after its end."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _n(value: Any) -> int:
    return int(value or 0)


# --- the sections --------------------------------------------------------------------------------


def _in_force_on(day: date, *, person: Any) -> Q:
    return Q(beneficiary=person, approved_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def registry_figures(user: User, region: Region, start: date, end: date) -> RegistryFigures:
    alive_at_end = Q(death_date__isnull=True) | Q(death_date__gt=end)
    held_at_end = Exists(Qualification.objects.filter(_in_force_on(end, person=OuterRef("pk"))))
    approved_before = Exists(Qualification.objects.filter(beneficiary=OuterRef("pk"), approved_on__lt=start))
    approved_in = Exists(
        Qualification.objects.filter(beneficiary=OuterRef("pk"), approved_on__range=(start, end))
    )
    held_at_death = Exists(
        Qualification.objects.filter(
            beneficiary=OuterRef("pk"), approved_on__lte=OuterRef("death_date")
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("death_date")))
    )
    ended_in = Exists(Qualification.objects.filter(beneficiary=OuterRef("pk"), ended_on__range=(start, end)))
    people = _in(Beneficiary.objects.all(), user, region)
    row = people.aggregate(
        persons=Count("pk", filter=alive_at_end & Q(held_at_end)),
        added=Count("pk", filter=Q(approved_in) & ~Q(approved_before)),
        ended=Count(
            "pk",
            filter=(Q(death_date__range=(start, end)) & Q(held_at_death))
            | (alive_at_end & ~Q(held_at_end) & Q(ended_in)),
        ),
    )
    in_force = _in(Qualification.objects.all(), user, region).filter(
        Q(approved_on__lte=end),
        Q(ended_on__isnull=True) | Q(ended_on__gt=end),
        Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gt=end),
    )
    by_category = {
        r["category"]: r["n"]
        for r in in_force.values("category").annotate(n=Count("pk")).order_by("category")
    }
    return RegistryFigures(
        persons=_n(row["persons"]), by_category=by_category, added=_n(row["added"]), ended=_n(row["ended"])
    )


def payment_figures(user: User, region: Region, start: date, end: date) -> PaymentFigures:
    in_batches = Q(batch__period__range=(start, end)) & ~Q(batch__state=BatchState.DISCARDED)
    paid_line = BatchLine.objects.filter(
        batch_id=OuterRef("batch_id"), beneficiary_id=OuterRef("beneficiary_id"), status=LineStatus.PAID
    )
    # No item is for a month after its batch's period: the bound lets PostgreSQL skip the
    # partitions of later months.
    items = (
        _in(BatchItem.objects.all(), user, region)
        .filter(in_batches, month__lte=end.year * 100 + end.month)
        .filter(Exists(paid_line))
    )
    by_benefit = {
        r["benefit"]: _n(r["fen"])
        for r in items.values("benefit").annotate(fen=Sum("amount_fen")).order_by("benefit")
    }
    by_kind = dict.fromkeys(KINDS, 0)
    for benefit, fen in by_benefit.items():
        by_kind[KIND_OF_BENEFIT[benefit]] += fen
    paid = Q(status=LineStatus.PAID)
    lines = (
        _in(BatchLine.objects.all(), user, region)
        .filter(in_batches)
        .aggregate(
            persons=Count("beneficiary_id", distinct=True, filter=paid),
            arrears=Sum("arrears_fen", filter=paid),
            failed=Count("pk", filter=Q(status__in=[LineStatus.FAILED, LineStatus.HELD])),
        )
    )
    first, after = _moments(start, end)
    # A claim superseded by a later batch of the range is counted once, as that batch's claim.
    raised = in_batches & (Q(superseded_by__isnull=True) | Q(superseded_by__period__gt=end))
    settled = Q(settled_at__gte=first, settled_at__lt=after)
    recoveries = _in(Recovery.objects.all(), user, region).aggregate(
        raised=Sum("amount_fen", filter=raised),
        recovered=Sum("amount_fen", filter=settled & Q(status=RecoveryStatus.RECOVERED)),
        waived=Sum("amount_fen", filter=settled & Q(status=RecoveryStatus.WAIVED)),
    )
    return PaymentFigures(
        paid_total_fen=sum(by_benefit.values()),
        by_kind_fen=by_kind,
        by_benefit_fen=by_benefit,
        persons_paid=_n(lines["persons"]),
        arrears_total_fen=_n(lines["arrears"]),
        recoveries_raised_fen=_n(recoveries["raised"]),
        recoveries_settled_fen=_n(recoveries["recovered"]),
        recoveries_waived_fen=_n(recoveries["waived"]),
        failed_lines=_n(lines["failed"]),
    )


def relief_figures(user: User, region: Region, start: date, end: date) -> ReliefFigures:
    row = (
        _in(ReliefGrant.objects.all(), user, region)
        .filter(approved_on__range=(start, end), state__in=[GrantState.APPROVED, GrantState.PAID])
        .aggregate(n=Count("pk"), fen=Sum("amount_fen"))
    )
    return ReliefFigures(grants=_n(row["n"]), amount_fen=_n(row["fen"]))


def medical_figures(user: User, region: Region, start: date, end: date) -> MedicalFigures:
    first, after = _moments(start, end)
    row = (
        _in(MedicalClaim.objects.all(), user, region)
        .filter(decided_at__gte=first, decided_at__lt=after, state__in=[ClaimState.APPROVED, ClaimState.PAID])
        .aggregate(n=Count("pk"), fen=Sum("subsidy_fen"))
    )
    return MedicalFigures(claims=_n(row["n"]), subsidy_fen=_n(row["fen"]))


def housing_figures(user: User, region: Region, start: date, end: date) -> HousingFigures:
    cases = (
        _in(HousingCase.objects.all(), user, region)
        .filter(state=CaseState.COMPLETED, completed_on__range=(start, end))
        .aggregate(n=Count("pk"), households=Count("beneficiary_id", distinct=True))
    )
    spent = (
        _in(HousingDisbursement.objects.all(), user, region)
        .filter(paid_on__range=(start, end))
        .aggregate(fen=Sum("amount_fen"))
    )
    return HousingFigures(
        cases_completed=_n(cases["n"]), households=_n(cases["households"]), amount_fen=_n(spent["fen"])
    )


def pairing_figures(user: User, region: Region, start: date, end: date) -> PairingFigures:
    row = (
        _in(PairingActivity.objects.all(), user, region)
        .filter(done_on__range=(start, end))
        .aggregate(
            n=Count("pk"),
            fen=Sum("amount_fen"),
            departments=Count("pairing__department_id", distinct=True),
            households=Count("pairing__beneficiary_id", distinct=True),
        )
    )
    return PairingFigures(
        activities=_n(row["n"]),
        amount_fen=_n(row["fen"]),
        departments=_n(row["departments"]),
        households=_n(row["households"]),
    )


def _yyyymmdd(path: str) -> Any:
    return ExtractYear(path) * 10000 + ExtractMonth(path) * 100 + ExtractDay(path)


def visit_figures(user: User, region: Region, start: date, end: date) -> VisitFigures:
    # yyyymmdd as a number: a person is 60 on the day whose number is their birth's + 600000.
    visits = (
        _in(Visit.objects.all(), user, region)
        .filter(visited_on__range=(start, end))
        .annotate(born=_yyyymmdd("target__beneficiary__birth_date"), on=_yyyymmdd("visited_on"))
        .aggregate(n=Count("pk"), elderly=Count("pk", filter=Q(born__lte=F("on") - ELDERLY_AGE * 10000)))
    )
    targets = (
        _in(VisitTarget.objects.all(), user, region)
        .filter(campaign__starts_on__lte=end, campaign__ends_on__gte=start)
        .count()
    )
    return VisitFigures(visited=_n(visits["n"]), elderly=_n(visits["elderly"]), targets=targets)


def petition_figures(user: User, region: Region, start: date, end: date) -> PetitionFigures:
    first, after = _moments(start, end)
    period = (start, end)
    accepted = Q(accepted_on__range=period)
    concluded = Q(concluded_on__range=period)
    rated = Q(rated_at__gte=first, rated_at__lt=after)
    row = _in(Petition.objects.all(), user, region).aggregate(
        received=Count("pk", filter=Q(received_on__range=period)),
        accepted=Count("pk", filter=accepted),
        accepted_on_time=Count("pk", filter=accepted & Q(accepted_on__lte=models.F("accept_due"))),
        replied=Count("pk", filter=Q(replied_on__range=period)),
        concluded=Count("pk", filter=concluded),
        concluded_on_time=Count(
            "pk", filter=concluded & Q(replied_on__isnull=False, replied_on__lte=models.F("handle_due"))
        ),
        extended=Count("pk", filter=Q(extended_on__range=period)),
        satisfied=Count("pk", filter=rated & Q(satisfaction=Satisfaction.SATISFIED)),
        basically_satisfied=Count("pk", filter=rated & Q(satisfaction=Satisfaction.BASICALLY_SATISFIED)),
        dissatisfied=Count("pk", filter=rated & Q(satisfaction=Satisfaction.DISSATISFIED)),
    )
    return PetitionFigures(**{key: _n(value) for key, value in row.items()})


def needs_figures(user: User, region: Region, start: date, end: date) -> NeedsFigures:
    row = _in(Finding.objects.all(), user, region).aggregate(
        found=Count("pk", filter=Q(found_on__range=(start, end))),
        solved=Count("pk", filter=Q(solved_on__range=(start, end))),
        open=Count("pk", filter=Q(found_on__lte=end) & (Q(solved_on__isnull=True) | Q(solved_on__gt=end))),
    )
    return NeedsFigures(found=_n(row["found"]), solved=_n(row["solved"]), open=_n(row["open"]))


def summary(user: User, start: date, end: date, region: Region | None = None) -> Summary:
    """The figures of [start, end] for ``region`` (the user's own when None), in the user's scope.
    The caller has checked the dates (``youfu/reports/periods.py``); a region outside the user's
    scope is a 404 (``report_region``)."""
    where = report_region(user, region.code if region is not None else None)
    return Summary(
        region=where,
        start=start,
        end=end,
        registry=registry_figures(user, where, start, end),
        payments=payment_figures(user, where, start, end),
        relief=relief_figures(user, where, start, end),
        medical=medical_figures(user, where, start, end),
        housing=housing_figures(user, where, start, end),
        pairing=pairing_figures(user, where, start, end),
        visits=visit_figures(user, where, start, end),
        petitions=petition_figures(user, where, start, end),
        needs_checks=needs_figures(user, where, start, end),
    )
