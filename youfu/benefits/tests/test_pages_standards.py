"""The standards page as each persona finds it: every version with its dates, the import
with its row-by-row report, the top-up history and who may change what."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import LocalTopUp, ParameterState, Standard, StandardImport
from youfu.benefits.services import do_import_standards, do_set_topup
from youfu.benefits.tests.helpers import at, csv_bytes, setup_county, standards_in_force
from youfu.core.imports import ImportRejected
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

RAISE = [["参战退役人员", "", "", "", "7200", "2026-10-01", ""]]


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def approved_label() -> str:
    with translation.override("zh-hans"):
        return str(ParameterState.APPROVED.label)


def upload(rows: list[list[str]], name: str = "标准2026.csv") -> io.BytesIO:
    file = io.BytesIO(csv_bytes(rows))
    file.name = name
    return file


@pytest.fixture
def county(world: World) -> World:
    with time_machine.travel(at(2026, 9, 1), tick=False):
        setup_county(world)
    with time_machine.travel(at(2026, 9, 20), tick=False):
        standards_in_force(world, csv_bytes(RAISE), filename="调标.csv")
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
    assert "2026-10-01" in rows[0] and "现行" in rows[0] and "7,200.00" in rows[0] and "调标.csv" in rows[0]
    assert "2020-01-01" in rows[1] and "2026-09-30" in rows[1] and "6,000.00" in rows[1]
    imports = page.split('data-testid="standard-imports"')[1].split("</table>")[0]
    assert (
        "调标.csv" in imports and "标准.csv" in imports and "clerk" in imports and approved_label() in imports
    )
    # A township clerk reads the history but neither imports nor enters a top-up.
    client.logout()
    log_in(client, county.township_clerk)
    page = text(client.get("/benefits/standards/"))
    assert 'data-testid="standards-history"' in page
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
    # The admin keeps the payments start month; money parameters are the clerks' and leaders'.
    assert 'action="/benefits/standards/settings/"' in page
    assert 'data-testid="import-standards"' not in page and 'name="percent"' not in page
    # The admin reads no payments: the benefits menu does not offer them.
    assert 'href="/benefits/recoveries/"' not in page and 'href="/benefits/"' not in page


@pytest.mark.parametrize("who", ["county_clerk", "leader"])
def test_the_county_clerk_and_the_leader_find_the_page_in_the_menu(
    county: World, client: Client, who: str
) -> None:
    log_in(client, getattr(county, who))
    assert 'href="/benefits/standards/"' in text(client.get("/"))


def test_a_rejected_file_is_reported_row_by_row_in_the_pages_language(county: World, client: Client) -> None:
    rows = [
        ["参战退役人员", "", "", "", "x", "2027-01-01", ""],
        ["残疾军人", "因病", "8", "", "1000", "2027-01-01", ""],
    ]
    with pytest.raises(ImportRejected) as expected:
        do_import_standards(csv_bytes(rows), acting_user=county.county_clerk)
    before = Standard.objects.count()
    log_in(client, county.county_clerk)
    response = client.post("/benefits/standards/import/", {"file": upload(rows, "坏文件.csv")})
    assert response.status_code == 200
    page = text(response)
    report = page.split('data-testid="import-rejected"')[1].split("</section>")[0]
    assert "坏文件.csv" in report and expected.value.message.zh in report  # nothing was imported
    for error in expected.value.errors:
        assert f"<td>{error.row}</td><td>{error.column}</td>" in report
        assert error.message.zh in report and error.message.en not in report
    assert error.message.zh != error.message.en
    assert Standard.objects.count() == before
    assert not AuditEvent.objects.filter(event_type=EventType.STANDARDS_IMPORTED, new__filename="坏文件.csv")


def test_the_clerk_imports_a_version_and_a_leader_approves_it_on_the_page(
    county: World, client: Client
) -> None:
    with time_machine.travel(at(2026, 12, 1), tick=False):
        log_in(client, county.county_clerk)
        response = client.post(
            "/benefits/standards/import/",
            {"file": upload([["参战退役人员", "", "", "", "7800", "2027-01-01", ""]])},
            follow=True,
        )
    page = text(response)
    assert "导入 1 条标准，0 条已在执行：经领导批准后生效。" in page
    version = StandardImport.objects.get(state="pending")
    history = page.split('data-testid="standards-history"')[1].split("</table>")[0]
    assert "2027-01-01" not in history  # not in force while it waits
    waiting = page.split(f'data-testid="pending-standards-{version.pk}"')[1].split("</div>")[0]
    assert "7,200.00" in waiting and "7,800.00" in waiting and "2027-01-01" in waiting  # what changes
    assert f'data-testid="approve-standards-{version.pk}"' not in waiting  # the clerk does not approve
    client.logout()
    log_in(client, county.leader)
    home = text(client.get("/"))
    assert "待审批的抚恤补助标准" in home and "/benefits/standards/#pending" in home
    page = text(client.get("/benefits/standards/"))
    assert f'data-testid="approve-standards-{version.pk}"' in page
    response = client.post(f"/benefits/standards/{version.pk}/approve/", follow=True)
    version.refresh_from_db()
    assert (version.state, version.decided_by) == ("approved", county.leader)
    history = text(response).split('data-testid="standards-history"')[1].split("</table>")[0]
    war = [r for r in history.split("<tr") if "参战退役人员" in r]
    assert [("2027-01-01" in r, "2026-12-31" in r) for r in war[:2]] == [(True, False), (False, True)]
    assert 'data-testid="nothing-pending"' in text(response)


def test_a_leader_refuses_a_version_with_a_reason_the_clerk_reads(county: World, client: Client) -> None:
    do_import_standards(
        csv_bytes([["参战退役人员", "", "", "", "78000", "2027-01-01", ""]]), acting_user=county.county_clerk
    )
    version = StandardImport.objects.get(state="pending")
    log_in(client, county.leader)
    empty = client.post(f"/benefits/standards/{version.pk}/refuse/", {"reason": " "}, follow=True)
    assert "请填写退回理由" in text(empty)
    version.refresh_from_db()
    assert version.state == "pending"
    client.post(f"/benefits/standards/{version.pk}/refuse/", {"reason": "金额多了一个零"})
    version.refresh_from_db()
    assert (version.state, version.reason) == ("refused", "金额多了一个零")
    client.logout()
    log_in(client, county.county_clerk)
    imports = text(client.get("/benefits/standards/")).split('data-testid="standard-imports"')[1]
    with translation.override("zh-hans"):
        refused = str(ParameterState.REFUSED.label)
    assert refused in imports and "金额多了一个零" in imports


def test_the_clerk_enters_the_top_up_and_a_leader_approves_it_on_the_page(
    county: World, client: Client
) -> None:
    with time_machine.travel(at(2026, 12, 1), tick=False):
        log_in(client, county.county_clerk)
        entered = client.post(
            "/benefits/standards/topup/", {"percent": "10", "effective_on": "2027-01-01"}, follow=True
        )
        refused = client.post(
            "/benefits/standards/topup/", {"percent": "-120", "effective_on": "2027-02-01"}, follow=True
        )
    assert "已录入地方增发比例：经领导批准后生效。" in text(entered)
    assert "地方增发比例应在 -100% 至 100% 之间" in text(refused)
    pending = LocalTopUp.objects.get(state="pending")
    assert pending.percent == 10
    client.logout()
    log_in(client, county.leader)
    page = text(client.get("/benefits/standards/"))
    waiting = page.split(f'data-testid="pending-topup-{pending.pk}"')[1].split("</div>")[0]
    assert "10.00%" in waiting and "2027-01-01" in waiting and "8.00%" in waiting
    with time_machine.travel(at(2026, 12, 2), tick=False):
        client.post(f"/benefits/standards/topup/{pending.pk}/approve/")
        page = text(client.get("/benefits/standards/"))
    topups = page.split('data-testid="topups"')[1].split("</table>")[0]
    assert topups.index("2027-01-01") < topups.index("2020-01-01")
    assert "10.00%" in topups and "8.00%" in topups and "2026-12-01" in topups and "2026-12-02" in topups
    assert AuditEvent.objects.filter(event_type=EventType.TOPUP_SET, new__percent="10.00").exists()
    assert AuditEvent.objects.filter(event_type=EventType.TOPUP_APPROVED, new__percent="10.00").exists()


def test_the_admin_and_a_township_clerk_may_not_enter_standards_or_a_top_up(
    county: World, client: Client
) -> None:
    log_in(client, county.admin)
    assert client.post("/benefits/standards/import/", {"file": upload(RAISE)}).status_code == 403
    assert (
        client.post("/benefits/standards/topup/", {"percent": "9", "effective_on": "2027-01-01"}).status_code
        == 403
    )
    client.logout()
    log_in(client, county.township_clerk)
    client.post(
        "/benefits/standards/import/", {"file": upload([["参战退役人员", "", "", "", "1", "2027-01-01", ""]])}
    )
    client.post("/benefits/standards/topup/", {"percent": "9", "effective_on": "2027-01-01"})
    assert LocalTopUp.objects.count() == 1 and StandardImport.objects.count() == 2


def test_a_clerk_may_not_approve_on_the_page(county: World, client: Client) -> None:
    topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
    log_in(client, county.county_clerk)
    assert client.post(f"/benefits/standards/topup/{topup.pk}/approve/").status_code == 403
    topup.refresh_from_db()
    assert topup.state == "pending"
