"""The dashboard of a year for a region: the figures its charts draw, in the user's scope.

A fixed number of grouped queries (``DASHBOARD_QUERIES``), whatever the townships, people or
months: each figure is one ``GROUP BY`` (month, township, category, state) or one aggregate.

- ``months``: for each month of the year and of the year before, what the bank confirmed paid
  (the paid lines' items of the batch whose period is that month, as ``payments.paid_total``
  counts it) and the people with a paid line in that batch.
- ``townships``: for each township of the region, the people on the registry at the end of the
  year (as ``registry.persons``), the people with a paid line in a batch of the year, and the
  petitions received in the year.
- ``by_category``: the qualifications in force at the end of the year, per category (as
  ``registry.by_category``).
- ``petitions_by_state``: the petitions received in the year, by their state now;
  ``petitions_by_urgency``: the open petitions now, by their running deadline (overdue, due
  within ``SOON_WORKING_DAYS`` working days, later, none running). Counts only: no petitioner is
  named, ranked or scored.
- ``care``: visit targets of the campaigns running in the year and those visited; needs-check
  findings open at the end of the year and solved in it; homes graded C or D by their latest
  survey (the person alive), and those no case serves (housing's own ``unserved_surveys``);
  relief grants approved in the year and their amount.

The figures that read every person's rows — ``townships``' people and people paid,
``by_category``, the ``months`` (a township's from its people's lines of two years), the visit
targets and the homes — took 5–7 s at a million people. The queue counts them ahead every few
minutes (``youfu/reports/tally.py``); when a recent count of the year exists the dashboard reads
its rows (the months when the year before was counted too) and says when they were counted
(``counted_at``), else it counts them itself. Petitions, needs checks and relief are always
counted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from youfu.accounts.models import User
from youfu.benefits.models import PaidMonths
from youfu.benefits.money import money
from youfu.core.workdays import WorkCalendar
from youfu.outreach.visits.models import VisitTarget
from youfu.petitions.models import OPEN_STATES, Petition
from youfu.petitions.selectors import SOON_WORKING_DAYS, running_due
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import PersonStatus, Qualification
from youfu.relief.housing.models import NEEDS_WORK
from youfu.relief.housing.selectors import latest_surveys, unserved_surveys
from youfu.reports import selectors, tally
from youfu.reports.appraisal import TOWNSHIP_DIGITS

# The queries one dashboard of a county takes, whatever the number of its townships or people
# (pinned by the tests): 14 figures, the two years' batches, the people outside the scope
# (``selectors.few_outside``: a township's dashboard looks its people up instead, one query
# fewer), 2 for the working-day calendar that places "due soon", and 1 asking for the count made
# ahead (``tally``; when there is a recent one, its rows replace eight of these, in fewer queries).
DASHBOARD_QUERIES = 18
URGENCIES = ("overdue", "soon", "later", "none")


@dataclass(frozen=True)
class MonthFigures:
    month: int
    paid_fen: int
    persons_paid: int
    prev_paid_fen: int
    prev_persons_paid: int


@dataclass(frozen=True)
class TownshipFigures:
    code: str
    name: str
    persons: int
    persons_paid: int
    petitions_received: int


@dataclass(frozen=True)
class CareFigures:
    visit_targets: int
    visited: int
    findings_open: int
    findings_solved: int
    homes_cd: int
    homes_unserved: int
    relief_grants: int
    relief_amount_fen: int


@dataclass(frozen=True)
class Dashboard:
    region: Region
    year: int
    months: list[MonthFigures]
    townships: list[TownshipFigures]
    by_category: dict[str, int]
    petitions_by_state: dict[str, int]
    petitions_by_urgency: dict[str, int]
    care: CareFigures
    # When the heavy figures were counted by the queue (``tally``: the registry's, the people
    # paid, the months, the visits and the homes); None: all counted for this dashboard.
    counted_at: datetime | None = None


def _within(qs: QuerySet[Any], region: Region) -> QuerySet[Any]:
    """``qs`` (already in the user's scope) inside ``region``, by the scope's own code column."""
    code_path = qs.model.scope.code_path
    return qs.filter(**{f"{code_path}__startswith": region.scope_prefix}).order_by()


def _township_of(qs: QuerySet[Any]) -> Substr:
    return Substr(qs.model.scope.code_path, 1, TOWNSHIP_DIGITS)


def _months(
    user: User, region: Region, year: int, counted: tuple[tally.Counted, tally.Counted] | None
) -> list[MonthFigures]:
    # A line is its items summed (``selectors``): what the bank paid in a month is its paid
    # lines' amounts, and one paid line is one person paid. Counted ahead for both years, or a
    # county's from its batches' own returned figures, less the few people outside the scope
    # (``selectors.paid_per_batch``), a township's from its people's lines.
    month: dict[tuple[int, int], tuple[int, int]] = {}
    if counted is not None:
        for c in counted:
            lines = c.by_key(tally.PAID_LINES)
            for key, fen in c.by_key(tally.PAID_FEN).items():
                ym = (int(key) // 100, int(key) % 100)
                had = month.get(ym, (0, 0))
                month[ym] = (had[0] + fen, had[1] + lines.get(key, 0))
    else:
        for period, fen, n in selectors.paid_per_batch(
            user, region, date(year - 1, 1, 1), date(year, 12, 31)
        ).values():
            had = month.get((period.year, period.month), (0, 0))
            month[(period.year, period.month)] = (had[0] + fen, had[1] + n)
    return [
        MonthFigures(
            month=m,
            paid_fen=month.get((year, m), (0, 0))[0],
            persons_paid=month.get((year, m), (0, 0))[1],
            prev_paid_fen=month.get((year - 1, m), (0, 0))[0],
            prev_persons_paid=month.get((year - 1, m), (0, 0))[1],
        )
        for m in range(1, 13)
    ]


def _townships(user: User, region: Region, year: int, counted: tally.Counted | None) -> list[TownshipFigures]:
    # A county's townships; a township (or a village) is its own one row.
    own = Q(parent=region) if region.level == RegionLevel.COUNTY else Q(code=region.code)
    places = list(Region.objects.visible_to(user).filter(own).order_by("code"))
    first, end = date(year, 1, 1), date(year, 12, 31)
    # On the registry at the end of the year (as ``registry.persons``): alive then, with a
    # qualification in force; counted from the qualifications in force, a person once.
    # Counted ahead by the queue when there is a recent count (``tally``), else here.
    if counted is not None:
        people = counted.by_township(tally.PERSONS)
    else:
        in_force = _within(Qualification.objects.visible_to(user), region).filter(
            Q(approved_on__lte=end),
            Q(ended_on__isnull=True) | Q(ended_on__gt=end),
            Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gt=end),
        )
        people = {
            r["t"]: int(r["n"])
            for r in in_force.values(t=_township_of(in_force)).annotate(
                n=Count("beneficiary_id", distinct=True)
            )
        }
    # With a paid line in a batch of the year: their paid months of the year (``PaidMonths``,
    # a row a person), the people in scope counted by their township.
    if counted is not None:
        paid = counted.by_township(tally.PAID_PERSONS)
    else:
        paid_in_year = (
            PaidMonths.objects.filter(year=year, months__gt=0)  # scope: in_scope() joins the people in scope
            .values("beneficiary_id")
            .order_by()
        )
        township = f"SUBSTR(p.place, 1, {TOWNSHIP_DIGITS})"
        paid = {
            str(t): int(n)
            for t, n in selectors.in_scope(
                user, region, paid_in_year, f"{township}, COUNT(*)", [], group_by=township
            )
        }
    petitions_qs = _within(Petition.objects.visible_to(user), region)
    received = {
        r["t"]: int(r["n"])
        for r in petitions_qs.filter(received_on__range=(first, end))
        .values(t=_township_of(petitions_qs))
        .annotate(n=Count("pk"))
    }
    return [
        TownshipFigures(
            code=place.code,
            name=place.name,
            persons=people.get(place.code[:TOWNSHIP_DIGITS], 0),
            persons_paid=paid.get(place.code[:TOWNSHIP_DIGITS], 0),
            petitions_received=received.get(place.code[:TOWNSHIP_DIGITS], 0),
        )
        for place in places
    ]


def _petitions(user: User, region: Region, year: int) -> tuple[dict[str, int], dict[str, int]]:
    petitions = _within(Petition.objects.visible_to(user), region)
    by_state = {
        r["state"]: int(r["n"])
        for r in petitions.filter(received_on__year=year)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by("state")
    }
    today = timezone.localdate()
    horizon = WorkCalendar().add_working_days(today, SOON_WORKING_DAYS).date
    overdue = running_due(until=date.fromordinal(today.toordinal() - 1))
    soon = running_due(after=today, until=horizon)
    later = running_due(after=date.fromordinal(horizon.toordinal() + 1))
    row = petitions.filter(state__in=OPEN_STATES).aggregate(
        overdue=Count("pk", filter=overdue),
        soon=Count("pk", filter=soon),
        later=Count("pk", filter=later),
        none=Count("pk", filter=~(overdue | soon | later)),
    )
    return by_state, {key: int(row[key] or 0) for key in URGENCIES}


def _care(user: User, region: Region, year: int, counted: tally.Counted | None) -> CareFigures:
    first, end = date(year, 1, 1), date(year, 12, 31)
    if counted is not None:
        targets = {"n": counted.total(tally.VISIT_TARGETS), "visited": counted.total(tally.VISITED)}
        homes = counted.total(tally.HOMES_CD)
        unserved = counted.total(tally.HOMES_UNSERVED)
    else:
        targets = (
            _within(VisitTarget.objects.visible_to(user), region)
            .filter(campaign__starts_on__lte=end, campaign__ends_on__gte=first)
            .aggregate(n=Count("pk"), visited=Count("pk", filter=Q(visit__isnull=False)))
        )
        homes = (
            _within(latest_surveys().visible_to(user), region)  # type: ignore[attr-defined]
            .filter(grade__in=NEEDS_WORK, beneficiary__status=PersonStatus.ALIVE)
            .count()
        )
        unserved = _within(unserved_surveys().visible_to(user), region).count()  # type: ignore[attr-defined]
    needs = selectors.needs_figures(user, region, first, end)
    relief = selectors.relief_figures(user, region, first, end)
    return CareFigures(
        visit_targets=int(targets["n"] or 0),
        visited=int(targets["visited"] or 0),
        findings_open=needs.open,
        findings_solved=needs.solved,
        homes_cd=homes,
        homes_unserved=unserved,
        relief_grants=relief.grants,
        relief_amount_fen=relief.amount_fen,
    )


def dashboard_data(d: Dashboard) -> dict[str, Any]:
    """The figures as the API gives them and the page carries them for its charts (amounts as
    strings with two decimals)."""
    c = d.care
    return {
        "region": {"code": d.region.code, "name": d.region.name, "level": d.region.level},
        "year": d.year,
        "counted_at": d.counted_at.isoformat() if d.counted_at else None,
        "months": [
            {
                "month": m.month,
                "paid": money(m.paid_fen),
                "persons_paid": m.persons_paid,
                "prev_paid": money(m.prev_paid_fen),
                "prev_persons_paid": m.prev_persons_paid,
            }
            for m in d.months
        ],
        "townships": [vars(t).copy() for t in d.townships],
        "by_category": d.by_category,
        "petitions_by_state": d.petitions_by_state,
        "petitions_by_urgency": d.petitions_by_urgency,
        "care": {
            "visit_targets": c.visit_targets,
            "visited": c.visited,
            "findings_open": c.findings_open,
            "findings_solved": c.findings_solved,
            "homes_cd": c.homes_cd,
            "homes_served": c.homes_cd - c.homes_unserved,
            "homes_unserved": c.homes_unserved,
            "relief_grants": c.relief_grants,
            "relief_amount": money(c.relief_amount_fen),
        },
    }


def dashboard(user: User, year: int, region: Region) -> Dashboard:
    """The dashboard of ``year`` for ``region`` (checked by ``selectors.report_region``)."""
    selectors.require_reader(user)
    by_state, by_urgency = _petitions(user, region, year)
    end = date(year, 12, 31)
    # The queue's counts of the year and of the year before (``tally``), when recent.
    run = tally.fresh_run(end)
    counted = tally.Counted(user, region, run, TOWNSHIP_DIGITS) if run is not None else None
    before = tally.fresh_run(date(year - 1, 12, 31)) if counted is not None else None
    both = (counted, tally.Counted(user, region, before, TOWNSHIP_DIGITS)) if counted and before else None
    return Dashboard(
        region=region,
        year=year,
        months=_months(user, region, year, both),
        townships=_townships(user, region, year, counted),
        by_category=(
            counted.by_key(tally.QUALIFICATIONS)
            if counted is not None
            else selectors.categories_in_force(user, region, end)
        ),
        petitions_by_state=by_state,
        petitions_by_urgency=by_urgency,
        care=_care(user, region, year, counted),
        counted_at=run.counted_at if run is not None else None,
    )
