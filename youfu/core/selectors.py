"""Reads of the working-day calendar for the admin's calendar page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from youfu.core.models import CalendarDay, CalendarYear, DayKind


@dataclass(frozen=True)
class YearCoverage:
    year: int
    complete: bool  # a CalendarYear row says the year's data is complete
    recorded: bool  # any CalendarYear row at all (False: the year was never imported)
    source: str
    updated_at: datetime | None
    holidays: int
    workdays: int


def calendar_coverage(today: date) -> list[YearCoverage]:
    """Every year from the first with data through next year, newest first.

    Next year is always listed: a deadline set in the autumn can end in it, and until its
    notice is imported only weekends count as rest days there (DESIGN.md §5).
    """
    years = {y.year: y for y in CalendarYear.objects.all()}
    counts: dict[tuple[int, str], int] = {
        (row["year"], row["kind"]): row["n"]
        for row in CalendarDay.objects.annotate(year=ExtractYear("date"))
        .values("year", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    known = set(years) | {year for year, _kind in counts}
    first = min([*known, today.year])
    last = max([*known, today.year + 1])
    rows = []
    for year in range(last, first - 1, -1):
        row = years.get(year)
        rows.append(
            YearCoverage(
                year=year,
                complete=row is not None and row.complete,
                recorded=row is not None,
                source=row.source if row is not None else "",
                updated_at=row.updated_at if row is not None else None,
                holidays=counts.get((year, DayKind.HOLIDAY), 0),
                workdays=counts.get((year, DayKind.WORKDAY), 0),
            )
        )
    return rows


def incomplete_years_ahead(coverage: list[YearCoverage], today: date) -> list[int]:
    """This year and next year, where they lack complete data: deadlines being set now fall there."""
    return sorted(c.year for c in coverage if c.year >= today.year and not c.complete)


def calendar_days(year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__year=year).order_by("date")
