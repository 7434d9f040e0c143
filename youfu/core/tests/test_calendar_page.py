"""The admin's calendar page at /calendar/: the years covered and the incomplete ones, and
importing a year's notice through the same service as `youfu import-calendar`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.models import CalendarDay, CalendarYear
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

Y2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-07,workday,春节调休\n"


@pytest.fixture(autouse=True)
def _late_2026(time_machine: TimeMachineFixture) -> Iterator[None]:
    # The seeded calendar ends with 2026: next year is the one still to import.
    time_machine.move_to(datetime(2026, 11, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    yield


def upload(client: Client, text: str, name: str = "2027.csv", **extra: str) -> object:
    return client.post("/calendar/", {"file": SimpleUploadedFile(name, text.encode())}, **extra)


class TestWhoMayUseIt:
    def test_only_the_admin(self, world: World, client: Client) -> None:
        assert client.get("/calendar/").status_code == 302  # to the login page
        for user in (world.county_clerk, world.leader, world.auditor):
            log_in(client, user)
            assert client.get("/calendar/").status_code == 403
            assert upload(client, Y2027).status_code == 403  # type: ignore[attr-defined]
        assert not CalendarYear.objects.filter(year=2027).exists()
        log_in(client, world.admin)
        assert client.get("/calendar/").status_code == 200

    def test_the_admin_menu_links_it(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        assert 'href="/calendar/"' in client.get("/").content.decode()
        log_in(client, world.county_clerk)
        assert 'href="/calendar/"' not in client.get("/").content.decode()


class TestCoverage:
    def test_seeded_years_are_complete_and_next_year_is_not(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        html = client.get("/calendar/").content.decode()
        assert 'data-year="2026" data-complete="yes"' in html
        assert 'data-year="2004" data-complete="yes"' in html
        assert 'data-year="2027" data-complete="no"' in html and "无数据" in html
        assert 'data-testid="ahead"' in html and "2027" in html

    def test_a_year_marked_incomplete_shows_as_such(self, world: World, client: Client) -> None:
        CalendarYear.objects.filter(year=2026).update(complete=False)
        log_in(client, world.admin)
        html = client.get("/calendar/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-year="2026" data-complete="no"' in html and "marked incomplete" in html
        assert "Not yet complete" in html and "2026, 2027" in html

    def test_a_year_s_days_are_listed(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        html = client.get("/calendar/?year=2025").content.decode()
        assert "2025-10-01" in html and "国庆节" in html and "2025-09-28" in html


class TestImporting:
    def test_a_good_file_is_imported_and_audited(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        response = upload(client, Y2027)
        assert response.status_code == 302  # type: ignore[attr-defined]
        assert CalendarYear.objects.get(year=2027).complete
        assert CalendarDay.objects.get(date=date(2027, 2, 7)).name == "春节调休"
        event = AuditEvent.objects.get(event_type=EventType.CALENDAR_IMPORTED)
        assert event.actor_name == world.admin.username and event.extra["file"] == "2027.csv"
        html = client.get(response.url).content.decode()  # type: ignore[attr-defined]
        assert 'data-year="2027" data-complete="yes"' in html and 'data-testid="ahead"' not in html
        assert "春节调休" in html

    def test_gbk_is_read(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        response = client.post("/calendar/", {"file": SimpleUploadedFile("2027.csv", Y2027.encode("gbk"))})
        assert response.status_code == 302
        assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"

    def test_one_bad_row_rejects_the_file_with_reasons_in_the_pages_language(
        self, world: World, client: Client
    ) -> None:
        log_in(client, world.admin)
        bad = Y2027 + "2027-13-01,holiday,x\n2027-03-03,workday,周三\n"
        response = upload(client, bad)
        html = response.content.decode()  # type: ignore[attr-defined]
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert 'data-testid="import-errors"' in html
        assert "<td>5</td><td>date</td>" in html and "<td>6</td><td>kind</td>" in html
        assert "不是有效的日期" in html and "文件未被接受" in html
        # A Chinese page speaks Chinese only; the English page English only.
        assert "is not a date (YYYY-MM-DD)" not in html and "nothing was imported" not in html
        en = client.post(
            "/calendar/",
            {"file": SimpleUploadedFile("2027.csv", bad.encode("utf-8"))},
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        assert "is not a date (YYYY-MM-DD)" in en and "only a Saturday or Sunday" in en
        assert "The file was rejected: 2 error(s); nothing was imported." in en
        assert "不是有效的日期" not in en and "文件未被接受" not in en
        assert not CalendarDay.objects.filter(date__year=2027).exists()
        assert not CalendarYear.objects.filter(year=2027).exists()
        assert not AuditEvent.objects.filter(event_type=EventType.CALENDAR_IMPORTED).exists()

    def test_a_file_without_the_columns_is_refused_in_the_pages_language(
        self, world: World, client: Client
    ) -> None:
        log_in(client, world.admin)
        html = upload(client, "day,type\n2027-01-01,holiday\n").content.decode()  # type: ignore[attr-defined]
        assert "缺少列" in html and "Missing column(s)" not in html
        en = upload(client, "day,type\n2027-01-01,holiday\n", HTTP_ACCEPT_LANGUAGE="en")
        assert "Missing column(s): date, kind, name." in en.content.decode()  # type: ignore[attr-defined]
        assert not CalendarYear.objects.filter(year=2027).exists()

    def test_no_file_is_a_form_error(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        response = client.post("/calendar/", {})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
