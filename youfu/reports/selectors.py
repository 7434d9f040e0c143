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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Case, Count, ExpressionWrapper, F, Max, Q, Sum, Value, When
from django.db.models.expressions import Func
from django.db.models.sql.where import WhereNode

from youfu.accounts.models import User
from youfu.benefits.models import (
    BENEFIT_BIT,
    Batch,
    BatchLine,
    BatchState,
    LinePart,
    LineStatus,
    LineSum,
    PaidMonths,
    PaymentBenefit,
    Recovery,
    RecoveryStatus,
    month_bit,
    several_benefits_sql,
)
from youfu.benefits.money import ym
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404
from youfu.outreach.needs.models import Finding
from youfu.outreach.pairing.models import PairingActivity
from youfu.outreach.visits.models import VisitTarget
from youfu.petitions.models import Petition, Satisfaction
from youfu.regions.models import Region, RegionLevel
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


def _flag(condition: Q) -> Max:
    """1 when a row of the group meets ``condition``, else 0."""
    return Max(Case(When(condition, then=Value(1)), default=Value(0)))


def registry_figures(user: User, region: Region, start: date, end: date) -> RegistryFigures:
    # One pass over the qualifications, a person's together (their index on the person), each
    # person's flags then counted: not four probes of the qualifications for every person. A
    # person without any qualification counts in none of the three figures.
    in_force_at_end = Q(approved_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gt=end))
    death = F("beneficiary__death_date")
    held_at_death = Q(approved_on__lte=death) & (Q(ended_on__isnull=True) | Q(ended_on__gte=death))
    per_person = (
        _in(Qualification.objects.all(), user, region)
        .values("beneficiary_id")
        .annotate(
            died=Max("beneficiary__death_date"),
            held=_flag(in_force_at_end),
            before=_flag(Q(approved_on__lt=start)),
            new=_flag(Q(approved_on__range=(start, end))),
            at_death=_flag(held_at_death),
            left=_flag(Q(ended_on__range=(start, end))),
        )
    )
    alive_at_end = Q(died__isnull=True) | Q(died__gt=end)
    row = per_person.aggregate(
        persons=Count("beneficiary_id", filter=alive_at_end & Q(held=1)),
        added=Count("beneficiary_id", filter=Q(new=1, before=0)),
        ended=Count(
            "beneficiary_id",
            filter=(Q(died__range=(start, end)) & Q(at_death=1)) | (alive_at_end & Q(held=0, left=1)),
        ),
    )
    return RegistryFigures(
        persons=_n(row["persons"]),
        by_category=categories_in_force(user, region, end),
        added=_n(row["added"]),
        ended=_n(row["ended"]),
    )


def categories_in_force(user: User, region: Region, end: date) -> dict[str, int]:
    """The qualifications in force at ``end`` of the people alive then, per category."""
    in_force = _in(Qualification.objects.all(), user, region).filter(
        Q(approved_on__lte=end),
        Q(ended_on__isnull=True) | Q(ended_on__gt=end),
        Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gt=end),
    )
    return {
        r["category"]: r["n"]
        for r in in_force.values("category").annotate(n=Count("pk")).order_by("category")
    }


# --- payments: read from the bank lines, a person's together ----------------------------------------
#
# A line is one person's items of one batch summed (the engine writes both from the same sums):
# its amount is its items' amounts, and ``benefits`` holds the bit of each benefit among them. So
# what the bank paid, per benefit, is the amount of the paid lines paying a single benefit, plus,
# for the few paying more than one (and lines from before lines kept their benefits), their parts'
# (``LinePart``: what such a line pays of each benefit, its items summed, written with it).
# A county's lines are summed batch by batch from the index ``line_sums`` alone; a township's
# are read from ``line_person`` alone (month, person, status, benefits, batch, amount, arrears:
# benefits migrations 0009 and 0012), month by month and person by person, and the scope is
# applied to the people: once a person a month, not once an item. At a million people and
# ten million lines a year this is what keeps the summary and the dashboard within seconds
# (``bench/bench_reports.py``).


