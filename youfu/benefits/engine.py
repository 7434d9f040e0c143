"""The entitlement engine: what is due, minus what the bank confirmed as paid, for every
person, benefit and month of a county, in set-based SQL (DESIGN.md §5).

The months to pay and the rate of every rate key in every month are computed in Python
(``rates.py``: a few thousand rows at most) and loaded into two temporary tables; every
other step is one SQL statement over the whole county:

1. ``tmp_lump``: death lump sums falling due in the window (a handful of rows), and
   ``tmp_one_off_due``: the one-off payments due, per person, kind and month (as few);
2. ``tmp_diff``: one row per (person, benefit, month) with the amount due (the regular
   benefits by ``_payable``, the payable rule that production runs, the allowance,
   the lump sums, the one-off payments), what the bank confirmed as paid, and the
   recoveries already raised — a single ``CREATE TABLE … AS SELECT … GROUP BY`` over a
   ``UNION ALL``;
3. ``tmp_per_benefit``: what each person is paid per benefit;
4. bank lines (summed per person from it, with the payee, the line number and whether
   they are held: no account), items, recoveries, pending lump sums and totals, each one
   ``INSERT … SELECT``.

The SQL runs unchanged on SQLite and PostgreSQL (but for ``_ym_of``, which turns a one-off's
month, a date column, into its ``yyyymm``): months are ``yyyymm`` integers, dates are bound
through Django's adapters (ISO text on SQLite), money is integer fen, and inside the
computation a benefit is a small number (``BENEFIT_CODES``).

One-off payments (``OneOffPayment``: relief grants, medical claims) are due in their own
month by the same rule as every other item — due minus bank-confirmed paid — so a failed
transfer is paid by the next batch. They are never settled history: a one-off due before
the payments start month is still paid (its due row and its paid items keep its own month,
outside the window's months), and it is never arrears.
"""

# All SQL here is assembled from table names and code constants; values are bound.
# ruff: noqa: S608
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from youfu.benefits.models import (
    BENEFIT_BIT,
    ONE_OFF_BENEFITS,
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    BatchTotal,
    LinePart,
    LineStatus,
    LineSum,
    OneOffPayment,
    PaymentBenefit,
    PendingLumpSum,
    RecomputeMark,
    Recovery,
    RecoveryStatus,
    several_benefits_sql,
)
from youfu.benefits.money import add_months, months, ym
from youfu.benefits.rates import CAUSE_CODES, Rate, StandardTable, TopUps, rates_for
from youfu.registry.categories import BENEFIT_OF, PRIORITY_CATEGORIES, Category
from youfu.registry.models import (
    Beneficiary,
    DeathPayee,
    DisabilityAssessment,
    LifeEvent,
    LifeEventKind,
    Qualification,
    Suspension,
)

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the payment engine computes a whole county's batch for a clerk whose create/approve was "
    "checked by the batch services"
)

SQLITE_SORT_THREADS = 4

MONTHS = "benefits_tmp_months"
RATES = "benefits_tmp_rates"
LUMP = "benefits_tmp_lump"
DIFF = "benefits_tmp_diff"
PER_BENEFIT = "benefits_tmp_per_benefit"
ONE_OFF_DUE = "benefits_tmp_one_off_due"
CAT_MONTHS = "benefits_tmp_cat_months"
DIRTY = "benefits_tmp_dirty"

B = Beneficiary._meta.db_table
Q = Qualification._meta.db_table
S = Suspension._meta.db_table
A = DisabilityAssessment._meta.db_table
LE = LifeEvent._meta.db_table
DP = DeathPayee._meta.db_table
PL = PendingLumpSum._meta.db_table
ITEMS = BatchItem._meta.db_table
LINES = BatchLine._meta.db_table
PARTS = LinePart._meta.db_table
SUMS = LineSum._meta.db_table
BATCHES = Batch._meta.db_table
RECOVERIES = Recovery._meta.db_table
TOTALS = BatchTotal._meta.db_table
ONE_OFFS = OneOffPayment._meta.db_table
MARKS = RecomputeMark._meta.db_table


def _literals(values: Sequence[str]) -> str:
    # Code constants (category names), never user input.
    return ", ".join(f"'{v}'" for v in values)


PRIORITY_SQL = _literals(sorted(PRIORITY_CATEGORIES))
DISABLED = Category.DISABLED_VETERAN.value
CONSCRIPT = Category.CONSCRIPT_FAMILY.value


def _benefit_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{c.value}' THEN '{b.value}'" for c, b in BENEFIT_OF.items())
    return f"CASE {column} {whens} END"


# Inside a batch's computation a benefit is a small number (1 disability pension … 7 the
# lump sum of a living subsidy): the county-wide aggregate groups by it, and a number
# hashes and compares in less memory than a name.
BENEFIT_CODES = {b.value: n for n, b in enumerate(PaymentBenefit, start=1)}
BENEFIT_BY_CODE = {n: b for b, n in BENEFIT_CODES.items()}
LUMP_OFFSET = BENEFIT_CODES["lump_sum_disability_pension"] - BENEFIT_CODES["disability_pension"]
# The one-off kinds are the last codes: "a regular item or a lump sum" is a code below them.
FIRST_ONE_OFF = min(BENEFIT_CODES[b.value] for b in ONE_OFF_BENEFITS)
assert all(BENEFIT_CODES[b.value] >= FIRST_ONE_OFF for b in ONE_OFF_BENEFITS)
assert max(BENEFIT_CODES.values()) == FIRST_ONE_OFF + len(ONE_OFF_BENEFITS) - 1
ONE_OFF_SQL = _literals([b.value for b in ONE_OFF_BENEFITS])


def _benefit_code_sql(category_column: str) -> str:
    whens = " ".join(f"WHEN '{c.value}' THEN {BENEFIT_CODES[b.value]}" for c, b in BENEFIT_OF.items())
    return f"CASE {category_column} {whens} END"


def _code_of(benefit_column: str) -> str:
    whens = " ".join(f"WHEN '{b}' THEN {n}" for b, n in BENEFIT_CODES.items())
    return f"CASE {benefit_column} {whens} END"


def _name_of(code_column: str) -> str:
    whens = " ".join(f"WHEN {n} THEN '{b}'" for b, n in BENEFIT_CODES.items())
    return f"CASE {code_column} {whens} END"


def _bit_of(code_column: str) -> str:
    """A benefit's ``BENEFIT_BIT``: a line's benefits are the sum of its benefits' bits."""
    whens = " ".join(f"WHEN {BENEFIT_CODES[b.value]} THEN {bit}" for b, bit in BENEFIT_BIT.items())
    return f"CASE {code_column} {whens} ELSE 0 END"


