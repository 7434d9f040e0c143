"""A real primary and streaming replica on loopback prove the routing (issue 15, item 6).

The test makes its own two servers — never the shared PostgreSQL on 5432 — with ``initdb`` into
a temporary folder owned by the ``postgres`` user (PostgreSQL refuses root), a primary with
``wal_level=replica`` on a free port and a replica made by ``pg_basebackup -R`` on another, both
started by ``pg_ctl``. The primary's schema is the PostgreSQL leg's own migrated test database,
copied with ``pg_dump --schema-only`` (migrating afresh takes half a minute); the replica gets it
by streaming. Then ``replica_scenario.py`` drives youfu against them in a process of its own (the
settings read ``YOUFU_DATABASE_REPLICA_URL`` once, at start) and reports what it saw.

It runs in the PostgreSQL leg (``make test-postgres``); on SQLite it is skipped, saying so, and
so it is where ``initdb`` is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

# The leg's test database is set up only for a session whose tests ask for one: these copy its schema.
pytestmark = pytest.mark.django_db

MARK = "REPLICA-FACTS "
# Seconds for the whole scenario: well within the minute the test is allowed.
SCENARIO_TIMEOUT = 120


TOOLS = ("initdb", "pg_ctl", "createdb", "psql", "pg_dump", "pg_basebackup")


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's programs: initdb's on PATH (a link followed to its folder), else
    Debian's versioned folders, newest first."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if all((candidate / tool).exists() for tool in TOOLS):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Pair:
    bindir: Path
    folder: Path
    primary_port: int
    replica_port: int

    @property
    def as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def tool(self, name: str, *args: str) -> list[str]:
        return [*self.as_owner, str(self.bindir / name), *args]

    def run(self, name: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.tool(name, *args), check=True, capture_output=True, timeout=120, cwd=self.folder, **kwargs
        )

    def start(self, data: str, port: int, *settings: str) -> None:
        # Thrown away afterwards: no durability asked of the disk.
        options = " ".join(
            [f"-p {port}", f"-k {self.folder}", "-c listen_addresses=127.0.0.1", "-c fsync=off", *settings]
        )
        self.run("pg_ctl", "-D", str(self.folder / data), "-l", str(self.folder / f"{data}.log"),
                 "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop_command(self, data: str) -> list[str]:
        return self.tool("pg_ctl", "-D", str(self.folder / data), "-m", "immediate", "-w", "stop")

    def url(self, port: int, name: str = "youfu") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{name}"


@contextlib.contextmanager
def primary_and_replica(schema: bytes) -> Iterator[Pair]:
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("initdb not found (Debian: apt-get install postgresql): no private primary and replica")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL cannot be started as its own user")
    folder = Path(tempfile.mkdtemp(prefix="youfu-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    pair = Pair(bindir, folder, free_port(), free_port())
    started: list[str] = []
    try:
        pair.run("initdb", "-D", str(folder / "primary"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")  # fmt: skip
        pair.start("primary", pair.primary_port, "-c wal_level=replica", "-c max_wal_senders=4")
        started.append("primary")
        pair.run("createdb", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres", "youfu")
        pair.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(pair.primary_port),
                 "-U", "postgres", "-d", "youfu", input=schema)  # fmt: skip
        pair.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
                 "-D", str(folder / "replica"), "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        pair.start("replica", pair.replica_port, "-c hot_standby=on")
        started.append("replica")
        yield pair
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(pair.stop_command(data), capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def leg_schema() -> bytes:
    """The PostgreSQL leg's migrated test database, schema only."""
    bindir = postgres_bin()
    assert bindir is not None
    d = connection.settings_dict
    server = ["-h", str(d["HOST"] or "127.0.0.1"), "-p", str(d["PORT"] or 5432), "-U", str(d["USER"])]
    done = subprocess.run(
        [str(bindir / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges", *server, str(d["NAME"])],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return done.stdout


@pytest.fixture
def facts(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run of the scenario, whose findings the checks below read."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL replica: runs in the PostgreSQL leg (make test-postgres)")
    if postgres_bin() is None:
        pytest.skip("initdb not found (Debian: apt-get install postgresql): no private primary and replica")
    with primary_and_replica(leg_schema()) as pair:
        env = {k: v for k, v in os.environ.items() if not k.startswith("YOUFU_")}
        env.update(
            DJANGO_SETTINGS_MODULE="youfu.settings",
            YOUFU_HOME=str(tmp_path_factory.mktemp("replica-home")),
            YOUFU_DATABASE_URL=pair.url(pair.primary_port),
            YOUFU_DATABASE_REPLICA_URL=pair.url(pair.replica_port),
            YOUFU_TEST_STOP_REPLICA=json.dumps(pair.stop_command("replica")),
        )
        done = subprocess.run(
            [sys.executable, "-m", "youfu.core.tests.replica_scenario"],
            env=env,
            capture_output=True,
            text=True,
            timeout=SCENARIO_TIMEOUT,
        )
    output = done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    assert done.returncode == 0 and lines, output
    found: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    return found


def from_replica(seen: dict[str, Any]) -> bool:
    """Every statement on the areas' tables ran on the replica, and some did."""
    return bool(seen["replica_areas"]) and not seen["primary_areas"]


def from_primary(seen: dict[str, Any]) -> bool:
    return bool(seen["primary_areas"]) and not seen["replica_areas"]


def check_reads_go_to_the_replica_writes_to_the_primary_and_a_writer_reads_its_write(
    facts: dict[str, Any],
) -> None:
    assert facts["in_recovery"] == {"primary": False, "replica": True}

    # A report read is served by the replica.
    before = facts["report_before"]
    assert from_replica(before["served"]), before
    assert before["persons"] == 2

    # With the replica's replay paused, a write goes to the primary only; the writer is given
    # the primary's log position.
    write = facts["write"]
    assert write["status"] == 201, facts["write_answer"]
    assert from_primary(write), write
    assert write["people"] == {"primary": 3, "replica": 2}
    assert write["cookie"]

    # The writer reads its own write, from the primary; another reader gets the replica's
    # older state: the replica really is behind, and really serves the reader.
    assert facts["writer_reads"]["persons"] == 3
    assert from_primary(facts["writer_reads"]["served"]), facts["writer_reads"]
    assert facts["reader_reads"]["persons"] == 2
    assert from_replica(facts["reader_reads"]["served"]), facts["reader_reads"]

    # Once the replica has replayed the write, the writer reads the replica again and its marker
    # is dropped.
    after = facts["writer_after_catch_up"]
    assert after["persons"] == 3
    assert from_replica(after["served"]), after
    assert not after["cookie_kept"]


def check_a_sensitive_read_comes_from_the_replica_and_its_audit_record_goes_to_the_primary(
    facts: dict[str, Any],
) -> None:
    export = facts["export"]
    assert export["status"] == 200
    assert export["replica_areas"]
    assert export["rows"] == 2  # the replica's people: the third is not replayed yet
    assert export["audit_after"]["primary"] == export["audit_before"]["primary"] + 1
    assert export["audit_after"]["replica"] == export["audit_before"]["replica"]  # behind
    assert facts["audit_chain_ok"]


def check_every_view_that_may_read_the_replica_answers_from_it(facts: dict[str, Any]) -> None:
    for name, seen in facts["views"].items():
        assert seen["status"] == 200, (name, seen)
        assert seen["replica_areas"], (name, seen)
        assert seen["cookie"] is None, (name, seen)  # none of them wrote


def check_the_public_pages_show_a_petitioner_their_matter_while_the_replica_is_behind(
    facts: dict[str, Any],
) -> None:
    assert facts["public_submit"]["status"] == 302
    assert facts["public_submit"]["cookie"]
    receipt = facts["public_receipt"]
    assert receipt["status"] == 200 and receipt["shows_code"], receipt
    assert from_primary(receipt), receipt  # the submitter's own write: the primary
    # Looking a matter up is a POST: it reads the primary, and marks the visitor as one who wrote.
    assert from_primary(facts["public_lookup"]), facts["public_lookup"]
    # A visitor without the marker: the replica, behind, has no such matter; the page finds it
    # on the primary instead of sending the visitor back to the lookup.
    behind = facts["public_status_behind"]
    assert behind["status"] == 200 and behind["shows_code"], behind
    assert len(behind["replica_areas"]) == 1 and behind["primary_areas"], behind
    status = facts["public_status"]
    assert status["status"] == 200 and status["shows_code"], status
    assert from_replica(status), status


def check_an_unreachable_replica_is_read_around(facts: dict[str, Any]) -> None:
    down = facts["replica_down"]
    assert down["persons"] == 3
    assert from_primary(down["served"]), down


def test_the_routing_on_a_real_primary_and_replica(facts: dict[str, Any]) -> None:
    # One test, so that the scenario runs once however pytest-xdist shares out the tests.
    check_reads_go_to_the_replica_writes_to_the_primary_and_a_writer_reads_its_write(facts)
    check_a_sensitive_read_comes_from_the_replica_and_its_audit_record_goes_to_the_primary(facts)
    check_every_view_that_may_read_the_replica_answers_from_it(facts)
    check_the_public_pages_show_a_petitioner_their_matter_while_the_replica_is_behind(facts)
    check_an_unreachable_replica_is_read_around(facts)
