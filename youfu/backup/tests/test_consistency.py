"""A backup is one state of the database while others go on writing: each write either is in it
whole (its rows and its audit event, the chain head that follows it) or is not in it at all.

Two proofs. In the test's process, a write commits from another connection after every table the
backup reads — a table-by-table reader would then hold events the chain head has not reached (or
the reverse) and its restore would fail verify-audit and the counts. And as processes: a writer
appends regions with their audit events as fast as it can while ``youfu backup`` runs, and the
backup restores into a new installation with the chain and every count intact."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.backup import services
from youfu.backup.tables import Table
from youfu.backup.tests.targets import ROOT, Target, figures, here
from youfu.regions.models import Region, RegionLevel
from youfu.testing import COUNTY, World, run_command

pytestmark = pytest.mark.django_db(transaction=True)


def _write_from_another_connection(n: int) -> None:
    def write() -> None:
        try:
            with transaction.atomic():
                region = Region.objects.create(
                    code=f"3411992{n:02d}000", name=f"新乡{n}", parent_id=COUNTY, level=RegionLevel.TOWNSHIP
                )
                record_event(EventType.REGION_CREATED, actor=None, obj=region, new={"code": region.code})
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()


def test_writes_during_a_backup_are_in_it_whole_or_not_at_all(
    world: World, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = figures(here)
    dumped = services.dump_table
    written = []

    def dump_then_write(alias: str, table: Table, path: Path) -> Any:
        result = dumped(alias, table, path)
        written.append(table.name)
        _write_from_another_connection(len(written))
        return result

    monkeypatch.setattr(services, "dump_table", dump_then_write)
    path = tmp_path / "b.tar"
    code, out, err = run_command("backup", "-o", str(path), "--as", "admin", "--json")
    assert code == 0, out + err

    # The writes were made meanwhile, and none of them is in the backup.
    assert Region.objects.count() == before["regions_region"][0] + len(written) > 60
    with tarfile.open(path) as tar:
        raw = tar.extractfile("manifest.json")
        assert raw is not None
        manifest = json.loads(raw.read())
    assert {t: (e["rows"], *e["sums"].values()) for t, e in manifest["tables"].items()} == before

    # And what is in it holds together: the restored chain verifies and every count agrees.
    call_command("flush", "--noinput", verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "new-files"
    code, out, err = run_command("restore", str(path), "--json")
    assert code == 0, out + err


WRITER = """
import itertools
from django.db import transaction
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.regions.models import Region, RegionLevel
for n in itertools.count():
    with transaction.atomic():
        region = Region.objects.create(
            code=f"3411991{n:05d}", name=f"村{n}", parent_id="341199000000", level=RegionLevel.VILLAGE
        )
        record_event(EventType.REGION_CREATED, actor=None, obj=region, new={"code": region.code})
    print(n, flush=True)
"""


def test_a_backup_taken_while_a_process_writes_restores_whole(new_target: Any, tmp_path: Path) -> None:
    engine = connection.vendor  # the leg's engine: SQLite's file copy, PostgreSQL's snapshot
    source: Target = new_target(engine)
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name,parent_code,level\n341199000000,青山县,,county\n", encoding="utf-8")
    assert source.youfu("import-regions", str(regions)).returncode == 0
    made = source.youfu(
        "create-user", "admin", "--role", "county_admin", "--region", COUNTY, "--password-stdin",
        stdin="Backup-admin-2026\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    log = (tmp_path / "writer.log").open("w")
    writer = subprocess.Popen(
        [sys.executable, "-m", "youfu.manage", "shell", "-c", WRITER],
        env=source.env(),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    count = "SELECT COUNT(*) FROM regions_region"
    try:
        deadline = time.monotonic() + 60
        while source.query(count)[0][0] < 20:  # writing for a while before the backup starts
            assert writer.poll() is None and time.monotonic() < deadline, (
                tmp_path / "writer.log"
            ).read_text()
            time.sleep(0.2)
        first = source.query(count)[0][0]
        backup = source.youfu("backup", "-o", str(tmp_path / "live.tar"), "--as", "admin", "--json")
        last = source.query(count)[0][0]
        assert backup.returncode == 0, backup.stdout + backup.stderr
        assert writer.poll() is None, (tmp_path / "writer.log").read_text()
    finally:
        writer.terminate()
        writer.wait(timeout=30)
        log.close()
    target: Target = new_target(engine)
    done = target.youfu("restore", str(tmp_path / "live.tar"), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    restored = figures(target.query)
    # Each region came with its event: the import's county, then one event per region written
    # (and the admin's creation, and the restore's own).
    regions_in, events_in = restored["regions_region"][0], restored["audit_auditevent"][0]
    assert events_in == regions_in + 2
    # The writer went on while the backup ran, and the backup holds one moment of it.
    assert first <= regions_in <= last and first < last