def period_batches(start: date, end: date) -> dict[int, date]:
    """The batches whose period (the month's first day) falls in [start, end], discarded ones
    left out, with their periods. Of any county: their lines and parts are kept or not by their
    person's scope."""
    return dict(
        Batch.objects.filter(period__range=(start, end))  # scope: the lines read with them are scoped
        .exclude(state=BatchState.DISCARDED)
        .order_by("pk")
        .values_list("pk", "period")
    )


def _runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive ids as (first, last) runs: [1, 2, 3, 5] → [(1, 3), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def lines_of(batches: Mapping[int, date], *, person_led: bool = True) -> models.QuerySet[Any]:
    """The lines of ``batches`` (their ids and periods, as ``period_batches`` gives them), not yet
    scoped: ``LineScope.lines`` keeps those of the people in scope.

    A period's batches are mostly consecutive ids, so they are tested as ranges of ids (two
    comparisons a line, where ``IN`` looked each line's batch up: a quarter of the time). On
    SQLite the batch is tested as ``batch_id + 0``, which no index serves, so that SQLite (no
    statistics) reads the lines month by month and person by person from ``line_person`` (the
    batches' months are named for it) instead of taking the batch's own indexes and visiting
    each wide row; PostgreSQL estimates the plain test well and would misjudge the other, and
    its months leave out every other month's partition before anything is read. With
    ``person_led`` False (a county's lines, read whole), the batch is tested as it is and the
    lines are read batch by batch from ``line_sums``."""
    lines: models.QuerySet[Any] = BatchLine.objects.order_by()  # scope: LineScope keeps them in scope
    # The batch's id as a number (a foreign key takes no range), ``+ 0`` on SQLite.
    key: Any = F("batch_id") + 0 if connection.vendor == "sqlite" and person_led else F("batch_id")
    lines = lines.alias(batch_key=ExpressionWrapper(key, output_field=models.BigIntegerField()))
    runs = _runs(batches)
    if not runs:
        return lines.none()
    within = Q()
    for first, last in runs:
        within |= Q(batch_key__range=(first, last))
    lines = lines.filter(within)
    if not person_led:
        # ``month`` is not in ``line_sums``: on PostgreSQL the bound would keep the index from
        # being read alone (a partition of other months answers the batch's range with one
        # descent of its index), and SQLite has no partitions to leave out.
        return lines
    # ``line_person`` is led by the month: each of the batches' months, then the person (on
    # PostgreSQL the months also leave out every other month's partition).
    return lines.filter(month__in=sorted({ym(period) for period in batches.values()}))


def _people_in_scope(user: User, region: Region) -> tuple[str, list[Any]] | None:
    """The SQL of the people visible to ``user`` inside ``region`` (``person``, their id, and
    ``place``, their region's code), or None when there is nobody (a liaison)."""
    people = _in(Beneficiary.objects.all(), user, region).values(person=F("pk"), place=F("region_id"))
    try:
        sql, params = people.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, list(params)


# Above this many people outside the scope, ``LineScope`` looks the people in scope up instead
# of leaving those outside out (a set of ids this small is one hash or one small tree).
FEW_OUTSIDE = 10_000


def few_outside(user: User, region: Region) -> models.QuerySet[Any] | None:
    """For a county (or above): the people outside the scope (the ids of those not visible to
    ``user`` inside ``region``: the scope's own conditions negated), when they are no more than
    ``FEW_OUTSIDE`` (one query); None for a township or a village, whose people are looked up
    instead, and when those outside are many. Nobody in a county's own database."""
    if region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        return None
    outside = _in(Beneficiary.objects.all(), user, region).values("pk")
    outside.query.where = WhereNode([outside.query.where], negated=True)
    if len(outside[: FEW_OUTSIDE + 1]) <= FEW_OUTSIDE:
        return outside
    return None


def paid_per_batch(user: User, region: Region, start: date, end: date) -> dict[int, tuple[date, int, int]]:
    """For each batch whose period falls in [start, end] (discarded ones left out): its period,
    what the bank confirmed paid to the people in scope, and their paid lines (one a person).

    A county's are the batch's own figures (``returned_paid_fen``, ``returned_paid``), which the
    bank returns' import counts from the batch's lines in the same transaction as it marks them
    paid (the only way a line becomes paid), less the paid lines of the few people outside the
    scope, found person by person: no pass over the lines. Where the people outside are many,
    and for a township or a village, the paid lines of the people in scope are summed instead."""
    rows = list(
        Batch.objects.filter(period__range=(start, end))  # scope: the lines read with them are scoped
        .exclude(state=BatchState.DISCARDED)
        .order_by("pk")
        .values_list("pk", "period", "returned_paid_fen", "returned_paid")
    )
    periods = {pk: period for pk, period, _fen, _n in rows}
    paid = lines_of(periods).filter(status=LineStatus.PAID)
    people = _in(Beneficiary.objects.all(), user, region)
    if people.query.is_empty():  # nobody in scope (a liaison)
        return {pk: (period, 0, 0) for pk, period in periods.items()}
    outside = few_outside(user, region)
    if outside is None:
        found = _per_batch(paid.filter(beneficiary_id__in=people.values("pk")))
        return {pk: (period, *found.get(pk, (0, 0))) for pk, period in periods.items()}
    less = _per_batch(paid.filter(beneficiary_id__in=outside))
    return {
        pk: (period, int(fen) - less.get(pk, (0, 0))[0], int(n) - less.get(pk, (0, 0))[1])
        for pk, period, fen, n in rows
    }


def _per_batch(lines: models.QuerySet[Any]) -> dict[int, tuple[int, int]]:
    """The lines' amounts and number, per batch."""
    return {
        r["batch_id"]: (_n(r["fen"]), _n(r["n"]))
        for r in lines.values("batch_id").annotate(fen=Sum("amount_fen"), n=Count("*"))
    }


def in_scope(
    user: User,
    region: Region,
    grouped: models.QuerySet[Any],
    select: str,
    params: list[Any],
    group_by: str = "",
) -> list[tuple[Any, ...]]:
    """``SELECT <select> FROM (grouped) x JOIN (the people in scope) p [GROUP BY <group_by>]``:
    the rows of ``grouped`` (lines grouped by ``beneficiary_id``) with their person's ``place``,
    for figures counted by the person's region. The people come from ``visible_to``, like every
    read of a report; the join is written out because the ORM joins only tables. No rows when
    there is nobody, or no batch."""
    people = _people_in_scope(user, region)
    try:
        inner, inner_params = grouped.query.sql_with_params()
    except EmptyResultSet:  # no batch
        return []
    if people is None:
        return []
    people_sql, people_params = people
    sql = f"SELECT {select} FROM ({inner}) x JOIN ({people_sql}) p ON p.person = x.beneficiary_id"  # noqa: S608
    if group_by:
        sql += f" GROUP BY {group_by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params, *people_params])
        return list(cursor.fetchall())


def _paid_by_benefit(
    user: User, region: Region, batches: list[int], single: dict[str, int]
) -> dict[str, int]:
    """``single`` (what the paid single-benefit lines paid, per benefit) and the parts of the paid
    lines paying more than one benefit (``LinePart``, which the engine writes beside them). Those
    lines are read through the partial index ``line_mixed`` alone, whose condition the query
    repeats word for word (``several_benefits_sql``), and their parts through their key (batch,
    person). SQLite, without statistics, is told so (``INDEXED BY``: it would rather read every
    paid line through ``line_sums``), and ``CROSS JOIN`` keeps it from reading the parts first.
    The lines' ``month`` is not bounded, on PostgreSQL either: it is in no index, and with it
    every mixed line's row was visited (at 100,000 people, 0.10–0.63 s against 0.04 s from
    each month's ``line_mixed`` alone, one descent a batch)."""
    by_benefit = dict(single)
    people = _people_in_scope(user, region)
    if batches and people is not None:
        people_sql, people_params = people
        marks = ", ".join(["%s"] * len(batches))
        hint = "INDEXED BY line_mixed " if connection.vendor == "sqlite" else ""
        sql = (
            f"SELECT t.benefit, SUM(t.amount_fen) FROM {BatchLine._meta.db_table} l {hint}"  # noqa: S608
            f"JOIN ({people_sql}) p ON p.person = l.beneficiary_id "
            f"CROSS JOIN {LinePart._meta.db_table} t "
            f"WHERE l.batch_id IN ({marks}) AND l.status = %s AND {several_benefits_sql('l.benefits')} "
            "AND t.batch_id = l.batch_id AND t.beneficiary_id = l.beneficiary_id "
            "GROUP BY t.benefit"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*people_params, *batches, LineStatus.PAID.value])
            for benefit, fen in cursor.fetchall():
                by_benefit[benefit] = by_benefit.get(benefit, 0) + int(fen)
    return dict(sorted(by_benefit.items()))


