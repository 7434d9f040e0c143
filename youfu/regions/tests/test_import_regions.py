from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import InvalidInput
from youfu.core.imports import ImportRejected
from youfu.regions.models import Region
from youfu.regions.services import import_regions
from youfu.testing import World

GOOD = (
    "code,name,parent_code,level\n"
    "341199000000,青山县,,county\n"
    "341199100000,城关镇,341199000000,township\n"
    "341199100201,柳湾村,341199100000,village\n"
    "341199101000,东岭镇,341199000000,township\n"
)


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
class TestImportRegions:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
    def test_it_reads_utf8_bom_and_gbk(self, encoding: str) -> None:
        result = import_regions(GOOD.encode(encoding), acting_user=None)
        assert len(result.created) == 4
        assert Region.objects.get(code="341199100201").name == "柳湾村"
        assert Region.objects.get(code="341199100201").parent_id == "341199100000"

    def test_it_is_idempotent(self) -> None:
        import_regions(GOOD.encode(), acting_user=None)
        events = AuditEvent.objects.count()
        again = import_regions(GOOD.encode(), acting_user=None)
        assert again.created == [] and again.renamed == [] and again.unchanged == 4
        assert Region.objects.count() == 4
        assert AuditEvent.objects.count() == events  # nothing changed, nothing recorded

    def test_it_renames_with_an_audited_change(self) -> None:
        import_regions(GOOD.encode(), acting_user=None)
        import_regions(GOOD.replace("东岭镇", "东岭街道").encode(), acting_user=None)
        assert Region.objects.get(code="341199101000").name == "东岭街道"
        event = AuditEvent.objects.get(event_type=EventType.REGION_CHANGED)
        assert event.old == {"name": "东岭镇"} and event.new == {"name": "东岭街道"}
        assert event.actor_name == "system"

    def test_it_rejects_the_whole_file_and_names_every_bad_row(self) -> None:
        bad = GOOD + (
            "34119910200,短码,341199000000,township\n"  # row 6: 11 digits
            "341199103000,无父,341199999000,township\n"  # row 7: parent unknown
            "341199104000,,341199000000,hamlet\n"  # row 8: no name, bad level
            "341199100000,重复,341199000000,township\n"  # row 9: duplicate code
            "341288100000,外县,341199000000,township\n"  # row 10: not under its parent
        )
        with pytest.raises(ImportRejected) as info:
            import_regions(bad.encode(), acting_user=None)
        found = {(e.row, e.column) for e in info.value.errors}
        assert found == {
            (6, "code"),
            (7, "parent_code"),
            (8, "name"),
            (8, "level"),
            (9, "code"),
            (10, "code"),
        }
        assert Region.objects.count() == 0
        assert AuditEvent.objects.count() == 0
        row8 = next(e for e in info.value.errors if e.column == "level")
        assert "hamlet" in row8.message.en and "hamlet" in row8.message.zh
        assert row8.message.zh != row8.message.en

    def test_it_refuses_missing_columns(self) -> None:
        with pytest.raises(InvalidInput) as info:
            import_regions(b"code,name,level\n341199000000,x,county\n", acting_user=None)
        assert "parent_code" in str(info.value)
        assert Region.objects.count() == 0

    def test_it_refuses_undecodable_bytes(self) -> None:
        with pytest.raises(Exception, match="UTF-8"):
            import_regions(b"\xff\xfe\x00c\x00o\x00d\x00e\x81", acting_user=None)

    def test_it_refuses_a_code_that_does_not_fit_its_level(self) -> None:
        with pytest.raises(ImportRejected) as info:
            import_regions(b"code,name,parent_code,level\n341199100000,x,,county\n", acting_user=None)
        assert [(e.row, e.column) for e in info.value.errors] == [(2, "code")]

    def test_a_township_cannot_move_to_another_county(self) -> None:
        import_regions(GOOD.encode(), acting_user=None)
        moved = (
            "code,name,parent_code,level\n"
            "341200000000,邻县,,county\n"
            "341199101000,东岭镇,341200000000,township\n"
        )
        with pytest.raises(ImportRejected):
            import_regions(moved.encode(), acting_user=None)
        assert not Region.objects.filter(code="341200000000").exists()


@pytest.mark.django_db
class TestImportRegionsCommand:
    def test_it_bootstraps_without_as_on_an_empty_database(self, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        path.write_text(GOOD, encoding="gbk")
        code, out, _ = run("import-regions", str(path), "--json")
        assert code == 0
        assert json.loads(out) == {"ok": True, "rows": 4, "created": 4, "updated": 0, "unchanged": 0}

    def test_it_requires_as_once_users_exist(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        path.write_text(GOOD, encoding="utf-8")
        code, _, err = run("import-regions", str(path))
        assert code == 1
        assert "--as" in err

    def test_only_the_admin_may_import(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        path.write_text(GOOD.replace("东岭镇", "改名"), encoding="utf-8")
        code, _, _ = run("import-regions", str(path), "--as", world.county_clerk.username)
        assert code == 1
        code, out, _ = run("import-regions", str(path), "--as", world.admin.username, "--json")
        assert code == 0, out
        assert json.loads(out)["updated"] == 1

    def test_it_reports_rows_in_json_and_exits_1(self, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        path.write_text(GOOD + "341199105000,新镇,341199000000,town\n", encoding="utf-8")
        code, out, _ = run("import-regions", str(path), "--json")
        assert code == 1
        payload = json.loads(out)
        assert payload["ok"] is False
        assert payload["errors"][0]["row"] == 6
        assert payload["errors"][0]["column"] == "level"
        assert " / " in payload["errors"][0]["message"]  # zh-Hans / English
        assert Region.objects.count() == 0
