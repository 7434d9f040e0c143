"""Deadline arithmetic on the working-day calendar (DESIGN.md §5).

A period of *n* calendar days counts from the day after the event; when its last day is a
rest day (a weekend or public holiday, but not a make-up working day) the deadline moves
to the next working day. A period of *n* working days ends on the *n*-th working day after
the event. Data comes from ``CalendarDay``/``CalendarYear``; a year without data counts
only weekends as rest days, and the answer says the calendar was incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.core.csvio import CsvRow, read_csv
from youfu.core.errors import InvalidInput
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.core.models import CalendarDay, CalendarYear, DayKind
from youfu.core.roles import Capability, require

if TYPE_CHECKING:
    from youfu.accounts.models import User

# A rest-day roll never needs more than this (the longest holiday runs are 8–9 days);
# the bound only protects against a corrupt calendar marking everything a holiday.
_MAX_ROLL_DAYS = 60


@dataclass(frozen=True)
class Due:
    date: date
    complete: bool  # every calendar year the computation looked at had data


@dataclass
class _Year:
    known: bool
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


class WorkCalendar:
    """Answers about days, reading each year from the database once (two queries).

    Make one per request or per batch of computations; it does not notice later imports.
    """

    def __init__(self) -> None:
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            holidays: set[date] = set()
            workdays: set[date] = set()
            rows = CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
            for day, kind in rows:
                (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
            known = CalendarYear.objects.filter(year=year, complete=True).exists()
            cached = _Year(known=known, holidays=frozenset(holidays), workdays=frozenset(workdays))
            self._years[year] = cached
        return cached

    def is_known(self, year: int) -> bool:
        return self._year(year).known

    def is_rest_day(self, day: date) -> bool:
        year = self._year(day.year)
        if day in year.workdays:
            return False
        return day in year.holidays or day.weekday() >= 5

    def is_working_day(self, day: date) -> bool:
        return not self.is_rest_day(day)

    def add_calendar_days(self, start: date, days: int) -> Due:
        """``days`` calendar days after ``start``, moved off a final rest day."""
        last = start + timedelta(days=days)
        complete = self.is_known(last.year)
        for _ in range(_MAX_ROLL_DAYS):
            if not self.is_rest_day(last):
                break
            last += timedelta(days=1)
            complete = complete and self.is_known(last.year)
        return Due(last, complete)

    def add_working_days(self, start: date, days: int) -> Due:
        """The ``days``-th working day after ``start``."""
        day = start
        complete = True
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            complete = complete and self.is_known(day.year)
            if self.is_working_day(day):
                counted += 1
        return Due(day, complete)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first one after it."""
        for _ in range(_MAX_ROLL_DAYS):
            if self.is_working_day(day):
                break
            day += timedelta(days=1)
        return day


def deadline(
    start: date, days: int, *, working_days: bool = False, calendar: WorkCalendar | None = None
) -> Due:
    calendar = calendar or WorkCalendar()
    if working_days:
        return calendar.add_working_days(start, days)
    return calendar.add_calendar_days(start, days)


# --- importing a year's notice -------------------------------------------------------------

# Sent inside the import's transaction when calendar days changed; receivers recompute
# what depends on days from ``since`` on and return how many records they changed.
calendar_changed = Signal()

# Sent inside ``import_calendar``'s transaction once the days are written (arguments:
# ``acting_user``, ``years``, ``extra``). The audit app, which sits above core, records the
# event from it, so core writes the calendar without importing audit.
calendar_imported = Signal()

COLUMNS = ("date", "kind", "name")


@dataclass
class CalendarImportResult:
    years: list[int]
    rows: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    recomputed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": True,
            "years": self.years,
            "rows": self.rows,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "recomputed": self.recomputed,
        }


