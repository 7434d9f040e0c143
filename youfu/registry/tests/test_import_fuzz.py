"""The registry import under hostile files (issue 15): whatever the file — formulas, merged
cells, a cell far away, a zip bomb, GBK or garbage bytes, NULs — it is imported whole or refused
with a clear error, a refused file changes nothing, and reading a bomb stays within bounded
memory. The files are made by ``youfu/core/tests/hostile.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
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
from youfu.registry.importing import import_registry
from youfu.registry.importing.read import read_grid
from youfu.registry.models import Beneficiary, DisabilityAssessment, Qualification
from youfu.registry.tests.test_import_helpers import person_row, table
from youfu.testing import World

BASE = table(
    [
        person_row(姓名="张三"),
        person_row(姓名="李四", born=date(1952, 6, 1), male=False, 优抚类别="烈士遗属"),
        person_row(姓名="王五", born=date(1948, 1, 9), 优抚类别="残疾军人", 伤残性质="因战", 伤残等级="5"),
    ]
)


def counts() -> tuple[int, int, int, int]:
    return (
        Beneficiary.objects.count(),
        Qualification.objects.count(),
        DisabilityAssessment.objects.count(),
        AuditEvent.objects.exclude(event_type=EventType.REGISTRY_IMPORT_CHECKED).count(),
    )


def after(dry_run: bool) -> Any:
    def expected(before: tuple[int, int, int, int], result: Any) -> Any:
        if dry_run:
            return before
        people, qualifications = before[0] + result.persons_created, before[1] + result.qualifications_created
        # The assessments follow the disabled veterans' rows; one audit record for the import.
        return (people, qualifications, counts()[2], before[3] + 1)

    return expected


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(file=hostile_files(BASE), dry_run=st.booleans())
def test_a_hostile_file_is_imported_whole_or_refused_with_nothing_changed(
    world: World, file: Any, dry_run: bool
) -> None:
    with rolled_back():
        assert_clear_or_whole(
            "registry",
            file,
            lambda: import_registry(
                file.data, file.filename, acting_user=world.county_clerk, dry_run=dry_run
            ),
            counts,
            after(dry_run),
        )


@pytest.mark.django_db
def test_the_base_file_itself_is_imported(world: World) -> None:
    # The fuzzing starts from a valid file: without this, every example could be a refusal.
    from youfu.registry.tests.test_import_helpers import xlsx

    result = import_registry(xlsx(BASE), "名册.xlsx", acting_user=world.county_clerk)
    assert result.persons_created == 3


@pytest.mark.parametrize("how", ["declared", "lying", "cells"])
def test_a_zip_bomb_is_refused_in_bounded_memory(how: str) -> None:
    used = memory_of(lambda: read_grid(small_bomb(how), "名册.xlsx"))
    assert used.outcome == "refused", used
    assert used.rss_kib < 64 * 1024 and used.python_kib < 16 * 1024, used


@FUZZ_SETTINGS
@given(file=handmade_files())
def test_crafted_sheets_are_read_or_refused_in_bounded_memory(file: Any) -> None:
    used = memory_of(lambda: read_grid(file.data, file.filename))
    assert used.outcome in ("read", "refused"), (file, used)
    assert used.rss_kib < 128 * 1024, (file, used)


@pytest.mark.django_db
def test_a_sheet_whose_xml_is_broken_is_refused_as_unreadable(world: World) -> None:
    # The workbook opens; its sheet's XML does not parse (calamine's XmlError was a 500).
    from youfu.core.errors import InvalidInput
    from youfu.core.tests.test_bounded_workbooks import handmade

    broken = handmade('<row r="1"><c r="A1"><v>1</v></row></c><<<&')
    with pytest.raises(InvalidInput) as refused:
        import_registry(broken, "名册.xlsx", acting_user=world.county_clerk)
    assert refused.value.code == "unsupported_file"
    assert counts()[:3] == (0, 0, 0)


@pytest.mark.django_db
def test_a_csv_field_beyond_the_csv_limit_is_refused(world: World) -> None:
    from youfu.core.errors import InvalidInput
    from youfu.registry.tests.test_import_helpers import csv_bytes

    data = csv_bytes(BASE) + '"{}"\n'.format("备" * 140_000).encode()
    with pytest.raises(InvalidInput) as refused:
        import_registry(data, "名册.csv", acting_user=world.county_clerk)
    assert refused.value.code == "unsupported_file"
    assert counts()[:3] == (0, 0, 0)
