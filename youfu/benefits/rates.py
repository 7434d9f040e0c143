"""Which standard and top-up apply: the one definition, in Python, over the small tables.

A county has a few dozen distinct rate keys (category × disability cause and level ×
residence) and a few dozen months to pay; the engine receives the answer for every key
and month as a small table and joins the whole county against it in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from youfu.benefits.models import LocalTopUp, ParameterState, Standard, StandardBasis
from youfu.benefits.money import percent_to_bp
from youfu.registry.categories import BENEFIT_OF, MAX_LEVEL, Benefit, Category, DisabilityCause
from youfu.registry.models import Residence

# Months of the monthly amount paid as a lump sum on the holder's death
# (军人抚恤优待条例 2024 Arts. 22, 32, 62).
LUMP_SUM_MONTHS = {
    Benefit.DISABILITY_PENSION: 12,
    Benefit.SURVIVOR_PENSION: 6,
    Benefit.LIVING_SUBSIDY: 6,
}


@dataclass(frozen=True)
class StandardRow:
    id: int
    category: str
    cause: str  # "" = any
    level: int | None  # None = any
    residence: str  # "" = any
    annual_fen: int
    effective_on: date
    basis: str

    @classmethod
    def of(cls, standard: Standard) -> StandardRow:
        return cls(
            standard.pk,
            standard.category,
            standard.disability_cause,
            standard.disability_level,
            standard.residence,
            standard.annual_fen,
            standard.effective_on,
            standard.basis,
        )

    def matches(self, category: str, cause: str, level: int, residence: str) -> bool:
        return (
            self.category == category
            and (not self.cause or self.cause == cause)
            and (self.level is None or self.level == level)
            and (not self.residence or self.residence == residence)
        )

    def overlaps(self, other: StandardRow) -> bool:
        """Both would apply to some qualification from the same date: ambiguous."""
        return self.effective_on == other.effective_on and self.overlaps_key(other)

    def overlaps_key(self, other: StandardRow) -> bool:
        """Both apply to some qualification (on whatever dates)."""
        return (
            self.category == other.category
            and (not self.cause or not other.cause or self.cause == other.cause)
            and (self.level is None or other.level is None or self.level == other.level)
            and (not self.residence or not other.residence or self.residence == other.residence)
        )

    def same_key(self, other: StandardRow) -> bool:
        return (self.category, self.cause, self.level, self.residence, self.effective_on) == (
            other.category,
            other.cause,
            other.level,
            other.residence,
            other.effective_on,
        )


def approved_standards() -> QuerySet[Standard]:
    """The rows in force: those of approved versions. The engine, the overlap checks and
    the standards' history all read this one definition."""
    qs: QuerySet[Standard] = Standard.objects.filter(version__state=ParameterState.APPROVED)
    return qs


class Ambiguous(Exception):
    def __init__(self, rows: list[StandardRow]) -> None:
        self.rows = rows
        super().__init__(f"{len(rows)} standards apply")


# A disabled veteran's cause and level as one number in the engine's SQL: 因战 3级 = 103.
CAUSE_CODES = {DisabilityCause.COMBAT: 100, DisabilityCause.DUTY: 200, DisabilityCause.ILLNESS: 300}


@dataclass(frozen=True)
class RateKey:
    category: str
    cause: str  # "" unless a disabled veteran
    level: int  # 0 unless a disabled veteran
    residence: str

    @property
    def cause_level(self) -> int:
        return CAUSE_CODES[DisabilityCause(self.cause)] + self.level if self.cause else self.level


def rate_keys() -> list[RateKey]:
    """Every combination a qualification can present to the standards table."""
    keys = []
    for category in BENEFIT_OF:
        for residence in Residence.values:
            if category == Category.DISABLED_VETERAN:
                for cause in DisabilityCause:
                    for level in range(1, MAX_LEVEL[cause] + 1):
                        keys.append(RateKey(category, cause.value, level, residence))
            else:
                keys.append(RateKey(category.value, "", 0, residence))
    return keys


class StandardTable:
    def __init__(self, rows: Iterable[StandardRow]) -> None:
        self.by_category: dict[str, list[StandardRow]] = defaultdict(list)
        for row in rows:
            self.by_category[row.category].append(row)
        for candidates in self.by_category.values():
            candidates.sort(key=lambda r: r.effective_on, reverse=True)

    @classmethod
    def load(cls) -> StandardTable:
        """The approved standards only: a version awaiting approval, or refused, never pays."""
        return cls(StandardRow.of(s) for s in approved_standards())

    def applicable(self, key: RateKey, on: date) -> StandardRow | None:
        """The matching row with the latest date on or before ``on``; two there is ambiguous."""
        found: list[StandardRow] = []
        for row in self.by_category.get(key.category, []):
            if row.effective_on > on:
                continue
            if found and row.effective_on < found[0].effective_on:
                break
            if row.matches(key.category, key.cause, key.level, key.residence):
                found.append(row)
        if len(found) > 1:
            raise Ambiguous(found)
        return found[0] if found else None


class TopUps:
    def __init__(self, entries: Iterable[tuple[date, int]]) -> None:
        self.entries = sorted(entries, reverse=True)  # (effective_on, basis points)

    @classmethod
    def load(cls, county_code: str) -> TopUps:
        return cls(
            (t.effective_on, percent_to_bp(t.percent))
            for t in LocalTopUp.objects.filter(region=county_code, state=ParameterState.APPROVED)
        )

    def in_force(self, on: date) -> int:
        for effective_on, bp in self.entries:
            if effective_on <= on:
                return bp
        return 0


@dataclass(frozen=True)
class Rate:
    """What the engine needs to compute one key's amount in one month."""

    ym: int
    key: RateKey
    benefit: str
    standard_id: int
    annual_fen: int
    per_year: bool
    topup_bp: int
    divisor: int  # 12 for monthly benefits, 1 for the yearly allowance
    lump_months: int

    def as_row(self) -> tuple[Any, ...]:
        return (
            self.ym,
            self.key.category,
            self.key.cause_level,
            self.key.residence,
            self.standard_id,
            self.annual_fen,
            1 if self.per_year else 0,
            self.topup_bp,
            self.divisor,
            self.lump_months,
        )


def rates_for(months: Iterable[date], table: StandardTable, topups: TopUps) -> list[Rate]:
    """The rate of every key in every month, from the standard and top-up in force on the
    month's first day. Keys with no standard are left out: the engine reports them.
    The conscript family allowance is a local yearly amount: no top-up, not divided."""
    out = []
    keys = rate_keys()
    for month in months:
        topup = topups.in_force(month)
        ym = month.year * 100 + month.month
        for key in keys:
            row = table.applicable(key, month)
            if row is None:
                continue
            benefit = BENEFIT_OF[Category(key.category)]
            yearly = benefit == Benefit.CONSCRIPT_FAMILY_ALLOWANCE
            out.append(
                Rate(
                    ym=ym,
                    key=key,
                    benefit=benefit.value,
                    standard_id=row.id,
                    annual_fen=row.annual_fen,
                    per_year=row.basis == StandardBasis.PER_SERVICE_YEAR,
                    topup_bp=0 if yearly else topup,
                    divisor=1 if yearly else 12,
                    lump_months=LUMP_SUM_MONTHS.get(benefit, 0),
                )
            )
    return out
