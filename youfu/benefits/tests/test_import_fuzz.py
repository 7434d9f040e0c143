"""The standards import and the bank returns import under hostile files (issue 15): each file is
imported whole or refused with a clear error, a refused file changes nothing, and reading a bomb
stays within bounded memory. The files are made by ``youfu/core/tests/hostile.py``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from youfu.audit.models import AuditEvent
from youfu.benefits.models import Batch, BatchLine, LineStatus, Standard, StandardImport
from youfu.benefits.services import (
    RETURN_COLUMNS,
    do_import_bank_returns,
    do_import_standards,
    do_update_benefit_settings,
)
from youfu.benefits.services.standards import STANDARD_COLUMNS
from youfu.benefits.tables import read_table
from youfu.benefits.tests.helpers import BASE_STANDARDS, HEADER, csv_bytes, person, setup_county
from youfu.benefits.tests.test_batch_banks import (
    ABC,
    ICBC,
    NOW,
    RURAL,
    WAR,
    approved,
    bank_file,
    returns_of,
)
from youfu.core.tests.hostile import (
    FUZZ_SETTINGS,
    assert_clear_or_whole,
    figures,  # noqa: F401  (writes the figures at the module's end)
    handmade_files,
    hostile_files,
    memory_of,
    rolled_back,
    small_bomb,
)
from youfu.testing import World

STANDARDS = [HEADER, *BASE_STANDARDS[:4], BASE_STANDARDS[12], BASE_STANDARDS[21]]


def standards_counts() -> tuple[int, int, int]:
    return StandardImport.objects.count(), Standard.objects.count(), AuditEvent.objects.count()


def standards_after(before: tuple[int, int, int], result: Any) -> tuple[int, int, int]:
    if not result.added:
        return before
    return before[0] + 1, before[1] + result.added, before[2] + 1


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(file=hostile_files(STANDARDS))
def test_a_hostile_standards_file_is_imported_whole_or_refused(world: World, file: Any) -> None:
    with rolled_back():
        assert_clear_or_whole(
            "standards",
            file,
            lambda: do_import_standards(file.data, acting_user=world.county_clerk, filename=file.filename),
            standards_counts,
            standards_after,
        )


@pytest.fixture
def exported(world: World) -> Iterator[tuple[World, Batch, list[list[str]]]]:
    """Four people paid through three banks, the batch approved and its file sent to the banks."""
    with time_machine.travel(NOW, tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        for name, region, bank, account in (
            ("甲", world.village_a, ICBC, "6222000000000000001"),
            ("乙", world.village_a, ABC, "6228000000000000002"),
            ("丙", world.village_b, ABC, "6228000000000000003"),
            ("丁", world.village_b, RURAL, "6230000000000000004"),
        ):
            person(world, WAR, name=name, region=region, bank_name=bank, bank_account=account)
        batch = approved(world)
        rows = bank_file(batch, world)
        yield world, batch, rows


def returns_counts(batch: Batch) -> Any:
    def counts() -> tuple[Any, ...]:
        batch.refresh_from_db()
        statuses = tuple(
            BatchLine.objects.filter(batch=batch).order_by("seq").values_list("status", flat=True)
        )
        return batch.state, statuses, AuditEvent.objects.count()

    return counts


def returns_after(before: tuple[Any, ...], result: Any) -> tuple[Any, ...]:
    batch = Batch.objects.get(pk=BatchLine.objects.values_list("batch", flat=True).first())
    statuses = tuple(BatchLine.objects.filter(batch=batch).order_by("seq").values_list("status", flat=True))
    # Whole: every line the file answered for is paid or failed, as the result counts them.
    assert sum(s != LineStatus.PENDING for s in statuses) == result.paid + result.failed
    return batch.state, statuses, before[2] + 1


@pytest.mark.django_db
def test_the_base_returns_are_imported(exported: tuple[World, Batch, list[list[str]]]) -> None:
    world, batch, rows = exported
    with time_machine.travel(NOW, tick=False):
        result = do_import_bank_returns(batch, returns_of(rows, {"丙"}), acting_user=world.county_clerk)
    assert (result.paid, result.failed) == (3, 1)


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(data=st.data())
def test_hostile_bank_returns_are_imported_whole_or_refused(
    exported: tuple[World, Batch, list[list[str]]], data: Any
) -> None:
    world, batch, rows = exported
    base = list(csv.reader(io.StringIO(returns_of(rows, {"丙"}).decode("utf-8-sig"))))
    file = data.draw(hostile_files(base), label="file")
    with time_machine.travel(NOW, tick=False), rolled_back():
        assert_clear_or_whole(
            "bank returns",
            file,
            lambda: do_import_bank_returns(
                batch, file.data, acting_user=world.county_clerk, filename=file.filename
            ),
            returns_counts(batch),
            returns_after,
        )


@pytest.mark.parametrize("columns", [STANDARD_COLUMNS, RETURN_COLUMNS], ids=["standards", "returns"])
@pytest.mark.parametrize("how", ["declared", "lying", "cells"])
def test_a_zip_bomb_is_refused_in_bounded_memory(how: str, columns: tuple[str, ...]) -> None:
    used = memory_of(lambda: read_table(small_bomb(how), columns))
    assert used.outcome == "refused", used
    assert used.rss_kib < 64 * 1024 and used.python_kib < 16 * 1024, used


@FUZZ_SETTINGS
@given(file=handmade_files())
def test_crafted_sheets_are_read_or_refused_in_bounded_memory(file: Any) -> None:
    used = memory_of(lambda: read_table(file.data, STANDARD_COLUMNS))
    assert used.outcome in ("read", "refused"), (file, used)
    assert used.rss_kib < 128 * 1024, (file, used)


def test_a_csv_with_old_mac_line_ends_is_read() -> None:
    # Standards and returns files ended by a lone \r crashed the reader (csv.Error).
    data = csv_bytes(BASE_STANDARDS[:2]).replace(b"\r\n", b"\r")
    _, rows = read_table(data, STANDARD_COLUMNS)
    assert [r.values["年标准(元)"] for r in rows] == ["100000", "90000"]