class LineScope:
    """Which people's lines and paid months a report keeps (one query, for a county): none (a
    liaison), all less those of the few people outside the scope (a county's: its lines read
    whole, batch by batch, and those people's subtracted, found person by person), or those of
    the people in scope (a township's, or a county's with many outside, person by person). The
    people are read through ``visible_to``, like every read of a report."""

    def __init__(self, user: User, region: Region) -> None:
        people = _in(Beneficiary.objects.all(), user, region)
        self.nobody = people.query.is_empty()
        self.outside = None if self.nobody else few_outside(user, region)
        self.inside = people.values("pk")

    def sums(self, batches: Mapping[int, date]) -> dict[tuple[str, int], tuple[int, int, int]]:
        """The lines of ``batches`` kept, per status and benefits: their number, amount and
        arrears. One query: for a county, the whole lines' sums and, beside them (``UNION
        ALL``), those of the people outside negated — not a test of every line against the
        people outside, which on PostgreSQL would also keep the scan from running in parallel."""
        if self.nobody:
            return {}

        def summed(lines: models.QuerySet[Any], lead: str, sign: int) -> models.QuerySet[Any]:
            # Grouped by the index's own first column too (the batch, or the month), so that
            # a county's groups come in ``line_sums``' order: grouped by status and benefits
            # alone, SQLite sorted every line first (at a year of a million people, 9.9 s
            # against 2.7 s). Read person by person (``line_person``: month, then person) the
            # lines are sorted for the groups either way; by the month they are few.
            return lines.values(lead, "status", "benefits").annotate(
                n=Count("*") * sign, fen=Sum("amount_fen") * sign, arrears=Sum("arrears_fen") * sign
            )

        found: dict[tuple[str, int], tuple[int, int, int]] = {}

        def add(status: str, benefits: int, n: int, fen: int, arrears: int) -> None:
            was = found.get((status, benefits), (0, 0, 0))
            found[(status, benefits)] = (was[0] + n, was[1] + fen, was[2] + arrears)

        if self.outside is None:
            rows = summed(lines_of(batches).filter(beneficiary_id__in=self.inside), "month", 1)
        else:
            # The batches the bank has answered have their lines' sums kept (``LineSum``, a few
            # rows a batch); only the others' lines are summed here (a batch still awaiting the
            # bank, at most one a county).
            kept = LineSum.objects.filter(
                batch_id__in=list(batches)
            ).values_list(  # scope: the people outside are subtracted below
                "batch_id", "status", "benefits", "lines", "amount_fen", "arrears_fen"
            )
            answered = set()
            for batch_id, status, benefits, n, fen, arrears in kept:
                answered.add(batch_id)
                add(status, benefits, n, fen, arrears)
            outside = summed(lines_of(batches).filter(beneficiary_id__in=self.outside), "month", -1)
            rest = {pk: period for pk, period in batches.items() if pk not in answered}
            rows = (
                summed(lines_of(rest, person_led=False), "batch_id", 1).union(outside, all=True)
                if rest
                else outside
            )
        for r in rows:
            add(r["status"], r["benefits"], _n(r["n"]), _n(r["fen"]), _n(r["arrears"]))
        return found

    def people(self, qs: models.QuerySet[M]) -> models.QuerySet[M]:
        """``qs`` (rows with a ``beneficiary_id``) kept to the people in scope."""
        if self.nobody:
            return qs.none()
        if self.outside is not None:
            return qs.exclude(beneficiary_id__in=self.outside)
        return qs.filter(beneficiary_id__in=self.inside)