def _ym_of(date_column: str) -> str:
    """The ``yyyymm`` of a date column: the one expression that differs between the databases."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {date_column}) * 100 + EXTRACT(MONTH FROM {date_column}) AS INTEGER)"
    # Doubled: the query is run with parameters ("%%" is a literal "%"; a bare "%Y" breaks
    # the debug cursor's logging, which formats the SQL with its parameters).
    return f"CAST(strftime('%%Y%%m', {date_column}) AS INTEGER)"


def _one_off_due() -> str:
    """The one-off payments due by the batch's period, summed per person, kind and month (two
    grants of a kind in one month are one item), whatever the start month; withdrawn ones are
    not due. Summed into their own small table first: an aggregate among the differences'
    branches would keep SQLite from streaming them into the county-wide GROUP BY."""
    whens = " ".join(f"WHEN '{b.value}' THEN {BENEFIT_CODES[b.value]}" for b in ONE_OFF_BENEFITS)
    return (
        f"SELECT o.beneficiary_id AS beneficiary_id, CASE o.kind {whens} END AS benefit, "
        f"{_ym_of('o.month')} AS ym, CAST(SUM(o.amount_fen) AS BIGINT) AS due_fen "
        f"FROM {ONE_OFFS} o JOIN {B} b ON b.id = o.beneficiary_id "
        "WHERE o.withdrawn_at IS NULL AND o.month <= %s AND b.region_id LIKE %s "
        "GROUP BY o.beneficiary_id, o.kind, o.month"
    )


def _cause_level(alias: str, cause: str = "cause", level: str = "level") -> str:
    whens = " ".join(f"WHEN '{c.value}' THEN {n}" for c, n in CAUSE_CODES.items())
    return f"(CASE {alias}.{cause} {whens} ELSE 0 END + COALESCE({alias}.{level}, 0))"


def _assessed(month: str) -> str:
    """A disabled veteran's cause and level in a month (``rates.RateKey.cause_level``): the
    assessment in force on its first day (a change on the 15th counts from the next month),
    else the first assessment (the month of approval), else what the qualification says."""
    return (
        f"CASE WHEN q.category = '{DISABLED}' THEN COALESCE("
        f"(SELECT {_cause_level('a')} FROM {A} a WHERE a.qualification_id = q.id "
        f"AND a.effective_on <= {month}.first_day ORDER BY a.effective_on DESC LIMIT 1), "
        f"(SELECT {_cause_level('a')} FROM {A} a WHERE a.qualification_id = q.id "
        "ORDER BY a.effective_on LIMIT 1), "
        f"{_cause_level('q', 'disability_cause', 'disability_level')}) ELSE 0 END"
    )


def _payable(month: str) -> str:
    """The payable rule, as production runs it, for the months in ``month``: from the month
    of approval, through the month of death and of the end, not in a month whose first day
    falls in a suspension. ``registry.selectors.payable_in_month`` is the same rule as a
    Django query: the oracle the tests hold this SQL to (test_agreement.py, test_engine.py)."""
    return (
        f"q.approved_on <= {month}.last_day "
        f"AND (b.death_date IS NULL OR b.death_date >= {month}.first_day) "
        f"AND (q.ended_on IS NULL OR q.ended_on >= {month}.first_day) "
        f"AND NOT EXISTS (SELECT 1 FROM {S} s WHERE s.qualification_id = q.id "
        f"AND s.started_on <= {month}.first_day AND (s.ended_on IS NULL OR s.ended_on > {month}.first_day))"
    )


def _regular_source(person_filter: str) -> str:
    """Each qualification in each month it is payable (the regular benefits) or, in the
    allowance month, active (the conscript family allowance), for the months the plan
    recomputes: the fresh months of its benefit for every holder, and the earlier months
    of the people marked dirty from their first month on. Its parameters:
    ``_regular_params``."""
    columns = (
        "SELECT q.id AS qualification_id, q.beneficiary_id AS beneficiary_id, q.category AS category, "
        "b.residence AS residence, q.service_years AS service_years, m.ym AS ym, m.ym AS rate_ym, "
        f"{_assessed('m')} AS cause_level, 0 AS life_event_id, 1 AS has_payee "
    )
    return (
        f"{columns}FROM {Q} q JOIN {B} b ON b.id = q.beneficiary_id "
        f"JOIN {CAT_MONTHS} m ON m.category = q.category AND m.fresh = 1 AND {_payable('m')} "
        f"WHERE b.region_id LIKE %s {person_filter} "
        f"UNION ALL {columns}FROM {DIRTY} dp JOIN {B} b ON b.id = dp.beneficiary_id "
        f"JOIN {Q} q ON q.beneficiary_id = b.id "
        f"JOIN {CAT_MONTHS} m ON m.category = q.category AND m.fresh = 0 AND m.ym >= dp.from_ym "
        f"AND {_payable('m')} "
        f"WHERE b.region_id LIKE %s {person_filter}"
    )


def _regular_params(like: str, *person: Any) -> list[Any]:
    return [like, *person, like, *person]


def _lump_source(person_filter: str) -> str:
    """Death lump sums: due in the month after the death was recorded, for each regular
    benefit the person was paid in the month of death, at that month's rate."""
    return (
        "SELECT q.id AS qualification_id, q.beneficiary_id AS beneficiary_id, q.category AS category, "
        "b.residence AS residence, q.service_years AS service_years, lm.ym AS ym, dm.ym AS rate_ym, "
        f"{_assessed('dm')} AS cause_level, le.id AS life_event_id, "
        f"CASE WHEN EXISTS (SELECT 1 FROM {DP} dp WHERE dp.life_event_id = le.id) "
        f"OR EXISTS (SELECT 1 FROM {PL} pl WHERE pl.life_event_id = le.id AND pl.named_at IS NOT NULL) "
        "THEN 1 ELSE 0 END AS has_payee "
        f"FROM {LE} le JOIN {B} b ON b.id = le.beneficiary_id "
        f"JOIN {MONTHS} lm ON lm.in_window = 1 AND le.recorded_at >= lm.prev_start AND "
        "le.recorded_at < lm.start_at "
        f"JOIN {MONTHS} dm ON b.death_date >= dm.first_day AND b.death_date <= dm.last_day "
        f"JOIN {Q} q ON q.beneficiary_id = b.id AND q.category IN ({PRIORITY_SQL}) AND {_payable('dm')} "
        f"WHERE le.kind = '{LifeEventKind.DEATH.value}' AND b.region_id LIKE %s {person_filter}"
    )


_UNITS = "CASE WHEN r.per_year = 1 THEN COALESCE(x.service_years, 0) ELSE 1 END"
# annual × units × (1 + top-up) / divisor, half-up to the fen, in integers: the amount rule that
# pays. money.amount_fen is its one-row form and money.monthly_amount (DESIGN.md's words) the
# oracle; test_engine.py runs this SQL over a generated county against monthly_amount.
AMOUNT_SQL = (
    f"((2 * r.annual_fen * {_UNITS} * (10000 + r.topup_bp) + r.divisor * 10000) / (2 * r.divisor * 10000))"
)
# 1: no standard applies; 2: a per-year standard and no years of service on record.
PROBLEM_SQL = (
    "CASE WHEN r.standard_id IS NULL THEN 1 WHEN r.per_year = 1 AND x.service_years IS NULL THEN 2 ELSE 0 END"
)
NO_PROBLEM, NO_STANDARD, NO_SERVICE_YEARS = 0, 1, 2


def _due_rows(source: str, *, lump: bool) -> str:
    benefit = _benefit_code_sql("x.category")
    if lump:
        benefit = f"{benefit} + {LUMP_OFFSET}"
    times = "r.lump_months * " if lump else ""
    return (
        "SELECT x.beneficiary_id AS beneficiary_id, x.qualification_id AS qualification_id, "
        f"{benefit} AS benefit, x.ym AS ym, "
        f"CASE WHEN r.standard_id IS NULL THEN 0 ELSE {times}{AMOUNT_SQL} END AS due_fen, "
        f"{PROBLEM_SQL} AS problem, r.standard_id AS standard_id, r.topup_bp AS topup_bp, "
        f"{_UNITS} AS units, x.rate_ym AS rate_ym, x.life_event_id AS life_event_id, "
        "x.has_payee AS has_payee "
        f"FROM ({source}) x LEFT JOIN {RATES} r ON r.ym = x.rate_ym AND r.category = x.category "
        "AND r.cause_level = x.cause_level AND r.residence = x.residence"
    )


# --- the scratch tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    county_code: str
    start: date  # payments start month: earlier months are settled history
    period: date  # the last month paid
    allowance_month: int

    @property
    def prefix(self) -> str:
        return self.county_code[:6]

    @property
    def like(self) -> str:
        return self.prefix + "%"


REGULAR_CODES = tuple(sorted({BENEFIT_CODES[b.value] for b in BENEFIT_OF.values()}))
LUMP_CODES = tuple(BENEFIT_CODES[BENEFIT_OF[c].value] + LUMP_OFFSET for c in sorted(PRIORITY_CATEGORIES))
ONE_OFF_CODES = tuple(BENEFIT_CODES[b.value] for b in ONE_OFF_BENEFITS)


def category_codes(category: str) -> tuple[int, ...]:
    """The benefits whose amounts a category's standards set: its regular benefit and, for the
    regular benefits that have one, the death lump sum paid at that benefit's rate."""
    code = BENEFIT_CODES[BENEFIT_OF[Category(category)].value]
    return (code, code + LUMP_OFFSET) if category in PRIORITY_CATEGORIES else (code,)


@dataclass(frozen=True)
class Plan:
    """Which (person, benefit, month) a batch recomputes (docs/architecture.md, "Only what
    changed"): every holder's ``fresh`` months — from ``fresh[benefit]`` (a ``yyyymm``; 0: every
    month) on — and, for the people marked dirty, every month from their first dirty month.

    The dirty people are those whose marks ``marks_batch`` consumed (``changes.py``) and those
    the bank did not pay in ``unpaid_batch``, from the first month that batch paid them. Every
    other (person, benefit, month) was settled by an earlier batch, which paid what was due
    then, and nothing it depends on has changed since: recomputed, it would pay nothing and
    claim nothing back. The full recomputation, the oracle, is ``Plan.full()``."""

    fresh: tuple[tuple[int, int], ...]  # (benefit code, first month recomputed for every holder)
    marks_batch: int | None = None
    unpaid_batch: int | None = None

    @classmethod
    def full(cls) -> Plan:
        return cls(tuple((code, 0) for code in BENEFIT_CODES.values()))

    @property
    def is_full(self) -> bool:
        return all(month == 0 for _, month in self.fresh) and not (self.marks_batch or self.unpaid_batch)

    def describe(self) -> dict[str, Any]:
        """For the batch's audit record: how much it recomputed."""
        if self.is_full:
            return {"mode": "full"}
        return {
            "mode": "changes",
            "from": {BENEFIT_BY_CODE[c]: m for c, m in self.fresh},
            "marks_batch": self.marks_batch,
            "unpaid_batch": self.unpaid_batch,
        }

    def fresh_from(self, code: int) -> int:
        return dict(self.fresh)[code]

    @property
    def earliest_fresh(self) -> int:
        return min(month for _, month in self.fresh)

    def fresh_sql(self, code_column: str) -> str:
        """The first fresh month of the benefit in ``code_column``, as SQL (code constants)."""
        months = dict(self.fresh)
        if len(set(months.values())) == 1:
            return str(int(next(iter(months.values()))))
        whens = " ".join(f"WHEN {int(c)} THEN {int(m)}" for c, m in sorted(months.items()))
        return f"(CASE {code_column} {whens} END)"

    def in_scope(self, person: str, code: str, month: str) -> str:
        """Whether a (person, benefit code, month) row is one the plan recomputes."""
        if self.is_full:
            return "1 = 1"
        return (
            f"({month} >= {self.fresh_sql(code)} OR EXISTS (SELECT 1 FROM {DIRTY} dp "
            f"WHERE dp.beneficiary_id = {person} AND dp.from_ym <= {month}))"
        )


