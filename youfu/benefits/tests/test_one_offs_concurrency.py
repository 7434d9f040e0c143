"""A one-off withdrawn while the month's batch is being computed (PostgreSQL): the withdrawal
waits for the batch, then finds the batch holding the one-off and is refused; without the
county lock it would have gone through and the batch would have paid a withdrawn grant.

The batch is held at the county lock (a gate holds it) until the withdrawal queues behind it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import psycopg
import pytest
from django.utils import timezone

from youfu.benefits.models import Batch, BatchItem, OneOffKind, OneOffPayment
from youfu.benefits.services import do_schedule_one_off, do_update_benefit_settings
from youfu.benefits.tests.helpers import person, setup_county
from youfu.benefits.tests.test_concurrency import IS_POSTGRES, YOUFU, _conninfo, _environment
from youfu.regions.models import Region
from youfu.testing import World

pytestmark = [
    pytest.mark.skipif(not IS_POSTGRES, reason="row locks and concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

WITHDRAW = """
import django, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "youfu.settings")
django.setup()
from youfu.accounts.models import User
from youfu.benefits.models import OneOffPayment
from youfu.benefits.services import do_withdraw_one_off
from youfu.core.errors import YoufuError
one_off = OneOffPayment.objects.get(pk=int(sys.argv[1]))
try:
    do_withdraw_one_off(one_off, reason="撤销", acting_user=User.objects.get(username="clerk"))
except YoufuError as exc:
    print(json.dumps({"refused": exc.code}))
else:
    print(json.dumps({"withdrawn": True}))
"""


def _backend_pids(cursor: psycopg.Cursor[tuple[int]], gate_pid: int) -> list[int]:
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND pid <> %s AND wait_event_type = 'Lock'",
        [gate_pid],
    )
    return [int(r[0]) for r in cursor.fetchall()]


def _wait_for(
    cursor: psycopg.Cursor[tuple[int]], gate_pid: int, count: int, procs: list[subprocess.Popen[str]]
) -> None:
    deadline = time.monotonic() + 60
    while len(_backend_pids(cursor, gate_pid)) < count:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "the processes never queued at the county lock"
        time.sleep(0.1)


def test_a_withdrawal_during_the_batch_waits_and_is_refused(world: World) -> None:
    setup_county(world)
    p = person(world)
    today = timezone.localdate()
    do_update_benefit_settings(acting_user=world.admin, payments_start=today.replace(day=1))
    grant = do_schedule_one_off(
        p, kind=OneOffKind.RELIEF, amount_fen=123400, reference="relief:1", acting_user=world.leader
    )
    env = _environment()
    with psycopg.connect(_conninfo()) as gate, gate.cursor() as cursor:
        cursor.execute(
            f"SELECT code FROM {Region._meta.db_table} WHERE code = %s FOR NO KEY UPDATE",  # noqa: S608
            [world.county.code],
        )
        gate_pid = gate.info.backend_pid
        with psycopg.connect(_conninfo(), autocommit=True) as probe, probe.cursor() as watcher:
            batch = subprocess.Popen(
                [str(YOUFU), "create-batch", "--period", today.strftime("%Y-%m"), "--as", "clerk", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            _wait_for(watcher, gate_pid, 1, [batch])  # the batch row is in; it waits for the county
            withdraw = subprocess.Popen(
                [sys.executable, "-c", WITHDRAW, str(grant.pk)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            _wait_for(watcher, gate_pid, 2, [batch, withdraw])
        gate.rollback()  # the batch goes first, then the withdrawal
    batch_out, batch_err = batch.communicate(timeout=120)
    assert batch.returncode == 0, batch_err
    assert json.loads(batch_out)["one_off_total"] == "1234.00"
    withdraw_out, withdraw_err = withdraw.communicate(timeout=120)
    assert json.loads(withdraw_out.strip().splitlines()[-1]) == {"refused": "one_off_in_batch"}, withdraw_err
    assert OneOffPayment.objects.get(pk=grant.pk).withdrawn_at is None
    made = Batch.objects.get()
    assert BatchItem.objects.filter(batch=made, beneficiary=p, benefit="relief").exists()
