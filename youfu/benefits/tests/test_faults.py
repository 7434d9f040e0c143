"""Faults in the payments (issue 15): a batch creation and a bank-returns import killed with SIGKILL
after each of their SQL statements, then run again; two processes racing to create the month's
batch, to approve it, to import the same returns, and two banks' returns imported at once.

Nothing is ever half-written: after each kill every table is as before, to the row and to the fen;
the operation then runs whole exactly once, a second run is refused, the batch agrees with the full
recomputation and the audit chain verifies. Of two racers exactly one wins; the other gets youfu's
error envelope with a 4xx status, never a 500 or a second result. The processes are real: see
``youfu/core/tests/faults.py``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import Batch, BatchLine, BatchState, BatchTransition, LineStatus
from youfu.benefits.services import (
    RETURN_COLUMNS,
    do_approve_batch,
    do_create_batch,
    do_export_batch,
    do_update_benefit_settings,
)
from youfu.benefits.tests.helpers import csv_bytes, person, setup_county
from youfu.core.roles import Role
from youfu.core.tests.faults import Shared, answer_of, kill_sweep, race, record_figures, steps, survived
from youfu.testing import World, bearer, make_user, run_command

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

RURAL, ABC = "农村商业银行", "中国农业银行"
PERSONS = 12
CLERKS = ["clerk", "clerk2"]


@pytest.fixture
def shared(tmp_path: Path) -> Shared:
    return Shared(tmp_path)


def _county(world: World) -> str:
    """Standards in force, payments from this month, twelve people paid through two banks; the
    month (YYYY-MM) to pay. Real time: the other processes cannot share a travelled clock."""
    setup_county(world)
    this_month = timezone.localdate().replace(day=1)
    do_update_benefit_settings(acting_user=world.admin, payments_start=this_month)
    for i in range(PERSONS):
        person(world, bank_name=RURAL if i % 3 else ABC, bank_account=f"62300000000{i:08d}")
    return this_month.strftime("%Y-%m")


def _exported(world: World) -> Batch:
    period = _county(world)
    year, month = map(int, period.split("-"))
    batch = do_create_batch(timezone.localdate().replace(day=1), acting_user=world.county_clerk)
    assert (batch.period.year, batch.period.month) == (year, month)
    do_approve_batch(batch, acting_user=world.leader)
    return batch


def returns_file(batch: Batch, clerk: User, *, bank: str | None = None, failed: int = 0) -> bytes:
    """The exported file (of one bank, or the whole batch) with 状态 and 原因, as the bank sends
    it back; the first ``failed`` lines failed."""
    out = io.BytesIO()
    do_export_batch(batch, out, fmt="csv", acting_user=clerk, bank=bank)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    body = []
    for n, row in enumerate(rows[1:]):
        if row[0] == "合计":
            body.append([*row, "", ""])
        else:
            body.append([*row, "失败", "账户已冻结"] if n < failed else [*row, "成功", ""])
    return csv_bytes(body, RETURN_COLUMNS)


def _events(kind: EventType) -> int:
    return AuditEvent.objects.filter(event_type=kind).count()


def _chain_verifies() -> None:
    code, out, err = run_command("verify-audit", "--json")
    assert code == 0 and json.loads(out)["ok"], (out, err)


# --- SIGKILL -------------------------------------------------------------------------------------


def test_a_batch_killed_after_any_statement_leaves_nothing_and_is_made_once(
    world: World, shared: Shared
) -> None:
    period = _county(world)
    shared.push()
    sweep = kill_sweep(shared, ["create-batch", "--period", period, "--as", "clerk", "--json"], stride=3)
    kills = survived(sweep)
    assert '"batch_open"' in sweep["again"]["output"], sweep["again"]
    shared.pull()
    (batch,) = Batch.objects.all()
    assert (batch.state, batch.persons) == (BatchState.DRAFT, PERSONS)
    assert BatchLine.objects.filter(batch=batch).count() == PERSONS
    assert _events(EventType.BATCH_CREATED) == 1
    assert list(BatchTransition.objects.values_list("state", flat=True)) == [BatchState.DRAFT]
    code, out, err = run_command("reconcile", "--full", "--batch", str(batch.pk), "--as", "clerk", "--json")
    assert code == 0 and json.loads(out)["agree"], (out, err)
    _chain_verifies()
    record_figures("create-batch", "sigkill", kills, kills, seconds=sweep["seconds"])


def test_bank_returns_killed_after_any_statement_leave_nothing_and_are_imported_once(
    world: World, shared: Shared, tmp_path: Path
) -> None:
    batch = _exported(world)
    path = tmp_path / "回盘.csv"
    path.write_bytes(returns_file(batch, world.county_clerk, failed=2))
    shared.push()
    sweep = kill_sweep(
        shared, ["import-bank-returns", str(batch.pk), str(path), "--as", "clerk", "--json"], stride=2
    )
    kills = survived(sweep)
    assert '"batch_state"' in sweep["again"]["output"], sweep["again"]
    shared.pull()
    batch.refresh_from_db()
    assert batch.state == BatchState.RETURNS_IMPORTED
    statuses = list(BatchLine.objects.filter(batch=batch).values_list("status", flat=True))
    assert sorted(statuses).count(LineStatus.FAILED) == 2 and statuses.count(LineStatus.PAID) == PERSONS - 2
    assert (batch.returned_paid, batch.returned_failed) == (PERSONS - 2, 2)
    assert batch.returned_paid_fen + batch.returned_failed_fen == batch.total_fen
    assert _events(EventType.BANK_RETURNS_IMPORTED) == 1
    _chain_verifies()
    record_figures("import-bank-returns", "sigkill", kills, kills, seconds=sweep["seconds"])


# --- races ---------------------------------------------------------------------------------------


def _post(
    client: Client, wait: Callable[[], None], url: str, headers: dict[str, str], **kwargs: Any
) -> dict[str, Any]:
    wait()
    started = time.monotonic()
    return answer_of(client.post(url, **kwargs, **headers), started)


def _latest() -> Batch:
    batch = Batch.objects.order_by("-pk").first()
    assert batch is not None
    return batch


def create_racer(i: int, wait: Callable[[], None], users: list[str], period: str) -> dict[str, Any]:
    headers = bearer(User.objects.get(username=users[i]))
    return _post(
        Client(), wait, "/api/v1/batches", headers, data={"period": period}, content_type="application/json"
    )


def approve_racer(i: int, wait: Callable[[], None], users: list[str]) -> dict[str, Any]:
    headers = bearer(User.objects.get(username=users[i]))
    return _post(Client(), wait, f"/api/v1/batches/{_latest().pk}/approve", headers)


def returns_racer(i: int, wait: Callable[[], None], users: list[str], files: list[str]) -> dict[str, Any]:
    headers = bearer(User.objects.get(username=users[i]))
    upload = SimpleUploadedFile(Path(files[i]).name, Path(files[i]).read_bytes(), content_type="text/csv")
    return _post(Client(), wait, f"/api/v1/batches/{_latest().pk}/returns", headers, data={"file": upload})


def write_returns(path: str, failed: int = 0, bank: str | None = None) -> str:
    """Between races, in the driver: the clerk exports the batch (or one bank's file) and the
    bank's answer is written to ``path``."""
    Path(path).write_bytes(
        returns_file(_latest(), User.objects.get(username="clerk"), bank=bank, failed=failed)
    )
    return path


def one_won(answers: list[dict[str, Any]], won: int, codes: set[str]) -> dict[str, Any]:
    """Exactly one racer got ``won``; the other got one of ``codes`` in the error envelope, with
    a 4xx status. The loser's answer."""
    assert not any("crashed" in a for a in answers), answers
    statuses = sorted(a["status"] for a in answers)
    assert statuses[0] == won and 400 <= statuses[1] < 500, answers
    loser = next(a for a in answers if a["status"] != won)
    assert loser["body"]["error"]["code"] in codes, loser
    return loser


def test_a_batch_s_life_with_two_clerks_and_two_leaders_racing_at_each_step(
    world: World, shared: Shared, tmp_path: Path
) -> None:
    """Two clerks create the month's batch at once, two leaders approve it at once, two clerks
    import the same returns at once: one wins each time."""
    period = _county(world)
    make_user("clerk2", Role.COUNTY_CLERK, world.county)
    make_user("leader2", Role.LEADER, world.county)
    shared.push()
    returns = str(tmp_path / "回盘.csv")
    created, approved, _, imported = steps(
        shared,
        [
            {"race": f"{__name__}.create_racer", "args": {"users": CLERKS, "period": period}},
            {"race": f"{__name__}.approve_racer", "args": {"users": ["leader", "leader2"]}},
            {"call": f"{__name__}.write_returns", "args": {"path": returns, "failed": 1}},
            {
                "race": f"{__name__}.returns_racer",
                "args": {"users": ["clerk", "clerk2"], "files": [returns] * 2},
            },
        ],
    )
    one_won(created, 201, {"batch_open", "batch_exists"})
    one_won(approved, 200, {"batch_state"})
    # The loser of the returns is refused by the state (it came after the winner), by the
    # compare-and-set of its lines (during), or by the check of each line (it read them after).
    one_won(imported, 200, {"batch_state", "returned_already", "import_rejected"})
    shared.pull()
    (batch,) = Batch.objects.all()
    assert batch.state == BatchState.RETURNS_IMPORTED
    assert BatchLine.objects.count() == PERSONS
    assert (batch.returned_paid, batch.returned_failed) == (PERSONS - 1, 1)
    for kind in (EventType.BATCH_CREATED, EventType.BATCH_APPROVED, EventType.BANK_RETURNS_IMPORTED):
        assert _events(kind) == 1, kind
    assert sorted(BatchTransition.objects.values_list("state", flat=True)) == sorted(
        [BatchState.DRAFT, BatchState.APPROVED, BatchState.EXPORTED, BatchState.RETURNS_IMPORTED]
    )
    _chain_verifies()
    for what in ("create-batch", "approve-batch", "import-bank-returns"):
        record_figures(what, "race", 1, 1)


def test_two_banks_returns_imported_at_once_both_count(world: World, shared: Shared, tmp_path: Path) -> None:
    """Not one winner here: each file answers for its own bank's lines, and both are right. The
    batch must end with every bank's returns in — neither import may decide that the other's
    bank is still missing because it could not see the other's lines yet (it did, on
    PostgreSQL, before the import locked its batch)."""
    batch = _exported(world)
    files = []
    for bank in (RURAL, ABC):
        path = tmp_path / f"{bank}.csv"
        path.write_bytes(returns_file(batch, world.county_clerk, bank=bank))
        files.append(str(path))
    make_user("clerk2", Role.COUNTY_CLERK, world.county)
    shared.push()
    answers = race(shared, f"{__name__}.returns_racer", users=["clerk", "clerk2"], files=files)
    assert [a["status"] for a in answers] == [200, 200], answers
    shared.pull()
    batch.refresh_from_db()
    assert not BatchLine.objects.filter(batch=batch, status=LineStatus.PENDING).exists()
    assert batch.state == BatchState.RETURNS_IMPORTED, "every bank answered, yet the batch waits for one"
    assert batch.returned_paid == PERSONS
    assert BatchTransition.objects.filter(batch=batch, state=BatchState.RETURNS_IMPORTED).count() == 1
    assert _events(EventType.BANK_RETURNS_IMPORTED) == 2
    _chain_verifies()
    record_figures("import-bank-returns (two banks)", "race", 1, 1)
