"""The dashboard's heavy figures counted ahead (the tables: ``tally_models``).

``recount(end)`` counts, for the whole database at once and per the people's own region, the
figures of the year that ends on ``end`` that read many rows (``FIGURES``), each as the dashboard
itself counts it (``dashboard.py``, ``selectors``): one grouped ``INSERT … SELECT`` per figure, in
one transaction that replaces the year's rows whole. The queue counts this year and the last one
every ``YOUFU_DASHBOARD_TALLY_MINUTES`` (``tasks.recount_dashboard_tally``); ``youfu
count-dashboard`` counts now.

``fresh_run(end)`` is the count the dashboard may use: one made less than three periods ago (a
worker that stopped is noticed: past that the dashboard counts for itself, as it did before,
exact and slower). A reader's figures are the rows inside their region, read through
``visible_to``: one query, a few thousand rows, whatever the people.

The figures are as exact as the records were at ``counted_at``, which the page shows beside them;
what was entered since is counted at the next count. The petitions, needs checks and relief grants
are always counted when asked, as is the summary report (``selectors``).

Not audited: the rows are derived from the areas' records (whose writes are), name nobody and are
rewritten whole from them at every count, as the bank lines' sums are.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from youfu.accounts.models import User
from youfu.benefits.models import LineStatus, PaidMonths
from youfu.outreach.visits.models import VisitTarget
from youfu.regions.models import Region
from youfu.registry.models import PersonStatus, Qualification
from youfu.relief.housing.models import NEEDS_WORK
from youfu.relief.housing.selectors import latest_surveys, unserved_surveys
from youfu.reports import selectors
from youfu.reports.tally_models import DashboardTally, DashboardTallyRun

SCOPE_TRUSTED = "counts the whole database ahead, per region; a reader's figures are read through visible_to"

# The figures (``DashboardTally.figure``), each per the people's region, and its key:
PERSONS = "persons"  # on the registry at the year's end (as ``registry.persons``)
QUALIFICATIONS = "qualifications"  # in force then, of the people alive then; key: the category
PAID_PERSONS = "paid_persons"  # with a paid line in a batch of the year (``PaidMonths``)
PAID_FEN = "paid_fen"  # the paid lines' amounts of the year's batches; key: their month, YYYYMM
PAID_LINES = "paid_lines"  # those lines (one a person and batch); key: the month
VISIT_TARGETS = "visit_targets"  # of the campaigns running in the year
VISITED = "visited"  # those of them visited
HOMES_CD = "homes_cd"  # homes graded C or D by their latest survey, the person alive (now)
HOMES_UNSERVED = "homes_unserved"  # those no case serves (now)
FIGURES = (
    PERSONS,
    QUALIFICATIONS,
    PAID_PERSONS,
    PAID_FEN,
    PAID_LINES,
    VISIT_TARGETS,
    VISITED,
    HOMES_CD,
    HOMES_UNSERVED,
)

# A count older than this many periods is not used: its worker stopped.
STALE_PERIODS = 3


def period() -> timedelta:
    return timedelta(minutes=settings.YOUFU_DASHBOARD_TALLY_MINUTES)


def ends_to_count(today: date | None = None) -> list[date]:
    """The years the queue keeps counted, by their last day: this year and the last one (the
    dashboard sets each month beside the same month of the year before)."""
    year = (today or timezone.localdate()).year
    return [date(year, 12, 31), date(year - 1, 12, 31)]


def _insert(run: DashboardTallyRun, grouped: QuerySet[Any], figures: dict[str, str]) -> None:
    """``grouped`` yields ``place``, ``key`` and the columns ``figures`` names (figure → column):
    one row per place, key and figure, ``grouped`` read once for all of them (each of its rows
    joined with the figures' names)."""
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:  # no batch in the year: nothing to count
        return
    table = DashboardTally._meta.db_table
    names = " UNION ALL ".join("SELECT %s AS figure" for _ in figures)
    value = "CASE f.figure " + " ".join(f"WHEN %s THEN g.{column}" for column in figures.values()) + " END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (run_id, region_id, figure, key, n) "  # noqa: S608 (names are ours)
            f"SELECT %s, g.place, f.figure, g.key, {value} FROM ({sql}) g CROSS JOIN ({names}) f "
            f"WHERE {value} <> 0",
            [run.pk, *figures, *params, *figures, *figures],
        )


def _empty_key() -> Value:
    return Value("", output_field=models.CharField())


