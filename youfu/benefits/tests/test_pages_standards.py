"""The standards page as each persona finds it: every version with its dates, the import
with its row-by-row report, the top-up history and who may change what."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import LocalTopUp, Standard
from youfu.benefits.services import do_import_standards
from youfu.benefits.tests.helpers import at, csv_bytes, setup_county
from youfu.core.imports import ImportRejected
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

RAISE = [["参战退役人员", "", "", "", "7200", "2026-10-01", ""]]


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def upload(rows: list[list[str]], name: str = "标准2026.csv") -> io.BytesIO:
    file = io.BytesIO(csv_bytes(rows))
    file.name = name
    return file


@pytest.fixture
def county(world: World) -> World:
    with time_machine.travel(at(2026, 9, 1), tick=False):
        setup_county(world)
    with time_machine.travel(at(2026, 9, 20), tick=False):
        do_import_standards(csv_bytes(RAISE), acting_user=world.admin, filename="调标.csv")
    return world


def test_it_shows_every_version_of_a_standard_with_the_dates_it_applied(
    county: World, client: Client
) -> None:
    log_in(client, county.county_clerk)
    page = text(client.get("/benefits/standards/"))
    history = page.split('data-testid="standards-history"')[1].split("</table>")[0]
    rows = [r for r in history.split("<tr") if "参战退役人员" in r]
    # Newest first; the old amount stays, ending the day before the new one took over.
    assert len(rows) == 2
    assert "2026-10-01" in rows[0] and "现行" in rows[0] and "7200.00" in rows[0] and "调标.csv" in rows[0]
    assert "2020-01-01" in rows[1] and "2026-09-30" in rows[1] and "6000.00" in rows[1]
    imports = page.split('data-testid="standard-imports"')[1].split("</table>")[0]
    assert "调标.csv" in imports and "标准.csv" in imports and "admin" in imports
    # A clerk reads the history but neither imports nor sets the top-up.
    assert 'data-testid="import-standards"' not in page and 'name="percent"' not in page


def test_it_reads_in_english_too(county: World, client: Client) -> None:
    log_in(client, county.county_clerk)
    page = text(client.get("/benefits/standards/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "war participant" in page and "in combat" in page and "level 5" in page
    assert "per year of service" in page and "current" in page


def test_the_admin_finds_the_page_in_the_menu_and_sees_no_payment_links(
    county: World, client: Client
) -> None:
    log_in(client, county.admin)
    home = text(client.get("/"))
    assert 'href="/benefits/standards/"' in home
    page = text(client.get("/benefits/standards/"))
    assert 'data-testid="import-standards"' in page
    # The admin reads no payments: the benefits menu does not offer them.
    assert 'href="/benefits/recoveries/"' not in page and 'href="/benefits/"' not in page


def test_a_rejected_file_is_reported_row_by_row_in_both_languages(county: World, client: Client) -> None:
    rows = [
        ["参战退役人员", "", "", "", "x", "2027-01-01", ""],
        ["残疾军人", "因病", "8", "", "1000", "2027-01-01", ""],
    ]
    with pytest.raises(ImportRejected) as expected:
        do_import_standards(csv_bytes(rows), acting_user=county.admin)
    before = Standard.objects.count()
    log_in(client, county.admin)
    response = client.post("/benefits/standards/import/", {"file": upload(rows, "坏文件.csv")})
    assert response.status_code == 200
    page = text(response)
    report = page.split('data-testid="import-rejected"')[1].split("</section>")[0]
    assert "坏文件.csv" in report and expected.value.message.zh in report  # nothing was imported
    for error in expected.value.errors:
        assert f"<td>{error.row}</td><td>{error.column}</td>" in report
        assert error.message.zh in report and error.message.en in report
    assert error.message.zh != error.message.en
    assert Standard.objects.count() == before
    assert not AuditEvent.objects.filter(event_type=EventType.STANDARDS_IMPORTED, new__filename="坏文件.csv")


def test_the_admin_imports_a_new_version_from_the_page(county: World, client: Client) -> None:
    with time_machine.travel(at(2026, 12, 1), tick=False):
        log_in(client, county.admin)
        response = client.post(
            "/benefits/standards/import/",
            {"file": upload([["参战退役人员", "", "", "", "7800", "2027-01-01", ""]])},
            follow=True,
        )
    page = text(response)
    assert "新增 1 条标准，0 条已存在。" in page
    assert Standard.objects.filter(effective_on=date(2027, 1, 1)).count() == 1
    history = page.split('data-testid="standards-history"')[1].split("</table>")[0]
    war = [r for r in history.split("<tr") if "参战退役人员" in r]
    assert [("2027-01-01" in r, "2026-12-31" in r) for r in war[:2]] == [(True, False), (False, True)]


def test_the_admin_sets_the_top_up_and_sees_its_history(county: World, client: Client) -> None:
    with time_machine.travel(at(2026, 12, 1), tick=False):
        log_in(client, county.admin)
        client.post("/benefits/standards/topup/", {"percent": "10", "effective_on": "2027-01-01"})
        refused = client.post(
            "/benefits/standards/topup/", {"percent": "-120", "effective_on": "2027-02-01"}, follow=True
        )
        page = text(client.get("/benefits/standards/"))
    assert "地方增发比例应在 -100% 至 100% 之间" in text(refused)
    assert list(LocalTopUp.objects.values_list("percent", flat=True)) == [10, 8]
    topups = page.split('data-testid="topups"')[1].split("</table>")[0]
    assert topups.index("2027-01-01") < topups.index("2020-01-01")
    assert "10.00%" in topups and "8.00%" in topups and "2026-12-01" in topups
    assert AuditEvent.objects.filter(event_type=EventType.TOPUP_SET, new__percent="10.00").exists()


def test_a_clerk_may_not_import_or_set_the_top_up(county: World, client: Client) -> None:
    log_in(client, county.county_clerk)
    assert client.post("/benefits/standards/import/", {"file": upload(RAISE)}).status_code == 403
    assert (
        client.post("/benefits/standards/topup/", {"percent": "9", "effective_on": "2027-01-01"}).status_code
        == 403
    )
    assert LocalTopUp.objects.count() == 1
