"""Faults in the registry import (issue 15): killed with SIGKILL after each of its SQL statements,
then run again; two processes importing the same file at once.

After each kill every table is as before; the file is then imported whole exactly once, and a
second import is refused (its people are registered now), writing only its audit record. Of two
clerks importing the same file at once exactly one imports it; the other is refused with youfu's
error envelope, never a 500 or a second copy of anyone. See ``youfu/core/tests/faults.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.roles import Role
from youfu.core.tests.faults import Shared, answer_of, kill_sweep, race, record_figures, survived
from youfu.registry.models import Beneficiary, DisabilityAssessment, Qualification
from youfu.registry.tests.test_import_helpers import csv_bytes, person_row, table
from youfu.testing import World, bearer, make_user, run_command

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PERSONS = 30
# A refused import leaves its trace (REGISTRY_IMPORT_CHECKED) and nothing else.
REFUSAL_WRITES = frozenset({"audit.AuditEvent", "audit.AuditChainHead"})


@pytest.fixture
def shared(tmp_path: Path) -> Shared:
    return Shared(tmp_path)


def registry_file(path: Path) -> str:
    """Thirty people, every third a disabled veteran (a qualification and an assessment)."""
    rows = []
    for i in range(PERSONS):
        extra = {"优抚类别": "残疾军人", "伤残性质": "因战", "伤残等级": "6"} if i % 3 == 0 else {}
        name = "赵钱孙李周吴郑王冯陈"[i % 10] + "春夏秋"[i // 10] + "明"
        rows.append(person_row(姓名=name, 银行账号=f"62300000000{i:08d}", **extra))
    path.write_bytes(csv_bytes(table(rows)))
    return str(path)


def _imported() -> tuple[int, int, int, int]:
    return (
        Beneficiary.objects.count(),
        Qualification.objects.count(),
        DisabilityAssessment.objects.count(),
        AuditEvent.objects.filter(event_type=EventType.REGISTRY_IMPORTED).count(),
    )


def _chain_verifies() -> None:
    code, out, err = run_command("verify-audit", "--json")
    assert code == 0 and json.loads(out)["ok"], (out, err)


def test_an_import_killed_after_any_statement_leaves_nothing_and_is_made_once(
    world: World, shared: Shared, tmp_path: Path
) -> None:
    path = registry_file(tmp_path / "名册.csv")
    shared.push()
    sweep = kill_sweep(shared, ["import-registry", path, "--as", "clerk", "--json"], stride=2)
    kills = survived(sweep, refusal_writes=REFUSAL_WRITES)
    assert "already registered" in sweep["again"]["output"] or "已登记" in sweep["again"]["output"]
    shared.pull()
    assert _imported() == (PERSONS, PERSONS, PERSONS // 3, 1)
    assert Beneficiary.objects.values("id_number_index").distinct().count() == PERSONS
    _chain_verifies()
    record_figures("import-registry", "sigkill", kills, kills, seconds=sweep["seconds"])


def import_racer(i: int, wait: Callable[[], None], users: list[str], file: str) -> dict[str, Any]:
    headers = bearer(User.objects.get(username=users[i]))
    upload = SimpleUploadedFile(Path(file).name, Path(file).read_bytes(), content_type="text/csv")
    client = Client()
    wait()
    started = time.monotonic()
    return answer_of(client.post("/api/v1/registry/imports", {"file": upload}, **headers), started)


def test_two_clerks_importing_the_same_file_at_once_one_imports_it(
    world: World, shared: Shared, tmp_path: Path
) -> None:
    path = registry_file(tmp_path / "名册.csv")
    make_user("clerk2", Role.COUNTY_CLERK, world.county)
    shared.push()
    answers = race(shared, f"{__name__}.import_racer", users=["clerk", "clerk2"], file=path)
    assert not any("crashed" in a for a in answers), answers
    assert sorted(a["status"] for a in answers)[0] == 200, answers
    (loser,) = [a for a in answers if a["status"] != 200]
    # Refused by its own check (the winner had committed: every row is registered now) or by the
    # unique index (it checked before the winner committed and wrote after).
    assert (loser["status"], loser["body"]["error"]["code"]) in {
        (400, "import_rejected"),
        (409, "import_conflict"),
    }
    shared.pull()
    assert _imported() == (PERSONS, PERSONS, PERSONS // 3, 1)
    _chain_verifies()
    record_figures("import-registry", "race", 1, 1)