def _types() -> tuple[str, str]:
    return connection.data_types["DateField"], connection.data_types["DateTimeField"]


def _local_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


@contextmanager
def scratch(
    window: Window, cursor: CursorWrapper, *, person_id: int | None = None, plan: Plan | None = None
) -> Iterator[None]:
    """Create and fill the months, rates, category-months and dirty-people tables; drop every
    scratch table afterwards."""
    plan = plan or Plan.full()
    date_type, datetime_type = _types()
    drop_scratch(cursor)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {MONTHS} (ym INTEGER PRIMARY KEY, first_day {date_type} NOT NULL, "
        f"last_day {date_type} NOT NULL, in_window INTEGER NOT NULL, allowance INTEGER NOT NULL, "
        f"prev_start {datetime_type} NOT NULL, start_at {datetime_type} NOT NULL)"
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {RATES} (ym INTEGER NOT NULL, category VARCHAR(32) NOT NULL, "
        "cause_level INTEGER NOT NULL, residence VARCHAR(5) NOT NULL, "
        "standard_id BIGINT NOT NULL, annual_fen BIGINT NOT NULL, "
        "per_year INTEGER NOT NULL, topup_bp BIGINT NOT NULL, divisor BIGINT NOT NULL, "
        "lump_months BIGINT NOT NULL, PRIMARY KEY (ym, category, cause_level, residence))"
    )
    span = months(_earliest_month(window, cursor, person_id), window.period)
    ops = connection.ops
    cursor.executemany(
        f"INSERT INTO {MONTHS} (ym, first_day, last_day, in_window, allowance, prev_start, start_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            (
                ym(m),
                ops.adapt_datefield_value(m),
                ops.adapt_datefield_value(date.fromordinal(add_months(m, 1).toordinal() - 1)),
                1 if window.start <= m <= window.period else 0,
                1 if m.month == window.allowance_month else 0,
                ops.adapt_datetimefield_value(_local_start(add_months(m, -1))),
                ops.adapt_datetimefield_value(_local_start(m)),
            )
            for m in span
        ],
    )
    rates = rates_for(span, StandardTable.load(), TopUps.load(window.county_code))
    _load_rates(cursor, rates)
    _fill_category_months(cursor, window, plan, date_type)
    _fill_dirty(cursor, window, plan)
    if connection.vendor == "postgresql":
        for table in (MONTHS, RATES, CAT_MONTHS, DIRTY):
            cursor.execute(f"ANALYZE {table}")
    try:
        yield
    finally:
        drop_scratch(cursor)


def _fill_category_months(cursor: CursorWrapper, window: Window, plan: Plan, date_type: str) -> None:
    """(category, month) for each month of the window in which a category's benefit is paid
    (every month; the conscript family allowance only in its month), ``fresh`` when the plan
    recomputes it for every holder: the regular rows join it on the category alone, so a
    quiet month reads one month per qualification, however long the county has paid."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {CAT_MONTHS} (category VARCHAR(32) NOT NULL, fresh INTEGER NOT NULL, "
        f"ym INTEGER NOT NULL, first_day {date_type} NOT NULL, last_day {date_type} NOT NULL, "
        "PRIMARY KEY (category, fresh, ym))"
    )
    ops = connection.ops
    rows = []
    for category in sorted({*PRIORITY_CATEGORIES, Category.CONSCRIPT_FAMILY}):
        first = plan.fresh_from(category_codes(category)[0])
        for m in months(window.start, window.period):
            if category == Category.CONSCRIPT_FAMILY and m.month != window.allowance_month:
                continue
            last_day = date.fromordinal(add_months(m, 1).toordinal() - 1)
            rows.append(
                (
                    str(category),
                    1 if ym(m) >= first else 0,
                    ym(m),
                    ops.adapt_datefield_value(m),
                    ops.adapt_datefield_value(last_day),
                )
            )
    cursor.executemany(
        f"INSERT INTO {CAT_MONTHS} (category, fresh, ym, first_day, last_day) VALUES (%s, %s, %s, %s, %s)",
        rows,
    )


def _fill_dirty(cursor: CursorWrapper, window: Window, plan: Plan) -> None:
    """The people whose earlier months the plan recomputes, each from their first such month:
    marked by a change (the marks the batch consumed), or not paid by the bank in the
    previous batch (from the first month it tried to pay them)."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DIRTY} (beneficiary_id BIGINT NOT NULL PRIMARY KEY, "
        "from_ym INTEGER NOT NULL)"
    )
    sources, params = [], []
    if plan.marks_batch:
        sources.append(
            f"SELECT mk.beneficiary_id AS beneficiary_id, mk.since AS from_ym FROM {MARKS} mk "
            "WHERE mk.batch_id = %s AND mk.beneficiary_id IS NOT NULL"
        )
        params.append(plan.marks_batch)
    if plan.unpaid_batch:
        sources.append(
            f"SELECT l.beneficiary_id AS beneficiary_id, (SELECT MIN(i.month) FROM {ITEMS} i "
            f"WHERE i.batch_id = l.batch_id AND i.beneficiary_id = l.beneficiary_id) AS from_ym "
            f"FROM {LINES} l WHERE l.batch_id = %s "
            f"AND l.status IN ('{LineStatus.FAILED.value}', '{LineStatus.HELD.value}')"
        )
        params.append(plan.unpaid_batch)
    if sources:
        cursor.execute(
            f"INSERT INTO {DIRTY} (beneficiary_id, from_ym) "
            "SELECT u.beneficiary_id, MIN(COALESCE(u.from_ym, 0)) "
            f"FROM ({' UNION ALL '.join(sources)}) u GROUP BY u.beneficiary_id",
            params,
        )


def _load_rates(cursor: CursorWrapper, rates: list[Rate]) -> None:
    cursor.executemany(
        f"INSERT INTO {RATES} (ym, category, cause_level, residence, standard_id, annual_fen, "
        "per_year, topup_bp, divisor, lump_months) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [r.as_row() for r in rates],
    )


def drop_scratch(cursor: CursorWrapper) -> None:
    for table in (PER_BENEFIT, DIFF, ONE_OFF_DUE, LUMP, DIRTY, CAT_MONTHS, RATES, MONTHS):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _earliest_month(window: Window, cursor: CursorWrapper, person_id: int | None) -> date:
    """The window starts a month before the start month (a death recorded then falls due
    in the start month) and reaches back to the month of any death whose lump sum falls
    due in the window: lump sums are paid at the rate of the month of death."""
    earliest = add_months(window.start, -1)
    ops = connection.ops
    params: list[Any] = [
        LifeEventKind.DEATH.value,
        ops.adapt_datetimefield_value(_local_start(earliest)),
        window.like,
    ]
    person = ""
    if person_id is not None:
        person, params = " AND b.id = %s", [*params, person_id]
    cursor.execute(
        f"SELECT MIN(b.death_date) FROM {LE} le JOIN {B} b ON b.id = le.beneficiary_id "
        f"WHERE le.kind = %s AND le.recorded_at >= %s AND b.region_id LIKE %s{person}",
        params,
    )
    found = cursor.fetchone()[0]
    if found:
        death = found if isinstance(found, date) else date.fromisoformat(str(found))
        earliest = min(earliest, death.replace(day=1))
    return earliest


# --- the items' and lines' partitions (PostgreSQL) -------------------------------------------

# pg_advisory_xact_lock key: one batch at a time adds partitions (two counties may need the same).
ITEM_PARTITIONS_LOCK = 0x59_46_49_54  # "YFIT"


def item_partition(month: int) -> str:
    return f"{ITEMS}_m{int(month)}"


def line_partition(month: int) -> str:
    return f"{LINES}_m{int(month)}"


