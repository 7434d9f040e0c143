"""The working-day calendar import under hostile files (issue 15): a CSV in any encoding, with
NULs, formulas, garbage, overlong fields or a workbook's bytes, is imported whole or refused with
a clear error, and a refused file changes nothing. The files: ``youfu/core/tests/hostile.py``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from youfu.audit.models import AuditEvent
from youfu.core.csvio import read_csv
from youfu.core.models import CalendarDay, CalendarYear
from youfu.core.tests.hostile import (
    FUZZ_SETTINGS,
    assert_clear_or_whole,
    figures,  # noqa: F401  (writes the figures at the module's end)
    hostile_files,
    memory_of,
    rolled_back,
    small_bomb,
)
from youfu.core.workdays import COLUMNS, import_calendar
from youfu.testing import World

BASE = [
    ["date", "kind", "name"],
    ["2031-01-01", "holiday", "元旦"],
    ["2031-01-02", "holiday", "元旦"],
    ["2031-01-04", "workday", "元旦调休"],
    ["2031-02-10", "holiday", "春节"],
]


def counts() -> tuple[Any, ...]:
    days = tuple(CalendarDay.objects.order_by("date").values_list("date", "kind", "name"))
    years = tuple(CalendarYear.objects.order_by("year").values_list("year", "complete"))
    return days, years, AuditEvent.objects.count()


def after(before: tuple[Any, ...], result: Any) -> tuple[Any, ...]:
    # Whole: the file's years hold exactly its days, and are known.
    assert CalendarDay.objects.filter(date__year__in=result.years).count() == result.rows
    assert all(CalendarYear.objects.get(year=y).complete for y in result.years)
    return counts()


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(file=hostile_files(BASE))
def test_a_hostile_calendar_file_is_imported_whole_or_refused(world: World, file: Any) -> None:
    with rolled_back():
        assert_clear_or_whole(
            "calendar",
            file,
            lambda: import_calendar(file.data, acting_user=world.admin, filename=file.filename),
            counts,
            after,
        )


@pytest.mark.django_db
def test_the_base_file_itself_is_imported(world: World) -> None:
    from youfu.core.tests.hostile import csv_of

    assert import_calendar(csv_of(BASE, "utf-8"), acting_user=world.admin).rows == 4


@pytest.mark.parametrize("how", ["declared", "lying", "cells"])
def test_a_workbook_bomb_given_as_a_calendar_is_refused_in_bounded_memory(how: str) -> None:
    used = memory_of(lambda: read_csv(small_bomb(how), COLUMNS))
    assert used.outcome == "refused", used
    assert used.rss_kib < 64 * 1024, used


def test_a_csv_of_sixty_megabytes_of_separators_is_refused_in_bounded_memory() -> None:
    data = b"date,kind,name\n" + b"," * (60 * 1024 * 1024)
    used = memory_of(lambda: read_csv(data, COLUMNS))
    assert used.outcome == "refused", used
    assert used.python_kib < 1024 and used.rss_kib < 16 * 1024, used
