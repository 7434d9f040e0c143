"""The monthly archive: a closed month's county summary is archived once (the task on the 1st and
the 2nd), audited, and downloaded later exactly as generated, whatever changed since; scoped (a
township's clerk gets a 404 for the county's), and a changed file is refused, never sent."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db.models import F
from django.test import Client

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.tests.helpers import at
from youfu.regions.models import Region
from youfu.relief.grants.models import ReliefGrant
from youfu.reports import archive_services
from youfu.reports.archive_models import ArchivedReport
from youfu.reports.archive_services import archive_closed_month, archive_period, previous_month
from youfu.reports.selectors import summary
from youfu.reports.tasks import archive_last_month
from youfu.reports.tests.scenario import NOV, County, build
from youfu.reports.workbook import HEADER_ROWS
from youfu.testing import World, api_get, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _archived() -> list[ArchivedReport]:
    return list(ArchivedReport.objects.order_by("pk"))  # scope: test


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=EventType.REPORT_ARCHIVED).order_by("seq"))


def test_the_previous_month() -> None:
    assert previous_month(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert previous_month(date(2027, 1, 2)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_month(date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))


def test_a_month_is_archived_once_with_its_digest_and_audit(county: County, media: Path) -> None:
    w = county.world
    first = archive_period(w.county, *NOV)
    assert first.created
    report = first.report
    data = (media / report.file.name).read_bytes()
    assert (report.size, report.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert report.file.name.startswith("reports/2026/11/") and report.file.name.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["发放"].cell(2, 1).value == "填报单位：青山县"
    assert book["发放"].cell(4, 1).value == "统计期间：2026-11-01 至 2026-11-30"
    again = archive_period(w.county, *NOV)
    assert not again.created and again.report.pk == report.pk
    assert len(_archived()) == 1
    assert len(list((media / "reports").rglob("*.xlsx"))) == 1
    (event,) = _events()
    assert (event.region_id, event.actor_id, event.actor_name) == (w.county.code, None, "system")
    assert event.new["sha256"] == report.sha256 and event.new["period_start"] == "2026-11-01"


def test_the_task_archives_every_county_s_last_month_on_the_1st_and_the_2nd(county: County) -> None:
    other = Region.objects.create(code="341198000000", name="白水县", level="county")
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        assert archive_last_month.call_local() == 2
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        assert archive_last_month.call_local() == 0  # the 2nd finds November done
    assert {(r.region_id, r.period_start, r.period_end) for r in _archived()} == {
        (county.world.county.code, date(2026, 11, 1), date(2026, 11, 30)),
        (other.code, date(2026, 11, 1), date(2026, 11, 30)),
    }
    assert len(_events()) == 2
    assert all(e.channel == "task" for e in _events())
    # The queue runs it at 01:00 UTC (09:00 in Shanghai) on the 1st and the 2nd, never later.
    assert archive_last_month.task_class().validate_datetime(datetime(2026, 12, 1, 1, 0))
    assert archive_last_month.task_class().validate_datetime(datetime(2026, 12, 2, 1, 0))
    assert not archive_last_month.task_class().validate_datetime(datetime(2026, 12, 3, 1, 0))


def test_later_changes_leave_the_archive_as_generated(client: Client, county: County) -> None:
    w = county.world
    report = archive_period(w.county, *NOV).report
    original = (Path(default_storage.location) / report.file.name).read_bytes()
    # The records change after the month was archived: a grant's amount, the county's name.
    ReliefGrant.objects.update(amount_fen=F("amount_fen") + 10_000)  # scope: test
    Region.objects.filter(pk=w.county.pk).update(name="青山县（新）")
    log_in(client, w.county_clerk)
    page = client.get(f"/reports/archive/{report.pk}.xlsx")
    assert page.status_code == 200
    assert page.content == original
    assert "summary-341199000000-2026-11.xlsx" in page["Content-Disposition"]
    assert page["Cache-Control"] == "no-store"
    api = api_get(client, w.leader, f"/api/v1/reports/archive/{report.pk}.xlsx")
    assert api.status_code == 200 and api.content == original
    live = client.get("/reports/summary.xlsx", {"from": "2026-11-01", "to": "2026-11-30"})
    live_book = openpyxl.load_workbook(io.BytesIO(live.content))
    assert live_book["临时救助"].cell(2, 1).value == "填报单位：青山县（新）"
    archived_book = openpyxl.load_workbook(io.BytesIO(original))
    assert archived_book["临时救助"].cell(HEADER_ROWS + 2, 2).value == pytest.approx(1000.00)
    assert live_book["临时救助"].cell(HEADER_ROWS + 2, 2).value == pytest.approx(1100.00)


def test_the_list_page_and_the_api(client: Client, county: County) -> None:
    w = county.world
    report = archive_period(w.county, *NOV).report
    log_in(client, w.county_clerk)
    html = client.get("/reports/archive/").content.decode()
    assert f'href="/reports/archive/{report.pk}.xlsx"' in html
    assert "2026-11-01 – 2026-11-30" in html
    body = api_get(client, w.county_clerk, "/api/v1/reports/archive").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["region"] == w.county.code and row["region_name"] == "青山县"
    assert (row["period_start"], row["period_end"]) == ("2026-11-01", "2026-11-30")
    assert (row["size"], row["sha256"]) == (report.size, report.sha256)
    assert row["download"] == f"/api/v1/reports/archive/{report.pk}.xlsx"


def test_a_township_s_clerk_cannot_reach_the_county_s_archive(client: Client, county: County) -> None:
    w = county.world
    report = archive_period(w.county, *NOV).report
    for user in (w.township_clerk, w.other_township_clerk, w.village_assistant):
        log_in(client, user)
        assert client.get(f"/reports/archive/{report.pk}.xlsx").status_code == 404, user.username
        assert f"/reports/archive/{report.pk}.xlsx" not in client.get("/reports/archive/").content.decode()
        api = api_get(client, user, f"/api/v1/reports/archive/{report.pk}.xlsx")
        assert api.status_code == 404, user.username
        assert api_get(client, user, "/api/v1/reports/archive").json()["count"] == 0
    # The liaison's role reads two areas of the county's whole report: refused with the reason
    # (test_partial_readers.py), as the roles that read no personal data are.
    for user in (w.admin, w.auditor, w.liaison):
        log_in(client, user)
        assert client.get(f"/reports/archive/{report.pk}.xlsx").status_code == 403
        assert api_get(client, user, f"/api/v1/reports/archive/{report.pk}.xlsx").status_code == 403
    log_in(client, w.county_clerk)
    assert client.get("/reports/archive/999999.xlsx").status_code == 404


def test_a_changed_or_missing_file_is_refused_not_sent(client: Client, county: County) -> None:
    w = county.world
    report = archive_period(w.county, *NOV).report
    stored = Path(default_storage.location) / report.file.name
    data = stored.read_bytes()
    stored.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size, another digest
    log_in(client, w.county_clerk)
    page = client.get(f"/reports/archive/{report.pk}.xlsx")
    assert page.status_code == 409
    assert 'data-testid="archive-error"' in page.content.decode()
    api = api_get(client, w.county_clerk, f"/api/v1/reports/archive/{report.pk}.xlsx")
    assert api.status_code == 409 and api.json()["error"]["code"] == "archive_damaged"
    stored.unlink()
    assert client.get(f"/reports/archive/{report.pk}.xlsx").status_code == 409


def test_a_month_without_records_is_archived_too(world: World) -> None:
    (result,) = archive_closed_month(date(2001, 2, 1))
    assert result.created
    assert (result.report.period_start, result.report.period_end) == (date(2001, 1, 1), date(2001, 1, 31))


def test_a_racing_second_worker_keeps_the_first_s_archive(
    county: County, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = county.world
    first = archive_period(w.county, *NOV).report
    real = archive_services._existing
    calls: list[int] = []

    def not_yet(*args: Any) -> ArchivedReport | None:
        # The second worker looked before the first had committed.
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(archive_services, "_existing", not_yet)
    again = archive_period(w.county, *NOV)
    assert not again.created and again.report.pk == first.pk
    assert len(_archived()) == 1 and len(_events()) == 1
    assert [p.name for p in (media / "reports").rglob("*.xlsx")] == [Path(first.file.name).name]


def test_the_system_reads_as_no_one_s_account_and_as_the_county_reads(county: County) -> None:
    w = county.world
    users_before = User.objects.count()
    reader = archive_services.system_reader(w.county)
    assert (reader.pk, reader.username, reader.region_id) == (None, "system", w.county.code)
    assert not reader.has_usable_password() and not reader.check_password("")
    # What it reads is what the county's own readers read, figure for figure.
    read = summary(reader, *NOV, w.county)
    assert read == summary(w.county_clerk, *NOV, w.county) == summary(w.leader, *NOV, w.county)
    report = archive_period(w.county, *NOV).report
    assert report.generated_by_id is None
    assert User.objects.count() == users_before and not User.objects.filter(username="system").exists()