def prepare_partitions(window: Window) -> None:
    """On PostgreSQL the items and the lines are partitioned by month (migrations 0008, 0010):
    attach an items' partition for every month a batch of ``window`` can write — the window's
    months, and those of the one-off payments not withdrawn, which keep their own month — and
    a lines' partition for its period, where there is none yet. Runs in its own short
    transaction, before the batch's: a partition is created apart and then attached, which
    (unlike ``CREATE TABLE … PARTITION OF``) does not stop anyone reading or writing the table
    meanwhile. After a county's first batch this is one new month of each, or nothing. SQLite:
    nothing."""
    if connection.vendor != "postgresql":
        return
    earliest_one_off = (
        OneOffPayment.objects.filter(
            beneficiary__region__code__startswith=window.prefix,
            withdrawn_at__isnull=True,
            month__lt=window.start,
        )
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    items = [ym(m) for m in months(min(window.start, earliest_one_off or window.start), window.period)]
    attach_partitions({ITEMS: items, LINES: [ym(window.period)]})


def attach_partitions(wanted: dict[str, list[int]]) -> None:
    """PostgreSQL: for each partitioned table (items, lines), a partition for each of the months
    wanted that has none yet, in a short transaction of its own."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s)",
            [list(wanted)],
        )
        have = {str(name) for (name,) in cursor.fetchall()}
        missing = [(table, m) for table, ms in wanted.items() for m in ms if f"{table}_m{int(m)}" not in have]
        if not missing:
            return
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ITEM_PARTITIONS_LOCK])
        for table, month in missing:
            name = f"{table}_m{int(month)}"
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue  # made meanwhile by another county's batch
            upper = ym(add_months(date(month // 100, month % 100, 1), 1))
            cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            cursor.execute(
                f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ({month}) TO ({upper})"
            )


# --- a batch --------------------------------------------------------------------------------

PAY = "(d.due_fen - d.paid_fen + d.refunded_fen)"  # due minus what was paid and kept
# What should still be claimed back: paid and kept beyond what is due, less what was waived.
OWED = "(d.paid_fen - d.refunded_fen - d.due_fen - d.waived_fen)"
TARGET = f"(CASE WHEN {OWED} > 0 THEN {OWED} ELSE 0 END)"
# A month before the period, of a regular benefit or lump sum: a one-off paid after its month
# (its transfer failed) is still a one-off, not arrears.
_ARREARS = f"(d.ym < %s AND d.benefit < {FIRST_ONE_OFF})"


@dataclass(frozen=True)
class Problem:
    kind: int
    qualification_id: int
    ym: int


class EngineProblems(Exception):
    def __init__(self, count: int, samples: list[Problem]) -> None:
        self.count = count
        self.samples = samples
        super().__init__(f"{count} payments cannot be computed")


@dataclass(frozen=True)
class Outcome:
    persons: int
    items: int
    total_fen: int
    arrears_fen: int
    recoveries: int
    recoveries_fen: int
    held_persons: int
    held_fen: int
    pending_lump_sums: int
    one_off_fen: int = 0  # of ``total_fen``


def _ids(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "0"


@dataclass(frozen=True)
class PaidBatch:
    pk: int
    ym: int  # its period


def _not_paid(batch_ids: Sequence[int]) -> str:
    return (
        f"(i.batch_id, i.beneficiary_id) NOT IN (SELECT l.batch_id, l.beneficiary_id FROM {LINES} l "
        f"WHERE l.batch_id IN ({_ids(batch_ids)}) "
        f"AND l.status IN ('{LineStatus.FAILED.value}', '{LineStatus.HELD.value}'))"
    )


def _paid_branch(batches: Sequence[PaidBatch], plan: Plan) -> str:
    """What the bank confirmed as paid: the items of batches whose returns were imported
    (there is one open batch at a time), but for the few lines it did not pay. Those few
    are one uncorrelated set, read once through the partial index ``line_not_paid``, not
    looked up again for each of millions of items. One-off items count whatever their month,
    as their due rows do.

    Two parts, as the plan's scope: every item of a fresh month, found in the batches made
    for that month or later (an item is never for a month after its batch's period, so in a
    quiet month that is no batch at all); and the dirty people's items of earlier months,
    found through the items' key (batch, person) in each paid batch."""
    code = _code_of("i.benefit")
    columns = f"SELECT i.beneficiary_id, {code}, i.month, 0, CAST(i.amount_fen AS INTEGER), 0, 0, 0, 0 "
    months = f"AND (i.month >= %s OR i.benefit IN ({ONE_OFF_SQL})) AND i.month <= %s "
    recent = [b.pk for b in batches if b.ym >= plan.earliest_fresh]
    every = [b.pk for b in batches]
    fresh = (
        f"{columns}FROM {ITEMS} i WHERE i.batch_id IN ({_ids(recent)}) {months}"
        f"AND i.month >= {plan.fresh_sql(code)} AND {_not_paid(recent)}"
    )
    if plan.is_full:
        return fresh
    # The dirty people are few: each one's items must be found through the items' key (batch,
    # person), one probe per paid batch, never by reading every item of the history. Both
    # planners would otherwise scan the items (SQLite) or hash them all (PostgreSQL, over every
    # month's partition) whenever anyone is marked. So the join order is fixed: SQLite takes a
    # CROSS JOIN's left table as the outer loop; PostgreSQL runs a LATERAL subquery once per
    # dirty person, and prunes the month partitions before their first dirty month. ``OFFSET 0``
    # keeps the subquery from being pulled up into a plain join: without it the planner, free
    # to choose again, hashed all 11.4 M items of a 60-month history for 200 people who died
    # (8.7 s of a 17 s batch at 200,000 people, found by the bench).
    condition = (
        f"i.beneficiary_id = dp.beneficiary_id AND i.batch_id IN ({_ids(every)}) "
        f"AND i.month >= dp.from_ym AND i.month < {plan.fresh_sql(code)} {months}AND {_not_paid(every)}"
    )
    if connection.vendor == "postgresql":
        dirty = (
            f"SELECT x.* FROM {DIRTY} dp CROSS JOIN LATERAL ("
            f"SELECT i.beneficiary_id, {code} AS benefit, i.month, 0 AS due_fen, "
            "CAST(i.amount_fen AS INTEGER) AS paid_fen, 0 AS refunded_fen, 0 AS open_fen, 0 AS waived_fen, "
            f"0 AS problem FROM {ITEMS} i WHERE {condition} OFFSET 0) x"
        )
    else:
        dirty = f"{columns}FROM {DIRTY} dp CROSS JOIN {ITEMS} i WHERE {condition}"
    return f"{fresh} UNION ALL {dirty}"


def _paid_params(plan: Plan, start_ym: int, period_ym: int) -> list[Any]:
    return [start_ym, period_ym] if plan.is_full else [start_ym, period_ym, start_ym, period_ym]


def _recovery_branch(plan: Plan) -> str:
    return (
        f"SELECT r.beneficiary_id, {_code_of('r.benefit')}, r.month, 0, 0, "
        f"CAST(CASE WHEN r.status = '{RecoveryStatus.RECOVERED.value}' THEN r.amount_fen ELSE 0 "
        "END AS INTEGER), "
        f"CAST(CASE WHEN r.status = '{RecoveryStatus.OPEN.value}' THEN r.amount_fen ELSE 0 END AS INTEGER), "
        f"CAST(CASE WHEN r.status = '{RecoveryStatus.WAIVED.value}' THEN r.amount_fen ELSE 0 END "
        "AS INTEGER), "
        "0 "
        f"FROM {RECOVERIES} r JOIN {BATCHES} rb ON rb.id = r.batch_id "
        f"WHERE rb.county_id = %s AND r.status IN ('{RecoveryStatus.OPEN.value}', "
        f"'{RecoveryStatus.RECOVERED.value}', '{RecoveryStatus.WAIVED.value}') AND r.month >= %s "
        f"AND r.month <= %s AND {plan.in_scope('r.beneficiary_id', _code_of('r.benefit'), 'r.month')}"
    )


@contextmanager
def _sqlite_sort_threads(cursor: CursorWrapper) -> Iterator[None]:
    """Let SQLite sort with helper threads (its default is none) for the batch: the GROUP BY
    over every person-month and the key-ordered items are sorts; 12% of a 1M batch here."""
    if connection.vendor != "sqlite":
        yield
        return
    cursor.execute("PRAGMA threads")
    (previous,) = cursor.fetchone()
    cursor.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, SQLITE_SORT_THREADS)}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA threads = {int(previous)}")


@contextmanager
def _sorted_aggregate(cursor: CursorWrapper) -> Iterator[None]:
    """On PostgreSQL, group by sorting rather than hashing for the statement inside.

    The differences are then written in key order (person, benefit, month): the items are
    read back in that order, with no second sort, and go into the items' key at its right
    edge. (Grouping 7 M rows by sorting also beat the hash, whose table outgrew the cache.)
    SQLite groups by sorting anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SHOW enable_hashagg")
    (previous,) = cursor.fetchone()
    cursor.execute("SET LOCAL enable_hashagg = off")
    try:
        yield
    finally:
        cursor.execute(f"SET LOCAL enable_hashagg = {'on' if previous == 'on' else 'off'}")


def paid_batches(county_code: str) -> list[PaidBatch]:
    """The county's batches whose bank returns were imported: what the bank confirmed."""
    return [
        PaidBatch(pk, ym(period))
        for pk, period in Batch.objects.filter(
            county_id=county_code, state__in=[BatchState.RETURNS_IMPORTED, BatchState.CLOSED]
        ).values_list("pk", "period")
    ]


