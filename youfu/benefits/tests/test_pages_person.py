"""A person's payments on the registry's person page (loaded by htmx) and on their own
benefits page: the entitlements explained month by month and the bank transfers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from youfu.benefits import views
from youfu.benefits.services import do_update_benefit_settings
from youfu.benefits.tests.helpers import at, csv_bytes, pay_month, person, setup_county, standards_in_force
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def rows_of(page: str, testid: str) -> list[str]:
    body = page.split(f'data-testid="{testid}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [r for r in body.split("<tr>") if "<td" in r]


def cells(row: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


@pytest.fixture
def jia(world: World) -> Iterator[Beneficiary]:
    """Paid 540.00 for 2026-10 and 2026-11; then a raise to 7,200 a year from 2026-10-01 is
    imported, so the 2026-12 batch pays 108.00 of arrears for each of the two months."""
    with time_machine.travel(at(2026, 10, 1), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 10, 1))
        found = person(world, WAR, name="甲", region=world.village_a)
    pay_month(world, "2026-10")
    pay_month(world, "2026-11")
    with time_machine.travel(at(2026, 11, 20), tick=False):
        standards_in_force(world, csv_bytes([["参战退役人员", "", "", "", "7200", "2026-10-01", ""]]))
    pay_month(world, "2026-12")
    with time_machine.travel(at(2026, 12, 10), tick=False):
        yield found


def test_the_registry_person_page_loads_the_payments_section(
    world: World, client: Client, jia: Beneficiary
) -> None:
    log_in(client, world.township_clerk)
    page = text(client.get(f"/registry/{jia.pk}/"))
    assert f'hx-get="/benefits/beneficiaries/{jia.pk}/section/"' in page and 'hx-trigger="load"' in page
    section = text(client.get(f"/benefits/beneficiaries/{jia.pk}/section/", HTTP_HX_REQUEST="true"))
    assert section.lstrip().startswith('<section class="card" data-testid="payments">')
    assert "<html" not in section and f'href="/benefits/beneficiaries/{jia.pk}/"' in section


def test_the_explanation_shows_per_month_the_standard_top_up_due_paid_and_difference(
    world: World, client: Client, jia: Beneficiary
) -> None:
    log_in(client, world.county_clerk)
    page = text(client.get(f"/benefits/beneficiaries/{jia.pk}/section/"))
    standard = "7,200.00 / 年 (2026-10-01起执行)"
    # 7,200 × 1.08 / 12 = 648.00 due; 540.00 paid at the old standard, then 108.00 of arrears
    # in the December batch: nothing is left to pay.
    assert [cells(r) for r in rows_of(page, "entitlements")] == [
        ["2026-10", "定期生活补助", standard, "8.00%", "648.00", "648.00", "0.00"],
        ["2026-11", "定期生活补助", standard, "8.00%", "648.00", "648.00", "0.00"],
        ["2026-12", "定期生活补助", standard, "8.00%", "648.00", "648.00", "0.00"],
    ]
    # Batch, what the line pays (its 摘要's kinds), amount, arrears, (paid to,) status.
    assert [cells(r)[:4] + cells(r)[5:] for r in rows_of(page, "transfers")] == [
        ["2026-12", "定期生活补助", "864.00", "216.00", "已发放"],
        ["2026-11", "定期生活补助", "540.00", "0.00", "已发放"],
        ["2026-10", "定期生活补助", "540.00", "0.00", "已发放"],
    ]


def test_the_section_shows_the_latest_transfers_and_the_page_all_of_them(
    world: World, client: Client, jia: Beneficiary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SECTION_TRANSFERS", 1)
    log_in(client, world.county_clerk)
    section = text(client.get(f"/benefits/beneficiaries/{jia.pk}/section/"))
    assert len(rows_of(section, "transfers")) == 1 and 'data-testid="all-payments"' in section
    page = text(client.get(f"/benefits/beneficiaries/{jia.pk}/?from=2026-10&to=2026-11"))
    assert len(rows_of(page, "transfers")) == 3 and len(rows_of(page, "entitlements")) == 2


def test_another_township_finds_no_payments_section(world: World, client: Client, jia: Beneficiary) -> None:
    log_in(client, world.other_township_clerk)
    assert client.get(f"/benefits/beneficiaries/{jia.pk}/section/").status_code == 404
    log_in(client, world.auditor)
    assert client.get(f"/benefits/beneficiaries/{jia.pk}/section/").status_code == 403


# --- a person's lines are read through ``line_person``, led by the month -------------------------


def _plans(queries: list[dict[str, str]]) -> list[str]:
    """The SQLite plan of each query on the bank lines that names a person."""
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if 'FROM "benefits_batchline"' not in sql or '"beneficiary_id" =' not in sql:
                continue
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans.append(" | ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans (PostgreSQL prunes the partitions)")
def test_a_persons_lines_are_read_month_by_month_through_line_person(
    world: World, client: Client, jia: Beneficiary
) -> None:
    """``line_person`` is led by the month, so that a batch's lines go in at its end however long
    the county has paid; no index is led by the person any more, so a read of one person's lines
    by the person alone would scan every line of every batch. The person's payments section (the
    transfers, and the entitlements explained with what was paid of each) finds them by the
    months (``line_months``) or by each batch, and the person: never by a scan."""
    log_in(client, world.township_clerk)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/benefits/beneficiaries/{jia.pk}/section/").status_code == 200
        assert client.get(f"/benefits/beneficiaries/{jia.pk}/?from=2026-10&to=2026-12").status_code == 200
    plans = _plans(captured.captured_queries)
    assert len(plans) >= 2, plans  # the transfers, and the lines' statuses for the explanation
    for plan in plans:
        # Found by the month and the person, or by each batch and the person: never scanned.
        assert "SCAN benefits_batchline" not in plan, plan
        found = r"SEARCH benefits_batchline USING (COVERING )?INDEX \w+ "
        found += r"\((month|batch_id)=\? AND beneficiary_id=\?\)"
        assert re.search(found, plan), plan