def paid_months(batches: Mapping[int, date]) -> models.QuerySet[PaidMonths]:
    """The people's paid months with a paid line in a batch of ``batches`` (``PaidMonths``: the
    bank returns' import keeps them as it marks lines paid), not yet scoped; a person may be in
    several rows (one a year)."""
    masks: dict[int, int] = {}
    for period in batches.values():
        masks[period.year] = masks.get(period.year, 0) | month_bit(period.month)
    if not masks:
        return PaidMonths.objects.none()  # scope: LineScope.people() keeps them in scope
    hit = Case(
        *(When(year=year, then=F("months").bitand(mask)) for year, mask in masks.items()),
        default=Value(0),
        output_field=models.IntegerField(),
    )
    return (
        PaidMonths.objects.filter(year__in=list(masks))  # scope: LineScope.people() keeps them in scope
        .alias(hit=hit)
        .filter(hit__gt=0)
        .order_by()
    )


def payment_figures(user: User, region: Region, start: date, end: date) -> PaymentFigures:
    periods = period_batches(start, end)
    batches = list(periods)
    scope = LineScope(user, region)
    # The lines summed by status and benefits: a county's batch by batch (``line_sums``), a
    # township's person by person (``line_person``), from the index alone either way.
    sums = scope.sums(periods)
    paid = [v for (status, _b), v in sums.items() if status == LineStatus.PAID]
    not_paid = (LineStatus.FAILED, LineStatus.HELD)
    by_bit = {
        benefits: fen for (status, benefits), (_n_, fen, _a) in sums.items() if status == LineStatus.PAID
    }
    single = {str(benefit): by_bit[bit] for benefit, bit in BENEFIT_BIT.items() if by_bit.get(bit)}
    by_benefit = _paid_by_benefit(user, region, batches, single)
    by_kind = dict.fromkeys(KINDS, 0)
    for benefit, fen in by_benefit.items():
        by_kind[KIND_OF_BENEFIT[benefit]] += fen
    # People paid once however many months: from their paid months, not from the lines.
    persons = scope.people(paid_months(periods))
    several_years = len({period.year for period in periods.values()}) > 1
    persons_paid = persons.aggregate(n=Count("beneficiary_id", distinct=several_years))["n"]
    first, after = _moments(start, end)
    in_batches = Q(batch__period__range=(start, end)) & ~Q(batch__state=BatchState.DISCARDED)
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
        persons_paid=_n(persons_paid),
        arrears_total_fen=sum(arrears for _n_, _fen, arrears in paid),
        recoveries_raised_fen=_n(recoveries["raised"]),
        recoveries_settled_fen=_n(recoveries["recovered"]),
        recoveries_waived_fen=_n(recoveries["waived"]),
        failed_lines=sum(n for (status, _b), (n, _f, _a) in sums.items() if status in not_paid),
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