def _fill_differences(
    cursor: CursorWrapper, window: Window, plan: Plan, batches: Sequence[PaidBatch] | None = None
) -> None:
    """``LUMP`` (the death lump sums falling due) and ``DIFF`` (due, paid, refunded, open
    and waived per person, benefit and month): the one rule every batch and every check of
    what is outstanding stands on, for the (person, benefit, month) the plan recomputes —
    for the full plan, every one of the window."""
    start_ym, period_ym = ym(window.start), ym(window.period)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {LUMP} AS SELECT * FROM ({_due_rows(_lump_source(''), lump=True)}) x "
        f"WHERE {plan.in_scope('x.beneficiary_id', 'x.benefit', 'x.ym')}",
        [window.like],
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {ONE_OFF_DUE} AS SELECT * FROM ({_one_off_due()}) o "
        f"WHERE {plan.in_scope('o.beneficiary_id', 'o.benefit', 'o.ym')}",
        [connection.ops.adapt_datefield_value(window.period), window.like],
    )
    if batches is None:
        batches = paid_batches(window.county_code)
    # Amounts enter the aggregate as 32-bit integers (one item is far below 21 million
    # yuan): PostgreSQL then sums in a by-value 64-bit state instead of a 128-bit one
    # allocated per group, which halves the memory of a county-wide aggregate.
    with _sorted_aggregate(cursor):
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DIFF} AS "
            "SELECT u.beneficiary_id AS beneficiary_id, u.benefit AS benefit, u.ym AS ym, "
            "CAST(MAX(u.due_fen) AS BIGINT) AS due_fen, CAST(SUM(u.paid_fen) AS BIGINT) AS paid_fen, "
            "CAST(SUM(u.refunded_fen) AS BIGINT) AS refunded_fen, "
            "CAST(SUM(u.open_fen) AS BIGINT) AS open_fen, "
            "CAST(SUM(u.waived_fen) AS BIGINT) AS waived_fen, MAX(u.problem) AS problem "
            "FROM ("
            "SELECT d.beneficiary_id AS beneficiary_id, d.benefit AS benefit, d.ym AS ym, "
            "CAST(d.due_fen AS INTEGER) AS due_fen, 0 AS paid_fen, 0 AS refunded_fen, 0 AS open_fen, "
            "0 AS waived_fen, d.problem AS problem "
            f"FROM ({_due_rows(_regular_source(''), lump=False)}) d "
            "UNION ALL "
            "SELECT t.beneficiary_id, t.benefit, t.ym, CAST(t.due_fen AS INTEGER), 0, 0, 0, 0, t.problem "
            f"FROM {LUMP} t WHERE t.has_payee = 1 "
            "UNION ALL SELECT o.beneficiary_id, o.benefit, o.ym, CAST(o.due_fen AS INTEGER), 0, 0, 0, 0, 0 "
            f"FROM {ONE_OFF_DUE} o "
            f"UNION ALL {_paid_branch(batches, plan)} "
            f"UNION ALL {_recovery_branch(plan)}"
            ") u GROUP BY u.beneficiary_id, u.benefit, u.ym",
            [
                *_regular_params(window.like),
                *_paid_params(plan, start_ym, period_ym),
                window.county_code,
                start_ym,
                period_ym,
            ],
        )
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {DIFF}")


def compute_batch(batch: Batch, window: Window, plan: Plan | None = None) -> Outcome:
    """Fill ``batch`` with its lines, items, recoveries and totals, recomputing what ``plan``
    says (by default everything). Runs inside the caller's transaction; raises
    ``EngineProblems`` (having written nothing) when some payment cannot be computed."""
    plan = plan or Plan.full()
    period_ym = ym(window.period)
    with connection.cursor() as cursor, scratch(window, cursor, plan=plan), _sqlite_sort_threads(cursor):
        if connection.vendor == "postgresql":
            # One aggregate over every person-month of the county: give its sort (and the
            # hashes of the per-benefit sums) room in memory. The statements are few and
            # long; compiling them (JIT) costs more than it saves.
            cursor.execute("SET LOCAL work_mem = '512MB'")
            cursor.execute("SET LOCAL jit = off")
        _fill_differences(cursor, window, plan)
        _check_problems(cursor, window)
        _sum_per_benefit(cursor, period_ym)
        _insert_lines(cursor, batch)
        _insert_line_parts(cursor, batch)
        _insert_items(cursor, batch, period_ym)
        _raise_recoveries(cursor, batch, window)
        pending = _list_pending_lump_sums(cursor, batch)
        _insert_totals(cursor, batch)
        return _outcome(cursor, batch, pending)


@dataclass(frozen=True)
class Outstanding:
    """What is not settled in a window's months: money still to pay, money still to claim
    back, and lump sums waiting for a payee."""

    persons: int
    to_pay_fen: int
    to_recover_fen: int
    lump_sums_waiting: int

    @property
    def settled(self) -> bool:
        return not (self.persons or self.lump_sums_waiting)


def outstanding(window: Window) -> Outstanding:
    """By the batches' own rule, what a batch for ``window.period`` would still pay or claim
    back for the window's months; writes nothing."""
    with connection.cursor() as cursor, scratch(window, cursor):
        _fill_differences(cursor, window, Plan.full())
        cursor.execute(
            f"SELECT COUNT(DISTINCT d.beneficiary_id), "
            f"COALESCE(SUM(CASE WHEN {PAY} > 0 THEN {PAY} ELSE 0 END), 0), COALESCE(SUM({TARGET}), 0) "
            f"FROM {DIFF} d WHERE {PAY} > 0 OR {TARGET} > 0"
        )
        persons, to_pay, to_recover = (int(v) for v in cursor.fetchone())
        cursor.execute(f"SELECT COUNT(DISTINCT t.life_event_id) FROM {LUMP} t WHERE t.has_payee = 0")
        waiting = int(cursor.fetchone()[0])
    return Outstanding(persons, to_pay, to_recover, waiting)


def _check_problems(cursor: CursorWrapper, window: Window) -> None:
    cursor.execute(f"SELECT COUNT(*) FROM {DIFF} WHERE problem > 0")
    count = cursor.fetchone()[0]
    if not count:
        return
    # Rare, and only then: which qualifications and months, for the message.
    cursor.execute(
        f"SELECT x.problem, x.qualification_id, x.ym FROM ({_due_rows(_regular_source(''), lump=False)}) x "
        f"WHERE x.problem > 0 UNION ALL SELECT t.problem, t.qualification_id, t.ym FROM {LUMP} t "
        "WHERE t.has_payee = 1 AND t.problem > 0 ORDER BY 3, 2 LIMIT 10",
        _regular_params(window.like),
    )
    raise EngineProblems(count, [Problem(int(k), int(q), int(m)) for k, q, m in cursor.fetchall()])


_PAYEE_JOINS = (
    f"LEFT JOIN {LE} le ON le.beneficiary_id = b.id AND le.kind = '{LifeEventKind.DEATH.value}' "
    f"LEFT JOIN {DP} dp ON dp.life_event_id = le.id "
    f"LEFT JOIN {PL} pl ON pl.life_event_id = le.id AND pl.named_at IS NOT NULL"
)
_ACCOUNT = "COALESCE(dp.bank_account_encrypted, pl.payee_bank_account_encrypted, b.bank_account_encrypted)"


