"""`youfu import-calendar FILE.csv --as USER`: a year's holidays and make-up working days,
all or nothing, idempotent, audited, and the stored petition deadlines follow."""

from __future__ import annotations

import json
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import PermissionDenied
from youfu.core.imports import ImportRejected
from youfu.core.models import CalendarDay, CalendarYear
from youfu.core.workdays import WorkCalendar, import_calendar
from youfu.testing import World

pytestmark = pytest.mark.django_db

Y2027 = (
    "date,kind,name\n"
    "2027-01-01,holiday,元旦\n"
    "2027-01-02,holiday,元旦\n"
    "2027-01-03,holiday,元旦\n"
    "2027-02-06,holiday,春节\n"
    "2027-02-07,workday,春节调休\n"
)


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


class TestImporting:
    def test_a_new_year_becomes_known(self, world: World) -> None:
        result = import_calendar(Y2027.encode(), acting_user=world.admin, filename="2027.csv")
        assert result.years == [2027] and result.added == 5
        assert CalendarYear.objects.get(year=2027).complete is True
        calendar = WorkCalendar()
        assert calendar.is_rest_day(date(2027, 1, 1)) and calendar.is_working_day(date(2027, 2, 7))
        event = AuditEvent.objects.get(event_type=EventType.CALENDAR_IMPORTED)
        assert event.extra["years"] == [2027] and event.actor_name == "admin"

    def test_importing_the_same_file_again_changes_nothing(self, world: World) -> None:
        import_calendar(Y2027.encode(), acting_user=world.admin)
        events = AuditEvent.objects.count()
        again = import_calendar(Y2027.encode(), acting_user=world.admin)
        assert (again.added, again.removed, again.changed) == (0, 0, 0)
        assert AuditEvent.objects.count() == events

    def test_the_file_replaces_its_years(self, world: World) -> None:
        import_calendar(Y2027.encode(), acting_user=world.admin)
        corrected = Y2027.replace("2027-02-06,holiday,春节\n", "").replace(
            "2027-01-03,holiday,元旦", "2027-01-03,holiday,新年"
        )
        result = import_calendar(corrected.encode(), acting_user=world.admin)
        assert (result.added, result.removed, result.changed) == (0, 1, 1)
        assert not CalendarDay.objects.filter(date=date(2027, 2, 6)).exists()
        assert CalendarDay.objects.get(date=date(2027, 1, 3)).name == "新年"

    def test_gbk_is_read(self, world: World) -> None:
        result = import_calendar(Y2027.encode("gbk"), acting_user=world.admin)
        assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦" and result.rows == 5

    def test_one_bad_row_rejects_the_file(self, world: World) -> None:
        bad = (
            Y2027
            + "2027-13-01,holiday,x\n2027-03-03,workday,周三\n2027-01-01,holiday,again\n2027-04-04,rest,x\n"
        )
        with pytest.raises(ImportRejected) as exc:
            import_calendar(bad.encode(), acting_user=world.admin)
        assert [(e.row, e.column) for e in exc.value.errors] == [
            (7, "date"),
            (8, "kind"),
            (9, "date"),
            (10, "kind"),
        ]
        assert not CalendarDay.objects.filter(date__year=2027).exists()
        assert not CalendarYear.objects.filter(year=2027).exists()

    def test_only_the_settings_role_may_import(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            import_calendar(Y2027.encode(), acting_user=world.county_clerk)


class TestStoredDeadlinesFollow:
    def test_deadlines_in_the_imported_year_are_recomputed_and_audited(
        self, world: World, time_machine: TimeMachineFixture
    ) -> None:
        from youfu.petitions.models import PetitionEvent
        from youfu.petitions.tests.factories import register

        time_machine.move_to(datetime(2026, 12, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
        petition = register(world.township_clerk, received_on=date(2026, 12, 17))
        unaffected = register(world.township_clerk, received_on=date(2026, 6, 1))
        assert (petition.accept_due, petition.calendar_complete) == (date(2027, 1, 1), False)
        result = import_calendar(Y2027.encode(), acting_user=world.admin)
        petition.refresh_from_db()
        assert (petition.accept_due, petition.calendar_complete) == (date(2027, 1, 4), True)
        assert result.recomputed == 1
        audit = AuditEvent.objects.get(event_type=EventType.PETITION_DEADLINES_RECOMPUTED)
        assert audit.old == {"accept_due": "2027-01-01", "calendar_complete": False}
        assert audit.new == {"accept_due": "2027-01-04", "calendar_complete": True}
        assert PetitionEvent.objects.filter(petition=petition, action="recompute").count() == 1
        assert not PetitionEvent.objects.filter(petition=unaffected, action="recompute").exists()


class TestTheCommand:
    def test_it_imports_and_prints_json(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "2027.csv"
        path.write_text(Y2027, encoding="utf-8")
        code, out, _ = run("import-calendar", str(path), "--as", "admin", "--json")
        assert code == 0
        assert json.loads(out) == {
            "ok": True,
            "years": [2027],
            "rows": 5,
            "added": 5,
            "removed": 0,
            "changed": 0,
            "recomputed": 0,
        }

    def test_it_needs_an_acting_user(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "2027.csv"
        path.write_text(Y2027, encoding="utf-8")
        code, _, err = run("import-calendar", str(path))
        assert code == 1 and "--as" in err

    def test_a_clerk_is_refused(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "2027.csv"
        path.write_text(Y2027, encoding="utf-8")
        assert run("import-calendar", str(path), "--as", "clerk")[0] == 1
        assert not CalendarYear.objects.filter(year=2027).exists()

    def test_a_rejected_file_exits_1_naming_the_rows(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "bad.csv"
        path.write_text("date,kind,name\n2027-03-03,workday,周三\n", encoding="utf-8")
        code, out, _ = run("import-calendar", str(path), "--as", "admin", "--json")
        body = json.loads(out)
        assert code == 1 and body["ok"] is False and body["errors"][0]["row"] == 2

    def test_a_missing_file_exits_1(self, world: World, tmp_path: Path) -> None:
        assert run("import-calendar", str(tmp_path / "nope.csv"), "--as", "admin")[0] == 1
