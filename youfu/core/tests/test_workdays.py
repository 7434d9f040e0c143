"""Deadline arithmetic on the working-day calendar (DESIGN.md §5).

The calendar is the one the migrations seed from chinesecalendar (2004–2026): 2025's
National Day runs 1–8 October with make-up working days on Sunday 28 September and
Saturday 11 October; New Year 2026 is 1–3 January with Sunday 4 January worked.
"""

from __future__ import annotations

from datetime import date

import pytest

from youfu.core.models import CalendarDay, CalendarYear, DayKind
from youfu.core.workdays import Due, WorkCalendar, deadline

pytestmark = pytest.mark.django_db


def due(start: str, days: int, *, working_days: bool = False) -> Due:
    return deadline(date.fromisoformat(start), days, working_days=working_days)


class TestTheSeededCalendar:
    def test_it_holds_2004_to_2026(self) -> None:
        years = list(CalendarYear.objects.values_list("year", flat=True))
        assert years == list(range(2004, 2027))
        assert CalendarDay.objects.get(date=date(2025, 10, 1)).kind == DayKind.HOLIDAY
        assert CalendarDay.objects.get(date=date(2025, 10, 1)).name == "国庆节"
        assert CalendarDay.objects.get(date=date(2025, 9, 28)).kind == DayKind.WORKDAY

    def test_weekends_holidays_and_make_up_days(self) -> None:
        calendar = WorkCalendar()
        assert calendar.is_working_day(date(2025, 3, 3))  # Monday
        assert calendar.is_rest_day(date(2025, 3, 8))  # Saturday
        assert calendar.is_rest_day(date(2025, 10, 3))  # Friday in the National Day holiday
        assert calendar.is_working_day(date(2025, 9, 28))  # Sunday worked
        assert calendar.is_working_day(date(2025, 10, 11))  # Saturday worked


class TestCalendarDays:
    def test_a_plain_weekday_is_the_deadline(self) -> None:
        assert due("2025-03-03", 15) == Due(date(2025, 3, 18), True)

    def test_counting_starts_the_day_after_the_event(self) -> None:
        # Received on the 1st: day 1 is the 2nd, day 15 the 16th.
        assert due("2025-07-01", 15).date == date(2025, 7, 16)

    def test_a_weekend_moves_to_monday(self) -> None:
        assert due("2025-03-07", 15) == Due(date(2025, 3, 24), True)  # Sat 22nd → Mon 24th

    def test_a_public_holiday_moves_past_the_whole_holiday(self) -> None:
        assert due("2025-09-16", 15) == Due(date(2025, 10, 9), True)  # 1 Oct → Thu 9 Oct

    def test_a_make_up_working_day_is_a_working_day(self) -> None:
        assert due("2025-09-13", 15).date == date(2025, 9, 28)  # a Sunday, but worked
        assert due("2025-09-26", 15).date == date(2025, 10, 11)  # a Saturday, but worked

    def test_a_holiday_on_a_weekday_before_a_weekend(self) -> None:
        # Labour Day 2025: Thu 1 May – Mon 5 May; the 6th is a Tuesday.
        assert due("2025-04-16", 15).date == date(2025, 5, 6)

    def test_across_the_year_end(self) -> None:
        # 1 Jan 2026 (Thu) to 3 Jan are holidays; Sunday 4 January is worked.
        assert due("2025-12-17", 15) == Due(date(2026, 1, 4), True)

    def test_a_leap_day(self) -> None:
        assert due("2024-02-14", 15).date == date(2024, 2, 29)


class TestAYearWithNoCalendarData:
    def test_weekends_only_and_marked_incomplete(self) -> None:
        # 2027 is not seeded: Sat 30 January moves to Monday, and the answer says so.
        assert due("2027-01-15", 15) == Due(date(2027, 2, 1), False)

    def test_a_weekday_in_an_unknown_year_is_taken_as_a_working_day(self) -> None:
        # Really New Year's Day, but nobody has imported 2027 yet.
        assert due("2026-12-17", 15) == Due(date(2027, 1, 1), False)

    def test_a_deadline_inside_a_known_year_stays_complete(self) -> None:
        assert due("2026-12-16", 15) == Due(date(2026, 12, 31), True)

    def test_a_roll_into_an_unknown_year_is_incomplete(self) -> None:
        # Sat 2 Jan 2027 → Mon 4 Jan, judged on weekends only.
        assert due("2026-12-18", 15) == Due(date(2027, 1, 4), False)

    def test_importing_the_year_completes_it(self) -> None:
        CalendarYear.objects.create(year=2027, source="test")
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=date(2027, 1, d), kind=DayKind.HOLIDAY, name="元旦") for d in (1, 2, 3)]
        )
        assert due("2026-12-17", 15) == Due(date(2027, 1, 4), True)

    def test_a_year_marked_incomplete_is_incomplete(self) -> None:
        CalendarYear.objects.filter(year=2026).update(complete=False)
        assert due("2026-03-02", 15).complete is False


class TestExtensions:
    def test_an_extension_lengthens_the_period_itself(self) -> None:
        # Accepted Sat 2 Aug 2025: day 60 is 1 October (holiday) → 9 October.
        assert due("2025-08-02", 60).date == date(2025, 10, 9)
        # Extended by 10: day 70 from acceptance is Sat 11 October, a make-up working day.
        # Counting 10 more from the rolled 9 October would wrongly give Mon 20 October.
        assert due("2025-08-02", 70).date == date(2025, 10, 11)

    def test_the_longest_extension(self) -> None:
        assert due("2025-03-03", 90).date == date(2025, 6, 3)  # Sun 1 June, Mon 2 June holidays


class TestWorkingDays:
    def test_the_nth_working_day_after_the_event(self) -> None:
        # Fri 26 Sep 2025: Sun 28 (worked), Mon 29, Tue 30, then 1–8 Oct off, Thu 9, Fri 10.
        assert due("2025-09-26", 5, working_days=True) == Due(date(2025, 10, 10), True)

    def test_working_days_into_an_unknown_year(self) -> None:
        assert due("2026-12-30", 3, working_days=True) == Due(date(2027, 1, 4), False)

    def test_working_days_between(self) -> None:
        calendar = WorkCalendar()
        assert calendar.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
        assert calendar.working_days_between(date(2025, 3, 3), date(2025, 3, 10)) == 5
        assert calendar.working_days_between(date(2025, 3, 10), date(2025, 3, 3)) == -5
        assert calendar.working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0

    def test_next_working_day(self) -> None:
        calendar = WorkCalendar()
        assert calendar.next_working_day(date(2025, 10, 4)) == date(2025, 10, 9)
        assert calendar.next_working_day(date(2025, 10, 9)) == date(2025, 10, 9)


def test_a_calendar_reads_each_year_once(django_assert_num_queries: object) -> None:
    calendar = WorkCalendar()
    with django_assert_num_queries(2):  # type: ignore[operator]
        for offset in range(1, 200):
            calendar.add_calendar_days(date(2025, 1, 1), offset % 300)