def _sum_per_benefit(cursor: CursorWrapper, period_ym: int) -> None:
    """What each person is paid per benefit: one pass over the differences."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {PER_BENEFIT} AS SELECT d.beneficiary_id AS beneficiary_id, "
        f"d.benefit AS benefit, COUNT(*) AS items, CAST(SUM({PAY}) AS BIGINT) AS amount_fen, "
        f"CAST(SUM(CASE WHEN {_ARREARS} THEN {PAY} ELSE 0 END) AS BIGINT) AS arrears_fen "
        f"FROM {DIFF} d WHERE {PAY} > 0 GROUP BY d.beneficiary_id, d.benefit",
        [period_ym],
    )
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {PER_BENEFIT}")  # temporary tables have no statistics of their own


def _bulk_insert(cursor: CursorWrapper, table: str, columns: str, select: str, params: list[Any]) -> None:
    """``INSERT INTO table (columns) SELECT …``: the rows never leave the database.

    (Copying the SELECT out and back in through COPY was tried on PostgreSQL: slower,
    the round trip costing more than COPY's cheaper writes save.)"""
    cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


_HELD = f"CASE WHEN {_ACCOUNT} = '' THEN 1 ELSE 0 END"


def _insert_lines(cursor: CursorWrapper, batch: Batch) -> None:
    """One line per person owed money, to the payee named with a death or else to the
    account on record; a person with no account is held (and paid once one is given).

    In one statement from the per-benefit sums: each person's total, its arrears and
    one-off parts and the benefits paid (their bits' sum: one row per benefit), the payee,
    and the line number (held lines last, then by township and person). The person and
    payee are joined once; an intermediate per-person table, written and read back, cost a
    fifth of a quiet batch."""
    _bulk_insert(
        cursor,
        LINES,
        "batch_id, beneficiary_id, township_id, month, seq, amount_fen, arrears_fen, to_payee, payee_name, "
        "payee_id_number_encrypted, payee_id_number_masked, bank_name, bank_account_encrypted, "
        "bank_account_masked, status, reason, benefits, one_off_fen",
        "SELECT %s, p.beneficiary_id, b.township_id, %s, "
        f"ROW_NUMBER() OVER (ORDER BY {_HELD}, b.township_id, b.id), p.amount_fen, p.arrears_fen, "
        "CASE WHEN dp.id IS NOT NULL OR pl.id IS NOT NULL THEN TRUE ELSE FALSE END, "
        "COALESCE(dp.name, pl.payee_name, b.name), "
        "COALESCE(dp.id_number_encrypted, pl.payee_id_number_encrypted, b.id_number_encrypted), "
        "COALESCE(dp.id_number_masked, pl.payee_id_number_masked, b.id_number_masked), "
        "COALESCE(dp.bank_name, pl.payee_bank_name, b.bank_name), "
        f"{_ACCOUNT}, "
        "COALESCE(dp.bank_account_masked, pl.payee_bank_account_masked, b.bank_account_masked), "
        f"CASE WHEN {_HELD} = 1 THEN '{LineStatus.HELD.value}' ELSE '{LineStatus.PENDING.value}' END, '', "
        "p.benefits, p.one_off_fen "
        "FROM (SELECT x.beneficiary_id AS beneficiary_id, CAST(SUM(x.amount_fen) AS BIGINT) AS amount_fen, "
        "CAST(SUM(x.arrears_fen) AS BIGINT) AS arrears_fen, "
        f"CAST(SUM(CASE WHEN x.benefit >= {FIRST_ONE_OFF} THEN x.amount_fen ELSE 0 END) AS BIGINT) "
        f"AS one_off_fen, CAST(SUM({_bit_of('x.benefit')}) AS BIGINT) AS benefits "
        f"FROM {PER_BENEFIT} x GROUP BY x.beneficiary_id) p "
        f"JOIN {B} b ON b.id = p.beneficiary_id {_PAYEE_JOINS}",
        [batch.pk, ym(batch.period)],
    )


def _insert_line_parts(cursor: CursorWrapper, batch: Batch) -> None:
    """What each line paying more than one benefit pays of each (``LinePart``), from the same
    per-benefit sums as the lines: the sums of the people whose line of the batch is in
    ``line_mixed`` (a few lines in a hundred). One pass over the sums, each person looked up in
    the mixed lines' ids (a hash on PostgreSQL, a small in-memory index on SQLite): no sort, and
    no index on the sums to build.

    The lines' ``month`` is not bounded, although on PostgreSQL it would prune their partitions:
    with it, the planner took the lines' unique key (batch, number, month) on the batch's fresh
    partition, which has no statistics yet, and read every line of the batch (the statement
    0.38–0.49 s at 200,000 people, against 0.21–0.33 s through ``line_mixed`` in each month's
    partition, one descent each; grouping the sums by person instead, 0.47–0.53 s). On SQLite
    ``INDEXED BY`` keeps it on ``line_mixed``, which it chose anyway."""
    hint = " INDEXED BY line_mixed" if connection.vendor == "sqlite" else ""
    _bulk_insert(
        cursor,
        PARTS,
        "batch_id, beneficiary_id, benefit, amount_fen, arrears_fen",
        f"SELECT %s, x.beneficiary_id, {_name_of('x.benefit')}, x.amount_fen, x.arrears_fen "
        f"FROM {PER_BENEFIT} x WHERE x.beneficiary_id IN (SELECT l.beneficiary_id FROM {LINES} l{hint} "
        f"WHERE l.batch_id = %s AND {several_benefits_sql('l.benefits')})",
        [batch.pk, batch.pk],
    )


# Items go in in key order, so the key's index grows at its right edge instead of
# everywhere. On PostgreSQL the differences were written in that order (see
# ``_sorted_aggregate``) and a fresh temporary table reads back in the order written
# (temporary tables take no synchronized scans): sorting them again cost a third of the
# insert. Were the order ever lost, the insert would be slower, never wrong.
_IN_KEY_ORDER = {False: " ORDER BY d.beneficiary_id, d.benefit, d.ym", True: ""}


def _insert_items(cursor: CursorWrapper, batch: Batch, period_ym: int) -> None:
    _bulk_insert(
        cursor,
        ITEMS,
        "batch_id, beneficiary_id, benefit, month, due_fen, paid_before_fen, amount_fen, arrears",
        f"SELECT %s, d.beneficiary_id, {_name_of('d.benefit')}, d.ym, d.due_fen, "
        f"d.paid_fen - d.refunded_fen, {PAY}, "
        f"CASE WHEN {_ARREARS} THEN TRUE ELSE FALSE END "
        f"FROM {DIFF} d WHERE {PAY} > 0{_IN_KEY_ORDER[connection.vendor == 'postgresql']}",
        [batch.pk, period_ym],
    )


def _raise_recoveries(cursor: CursorWrapper, batch: Batch, window: Window) -> None:
    """A negative difference is claimed back, never netted. Each batch brings the open
    claim of every (person, benefit, month) to what is owed now: a stale claim is
    superseded and, where something is still owed, replaced by the right amount."""
    opened = RecoveryStatus.OPEN.value
    cursor.execute(
        f"UPDATE {RECOVERIES} SET status = %s, superseded_by_id = %s WHERE id IN ("
        f"SELECT r.id FROM {RECOVERIES} r JOIN {BATCHES} rb ON rb.id = r.batch_id "
        f"JOIN {DIFF} d ON d.beneficiary_id = r.beneficiary_id AND d.benefit = {_code_of('r.benefit')} "
        "AND d.ym = r.month "
        f"WHERE rb.county_id = %s AND r.status = %s AND d.open_fen <> {TARGET})",
        [RecoveryStatus.SUPERSEDED.value, batch.pk, window.county_code, opened],
    )
    cursor.execute(
        f"INSERT INTO {RECOVERIES} (batch_id, beneficiary_id, benefit, month, due_fen, paid_fen, "
        "amount_fen, status, note) "
        f"SELECT %s, d.beneficiary_id, {_name_of('d.benefit')}, d.ym, d.due_fen, "
        f"d.paid_fen - d.refunded_fen, {TARGET}, %s, '' "
        f"FROM {DIFF} d WHERE {TARGET} > 0 AND {TARGET} <> d.open_fen",
        [batch.pk, opened],
    )


def _list_pending_lump_sums(cursor: CursorWrapper, batch: Batch) -> int:
    """Lump sums due without a payee wait on the pending list (once per death)."""
    cursor.execute(
        f"INSERT INTO {PL} (life_event_id, beneficiary_id, found_in_id, found_at, amount_fen, "
        "payee_name, payee_id_number_encrypted, payee_id_number_masked, payee_bank_name, "
        "payee_bank_account_encrypted, payee_bank_account_masked) "
        "SELECT t.life_event_id, t.beneficiary_id, %s, %s, CAST(SUM(t.due_fen) AS BIGINT), '', "
        "'', '', '', '', '' "
        f"FROM {LUMP} t WHERE t.has_payee = 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {PL} p WHERE p.life_event_id = t.life_event_id) "
        "GROUP BY t.life_event_id, t.beneficiary_id",
        [batch.pk, connection.ops.adapt_datetimefield_value(batch.created_at)],
    )
    return int(cursor.rowcount or 0)


def _insert_totals(cursor: CursorWrapper, batch: Batch) -> None:
    """Per township and benefit, of the lines to be transferred (held lines left out)."""
    cursor.execute(
        f"INSERT INTO {TOTALS} (batch_id, township_id, benefit, persons, items, amount_fen, arrears_fen) "
        f"SELECT %s, p.township_id, {_name_of('x.benefit')}, COUNT(*), SUM(x.items), "
        "CAST(SUM(x.amount_fen) AS BIGINT), CAST(SUM(x.arrears_fen) AS BIGINT) "
        f"FROM {PER_BENEFIT} x JOIN {LINES} p ON p.batch_id = %s AND p.beneficiary_id = x.beneficiary_id "
        f"WHERE p.status <> '{LineStatus.HELD.value}' GROUP BY p.township_id, x.benefit",
        [batch.pk, batch.pk],
    )


def _outcome(cursor: CursorWrapper, batch: Batch, pending: int) -> Outcome:
    cursor.execute(
        "SELECT "
        f"COALESCE(SUM(CASE WHEN status <> '{LineStatus.HELD.value}' THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN status <> '{LineStatus.HELD.value}' THEN amount_fen ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN status <> '{LineStatus.HELD.value}' THEN arrears_fen ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN status = '{LineStatus.HELD.value}' THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN status = '{LineStatus.HELD.value}' THEN amount_fen ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN status <> '{LineStatus.HELD.value}' THEN one_off_fen ELSE 0 END), 0) "
        f"FROM {LINES} WHERE batch_id = %s",
        [batch.pk],
    )
    persons, total, arrears, held, held_fen, one_off = (int(v) for v in cursor.fetchone())
    cursor.execute(f"SELECT COALESCE(SUM(items), 0) FROM {TOTALS} WHERE batch_id = %s", [batch.pk])
    items = int(cursor.fetchone()[0])
    cursor.execute(
        f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM {RECOVERIES} WHERE batch_id = %s",
        [batch.pk],
    )
    recoveries, recoveries_fen = (int(v) for v in cursor.fetchone())
    return Outcome(
        persons, items, total, arrears, recoveries, recoveries_fen, held, held_fen, pending, one_off
    )


# --- one person, for the explanation ---------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    qualification_id: int
    benefit: str
    ym: int
    due_fen: int
    problem: int
    standard_id: int | None
    topup_bp: int | None
    units: int
    rate_ym: int
    life_event_id: int
    has_payee: bool


def due_rows_for(window: Window, person_id: int) -> list[DueRow]:
    """Every due row of one person in the window, before choosing the higher of two
    qualifications giving the same benefit: the same SQL as the batch, with its detail."""
    person = "AND b.id = %s"
    with connection.cursor() as cursor, scratch(window, cursor, person_id=person_id):
        cursor.execute(
            f"{_due_rows(_regular_source(person), lump=False)} UNION ALL "
            f"{_due_rows(_lump_source(person), lump=True)}",
            [*_regular_params(window.like, person_id), window.like, person_id],
        )
        return [
            DueRow(
                qualification_id=int(r[1]),
                benefit=BENEFIT_BY_CODE[int(r[2])],
                ym=int(r[3]),
                due_fen=int(r[4]),
                problem=int(r[5]),
                standard_id=None if r[6] is None else int(r[6]),
                topup_bp=None if r[7] is None else int(r[7]),
                units=int(r[8]),
                rate_ym=int(r[9]),
                life_event_id=int(r[10]),
                has_payee=bool(r[11]),
            )
            for r in cursor.fetchall()
        ]


def qualification_months(window: Window) -> set[tuple[int, int]]:
    """(qualification, yyyymm) for every regular-benefit qualification payable in a month
    of the window, county-wide: what the engine pays, for comparison with the selector."""
    with connection.cursor() as cursor, scratch(window, cursor):
        cursor.execute(
            f"SELECT x.qualification_id, x.ym FROM ({_regular_source('')}) x "
            f"WHERE x.category IN ({PRIORITY_SQL})",
            _regular_params(window.like),
        )
        return {(int(q), int(m)) for q, m in cursor.fetchall()}


def paid_without_payable(window: Window, prefix: str, limit: int) -> list[tuple[int, int, str, int, int]]:
    """Confirmed regular payments (batch, person, benefit, month, fen) in the window for
    which no qualification of that benefit was payable: what the reconciliation lists."""
    regular = _literals([b for b in (BENEFIT_OF[c].value for c in PRIORITY_CATEGORIES)])
    with connection.cursor() as cursor, scratch(window, cursor):
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DIFF} AS SELECT DISTINCT x.beneficiary_id AS beneficiary_id, "
            f"x.ym AS ym, {_benefit_sql('x.category')} AS benefit FROM ({_regular_source('')}) x "
            f"WHERE x.category IN ({PRIORITY_SQL})",
            _regular_params(window.like),
        )
        cursor.execute(f"CREATE INDEX {DIFF}_key ON {DIFF} (beneficiary_id, ym, benefit)")
        cursor.execute(
            "SELECT i.batch_id, i.beneficiary_id, i.benefit, i.month, i.amount_fen "
            f"FROM {ITEMS} i JOIN {LINES} l ON l.batch_id = i.batch_id AND l.beneficiary_id = "
            "i.beneficiary_id "
            f"JOIN {BATCHES} bt ON bt.id = i.batch_id JOIN {B} b ON b.id = i.beneficiary_id "
            f"WHERE bt.county_id = %s AND l.status = '{LineStatus.PAID.value}' AND i.benefit IN ({regular}) "
            "AND i.month >= %s AND i.month <= %s AND b.region_id LIKE %s "
            f"AND NOT EXISTS (SELECT 1 FROM {DIFF} p WHERE p.beneficiary_id = i.beneficiary_id "
            "AND p.ym = i.month AND p.benefit = i.benefit) "
            "ORDER BY i.month, i.beneficiary_id LIMIT %s",
            [window.county_code, ym(window.start), ym(window.period), prefix + "%", limit],
        )
        return [(int(a), int(b), str(c), int(d), int(e)) for a, b, c, d, e in cursor.fetchall()]


