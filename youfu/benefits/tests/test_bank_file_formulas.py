"""The bank file is data, never code (issue 10, item 13): a text cell that a spreadsheet would run
as a formula is neutralised by the shared writer; amounts stay what the bank expects."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import openpyxl
import pytest
import time_machine

from youfu.benefits.models import Batch
from youfu.benefits.services import (
    do_approve_batch,
    do_create_batch,
    do_update_benefit_settings,
    write_bank_file,
)
from youfu.benefits.tests.helpers import at, m, person, setup_county
from youfu.registry.categories import Category
from youfu.testing import World

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
# A name written before names were validated at every entry (the registry keeps what it has).
FORMULA = '=HYPERLINK("http://evil.example","甲")'


@pytest.fixture
def batch(world: World) -> Iterator[Batch]:
    with time_machine.travel(at(2026, 11, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        person(world, WAR, name=FORMULA, region=world.village_a)
        person(world, WAR, name="乙", region=world.village_a, bank_account="6230000000000000002")
        created = do_create_batch(m("2026-11"), acting_user=world.county_clerk)
        yield do_approve_batch(created, acting_user=world.leader)


def test_the_csv_neutralises_text_and_keeps_amounts(batch: Batch) -> None:
    out = io.BytesIO()
    write_bank_file(batch, out, fmt="csv")
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    names = [r[1] for r in rows[1:-1]]
    assert "'" + FORMULA in names and FORMULA not in names
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row)
    amounts = [r[5] for r in rows[1:]]
    assert all(a.replace(".", "").isdigit() for a in amounts)  # no apostrophe before a number


def test_the_xlsx_writes_it_as_text_not_as_a_formula(batch: Batch) -> None:
    out = io.BytesIO()
    write_bank_file(batch, out, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    (formula_like,) = [c for c in cells if c.value == FORMULA]
    assert formula_like.data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