@transaction.atomic
def recount(end: date) -> DashboardTallyRun:
    """Count the year that ends on ``end`` for every region, replacing its earlier count."""
    started = time.monotonic()
    first = date(end.year, 1, 1)
    run, _ = DashboardTallyRun.objects.get_or_create(end=end, defaults={"counted_at": timezone.now()})
    run = DashboardTallyRun.objects.select_for_update().get(pk=run.pk)  # one count of a year at a time
    DashboardTally.objects.filter(run=run).delete()  # scope: the whole count is rewritten
    place = F("beneficiary__region_id")

    in_force = Qualification.objects.filter(
        Q(approved_on__lte=end),
        Q(ended_on__isnull=True) | Q(ended_on__gt=end),
        Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gt=end),
    ).order_by()
    people = in_force.values(place=place, key=_empty_key()).annotate(n=Count("beneficiary_id", distinct=True))
    _insert(run, people, {PERSONS: "n"})
    per_category = in_force.values(place=place, key=F("category")).annotate(n=Count("pk"))
    _insert(run, per_category, {QUALIFICATIONS: "n"})

    paid_people = (
        PaidMonths.objects.filter(year=end.year, months__gt=0)
        .order_by()
        .values(place=place, key=_empty_key())
        .annotate(n=Count("pk"))
    )
    _insert(run, paid_people, {PAID_PERSONS: "n"})
    paid_lines = (
        selectors.lines_of(selectors.period_batches(first, end))
        .filter(status=LineStatus.PAID)
        .values(place=place, key=Cast("month", output_field=models.CharField(max_length=32)))
        .annotate(fen=Sum("amount_fen"), n=Count("pk"))
    )
    _insert(run, paid_lines, {PAID_FEN: "fen", PAID_LINES: "n"})

    targets = (
        VisitTarget.objects.filter(campaign__starts_on__lte=end, campaign__ends_on__gte=first)
        .order_by()
        .values(place=place, key=_empty_key())
        .annotate(n=Count("pk"), visited=Count("pk", filter=Q(visit__isnull=False)))
    )
    _insert(run, targets, {VISIT_TARGETS: "n", VISITED: "visited"})
    homes = (
        latest_surveys()
        .filter(grade__in=NEEDS_WORK, beneficiary__status=PersonStatus.ALIVE)
        .order_by()
        .values(place=place, key=_empty_key())
        .annotate(n=Count("pk"))
    )
    _insert(run, homes, {HOMES_CD: "n"})
    unserved = unserved_surveys().order_by().values(place=place, key=_empty_key()).annotate(n=Count("pk"))
    _insert(run, unserved, {HOMES_UNSERVED: "n"})

    run.counted_at = timezone.now().replace(microsecond=0)  # as the API gives it, to the second
    run.seconds = round(time.monotonic() - started, 3)
    run.save(update_fields=["counted_at", "seconds"])
    return run


def fresh_run(end: date) -> DashboardTallyRun | None:
    """The count of the year ending on ``end`` when it is recent enough to show (see the
    module), else None."""
    if not settings.YOUFU_DASHBOARD_TALLY_MINUTES:
        return None
    run = DashboardTallyRun.objects.filter(end=end).first()
    if run is None or timezone.now() - run.counted_at > STALE_PERIODS * period():
        return None
    return run


class Counted:
    """The figures of a count inside a region and the reader's scope: ``total(figure)``,
    ``by_key(figure)`` and ``by_township(figure)`` (the first ``digits`` of the region's code)."""

    def __init__(self, user: User, region: Region, run: DashboardTallyRun, digits: int) -> None:
        self.run = run
        self._rows: dict[tuple[str, str, str], int] = {}
        rows = (
            DashboardTally.objects.visible_to(user)
            .filter(run=run, region__code__startswith=region.scope_prefix)
            .order_by()
            .values("figure", "key", t=Substr("region__code", 1, digits))
            .annotate(n=Sum("n"))
        )
        for r in rows:
            self._rows[(r["figure"], r["key"], r["t"])] = int(r["n"])

    def total(self, figure: str) -> int:
        return sum(n for (f, _k, _t), n in self._rows.items() if f == figure)

    def by_key(self, figure: str) -> dict[str, int]:
        return self._summed(figure, 1)

    def by_township(self, figure: str) -> dict[str, int]:
        return self._summed(figure, 2)

    def _summed(self, figure: str, part: int) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row, n in self._rows.items():
            if row[0] == figure:
                out[row[part]] += n
        return dict(out)