# --- the oracle: a batch against the full recomputation ------------------------------------------

CHECK_ITEMS = "benefits_tmp_check_items"
CHECK_RECOVERIES = "benefits_tmp_check_recoveries"
CHECK_SUPERSEDED = "benefits_tmp_check_superseded"


def stash_batch(batch: Batch) -> None:
    """Copy what ``batch`` pays, claims back and supersedes into scratch tables, before the
    caller (in a transaction it rolls back) takes the batch's effects away."""
    with connection.cursor() as cursor:
        for table in (CHECK_ITEMS, CHECK_RECOVERIES, CHECK_SUPERSEDED):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHECK_ITEMS} AS SELECT i.beneficiary_id AS beneficiary_id, "
            f"{_code_of('i.benefit')} AS benefit, i.month AS ym, i.due_fen AS due_fen, "
            "i.paid_before_fen AS paid_fen, i.amount_fen AS amount_fen "
            f"FROM {ITEMS} i WHERE i.batch_id = %s",
            [batch.pk],
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHECK_RECOVERIES} AS SELECT r.beneficiary_id AS beneficiary_id, "
            f"{_code_of('r.benefit')} AS benefit, r.month AS ym, r.due_fen AS due_fen, "
            "r.paid_fen AS paid_fen, r.amount_fen AS amount_fen "
            f"FROM {RECOVERIES} r WHERE r.batch_id = %s",
            [batch.pk],
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHECK_SUPERSEDED} AS SELECT DISTINCT "
            "r.beneficiary_id AS beneficiary_id, "
            f"{_code_of('r.benefit')} AS benefit, r.month AS ym "
            f"FROM {RECOVERIES} r WHERE r.superseded_by_id = %s",
            [batch.pk],
        )


@dataclass(frozen=True)
class Difference:
    kind: str  # "item", "recovery" or "superseded"
    beneficiary_id: int
    benefit: str
    ym: int
    batch: tuple[int, int, int] | None  # (due, paid before, amount) in the batch; None: not there
    full: tuple[int, int, int] | None  # the same by the full recomputation


@dataclass(frozen=True)
class FullCheck:
    items: int  # in the full recomputation
    total_fen: int
    batch_items: int
    batch_total_fen: int
    count: int  # of differences
    differences: list[Difference]

    @property
    def agree(self) -> bool:
        return self.count == 0