class DayNumber(Func):
    """A date as the number yyyymmdd, worked out by the database itself: on SQLite Django's
    ``ExtractYear`` and its kin call back into Python once a row, which at a few hundred thousand
    visits cost seconds."""

    output_field = models.IntegerField()
    template = "CAST(TO_CHAR(%(expressions)s, 'YYYYMMDD') AS INTEGER)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # Four % a sign: one pair for this template, one for the backend's own parameter style.
        template = "CAST(strftime('%%%%Y%%%%m%%%%d', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _yyyymmdd(path: str) -> Any:
    return DayNumber(path)


def visit_figures(user: User, region: Region, start: date, end: date) -> VisitFigures:
    # One pass over the targets, each with its visit if it has one (a visit is one target's; a
    # visit's scope is its target's person's, as the target's is).
    visited = Q(visit__visited_on__range=(start, end))
    running = Q(campaign__starts_on__lte=end, campaign__ends_on__gte=start)
    # yyyymmdd as a number: a person is 60 on the day whose number is their birth's + 600000.
    row = (
        _in(VisitTarget.objects.all(), user, region)
        .annotate(born=_yyyymmdd("beneficiary__birth_date"), on=_yyyymmdd("visit__visited_on"))
        .aggregate(
            targets=Count("pk", filter=running),
            visited=Count("pk", filter=visited),
            elderly=Count("pk", filter=visited & Q(born__lte=F("on") - ELDERLY_AGE * 10000)),
        )
    )
    return VisitFigures(visited=_n(row["visited"]), elderly=_n(row["elderly"]), targets=_n(row["targets"]))


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
