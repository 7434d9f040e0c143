"""Benchmark: 50 clerks at once against the production set-up (issue 15, item 5 "Load").

    .venv/bin/python bench/bench_load.py [--persons 1000000] [--users 50] [--duration 120]
                                         [--spawn-rate 10] [--think 0] [--workers 5]
                                         [--worker-class sync|gthread] [--threads 1]
                                         [--floor-duration 30] [--home DIR] [--out FILE]

Needs locust and gunicorn, which youfu itself does not: ``.venv/bin/pip install -e '.[load]'``.

Set-up, all on loopback: a throwaway PostgreSQL database on 127.0.0.1:5432 (user postgres),
migrated and loaded with ``youfu load-demo --registry-only --i-know-this-is-not-production
--persons N``, then vacuumed and analysed; or, with ``--home DIR``, the database named in
``DIR/bench-load.json`` when it holds the same number of people (kept for the next run: drop it
and delete DIR when done). Redis on 127.0.0.1:6379 takes the job queue (``YOUFU_REDIS_URL``,
under a queue name of this run's own, flushed at the end) with one consumer (``youfu run_huey
--no-periodic``). gunicorn serves ``youfu.wsgi`` on 127.0.0.1 with DEBUG off, as docs/deploy.md
says, ``--workers`` (default 2 × cores + 1) sync workers; plain HTTP over loopback, so the
TLS-only cookies and the https redirect (``YOUFU_SECURE_COOKIES``) stay off, as they do behind a
proxy that terminates TLS on the same host. The access log omits query strings (a search's text
is a name).

The clerks: ``--users`` accounts (``load01``…), three in five county clerks, the rest township
clerks spread over the townships, created by the admin and approved by the leader as any new
account is. locust (``bench/load/locustfile.py``, headless, ``--users`` users started at
``--spawn-rate`` a second, stopped after ``--duration`` seconds) signs each in through the login
form and loops over the mix: search the registry by a name or its pinyin (45), open a person of
the results (35), register a petition through its form — the form, the post, the petition's page
(12) — and open the dashboard (8). The figures count from the moment the last clerk has signed in
(the locustfile resets them then): sign-ins are not in them. Then the floor: the same server and
number of users asking for a static file (WhiteNoise, no view, no database; youfu has no health endpoint) for
``--floor-duration`` seconds.

While the mix runs, a sampler watches the audit chain's head row (``AuditChainHead``, locked by
every ``record_event`` until its transaction commits) every 20 ms: whether the row is held (a
``FOR UPDATE SKIP LOCKED`` probe that finds it locked) and how many sessions wait for it
(``pg_stat_activity``). Printed, and written as JSON (``--out``): requests/s, p50/p95/p99 per kind
and overall, errors, the ratio to the floor, the load average, gunicorn's workers, and the chain's
figures. Goal: ≥ 200 requests/s with p95 < 150 ms and no error. Not part of the test suite.
Everything started is stopped, and the database dropped (unless ``--home``), on error or Ctrl-C.
"""

# Synthetic accounts and draws on a throwaway database, and our own tools run by their paths.
# ruff: noqa: S105, S311, S603, S607

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
PG = "host=127.0.0.1 port=5432 user=postgres"
REDIS = "redis://127.0.0.1:6379/0"
MARKER = "bench-load.json"
COUNTY = "341199000000"
PASSWORD = "load-bench-2026-clerk"  # the throwaway database's own accounts
GOAL_RPS = 200.0
GOAL_P95_MS = 150.0
FLOOR_PATH = "/static/youfu/youfu.css"
SAMPLE_S = 0.02
# locust's own bound on a run: the mix runs --duration seconds from the last sign-in (the
# locustfile stops it then), and the sign-ins of a busy machine take a while before.
SIGN_IN_ALLOWANCE_S = 300


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC, load {loadavg()[0]:.2f}] {text}", flush=True)