def check_against_full(window: Window, batches: Sequence[PaidBatch], *, limit: int = 100) -> FullCheck:
    """The full recomputation for ``window`` (every person, benefit and month), with
    ``batches`` as what the bank confirmed, against the batch stashed by ``stash_batch``:
    item by item (due, paid before, amount), claim by claim, and the open claims it
    superseded. Writes nothing."""
    kinds = "CASE u.kind WHEN 1 THEN 'item' WHEN 2 THEN 'recovery' ELSE 'superseded' END"
    with connection.cursor() as cursor, scratch(window, cursor):
        _fill_differences(cursor, window, Plan.full(), batches)
        union = (
            "SELECT 1 AS kind, c.beneficiary_id AS beneficiary_id, c.benefit AS benefit, c.ym AS ym, "
            "1 AS a_n, c.due_fen AS a_due, c.paid_fen AS a_paid, c.amount_fen AS a_amount, "
            f"0 AS b_n, 0 AS b_due, 0 AS b_paid, 0 AS b_amount FROM {CHECK_ITEMS} c "
            "UNION ALL SELECT 1, d.beneficiary_id, d.benefit, d.ym, 0, 0, 0, 0, "
            f"1, d.due_fen, d.paid_fen - d.refunded_fen, {PAY} FROM {DIFF} d WHERE {PAY} > 0 "
            "UNION ALL SELECT 2, c.beneficiary_id, c.benefit, c.ym, 1, c.due_fen, c.paid_fen, c.amount_fen, "
            f"0, 0, 0, 0 FROM {CHECK_RECOVERIES} c "
            "UNION ALL SELECT 2, d.beneficiary_id, d.benefit, d.ym, 0, 0, 0, 0, "
            f"1, d.due_fen, d.paid_fen - d.refunded_fen, {TARGET} FROM {DIFF} d "
            f"WHERE {TARGET} > 0 AND {TARGET} <> d.open_fen "
            "UNION ALL SELECT 3, c.beneficiary_id, c.benefit, c.ym, 1, 0, 0, 0, 0, 0, 0, 0 "
            f"FROM {CHECK_SUPERSEDED} c "
            "UNION ALL SELECT 3, d.beneficiary_id, d.benefit, d.ym, 0, 0, 0, 0, 1, 0, 0, 0 "
            f"FROM {DIFF} d WHERE d.open_fen > 0 AND d.open_fen <> {TARGET}"
        )
        grouped = (
            f"SELECT u.kind AS kind, u.beneficiary_id AS beneficiary_id, u.benefit AS benefit, u.ym AS ym, "
            "SUM(u.a_n) AS a_n, SUM(u.a_due) AS a_due, SUM(u.a_paid) AS a_paid, SUM(u.a_amount) AS a_amount, "
            "SUM(u.b_n) AS b_n, SUM(u.b_due) AS b_due, SUM(u.b_paid) AS b_paid, SUM(u.b_amount) AS b_amount "
            f"FROM ({union}) u GROUP BY u.kind, u.beneficiary_id, u.benefit, u.ym"
        )
        differ = "g.a_n <> g.b_n OR g.a_due <> g.b_due OR g.a_paid <> g.b_paid OR g.a_amount <> g.b_amount"
        cursor.execute(f"SELECT COUNT(*) FROM ({grouped}) g WHERE {differ}")
        count = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT {kinds.replace('u.kind', 'g.kind')}, g.beneficiary_id, g.benefit, g.ym, g.a_n, g.a_due, "
            "g.a_paid, g.a_amount, g.b_n, g.b_due, g.b_paid, g.b_amount "
            f"FROM ({grouped}) g WHERE {differ} ORDER BY g.kind, g.ym, g.beneficiary_id, g.benefit LIMIT %s",
            [limit],
        )
        differences = [
            Difference(
                kind=str(row[0]),
                beneficiary_id=int(row[1]),
                benefit=BENEFIT_BY_CODE[int(row[2])],
                ym=int(row[3]),
                batch=(int(row[5]), int(row[6]), int(row[7])) if int(row[4]) else None,
                full=(int(row[9]), int(row[10]), int(row[11])) if int(row[8]) else None,
            )
            for row in cursor.fetchall()
        ]
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM({PAY}), 0) FROM {DIFF} d WHERE {PAY} > 0")
        items, total = (int(v) for v in cursor.fetchone())
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM {CHECK_ITEMS}")
        batch_items, batch_total = (int(v) for v in cursor.fetchone())
        for table in (CHECK_ITEMS, CHECK_RECOVERIES, CHECK_SUPERSEDED):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return FullCheck(items, total, batch_items, batch_total, count, differences)


# --- the parts of the lines paying several benefits, against their items --------------------------


@dataclass(frozen=True)
class PartDifference:
    beneficiary_id: int
    benefit: str  # "" for the line as a whole: its parts summed against its amount
    parts: tuple[int, int] | None  # (amount, arrears) of the parts; None: no part
    expected: tuple[int, int] | None  # the same of the items (or of the line); None: none


@dataclass(frozen=True)
class PartsCheck:
    lines: int  # the batch's lines paying more than one benefit
    count: int  # of differences
    differences: list[PartDifference]

    @property
    def agree(self) -> bool:
        return self.count == 0


def check_line_parts(batch: Batch, *, limit: int = 100) -> PartsCheck:
    """``batch``'s line parts (``LinePart``) against what they stand for: for each line paying more
    than one benefit, its part of each benefit against its items of that benefit, and its parts
    summed against its own amount (amount and arrears both); and no part for any other line.
    Writes nothing. The items are read only for the mixed lines, through their key."""
    mixed = several_benefits_sql("l.benefits")
    hint = " INDEXED BY line_mixed" if connection.vendor == "sqlite" else ""
    union = (
        "SELECT 1 AS kind, t.beneficiary_id AS beneficiary_id, t.benefit AS benefit, 1 AS a_n, "
        "t.amount_fen AS a_fen, t.arrears_fen AS a_arrears, 0 AS b_n, 0 AS b_fen, 0 AS b_arrears "
        f"FROM {PARTS} t WHERE t.batch_id = %s "
        "UNION ALL SELECT 1, i.beneficiary_id, i.benefit, 0, 0, 0, 1, i.amount_fen, "
        "CASE WHEN i.arrears THEN i.amount_fen ELSE 0 END "
        f"FROM {LINES} l{hint} CROSS JOIN {ITEMS} i WHERE l.batch_id = %s AND {mixed} "
        "AND i.batch_id = l.batch_id AND i.beneficiary_id = l.beneficiary_id "
        "UNION ALL SELECT 2, t.beneficiary_id, '', 1, t.amount_fen, t.arrears_fen, 0, 0, 0 "
        f"FROM {PARTS} t WHERE t.batch_id = %s "
        "UNION ALL SELECT 2, l.beneficiary_id, '', 0, 0, 0, 1, l.amount_fen, l.arrears_fen "
        f"FROM {LINES} l{hint} WHERE l.batch_id = %s AND {mixed}"
    )
    grouped = (
        "SELECT u.kind AS kind, u.beneficiary_id AS beneficiary_id, u.benefit AS benefit, "
        "SUM(u.a_n) AS a_n, SUM(u.a_fen) AS a_fen, SUM(u.a_arrears) AS a_arrears, "
        "SUM(u.b_n) AS b_n, SUM(u.b_fen) AS b_fen, SUM(u.b_arrears) AS b_arrears "
        f"FROM ({union}) u GROUP BY u.kind, u.beneficiary_id, u.benefit"
    )
    differ = "g.a_fen <> g.b_fen OR g.a_arrears <> g.b_arrears"
    params = [batch.pk] * 4
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {LINES} l{hint} WHERE l.batch_id = %s AND {mixed}", [batch.pk])
        lines = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT COUNT(*) FROM ({grouped}) g WHERE {differ}", params)
        count = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT g.beneficiary_id, g.benefit, g.a_n, g.a_fen, g.a_arrears, g.b_n, g.b_fen, g.b_arrears "
            f"FROM ({grouped}) g WHERE {differ} ORDER BY g.beneficiary_id, g.kind, g.benefit LIMIT %s",
            [*params, limit],
        )
        differences = [
            PartDifference(
                beneficiary_id=int(row[0]),
                benefit=str(row[1]),
                parts=(int(row[3]), int(row[4])) if int(row[2]) else None,
                expected=(int(row[6]), int(row[7])) if int(row[5]) else None,
            )
            for row in cursor.fetchall()
        ]
    return PartsCheck(lines, count, differences)


# --- a batch's lines summed by status and benefits (``LineSum``) -----------------------------------

_GROUPS = (
    "SELECT l.status AS status, l.benefits AS benefits, COUNT(*) AS n, SUM(l.amount_fen) AS fen, "
    f"SUM(l.arrears_fen) AS arrears FROM {LINES} l WHERE l.batch_id = %s GROUP BY l.status, l.benefits"
)


def write_line_sums(batch_id: int) -> None:
    """``batch``'s lines summed by status and benefits, written again (``LineSum``): by the bank
    returns' import, in its transaction, once it has marked the lines. Read from ``line_sums``
    alone (batch, status, benefits, …, amount, arrears)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SUMS} WHERE batch_id = %s", [batch_id])
        cursor.execute(
            f"INSERT INTO {SUMS} (batch_id, status, benefits, lines, amount_fen, arrears_fen) "
            f"SELECT %s, g.status, g.benefits, g.n, g.fen, g.arrears FROM ({_GROUPS}) g",
            [batch_id, batch_id],
        )


@dataclass(frozen=True)
class SumDifference:
    status: str
    benefits: int
    kept: tuple[int, int, int] | None  # lines, amount, arrears as ``LineSum`` keeps them
    lines: tuple[int, int, int] | None  # … as the lines sum them


@dataclass(frozen=True)
class SumsCheck:
    kept: bool  # the batch has its sums (the bank has answered it)
    differences: list[SumDifference]

    @property
    def agree(self) -> bool:
        return not self.differences


def check_line_sums(batch: Batch) -> SumsCheck:
    """``batch``'s kept sums (``LineSum``) against its lines summed now. A batch without kept sums
    agrees (the reports read its lines); one with them must have exactly the lines' groups.
    Writes nothing."""
    kept = {
        (r.status, r.benefits): (r.lines, r.amount_fen, r.arrears_fen)
        for r in LineSum.objects.filter(batch_id=batch.pk)  # scope: the batch's county was checked
    }
    if not kept:
        return SumsCheck(False, [])
    with connection.cursor() as cursor:
        cursor.execute(_GROUPS, [batch.pk])
        summed = {(str(st), int(b)): (int(n), int(f), int(a)) for st, b, n, f, a in cursor.fetchall()}
    differences = [
        SumDifference(status, benefits, kept.get((status, benefits)), summed.get((status, benefits)))
        for status, benefits in sorted(kept.keys() | summed.keys())
        if kept.get((status, benefits)) != summed.get((status, benefits))
    ]
    return SumsCheck(True, differences)