def _parse_calendar(rows: list[CsvRow]) -> tuple[dict[date, tuple[str, str]], list[RowError]]:
    errors: list[RowError] = []
    days: dict[date, tuple[str, str]] = {}
    first_row: dict[date, int] = {}
    for row in rows:
        raw_date, kind, name = row.values["date"], row.values["kind"], row.values["name"]
        try:
            day = date.fromisoformat(raw_date)
            if len(raw_date) != 10:
                raise ValueError(raw_date)
        except ValueError:
            errors.append(
                RowError(
                    row.number,
                    "date",
                    Message(gettext_noop("%(value)s is not a date (YYYY-MM-DD)."), {"value": raw_date}),
                )
            )
            continue
        if kind not in DayKind.values:
            errors.append(
                RowError(
                    row.number,
                    "kind",
                    Message(gettext_noop("Unknown kind %(kind)s; use holiday or workday."), {"kind": kind}),
                )
            )
            continue
        if len(name) > 50:
            errors.append(
                RowError(
                    row.number, "name", Message(gettext_noop("At most %(n)d characters, please."), {"n": 50})
                )
            )
            continue
        if kind == DayKind.WORKDAY and day.weekday() < 5:
            errors.append(
                RowError(
                    row.number,
                    "kind",
                    Message(
                        gettext_noop(
                            "%(date)s is a weekday: only a Saturday or Sunday can be a make-up working day."
                        ),
                        {"date": day.isoformat()},
                    ),
                )
            )
            continue
        if day in first_row:
            errors.append(
                RowError(
                    row.number,
                    "date",
                    Message(
                        gettext_noop("%(date)s appears again (first on row %(first)d)."),
                        {"date": day.isoformat(), "first": first_row[day]},
                    ),
                )
            )
            continue
        first_row[day] = row.number
        days[day] = (kind, name)
    return days, errors


def import_calendar(data: bytes, *, acting_user: User | None, filename: str = "") -> CalendarImportResult:
    """Replace the days of every year in the file with the file's days and declare those
    years known. One bad row rejects the whole file; importing the same file again
    changes nothing. Stored deadlines that depended on the changed days are recomputed
    (and audited) in the same transaction."""
    require(acting_user, Capability.MANAGE_SETTINGS)
    rows = read_csv(data, COLUMNS)
    days, errors = _parse_calendar(rows)
    if errors:
        raise ImportRejected(errors)
    if not days:
        raise InvalidInput(Message(gettext_noop("The file has no days.")), code="empty_file")
    years = sorted({d.year for d in days})
    result = CalendarImportResult(years=years, rows=len(days))
    with transaction.atomic():
        existing = {c.date: c for c in CalendarDay.objects.filter(date__year__in=years)}
        removed = [d for d in existing if d not in days]
        added = [CalendarDay(date=d, kind=k, name=n) for d, (k, n) in days.items() if d not in existing]
        changed = []
        for d, (kind, name) in days.items():
            current = existing.get(d)
            if current is not None and (current.kind, current.name) != (kind, name):
                current.kind, current.name = kind, name
                changed.append(current)
        CalendarDay.objects.filter(date__in=removed).delete()
        CalendarDay.objects.bulk_create(added, batch_size=500)
        CalendarDay.objects.bulk_update(changed, ["kind", "name"], batch_size=500)
        known = set(CalendarYear.objects.filter(year__in=years, complete=True).values_list("year", flat=True))
        source = f"import {filename}".strip()[:200]
        for year in years:
            CalendarYear.objects.update_or_create(
                year=year, defaults={"source": source, "complete": True, "updated_at": timezone.now()}
            )
        result.added, result.removed, result.changed = len(added), len(removed), len(changed)
        touched = sorted({c.date for c in added} | set(removed) | {c.date for c in changed})
        newly_known = [y for y in years if y not in known]
        if not touched and not newly_known:
            return result
        since = min([*touched, *(date(y, 1, 1) for y in newly_known)])
        recorded = calendar_imported.send(
            sender=CalendarYear,
            acting_user=acting_user,
            years=years,
            extra={
                "file": filename,
                "years": years,
                "added": result.added,
                "removed": result.removed,
                "changed": result.changed,
                "newly_known": newly_known,
                "dates": [d.isoformat() for d in touched[:400]],
            },
        )
        if not recorded:
            # Every write is audited: without the audit app's receiver the import is refused
            # (the transaction rolls back) rather than left unrecorded.
            raise RuntimeError("calendar_imported has no receiver: the audit app is not installed")
        responses = calendar_changed.send(sender=CalendarDay, since=since, acting_user=acting_user)
        for _receiver, response in responses:
            answer: object = response
            if isinstance(answer, int):
                result.recomputed += answer
    return result