def need_tools() -> None:
    missing = [m for m in ("locust", "gunicorn") if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(
            f"bench_load.py needs {' and '.join(missing)}, which youfu itself does not: "
            f"{BIN / 'pip'} install -e '.[load]'  (locust 2.47.0, gunicorn 27.0.1)"
        )


# --- the database ---------------------------------------------------------------------------------


def pg(sql: str, dbname: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{PG} dbname={dbname}", autocommit=True) as c:
        c.execute(sql.encode())


def prepare_database(args: argparse.Namespace, home: Path, env: dict[str, str]) -> str:
    """The name of the loaded database: the one --home names if it holds as many people, else new."""
    marker = home / MARKER
    if marker.exists():
        saved = json.loads(marker.read_text())
        if saved.get("persons") == args.persons and saved.get("loaded"):
            say(f"reusing {saved['dbname']} ({args.persons:,} people) from {marker}; migrating")
            env["YOUFU_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{saved['dbname']}"
            # The checkout may have moved on since the load: its new migrations, if any.
            subprocess.run([str(BIN / "youfu"), "migrate", "--noinput", "-v0"], env=env, check=True)
            return str(saved["dbname"])
        say(f"{marker} holds another set-up: dropping {saved['dbname']} and loading again")
        pg(f'DROP DATABASE IF EXISTS "{saved["dbname"]}"')
    dbname = f"youfu_load_{os.getpid()}"
    pg(f'CREATE DATABASE "{dbname}"')
    marker.write_text(json.dumps({"dbname": dbname, "persons": args.persons, "loaded": False}))
    env["YOUFU_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    started = time.perf_counter()
    subprocess.run([str(BIN / "youfu"), "migrate", "--noinput", "-v0"], env=env, check=True)
    say(f"migrated in {time.perf_counter() - started:.0f} s; loading {args.persons:,} people")
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "youfu"),
            "load-demo",
            "--registry-only",
            "--i-know-this-is-not-production",
            "--persons",
            str(args.persons),
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    say(f"loaded in {time.perf_counter() - started:.0f} s; vacuum analyse")
    pg("VACUUM ANALYZE", dbname)
    marker.write_text(json.dumps({"dbname": dbname, "persons": args.persons, "loaded": True}))
    return dbname


def prepare_clerks(users: int, run: Path) -> tuple[Path, Path, dict[str, int]]:
    """``users`` clerk accounts (kept for the next run with --home) and the search texts of each
    clerk's scope, as the locustfile reads them. Runs in this process, on the same settings."""
    import django

    django.setup()
    from django.db import connection, connections

    from youfu.accounts.models import RoleRequest, User
    from youfu.accounts.services import do_approve_role_request, do_create_user
    from youfu.core.roles import Role
    from youfu.regions.models import Region, RegionLevel

    admin = User.objects.get(username="admin")
    leader = User.objects.get(username="leader")
    townships = list(
        Region.objects.filter(level=RegionLevel.TOWNSHIP, code__startswith=COUNTY[:6])
        .order_by("code")
        .values_list("code", flat=True)
    )
    county_clerks = (users * 3 + 4) // 5
    accounts = []
    roles = {"county_clerk": 0, "township_clerk": 0}
    for i in range(users):
        username = f"load{i + 1:02d}"
        county = i < county_clerks
        role = Role.COUNTY_CLERK if county else Role.TOWNSHIP_CLERK
        region = COUNTY if county else townships[(i - county_clerks) % len(townships)]
        if not User.objects.filter(username=username).exists():
            do_create_user(
                username,
                role=role,
                region_code=region,
                password=PASSWORD,
                acting_user=admin,
                full_name=f"负载{i + 1:02d}",
                one_time_password=False,
            )
            for request in RoleRequest.objects.filter(user__username=username, state="pending"):
                do_approve_role_request(request, acting_user=leader)
        user = User.objects.get(username=username)
        assert user.role == role and user.region_id == region, f"{username} holds {user.role}"
        roles[str(role)] += 1
        accounts.append({"username": username, "password": PASSWORD, "region": region})

    # The search texts: names and pinyin of people drawn at random, each in the scope of the
    # region it is filed under (the county sees them all).
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM registry_beneficiary")
        low, high = cursor.fetchone()
        ids = random.Random(15).sample(range(low, high + 1), min(6000, high - low + 1))
        cursor.execute(
            "SELECT name, name_pinyin, township_id FROM registry_beneficiary WHERE id = ANY(%s)", [ids]
        )
        rows = cursor.fetchall()
    queries: dict[str, list[str]] = {COUNTY: []}
    for name, pinyin, township in rows:
        text = name if random.random() < 0.6 else pinyin
        queries[COUNTY].append(text)
        queries.setdefault(township, []).append(text)
    connections.close_all()
    accounts_file, queries_file = run / "accounts.json", run / "queries.json"
    accounts_file.write_text(json.dumps(accounts))
    queries_file.write_text(json.dumps(queries, ensure_ascii=False))
    return accounts_file, queries_file, roles


# --- the servers ----------------------------------------------------------------------------------


class Processes:
    """What this run started, each in its own session, stopped in reverse order."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, label: str, cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((label, proc))
        return proc

    def stop_all(self) -> None:
        for _label, proc in reversed(self.started):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _label, proc in reversed(self.started):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.started.clear()


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + FLOOR_PATH, timeout=2) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def flush_queue(name: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=f"*{name}*"))
    if keys:
        client.delete(*keys)


# --- the audit chain's head -----------------------------------------------------------------------


class ChainSampler(threading.Thread):
    """Every SAMPLE_S: is the head row locked (a SKIP LOCKED probe finds no row), and how many
    sessions of the database wait for it, or for any lock; the load average once a second."""

    def __init__(self, dbname: str, meter: CpuMeter | None = None, marker: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.dbname = dbname
        self.meter = meter
        self.marker = marker
        self.cpu_at_reset: dict[str, dict[int, float]] | None = None
        self.stop = threading.Event()
        self.samples = 0
        self.held = 0
        self.waiting: list[int] = []
        self.lock_waits = 0
        self.active: list[int] = []
        self.loads: list[float] = []

    def run(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG} dbname={self.dbname}") as c:
            last_load = 0.0
            while not self.stop.is_set():
                row = c.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM audit_auditchainhead WHERE id = 1 "
                    "FOR UPDATE SKIP LOCKED) s"
                ).fetchone()
                free = bool(row and row[0])
                stats = c.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%audit_auditchainhead%'), "
                    "count(*) FILTER (WHERE wait_event_type = 'Lock'), "
                    "count(*) FILTER (WHERE state = 'active') - 1 "
                    "FROM pg_stat_activity WHERE datname = current_database()"
                ).fetchone()
                c.rollback()  # the probe's lock, if it took one, goes at once
                self.samples += 1
                self.held += 0 if free else 1
                assert stats is not None
                self.waiting.append(int(stats[0]))
                self.lock_waits += int(stats[1])
                self.active.append(int(stats[2]))
                if self.meter and self.marker and self.cpu_at_reset is None and self.marker.exists():
                    self.cpu_at_reset = self.meter.snapshot()
                now = time.monotonic()
                if now - last_load >= 1:
                    self.loads.append(os.getloadavg()[0])
                    last_load = now
                self.stop.wait(SAMPLE_S)

    def figures(self, events: int, seconds: float) -> dict[str, Any]:
        n = max(1, self.samples)
        waiting = sum(self.waiting)
        wait_s = waiting * seconds / n  # sessions waiting, integrated over the run
        return {
            "samples": self.samples,
            "head_held_share": round(self.held / n, 4),
            "samples_with_a_waiter_share": round(sum(1 for w in self.waiting if w) / n, 4),
            "mean_waiting_sessions": round(waiting / n, 4),
            "max_waiting_sessions": max(self.waiting, default=0),
            "mean_active_sessions": round(sum(self.active) / n, 2),
            "any_lock_wait_share_of_active": round(self.lock_waits / max(1, sum(self.active)), 4),
            "audit_events": events,
            "audit_events_per_s": round(events / seconds, 1) if seconds else 0,
            "wait_ms_per_audit_event": round(1000 * wait_s / events, 2) if events else 0,
            # The head held, integrated over the run, shared among the events appended: how long
            # one append keeps the head, and so how many appends a second it lets through.
            "hold_ms_per_audit_event": round(1000 * self.held / n * seconds / events, 2) if events else 0,
            "audit_events_per_s_the_head_allows": round(events / (self.held / n * seconds), 1)
            if self.held
            else None,
            "load_avg_1min_mean": round(sum(self.loads) / len(self.loads), 2) if self.loads else None,
        }


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User and system CPU seconds of a process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


class CpuMeter:
    """CPU seconds spent by gunicorn's workers and by this database's server processes between
    two snapshots: what a request costs whatever else the shared machine runs. The database's
    share only when connections are kept (--conn-max-age): otherwise each request's server
    process ends with it and its time cannot be read."""

    def __init__(self, gunicorn_pid: int, dbname: str) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.dbname = dbname

    def snapshot(self) -> dict[str, dict[int, float]]:
        import psycopg

        with psycopg.connect(f"{PG} dbname={self.dbname}", autocommit=True) as c:
            rows = c.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        return {
            "web": {pid: cpu_of(pid) for pid in children_of(self.gunicorn_pid)},
            "db": {pid: cpu_of(int(pid)) for (pid,) in rows},
        }

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        return {
            part: round(sum(max(0.0, t - before[part].get(pid, 0.0)) for pid, t in after[part].items()), 2)
            for part in after
        }


def commit_latency(dbname: str, n: int = 100) -> float:
    """The median time of a one-row UPDATE and its COMMIT (the WAL flushed), in ms: the head row
    is held from an event's append to its transaction's commit, so at least this long."""
    import psycopg

    times = []
    with psycopg.connect(f"{PG} dbname={dbname}") as c:
        # A table of its own (a temporary one would write no WAL), dropped after.
        c.execute("CREATE TABLE IF NOT EXISTS bench_load_commit (n int)")
        c.execute("INSERT INTO bench_load_commit VALUES (0)")
        c.commit()
        for _ in range(n):
            started = time.perf_counter()
            c.execute("UPDATE bench_load_commit SET n = n + 1")
            c.commit()
            times.append(time.perf_counter() - started)
        c.execute("DROP TABLE bench_load_commit")
        c.commit()
    times.sort()
    return round(1000 * times[n // 2], 2)


def chain_ceiling(writers: int, seconds: float) -> dict[str, Any]:
    """What the head lets through with nothing else to do: ``writers`` threads (each its own
    database connection, as many as gunicorn's workers) appending a PERSONAL_DATA_VIEWED event each
    in its own transaction, as the person page does, for ``seconds``; then the same threads
    committing a one-row insert each into a table of their own, which nothing serialises. The
    first over the second is the head's cost; if the mix appends near the first, the head binds."""
    from django.db import connection, connections

    from youfu.accounts.models import User
    from youfu.audit.events import EventType
    from youfu.audit.services import record_event
    from youfu.registry.models import Beneficiary

    clerk = User.objects.get(username="load01")
    people = list(
        Beneficiary.objects.order_by("pk").values_list("pk", flat=True)[:1000]
    )  # scope: a bench's own draw
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_load_append (n bigint, at timestamptz DEFAULT now())"
        )
    connections.close_all()

    def run(kind: str) -> float:
        done = [0] * writers
        stop = time.monotonic() + seconds

        def writer(i: int) -> None:
            n = 0
            try:
                while time.monotonic() < stop:
                    if kind == "chain":
                        person = Beneficiary(pk=people[(i * 7919 + n) % len(people)])
                        record_event(EventType.PERSONAL_DATA_VIEWED, actor=clerk, obj=person)
                    else:
                        with connection.cursor() as cursor:
                            cursor.execute("INSERT INTO bench_load_append (n) VALUES (%s)", [n])
                    n += 1
            finally:
                done[i] = n
                connection.close()

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(done) / (time.monotonic() - started)

    chain = run("chain")
    plain = run("plain")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_load_append")
    connections.close_all()
    return {
        "writers": writers,
        "seconds": seconds,
        "chain_appends_per_s": round(chain, 1),
        "plain_commits_per_s": round(plain, 1),
        "chain_share_of_plain": round(chain / plain, 3) if plain else None,
    }


def verify_audit(env: dict[str, str]) -> dict[str, Any]:
    """``youfu verify-audit`` after the load: the chain still exact."""
    done = subprocess.run(
        [str(BIN / "youfu"), "verify-audit", "--json"], env=env, capture_output=True, text=True, check=False
    )
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"ok": False, "output": (done.stdout + done.stderr)[-500:]}
    result["exit"] = done.returncode
    return result


def audit_seq(dbname: str) -> int:
    import psycopg

    with psycopg.connect(f"{PG} dbname={dbname}") as c:
        row = c.execute("SELECT coalesce(max(seq), 0) FROM audit_auditchainhead").fetchone()
        return int(row[0]) if row else 0


# --- locust ---------------------------------------------------------------------------------------


def run_locust(
    args: argparse.Namespace,
    user_class: str,
    seconds: int,
    url: str,
    csv_prefix: Path,
    env: dict[str, str],
    spawn_rate: float,
) -> float:
    """Runs locust to its end; the CPU seconds it spent."""
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        user_class,
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds + (SIGN_IN_ALLOWANCE_S if user_class == 'Clerk' else 0)}s",
        "--host",
        url,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    env = {**env, "YOUFU_LOAD_DURATION": str(seconds)}
    with (csv_prefix.parent / f"{csv_prefix.name}.log").open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _pid, _status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        proc.returncode = 0  # reaped by wait4; the figures say what went wrong
    return round(usage.ru_utime + usage.ru_stime, 2)


def read_stats(csv_prefix: Path) -> dict[str, dict[str, Any]]:
    kinds: dict[str, dict[str, Any]] = {}
    with open(f"{csv_prefix}_stats.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not int(row["Request Count"]):
                continue  # a kind asked for only before the figures were reset (signing in)
            name = "overall" if row["Name"] == "Aggregated" else row["Name"]
            kinds[name] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
                "mean_ms": round(float(row["Average Response Time"] or 0), 1),
                "max_ms": round(float(row["Max Response Time"] or 0), 1),
            }
    return kinds


def read_failures(csv_prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{csv_prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [
            {"kind": r["Name"], "error": r["Error"][:200], "occurrences": r["Occurrences"]}
            for r in csv.DictReader(f)
        ]


# --- the run --------------------------------------------------------------------------------------


def main() -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds of the mix")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument(
        "--mix",
        default="search=45,person=35,petition=12,dashboard=8",
        help="weights of the clerks' actions (search, person, petition, dashboard)",
    )
    parser.add_argument(
        "--via",
        choices=("pages", "api"),
        default="pages",
        help="search and open people through the pages (default) or /api/v1 (the issue's baseline)",
    )
    parser.add_argument("--think", type=float, default=0.0, help="mean think time between actions, s")
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=1, help="threads a worker (gthread)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="keep the server's database connections this many seconds (YOUFU_DATABASE_CONN_MAX_AGE; "
        "60, youfu's default); 0: a new connection a request",
    )
    parser.add_argument("--floor-duration", type=int, default=30, help="seconds of the floor; 0: none")
    parser.add_argument(
        "--chain-seconds", type=float, default=10, help="seconds of each leg of the chain's ceiling; 0: none"
    )
    parser.add_argument("--port", type=int, default=18000 + os.getpid() % 1000)
    parser.add_argument("--home", type=Path, help="keep the loaded database here for the next run")
    parser.add_argument("--prepare-only", action="store_true", help="load and create the clerks, then stop")
    parser.add_argument(
        "--out", type=Path, help="the JSON figures (default: bench-load-result.json in --home, else in var/)"
    )
    args = parser.parse_args()
    need_tools()

    keep = args.home is not None
    home = (args.home or Path(tempfile.mkdtemp(prefix="youfu-load-"))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    run = Path(tempfile.mkdtemp(prefix="youfu-load-run-"))
    queue = f"youfu-load-{os.getpid()}"
    env = {
        **os.environ,
        "YOUFU_HOME": str(home),
        "YOUFU_DEBUG": "0",
        "YOUFU_REDIS_URL": REDIS,
        "YOUFU_HUEY_NAME": queue,
        "YOUFU_SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "youfu.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("YOUFU_HUEY_IMMEDIATE", None)
    env.pop("YOUFU_DATABASE_REPLICA_URL", None)
    procs = Processes()
    dbname: str | None = None
    sampler: ChainSampler | None = None

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    # Also SIGINT: a shell that starts the bench in the background has it ignored.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        say(f"home {home}; uptime load {loadavg()}")
        dbname = prepare_database(args, home, env)
        env["YOUFU_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
        os.environ.update(
            {k: env[k] for k in ("YOUFU_HOME", "YOUFU_DEBUG", "YOUFU_REDIS_URL", "YOUFU_HUEY_NAME")}
        )
        os.environ["YOUFU_DATABASE_URL"] = env["YOUFU_DATABASE_URL"]
        os.environ["DJANGO_SETTINGS_MODULE"] = "youfu.settings"
        accounts_file, queries_file, roles = prepare_clerks(args.users, run)
        say(f"{args.users} clerks: {roles}")
        # The dashboard's heavy figures, as the queue counts them every few minutes (this run's
        # worker runs no periodic task): untimed, before the clerks come. With
        # YOUFU_DASHBOARD_TALLY_MINUTES=0 in the environment every dashboard counts them itself.
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "youfu"), "count-dashboard"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        say(f"the dashboard counted ahead in {time.perf_counter() - started:.1f} s")
        if args.prepare_only:
            return 0

        procs.start(
            "huey",
            [str(BIN / "youfu"), "run_huey", "--workers", "1", "--no-periodic"],
            env,
            run / "huey.log",
        )
        url = f"http://127.0.0.1:{args.port}"
        gunicorn_cmd = [
            str(BIN / "gunicorn"),
            "youfu.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            "--timeout",
            "120",
            "--backlog",
            "2048",
            "--access-logfile",
            str(run / "access.log"),
            # Path, status, seconds: no query string (a search's text is a name).
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(L)s",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        server_env = {**env, "YOUFU_DATABASE_CONN_MAX_AGE": str(args.conn_max_age)}
        gunicorn = procs.start("gunicorn", gunicorn_cmd, server_env, run / "gunicorn.log")
        wait_ready(url, gunicorn, run / "gunicorn.log")
        say(
            f"gunicorn on {url}: {args.workers} {args.worker_class} workers × {args.threads} threads, "
            f"database connections kept {args.conn_max_age} s"
        )
        commit_ms = commit_latency(dbname)
        say(f"a one-row commit takes {commit_ms} ms (median of 100; what the chain's head waits for)")

        locust_env = {
            **env,
            "YOUFU_LOAD_ACCOUNTS": str(accounts_file),
            "YOUFU_LOAD_QUERIES": str(queries_file),
            "YOUFU_LOAD_THINK": str(args.think),
            "YOUFU_LOAD_MIX": args.mix,
            "YOUFU_LOAD_VIA": args.via,
            "YOUFU_LOAD_RESET_FILE": str(run / "reset"),
            "YOUFU_LOAD_DURATION": str(args.duration),
        }
        before = audit_seq(dbname)
        meter = CpuMeter(gunicorn.pid, dbname)
        sampler = ChainSampler(dbname, meter, run / "reset")
        load_before = loadavg()
        say(f"the mix: {args.users} clerks for {args.duration} s")
        sampler.start()
        started = time.monotonic()
        locust_cpu = run_locust(args, "Clerk", args.duration, url, run / "mix", locust_env, args.spawn_rate)
        elapsed = time.monotonic() - started
        cpu_at_end = meter.snapshot()
        sampler.stop.set()
        sampler.join()
        load_after = loadavg()
        events = audit_seq(dbname) - before
        mix = read_stats(run / "mix")
        failures = read_failures(run / "mix")
        if "overall" not in mix:
            raise RuntimeError(f"locust gave no figures:\n{(run / 'mix.log').read_text()[-3000:]}")
        # From the last sign-in to the end (the locustfile reset the figures then).
        measured_s = mix["overall"]["requests"] / mix["overall"]["rps"] if mix["overall"]["rps"] else 0.0
        chain = sampler.figures(events, elapsed)
        cpu = cpu_figures(sampler.cpu_at_reset, cpu_at_end, locust_cpu, mix["overall"]["requests"], args)

        floor: dict[str, Any] = {}
        floor_load: list[float] = []
        if args.floor_duration > 0:
            say(f"the floor: {args.users} users, {FLOOR_PATH}, {args.floor_duration} s")
            run_locust(args, "Floor", args.floor_duration, url, run / "floor", locust_env, args.users)
            floor_load = loadavg()
            floor = read_stats(run / "floor").get("overall", {})

        procs.stop_all()  # the ceiling and the check want the machine and the chain to themselves
        ceiling: dict[str, Any] = {}
        if args.chain_seconds > 0:
            say(f"the chain's ceiling: {args.workers} writers, {args.chain_seconds:.0f} s a leg")
            ceiling = chain_ceiling(args.workers, args.chain_seconds)
        verified = verify_audit(env)
        say(f"verify-audit: {verified}")

        overall = mix["overall"]
        figures = {
            "commit": git_state(),
            "persons": args.persons,
            "users": args.users,
            "duration_s": args.duration,
            "measured_s": round(measured_s, 1),
            "think_s": args.think,
            "mix_weights": args.mix,
            "via": args.via,
            "gunicorn": {
                "workers": args.workers,
                "worker_class": args.worker_class,
                "threads": args.threads,
                "conn_max_age_s": args.conn_max_age,
            },
            "commit_ms_median": commit_ms,
            "cores": cores,
            "clerks": roles,
            "load_avg_before": load_before,
            "load_avg_after": load_after,
            "mix": mix,
            "failures": failures,
            "floor": floor,
            "floor_load_avg_after": floor_load,
            "ratio_to_floor_rps": round(overall["rps"] / floor["rps"], 3) if floor.get("rps") else None,
            "cpu": cpu,
            "audit_chain": chain,
            "audit_chain_ceiling": ceiling,
            "verify_audit": verified,
            "goal": {
                "rps": GOAL_RPS,
                "p95_ms": GOAL_P95_MS,
                "met": overall["rps"] >= GOAL_RPS
                and overall["p95_ms"] < GOAL_P95_MS
                and overall["errors"] == 0,
            },
        }
        print_figures(figures)
        out = args.out or (home if keep else ROOT / "var") / "bench-load-result.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        say(f"figures written to {out}")
        if keep:
            for name in ("access.log", "gunicorn.log", "huey.log"):
                shutil.copy(run / name, home / name)
        return 0
    except KeyboardInterrupt:
        say("interrupted: stopping")
        return 130
    finally:
        if sampler is not None:
            sampler.stop.set()
            sampler.join(timeout=5)
        procs.stop_all()
        try:
            flush_queue(queue)
        except Exception as exc:  # the queue is Redis's to keep tidy; say so, go on tearing down
            say(f"could not flush the queue {queue}: {exc}")
        if dbname and not keep:
            from django.db import connections

            connections.close_all()
            pg(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)


def cpu_figures(
    at_reset: dict[str, dict[int, float]] | None,
    at_end: dict[str, dict[int, float]],
    locust_s: float,
    requests: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """CPU milliseconds a request of the mix costs the server, the database and locust, and the
    requests a second that many dedicated cores would serve at that cost (an upper bound: no
    waiting for the disk or for locks)."""
    if at_reset is None or not requests:
        return {}
    spent = CpuMeter.spent(at_reset, at_end)
    per = {
        "web_ms": round(1000 * spent["web"] / requests, 1),
        # Only kept connections can be read; locust's whole run, sign-ins too, over the measured requests.
        "db_ms": round(1000 * spent["db"] / requests, 1) if args.conn_max_age else None,
        "locust_ms": round(1000 * locust_s / requests, 1),
    }
    total = sum(v for v in per.values() if v)
    cores = os.cpu_count() or 1
    return {
        "per_request": per,
        "total_ms": round(total, 1),
        "rps_on_dedicated_cores": round(cores * 1000 / total, 1) if total else None,
        "rps_on_dedicated_cores_counts_the_database": per["db_ms"] is not None,
    }


def git_state() -> str:
    """The commit measured, and whether the checkout (which gunicorn served) had other changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "youfu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    changed = len(dirty.stdout.splitlines())
    return head.stdout.strip() + (f" + {changed} changed files under youfu/" if changed else "")


def print_figures(f: dict[str, Any]) -> None:
    print()
    print(f"commit {f['commit']}")
    print(
        f"{f['persons']:,} people, {f['users']} clerks, {f['measured_s']:.0f} s measured, gunicorn "
        f"{f['gunicorn']['workers']} {f['gunicorn']['worker_class']} workers, mix {f['mix_weights']} "
        f"via {f['via']}; load average {f['load_avg_before']} before, {f['load_avg_after']} after"
    )
    print(f"{'kind':<20} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
    order = [
        "search",
        "search (API)",
        "person page",
        "person (API)",
        "petition form",
        "petition register",
        "petition page",
        "dashboard",
    ]
    for name in [*order, *(k for k in f["mix"] if k not in order and k != "overall"), "overall"]:
        k = f["mix"].get(name)
        if k:
            print(
                f"{name:<20} {k['requests']:>9,} {k['errors']:>7} {k['rps']:>7.1f} "
                f"{k['p50_ms']:>6.0f} {k['p95_ms']:>6.0f} {k['p99_ms']:>6.0f}"
            )
    if f["floor"]:
        fl = f["floor"]
        print(
            f"{'floor (static file)':<20} {fl['requests']:>9,} {fl['errors']:>7} {fl['rps']:>7.1f} "
            f"{fl['p50_ms']:>6.0f} {fl['p95_ms']:>6.0f} {fl['p99_ms']:>6.0f}"
        )
        print(f"ratio to the floor (requests/s): {f['ratio_to_floor_rps']}")
    for failure in f["failures"][:10]:
        print(f"  error: {failure}")
    c = f["audit_chain"]
    print(
        f"audit chain head: held {100 * c['head_held_share']:.1f}% of samples, a session waiting in "
        f"{100 * c['samples_with_a_waiter_share']:.1f}% (max {c['max_waiting_sessions']}), "
        f"{c['audit_events']} events ({c['audit_events_per_s']}/s), "
        f"{c['wait_ms_per_audit_event']} ms waited an event; held "
        f"{c['hold_ms_per_audit_event']} ms an event, so at most "
        f"{c['audit_events_per_s_the_head_allows']} events/s; a commit {f['commit_ms_median']} ms"
    )
    if f["cpu"]:
        p = f["cpu"]["per_request"]
        db = "not read" if p["db_ms"] is None else p["db_ms"]
        print(
            f"CPU a request: web {p['web_ms']} ms, database {db} ms, locust {p['locust_ms']} ms: at most "
            f"{f['cpu']['rps_on_dedicated_cores']} requests/s on {f['cores']} dedicated cores"
            + ("" if p["db_ms"] is not None else " (less the database's share: --conn-max-age to read it)")
        )
    if f["audit_chain_ceiling"]:
        c = f["audit_chain_ceiling"]
        print(
            f"the chain alone, {c['writers']} writers: {c['chain_appends_per_s']} appends/s, against "
            f"{c['plain_commits_per_s']} one-row commits/s that nothing serialises "
            f"({c['chain_share_of_plain']})"
        )
    print(
        f"verify-audit after the load: {'ok' if f['verify_audit'].get('ok') else 'BROKEN'}, "
        f"{f['verify_audit'].get('checked')} events"
    )
    g = f["goal"]
    verdict = "met" if g["met"] else "NOT met"
    print(f"goal ≥ {g['rps']:.0f} req/s, p95 < {g['p95_ms']:.0f} ms, no error: {verdict}")


if __name__ == "__main__":
    sys.exit(main())
