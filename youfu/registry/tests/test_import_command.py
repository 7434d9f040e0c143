"""`youfu import-registry FILE --as USER [--dry-run] [--update] [--json]`."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.registry.models import Beneficiary, Qualification
from youfu.registry.tests.test_import_helpers import csv_bytes, person_row, table, xlsx
from youfu.testing import World

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import-registry", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "名册.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_it_imports_and_prints_json(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, xlsx(table([person_row(), person_row(姓名="李四")], [*table([])[0], "序号"])))
    code, out, _ = run(path, "--as", world.county_clerk.username, "--json")
    assert code == 0, out
    payload = json.loads(out)
    assert {k: payload[k] for k in ("ok", "rows", "persons_created", "qualifications_created")} == {
        "ok": True,
        "rows": 2,
        "persons_created": 2,
        "qualifications_created": 2,
    }
    assert payload["persons_updated"] == 0 and payload["errors"] == []
    assert payload["warnings"][0]["column"] == "序号"
    assert Beneficiary.objects.count() == 2


def test_a_rejected_file_exits_1_with_every_row_in_json(world: World, tmp_path: Path) -> None:
    rows = [person_row(), person_row(优抚类别="残疾军人"), person_row(公民身份号码="3.41199E+17")]
    path = write(tmp_path, csv_bytes(table(rows), "gbk"), "名册.csv")
    code, out, _ = run(path, "--as", world.county_clerk.username, "--json")
    assert code == 1
    payload = json.loads(out)
    assert payload["ok"] is False
    assert payload["rows"] == 3 and payload["persons_created"] == 0
    assert [(e["row"], e["column"]) for e in payload["errors"]] == [
        (3, "伤残性质"),
        (3, "伤残等级"),
        (4, "公民身份号码"),
    ]
    assert set(payload["errors"][0]) >= {"row", "column", "message"}
    assert payload["error"]["code"] == "import_rejected"
    assert Beneficiary.objects.count() == 0
    (check,) = AuditEvent.objects.all()
    assert check.event_type == EventType.REGISTRY_IMPORT_CHECKED and check.extra["outcome"] == "rejected"


def test_without_json_it_prints_the_rows_and_exits_1(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, xlsx(table([person_row(优抚类别="英雄")])))
    code, _, err = run(path, "--as", world.county_clerk.username)
    assert code == 1
    assert "row 2, 优抚类别" in err


def test_dry_run_writes_nothing_and_exits_0(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, xlsx(table([person_row()])))
    code, out, _ = run(path, "--as", world.county_clerk.username, "--dry-run", "--json")
    assert code == 0
    assert json.loads(out)["persons_created"] == 1 and json.loads(out)["dry_run"] is True
    assert Beneficiary.objects.count() == 0
    (check,) = AuditEvent.objects.all()  # a dry run is audited like an import (issue 10, item 16)
    assert check.event_type == EventType.REGISTRY_IMPORT_CHECKED
    assert (check.extra["dry_run"], check.extra["outcome"], check.extra["rows"]) == (True, "ok", 1)
    assert check.channel == "cli" and check.actor_name == world.county_clerk.username
    code, out, _ = run(path, "--as", world.county_clerk.username)
    assert code == 0 and "1" in out


def test_update_flag(world: World, tmp_path: Path) -> None:
    row = person_row()
    path = write(tmp_path, xlsx(table([row])))
    assert run(path, "--as", world.county_clerk.username)[0] == 0
    changed = write(tmp_path, xlsx(table([{**row, "联系电话": "13700000000"}])), "二.xlsx")
    code, out, _ = run(changed, "--as", world.county_clerk.username, "--json")
    assert code == 1 and json.loads(out)["errors"][0]["column"] == "公民身份号码"
    code, out, _ = run(changed, "--as", world.county_clerk.username, "--json", "--update")
    assert code == 0 and json.loads(out)["persons_updated"] == 1
    assert Beneficiary.objects.get().phone == "13700000000"
    assert Qualification.objects.count() == 1


def test_it_needs_an_acting_user_who_may_write(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, xlsx(table([person_row()])))
    assert run(path)[0] == 1
    assert run(path, "--as", world.auditor.username)[0] == 1
    code, _, err = run(str(tmp_path / "missing.xlsx"), "--as", world.county_clerk.username)
    assert code == 1 and "missing.xlsx" in err
    assert Beneficiary.objects.count() == 0
