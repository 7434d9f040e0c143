"""Two processes racing to create the month's batch: the database lets exactly one win.

Both processes are held at their INSERT (a SHARE lock on the batch table lets their
checks read but not write) until both have passed every check the code makes; then the
lock is released. Only the partial unique indexes can stop the second one now.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from youfu.benefits.models import Batch, BatchState
from youfu.benefits.services import do_update_benefit_settings
from youfu.benefits.tests.helpers import person, setup_county
from youfu.testing import World

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(not IS_POSTGRES, reason="row locks and concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

YOUFU = Path(sys.executable).with_name("youfu")


def _conninfo() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"],
        host=db["HOST"] or "",
        port=str(db["PORT"] or ""),
        password=db["PASSWORD"] or "",
    )


def _environment() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db["PASSWORD"]:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "YOUFU_DATABASE_URL": url,
        "YOUFU_DATA_KEY": settings.YOUFU_DATA_KEY,
        "YOUFU_SECRET_KEY": settings.SECRET_KEY,
        "YOUFU_HOME": str(settings.YOUFU_HOME),
        # The racers run this very checkout, whatever else the environment has installed.
        "PYTHONPATH": str(Path(settings.BASE_DIR).parent),
    }


def _waiting_inserts(cursor: psycopg.Cursor[tuple[int]]) -> int:
    cursor.execute(
        "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = %s AND NOT l.granted",
        [Batch._meta.db_table],
    )
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_two_processes_creating_the_same_batch_one_wins(world: World) -> None:
    setup_county(world)
    person(world)
    period = timezone.localdate().strftime("%Y-%m")
    do_update_benefit_settings(acting_user=world.admin, payments_start=timezone.localdate().replace(day=1))
    command = [str(YOUFU), "create-batch", "--period", period, "--as", "clerk", "--json"]
    with psycopg.connect(_conninfo()) as gate, gate.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Batch._meta.db_table} IN SHARE MODE")
        racers = [
            subprocess.Popen(
                command, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        deadline = time.monotonic() + 60
        with psycopg.connect(_conninfo(), autocommit=True) as probe, probe.cursor() as watcher:
            while _waiting_inserts(watcher) < 2:
                assert all(r.poll() is None for r in racers), [r.communicate() for r in racers]
                assert time.monotonic() < deadline, "the racers never reached their INSERT"
                time.sleep(0.1)
        gate.rollback()  # both racers now insert at once
    results = [(*r.communicate(timeout=120), r.returncode) for r in racers]
    codes = sorted(code for _, _, code in results)
    assert codes == [0, 1], results
    loser = next(out for out, _, code in results if code == 1)
    assert json.loads(loser)["error"]["code"] == "batch_open"
    winner = next(out for out, _, code in results if code == 0)
    assert json.loads(winner)["persons"] == 1
    assert list(Batch.objects.values_list("state", flat=True)) == [BatchState.DRAFT]
