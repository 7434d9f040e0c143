"""Benchmark: a county's monthly payment batch for a million persons, over a long history.

    .venv/bin/python bench/bench_batch.py [--persons 1000000] [--database sqlite|postgres]
                                          [--history-months 3] [--scenario quiet|retro|death|all]
                                          [--repeat 3] [--check] [--orm-persons 10000] [--skip-orm]

Sets Django up itself in a temporary YOUFU_HOME (a fresh SQLite file, or throwaway
PostgreSQL databases on 127.0.0.1:5432 as user postgres, created and dropped) and measures,
each step in its own process:

  load      migrate; 20 townships, 300 villages; the national standards and an 8% top-up;
            N persons, every one holding a regular benefit (one in twenty two of them),
            written with COPY / executemany. Payments start --history-months months before
            this one, and the history is what the engine paid: do_create_batch for each past
            month in turn (the first one full, every later one incremental), each batch's
            lines then marked paid and the batch closed, as the bank's returns would.
  scenarios each on that same history (--scenario, default all: quiet, death, retro):
            quiet   nothing recorded since: the batch must pay this month only (checked:
                    no arrears item, no recovery);
            death   one person in a thousand died 14 months ago, recorded last month (bulk
                    SQL plus changes.mark_persons, as do_record_life_event marks them; half
                    name a payee): months claimed back, lump sums;
            retro   every standard raised by 10% from 6 months ago, imported and approved
                    through the services (which mark every category from then).
            What a scenario recorded is taken away again after it (death) or it runs last
            (retro), so each is measured on the same history.
  batch     do_create_batch for this month, timed through the commit, in a fresh process
            whose peak RSS is the memory figure (goal: under 500 MB).
  floor     the same database bulk-loading what that batch wrote — as many items and as many
            lines — into tables copied from the items and lines tables (same columns, types,
            keys and indexes), in one transaction: COPY from memory on PostgreSQL,
            executemany on SQLite. Goal: batch within 3x. The machine's speed drifts, so
            batch and floor take turns (--repeat, default 3; the draft is discarded after
            each turn) and the ratio is of their medians.
  check     (--check) after the first turn of each scenario, `youfu reconcile --full --json`
            holds the draft to the full recomputation (exit 0: they agree). A full
            recomputation of every month: use it at small scale.
  orm       on a separate database of --orm-persons persons with 3 months of history and the
            retroactive raise: the engine, and a straightforward per-person ORM
            implementation of the same rule (query per qualification and month, .save() per
            item), with their totals compared.

The report is written as JSON next to the temporary home
(youfu-bench-batch-<database>-<persons>-<months>.json). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DATA_KEY = "bench-data-key-not-secret-0123456789abcdef"
SECRET_KEY = "bench-secret-key-not-secret-0123456789abcdef"  # noqa: S105 - a throwaway database
CHUNK = 50_000

# (category, share in %, extra) of the persons; one person in twenty also holds a
# disability (a disabled war participant).
MIX = [
    ("war_participant", 36),
    ("elderly_rural_veteran", 38),
    ("nuclear_test_participant", 5),
    ("disabled_veteran", 6),
    ("martyr_survivor", 2),
    ("duty_death_survivor", 1.5),
    ("illness_death_survivor", 1.5),
    ("demobilized_veteran", 1),
    ("returned_ill_veteran", 2),
    ("elderly_martyr_child", 7),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "桂兰", "国强", "玉兰", "志明", "德华", "明", "伟", "芳", "军", "红", "平", "勇"]


# --- the orchestrating process ---------------------------------------------------------------


def _database_url(kind: str, home: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{home / (name + '.sqlite3')}"
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:  # type: ignore[arg-type]
        conn.execute(sql)


def _child(step: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, "--child", step, *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"step {step} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    result["child_cpu_seconds"] = round(
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2
    )
    return result


SCENARIOS = ("quiet", "death", "retro")  # retro last: what it records is not taken away


def _medians(batches: list[dict[str, Any]], floors: list[dict[str, Any]]) -> dict[str, Any]:
    batch_seconds = statistics.median(b["seconds"] for b in batches)
    floor_seconds = statistics.median(f["seconds"] for f in floors)
    items_floor = statistics.median(f["items_seconds"] for f in floors)
    return {
        "batch_seconds": round(batch_seconds, 2),
        "floor_seconds": round(floor_seconds, 2),
        "ratio": round(batch_seconds / floor_seconds, 2),
        "ratio_to_items_floor": round(batch_seconds / items_floor, 2) if items_floor else None,
        "maxrss_mb": round(max(b["maxrss_mb"] for b in batches)),
    }


def _reconcile(env: dict[str, str]) -> dict[str, Any]:
    """``youfu reconcile --full --json`` on the open draft: exit 0 when it agrees."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - the project's own command
        [str(Path(sys.executable).parent / "youfu"), "reconcile", "--full", "--json", "--as", "clerk"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        result = {"output": (done.stdout + done.stderr)[-2000:]}
    return {
        "exit": done.returncode,
        "agree": result.get("agree"),
        "differences": result.get("differences"),
        "items": result.get("items"),
        "listed": result.get("listed", [])[:5],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _scenario(
    scenario: str, env: dict[str, str], months: list[str], repeat: int, check: bool, profile: bool = False
) -> dict[str, Any]:
    """Record the scenario's change, then batch and floor in turns; the draft is discarded
    after each turn, so every turn computes the same batch."""
    setup = _child("setup", env, "--scenario", scenario, *months)
    batches: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    reconciled: dict[str, Any] | None = None
    for turn in range(repeat):
        _child("settle", env)
        made = _child("batch", env, *months, *(["--profile"] if profile and turn == 0 else []))
        for seconds, sql in made.pop("profile", []):
            print(f"  {scenario:<6} {seconds:7.2f} s  {sql}", flush=True)
        if turn == 0 and check:
            reconciled = _reconcile(env)
        _child("settle", env)
        loaded = _child("floor", env, "--rows", str(made["items"]), "--lines", str(made["lines"]))
        _child("discard", env)
        batches.append(made)
        floors.append(loaded)
        print(
            f"  {scenario:<6} turn {turn + 1}: batch {made['seconds']:.1f} s "
            f"({made['items']:,} items, {made['arrears_items']:,} arrears, {made['lines']:,} lines, "
            f"{made['recoveries']:,} recoveries; {made['maxrss_mb']:.0f} MB), "
            f"floor {loaded['seconds']:.1f} s "
            f"({loaded['items_seconds']:.1f} s items, {loaded['lines_seconds']:.1f} s lines): "
            f"{made['seconds'] / loaded['seconds']:.2f}",
            flush=True,
        )
        if reconciled is not None and turn == 0:
            verdict = "agrees (exit 0)" if reconciled["exit"] == 0 else f"EXIT {reconciled['exit']}"
            print(
                f"  {scenario:<6} reconcile --full: {verdict}, {reconciled['differences']} differences, "
                f"items {reconciled['items']} ({reconciled['seconds']} s)",
                flush=True,
            )
    result: dict[str, Any] = {
        "setup": setup,
        "batches": batches,
        "floors": floors,
        "check": reconciled,
        **_medians(batches, floors),
    }
    first = batches[0]
    if scenario == "quiet":
        # The history is what the engine paid: a quiet month owes nothing for earlier months.
        result["quiet"] = first["arrears_items"] == 0 and first["recoveries"] == 0
        if not result["quiet"]:
            print(
                f"  quiet  NOT QUIET: {first['arrears_items']:,} arrears items, "
                f"{first['recoveries']:,} recoveries"
            )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--history-months", type=int, default=3, help="months paid before this one")
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--orm-persons", type=int, default=10_000)
    parser.add_argument("--skip-orm", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="turns of batch and floor (median)")
    parser.add_argument("--check", action="store_true", help="youfu reconcile --full after a turn")
    parser.add_argument(
        "--home",
        help="keep the databases in this directory and reuse a history already built there "
        "(same --persons and --history-months); nothing is removed at the end",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print each batch's slowest SQL statements (first turn)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--lines", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--rollback", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_child(args)
        return
    if args.history_months < 1:
        parser.error("--history-months: at least 1 (the previous month's batch)")

    keep = bool(args.home)
    home = Path(args.home).resolve() if keep else Path(tempfile.mkdtemp(prefix="youfu-bench-batch-"))
    home.mkdir(parents=True, exist_ok=True)
    # A kept home names its PostgreSQL databases after itself, so a later run finds them.
    tag = hashlib.sha256(str(home).encode()).hexdigest()[:10] if keep else f"{os.getpid()}"
    names = {"big": f"youfu_bench_batch_{tag}", "small": f"youfu_bench_orm_{tag}"}
    created: list[str] = []
    months = ["--history-months", str(args.history_months)]
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    try:
        print(
            f"benchmark: a batch for {args.persons:,} persons on {args.database} after "
            f"{args.history_months} months of history, YOUFU_HOME={home}",
            flush=True,
        )

        def env_for(name: str) -> dict[str, str]:
            (home / name).mkdir(exist_ok=True)
            return {
                **os.environ,
                "YOUFU_HOME": str(home / name),
                "YOUFU_DATABASE_URL": _database_url(args.database, home, names[name]),
                "YOUFU_DATA_KEY": DATA_KEY,
                "YOUFU_SECRET_KEY": SECRET_KEY,
                "PYTHONPATH": str(ROOT),
            }

        marker = home / f"loaded-{args.database}-{args.persons}-{args.history_months}.json"
        reuse = keep and marker.exists()
        if args.database == "postgres" and not reuse:
            for name in names.values():
                _pg_admin(f"DROP DATABASE IF EXISTS {name}")
        big = env_for("big")
        if reuse:
            load = json.loads(marker.read_text())
            print("  (the history built earlier in this --home)", flush=True)
        else:
            if args.database == "postgres":
                _pg_admin(f"CREATE DATABASE {names['big']}")
                if not keep:
                    created.append(names["big"])
            load = _child("load", big, "--rows", str(args.persons), *months)
            if keep:
                marker.write_text(json.dumps(load))
        print(
            f"  load      {load['persons']:,} persons, {load['qualifications']:,} qualifications in "
            f"{load['load_seconds']} s; history: {load['history_batches']} monthly batches by the engine, "
            f"{load['history_items']:,} items and {load['history_lines']:,} lines, in "
            f"{load['history_seconds']} s; database {load['database_gb']} GB",
            flush=True,
        )
        report: dict[str, Any] = {
            "database": args.database,
            "persons": args.persons,
            "history_months": args.history_months,
            "repeat": args.repeat,
            "load": load,
            "scenarios": {},
        }
        for scenario in scenarios:
            report["scenarios"][scenario] = _scenario(
                scenario, big, months, args.repeat, args.check, args.profile
            )
            if scenario == "retro" and keep:
                _child("undo", big, "--scenario", scenario)  # the kept history stays reusable
            if scenario == "death" and (keep or scenario != scenarios[-1]):
                _child("undo", big, "--scenario", scenario)
        print(
            f"\n  {args.database}, {args.persons:,} persons, {args.history_months} months of history "
            f"(medians of {args.repeat} turns)"
        )
        print("  scenario   batch s   floor s   ratio   items written (arrears)   lines   peak RSS")
        for scenario, r in report["scenarios"].items():
            b = r["batches"][0]
            print(
                f"  {scenario:<8} {r['batch_seconds']:>9.1f} {r['floor_seconds']:>9.1f} {r['ratio']:>7.2f}"
                f"   {b['items']:>12,} ({b['arrears_items']:>9,}) {b['lines']:>9,}   {r['maxrss_mb']:>5} MB"
            )
        if not args.skip_orm:
            small = env_for("small")
            if args.database == "postgres":
                _pg_admin(f"CREATE DATABASE {names['small']}")
                created.append(names["small"])
            # Three months of history and the raise: the straightforward version pays no lump
            # sums and claims nothing back.
            small_months = ["--history-months", "3"]
            _child("load", small, "--rows", str(args.orm_persons), *small_months)
            _child("setup", small, "--scenario", "retro", *small_months)
            engine = _child("batch", small, "--rollback", *small_months)
            orm = _child("orm", small, *small_months)
            orm_ratio = orm["seconds"] / engine["seconds"]
            same = "same total" if orm["total"] == engine["total"] else f"DIFFERENT totals {orm['total']} vs"
            print(
                f"  orm       {args.orm_persons:,} persons: per-person ORM {orm['seconds']:.1f} s "
                f"({orm['queries']:,} queries) vs engine {engine['seconds']:.2f} s: "
                f"{orm_ratio:.0f}x faster ({same} {engine['total']} yuan)"
            )
            report["orm"] = {"engine": engine, "orm": orm, "ratio": round(orm_ratio, 1)}
        out = home.parent / (f"youfu-bench-batch-{args.database}-{args.persons}-{args.history_months}.json")
        out.write_text(json.dumps(report, indent=2))
        print(f"  report    {out}")
    finally:
        if args.database == "postgres":
            for name in created:
                _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if keep:
            kept_db = f" and database {names['big']}" if args.database == "postgres" else ""
            print(f"  kept      {home}{kept_db}")
        else:
            shutil.rmtree(home, ignore_errors=True)


# --- the child processes ---------------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "youfu.settings")
    import django

    django.setup()


def _run_child(args: argparse.Namespace) -> None:
    _setup()
    steps = {
        "load": _load,
        "setup": _setup_scenario,
        "undo": _undo_scenario,
        "batch": _batch,
        "discard": _discard,
        "settle": _settle,
        "floor": _floor,
        "orm": _orm,
    }
    result = steps[args.child](args)
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


def _months(history: int) -> tuple[date, date, date]:
    """This month, the previous one and the payments start month, ``history`` months back."""
    from django.utils import timezone

    from youfu.benefits.money import add_months

    period = timezone.localdate().replace(day=1)
    return period, add_months(period, -1), add_months(period, -history)


def _standards_csv(effective_on: str, factor: float) -> bytes:
    from youfu.benefits.tests.helpers import BASE_STANDARDS, csv_bytes

    rows = []
    for row in BASE_STANDARDS:
        raised = list(row)
        raised[4] = f"{round(float(row[4]) * factor, 2):.2f}"
        raised[5] = effective_on
        rows.append(raised)
    return csv_bytes(rows)


class _Sink:
    """Rows into a table: COPY on PostgreSQL, executemany on SQLite, in chunks."""

    def __init__(self, table: str, columns: list[str]) -> None:
        from django.db import connection

        self.table, self.columns, self.connection = table, columns, connection
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            with self.connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})",  # noqa: S608
                    self.rows,
                )
        self.rows = []


def _load(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from youfu.accounts.models import User
    from youfu.benefits.models import StandardImport
    from youfu.benefits.services import (
        do_approve_standards,
        do_approve_topup,
        do_import_standards,
        do_set_topup,
        do_update_benefit_settings,
    )
    from youfu.core.crypto import encrypt
    from youfu.core.roles import Role
    from youfu.regions.models import Region, RegionLevel
    from youfu.registry.services import name_keys

    _period, _previous, start = _months(args.history_months)
    call_command("migrate", verbosity=0)
    county = Region.objects.create(code="341199000000", name="青山县", level=RegionLevel.COUNTY)
    villages: list[tuple[str, str]] = []
    for t in range(20):
        township = Region.objects.create(
            code=f"341199{100 + t:03d}000", name=f"第{t + 1}镇", parent=county, level=RegionLevel.TOWNSHIP
        )
        for v in range(15):
            village = Region.objects.create(
                code=f"341199{100 + t:03d}{201 + v:03d}",
                name=f"第{t + 1}镇{v + 1}村",
                parent=township,
                level=RegionLevel.VILLAGE,
            )
            villages.append((village.code, township.code))
    users = {}
    for username, role in (
        ("admin", Role.COUNTY_ADMIN),
        ("clerk", Role.COUNTY_CLERK),
        ("leader", Role.LEADER),
    ):
        user = User(username=username, role=role, region=county)
        user.set_unusable_password()
        user.save()
        users[username] = user
    # Money parameters are maker-checker: the clerk enters them, the leader approves them.
    do_import_standards(
        _standards_csv("2020-01-01", 1.0), acting_user=users["clerk"], filename="national.csv"
    )
    do_approve_standards(StandardImport.objects.latest("pk"), acting_user=users["leader"])
    topup = do_set_topup(8, date(2020, 1, 1), acting_user=users["clerk"])  # type: ignore[arg-type]
    do_approve_topup(topup, acting_user=users["leader"])
    do_update_benefit_settings(acting_user=users["admin"], payments_start=start)

    rng = random.Random(4)  # noqa: S311 - synthetic data
    ids = [encrypt(f"3411991950010{n:04d}X"[:18]) for n in range(200)]
    accounts = [encrypt(f"62300000000000{n:05d}") for n in range(200)]
    names = [s + g for s in SURNAMES for g in GIVEN]
    keys = {n: name_keys(n) for n in names}
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    categories = [c for c, _ in MIX]
    weights = [w for _, w in MIX]
    n = args.rows
    started = time.perf_counter()
    qualifications = 0
    with transaction.atomic():
        people = _Sink(
            "registry_beneficiary",
            [
                "id",
                "name",
                "name_pinyin",
                "name_initials",
                "sex",
                "ethnicity",
                "birth_date",
                "id_number_encrypted",
                "id_number_index",
                "id_number_masked",
                "id_number_last4",
                "residence",
                "region_id",
                "township_id",
                "phone",
                "bank_name",
                "bank_account_encrypted",
                "bank_account_masked",
                "status",
                "notes",
                "created_at",
                "updated_at",
            ],
        )
        quals = _Sink(
            "registry_qualification",
            [
                "id",
                "beneficiary_id",
                "category",
                "disability_cause",
                "disability_level",
                "approved_on",
                "status",
                "end_reason",
                "service_years",
                "notes",
                "created_at",
            ],
        )
        assessments = _Sink(
            "registry_disabilityassessment", ["qualification_id", "cause", "level", "effective_on"]
        )
        q_id = 0
        for i in range(1, n + 1):
            name = names[i % len(names)]
            village, township = villages[i % len(villages)]
            last4 = f"{i % 10000:04d}"
            people.add(
                (
                    i,
                    name,
                    keys[name][0],
                    keys[name][1],
                    "male" if i % 3 else "female",
                    "汉族",
                    f"{1935 + i % 30}-0{1 + i % 9}-1{i % 9}",
                    ids[i % 200],
                    f"{i:064x}",
                    f"341199********{last4}",
                    last4,
                    "rural" if i % 10 < 7 else "urban",
                    village,
                    township,
                    "",
                    "农商银行",
                    accounts[i % 200],
                    f"***************{last4}",
                    "alive",
                    "",
                    stamp,
                    stamp,
                )
            )
            held = [rng.choices(categories, weights)[0]]
            if i % 20 == 0 and held[0] != "disabled_veteran":
                held.append("disabled_veteran")
            for category in held:
                q_id += 1
                approved = date(2015 + i % 10, 1 + i % 12, 1 + i % 28).isoformat()
                level = 1 + int(rng.random() ** 2 * 10) if category == "disabled_veteran" else None
                cause = ("combat", "duty", "illness")[i % 3] if level else ""
                if cause == "illness" and level and level > 6:
                    level = 6
                years = 2 + i % 5 if category == "elderly_rural_veteran" else None
                quals.add((q_id, i, category, cause, level, approved, "active", "", years, "", stamp))
                if level:
                    assessments.add((q_id, cause, level, approved))
        for sink in (people, quals, assessments):
            sink.flush()
        qualifications = q_id
        _reset_sequences()
    load_seconds = time.perf_counter() - started
    _analyze()

    history = _pay_history(start, users["clerk"])
    _analyze()
    return {
        "persons": n,
        "qualifications": qualifications,
        "load_seconds": round(load_seconds, 1),
        **history,
        "database_gb": _database_gb(),
    }


def _pay_history(start: date, clerk: Any) -> dict[str, Any]:
    """Every month from the start month through the previous one paid as the engine pays
    it: ``do_create_batch`` month by month (the first batch in full, each later one only
    what changed since — here only its new month), its lines paid and the batch closed, as
    the bank's returns would. The history is then exactly what the engine would have paid,
    so this month's batch is quiet unless something is recorded late."""
    from django.db import connection, transaction

    from youfu.benefits.models import Batch, BatchLine, BatchState, LineStatus
    from youfu.benefits.money import add_months
    from youfu.benefits.services import do_create_batch

    period, _, _ = _months(0)
    started = time.perf_counter()
    month, batches, items, lines = start, 0, 0, 0
    while month < period:
        batch = do_create_batch(month, acting_user=clerk)
        with transaction.atomic():
            paid = BatchLine.objects.filter(batch=batch).update(status=LineStatus.PAID)
            Batch.objects.filter(pk=batch.pk).update(
                state=BatchState.CLOSED, returned_paid=batch.persons, returned_paid_fen=batch.total_fen
            )
        if connection.vendor == "postgresql":
            # The paid lines are new row versions: let the next month's lines reuse the space.
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {BatchLine._meta.db_table}")
        batches, items, lines = batches + 1, items + batch.items, lines + paid
        month = add_months(month, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    return {
        "history_batches": batches,
        "history_items": items,
        "history_lines": lines,
        "history_seconds": round(seconds, 1),
    }


def _database_gb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        else:
            size = Path(connection.settings_dict["NAME"]).stat().st_size
    return round(size / 1e9, 2)


def _setup_scenario(args: argparse.Namespace) -> dict[str, Any]:
    """Record what the scenario says happened since the previous batch."""
    from django.db import connection

    from youfu.accounts.models import User
    from youfu.benefits.models import StandardImport
    from youfu.benefits.money import add_months
    from youfu.benefits.services import do_approve_standards, do_import_standards

    period, previous, _ = _months(args.history_months)
    started = time.perf_counter()
    if args.scenario == "retro":
        # Through the services: approving the version marks every category from its month.
        raised_from = add_months(period, -6)
        do_import_standards(
            _standards_csv(raised_from.isoformat(), 1.1),
            acting_user=User.objects.get(username="clerk"),
            filename="raise.csv",
        )
        do_approve_standards(
            StandardImport.objects.latest("pk"), acting_user=User.objects.get(username="leader")
        )
        result: dict[str, Any] = {"raised_from": raised_from}
    elif args.scenario == "death":
        result = _record_deaths(User.objects.get(username="clerk"), add_months(period, -14), previous)
    else:
        result = {}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {**result, "seconds": round(time.perf_counter() - started, 2)}


def _record_deaths(clerk: Any, death_month: date, previous: date) -> dict[str, Any]:
    """One person in a thousand died in ``death_month``, recorded on the 20th of last month
    (after last month's batch: the lump sums fall due this month); half of them name a payee.
    Written in bulk, and marked as ``do_record_life_event`` marks a death: the person, from
    the day of death (``changes.mark_persons``, in the same transaction)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from youfu.benefits import changes
    from youfu.core.crypto import encrypt

    recorded = connection.ops.adapt_datetimefield_value(
        timezone.make_aware(datetime(previous.year, previous.month, 20, 10))
    )
    died_on = death_month.replace(day=10)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM registry_beneficiary WHERE id % 1000 = 7 ORDER BY id")
        dead = [i for (i,) in cursor.fetchall()]
        cursor.executemany(
            "UPDATE registry_beneficiary SET status = 'deceased', death_date = %s WHERE id = %s",
            [(died_on.isoformat(), i) for i in dead],
        )
        events = _Sink(
            "registry_lifeevent",
            ["beneficiary_id", "kind", "effective_on", "details", "note", "recorded_at", "recorded_by_id"],
        )
        for i in dead:
            events.add((i, "death", died_on.isoformat(), "{}", "", recorded, clerk.pk))
        events.flush()
        token_id, token_account = encrypt("110101195001011234"), encrypt("6217000000000000001")
        cursor.execute(
            "INSERT INTO registry_deathpayee (life_event_id, name, id_number_encrypted, id_number_masked, "
            "bank_name, bank_account_encrypted, bank_account_masked) "
            "SELECT id, '家属', %s, '110101********1234', '建设银行', %s, '***************0001' "
            "FROM registry_lifeevent WHERE kind = 'death' AND beneficiary_id %% 2000 = 7",
            [token_id, token_account],
        )
        changes.mark_persons(dead, died_on, "death")
    return {"deaths": len(dead), "died_on": died_on}


def _undo_scenario(args: argparse.Namespace) -> dict[str, Any]:
    """Take the scenario's records away again (its drafts were discarded, so its marks are
    free again): the next scenario runs on the same history."""
    from django.db import connection, transaction

    from youfu.benefits.models import PendingLumpSum, RecomputeMark

    if args.scenario == "retro":
        # The raise's version (the newest) goes, and the marks its approval left.
        from youfu.benefits.models import Standard, StandardImport

        with transaction.atomic():
            raise_ = StandardImport.objects.latest("pk")
            Standard.objects.filter(version=raise_).delete()
            raise_.delete()
            RecomputeMark.objects.filter(batch__isnull=True).delete()
        _analyze()
        return {}
    assert args.scenario == "death", args.scenario
    with transaction.atomic(), connection.cursor() as cursor:
        deaths = "SELECT id FROM registry_lifeevent WHERE kind = 'death'"
        cursor.execute(f"DELETE FROM registry_deathpayee WHERE life_event_id IN ({deaths})")  # noqa: S608
        cursor.execute(
            f"DELETE FROM {PendingLumpSum._meta.db_table} WHERE life_event_id IN ({deaths})"  # noqa: S608
        )
        cursor.execute("DELETE FROM registry_lifeevent WHERE kind = 'death'")
        cursor.execute(
            "UPDATE registry_beneficiary SET status = 'alive', death_date = NULL WHERE status = 'deceased'"
        )
        RecomputeMark.objects.filter(batch__isnull=True).delete()
    _analyze()
    return {}


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from youfu.registry.models import Beneficiary, Qualification

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Beneficiary, Qualification]):
            cursor.execute(sql)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _batch(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction

    from youfu.accounts.models import User
    from youfu.benefits.models import BatchItem, BatchLine, PendingLumpSum
    from youfu.benefits.money import money, ym
    from youfu.benefits.services import do_create_batch

    period, _, _ = _months(args.history_months)
    clerk = User.objects.get(username="clerk")

    class Rollback(Exception):
        pass

    result: dict[str, Any] = {}
    timings: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - began, " ".join(sql.split())[:150]))

    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.execute_wrapper(timed):
            batch = do_create_batch(period, acting_user=clerk)
            if args.rollback:
                # What a commit would check (deferred constraints), without keeping the batch.
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    else:
                        cursor.execute("PRAGMA foreign_key_check")
                raise Rollback
    except Rollback:
        pass
    # The batch is made when it is committed: the clock runs through the commit (and the
    # deferred constraint checks it does).
    seconds = time.perf_counter() - started
    result = {
        "seconds": round(seconds, 2),
        "persons": batch.persons,
        "items": batch.items,
        "lines": BatchLine.objects.filter(batch=batch).count(),
        "arrears_items": BatchItem.objects.filter(batch=batch, month__lt=ym(period)).count(),
        "total": money(batch.total_fen),
        "arrears_total": money(batch.arrears_fen),
        "recoveries": batch.recoveries,
        "pending_lump_sums": PendingLumpSum.objects.filter(found_in=batch).count(),
        "vendor": connection.vendor,
    }
    if args.profile:
        result["profile"] = [(round(t, 2), sql) for t, sql in sorted(timings, reverse=True)[:15]]
        result["profile"].append((round(sum(t for t, _ in timings), 2), f"all {len(timings)} statements"))
    return result


def _settle(args: argparse.Namespace) -> dict[str, Any]:
    """Write out what the step before left in memory (a checkpoint; on SQLite, the WAL into
    the database), untimed, so that neither the batch nor the floor pays for the other's
    writes: each starts from a clean checkpoint."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {}


def _discard(args: argparse.Namespace) -> dict[str, Any]:
    """Discard the open draft (its lines and their parts, items and recoveries go) and, on
    PostgreSQL, let VACUUM make their space reusable, for the next turn."""
    from django.db import connection

    from youfu.accounts.models import User
    from youfu.benefits.models import Batch, BatchItem, BatchLine, BatchState, LinePart, Recovery
    from youfu.benefits.services import do_discard_batch

    clerk = User.objects.get(username="clerk")
    do_discard_batch(Batch.objects.get(state=BatchState.DRAFT), acting_user=clerk, note="bench: next turn")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in (BatchItem, BatchLine, LinePart, Recovery))
            cursor.execute(f"VACUUM ANALYZE {tables}")
    return {}


def _floor_table(cursor: Any, source: str, copy: str) -> None:
    """An empty table shaped exactly like ``source``: its columns, types, keys, checks and
    indexes, copied from the database's own definition of it."""
    from django.db import connection

    cursor.execute(f"DROP TABLE IF EXISTS {copy}")
    if connection.vendor == "postgresql":
        cursor.execute(f"CREATE TABLE {copy} (LIKE {source} INCLUDING ALL)")
        return
    cursor.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
        "ORDER BY type = 'index'",
        [source],
    )
    for kind, name, sql in cursor.fetchall():
        sql = sql.replace(f'"{source}"', f'"{copy}"', 1)
        if kind == "index":
            sql = sql.replace(f'"{name}"', f'"{copy}_{name}"', 1)
        cursor.execute(sql)


ITEM_COLUMNS = [
    "batch_id", "beneficiary_id", "benefit", "month", "due_fen", "paid_before_fen", "amount_fen", "arrears",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "batch_id", "beneficiary_id", "township_id", "month", "seq", "amount_fen", "arrears_fen",
    "to_payee", "payee_name", "payee_id_number_encrypted", "payee_id_number_masked", "bank_name",
    "bank_account_encrypted", "bank_account_masked", "status", "reason", "benefits", "one_off_fen",
]  # fmt: skip


def _floor_rows(items: int, lines: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows like the batch's: items in key order, lines in line-number order, with payee
    fields as wide as the real ones (encrypted values of 120 characters)."""
    benefits = ("living_subsidy", "disability_pension", "survivor_pension", "lump_sum_living_subsidy")
    item_rows = [
        (1, i // 4 + 1, benefits[i % 4], 202600 + i % 4 + 1, 64152, 58320, 5832, i % 4 != 3)
        for i in range(items)
    ]
    token = "gAAAAAB" + "pQ3xZ9kL2mN8vR4tY6wE1uI7oA5sD0fG" * 4

    def line(i: int) -> tuple[Any, ...]:
        # fmt: off
        return (
            i + 1, 1, i + 1, f"3411990{i % 20 + 1:02d}000", 202612, i + 1, 192456, 128304, False, "王建国",
            f"{i:012d}{token}"[:120], "341199********1234", "中国农业银行", f"{token}{i:012d}"[-120:],
            "6228********4321", "pending", "", 4, 0,
        )
        # fmt: on

    return item_rows, [line(i) for i in range(lines)]


def _floor(args: argparse.Namespace) -> dict[str, Any]:
    """What the batch writes — as many items and lines — bulk-loaded into tables shaped
    like the items and lines tables, in one transaction."""
    from django.db import connection, transaction

    from youfu.benefits.models import BatchItem, BatchLine

    tables = {"items": BatchItem._meta.db_table, "lines": BatchLine._meta.db_table}
    with connection.cursor() as cursor:
        for name, source in tables.items():
            _floor_table(cursor, source, f"bench_floor_{name}")
    rows = dict(zip(tables, _floor_rows(args.rows, args.lines), strict=True))
    columns = {"items": ITEM_COLUMNS, "lines": LINE_COLUMNS}
    seconds: dict[str, float] = {}
    if connection.vendor == "postgresql":
        # Prepared before the clock starts: the floor is what the server takes to load.
        blocks: dict[str, list[bytes]] = {}
        for name, table_rows in rows.items():
            text = ["\t".join(_copy_text(v) for v in row) + "\n" for row in table_rows]
            blocks[name] = ["".join(text[i : i + CHUNK]).encode() for i in range(0, len(text), CHUNK)]
        with transaction.atomic(), connection.cursor() as cursor:
            for name in tables:
                started = time.perf_counter()
                into = f"bench_floor_{name} ({', '.join(columns[name])})"
                with cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
                    for block in blocks[name]:
                        copy.write(block)
                seconds[name] = time.perf_counter() - started
            started = time.perf_counter()
        seconds["commit"] = time.perf_counter() - started
        method = "COPY"
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            for name in tables:
                marks = ", ".join(["%s"] * len(columns[name]))
                started = time.perf_counter()
                cursor.executemany(
                    f"INSERT INTO bench_floor_{name} ({', '.join(columns[name])}) VALUES ({marks})",  # noqa: S608
                    rows[name],
                )
                seconds[name] = time.perf_counter() - started
            started = time.perf_counter()
        seconds["commit"] = time.perf_counter() - started
        method = "executemany in one transaction"
    with connection.cursor() as cursor:  # out of the way of the batch's next turn
        for name in tables:
            cursor.execute(f"DROP TABLE bench_floor_{name}")
    return {
        "rows": args.rows,
        "lines": args.lines,
        "items_seconds": round(seconds["items"], 2),
        "lines_seconds": round(seconds["lines"], 2),
        "seconds": round(sum(seconds.values()), 2),
        "method": method,
    }


def _copy_text(value: Any) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _orm(args: argparse.Namespace) -> dict[str, Any]:
    """The straightforward way: for each person, each qualification and each month, ask the
    ORM whether it is payable, which level, standard and top-up apply and what was paid,
    and save an item; then a line per person."""
    from collections import defaultdict
    from decimal import ROUND_HALF_UP, Decimal

    from django.db import connection, transaction
    from django.db.models import Sum

    from youfu.accounts.models import User
    from youfu.benefits.models import Batch, BatchItem, BatchLine, LineStatus, LocalTopUp, Standard
    from youfu.benefits.money import money, months, ym
    from youfu.benefits.services import payments_start
    from youfu.registry.categories import BENEFIT_OF, Category
    from youfu.registry.models import Beneficiary, DisabilityAssessment
    from youfu.registry.selectors import is_payable

    period, _, _ = _months(args.history_months)
    clerk = User.objects.get(username="clerk")
    county = clerk.region
    start = payments_start(county)
    assert start is not None
    started = time.perf_counter()
    total = 0
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count), transaction.atomic():
        batch = Batch.objects.create(county=county, period=period, created_by=clerk, payments_start=start)
        seq = 0
        for person in Beneficiary.objects.filter(region__code__startswith=county.scope_prefix).order_by("pk"):
            due: dict[tuple[str, int], int] = defaultdict(int)
            for q in person.qualifications.all():
                benefit = BENEFIT_OF.get(Category(q.category))
                if benefit is None:
                    continue
                for month in months(start, period):
                    if not is_payable(q, month):
                        continue
                    cause, level = q.disability_cause, q.disability_level
                    if q.category == Category.DISABLED_VETERAN:
                        a = (
                            DisabilityAssessment.objects.filter(qualification=q, effective_on__lte=month)
                            .order_by("-effective_on")
                            .first()
                            or DisabilityAssessment.objects.filter(qualification=q)
                            .order_by("effective_on")
                            .first()
                        )
                        if a is not None:
                            cause, level = a.cause, a.level
                    candidates = [
                        s
                        for s in Standard.objects.filter(
                            category=q.category, effective_on__lte=month
                        ).order_by("-effective_on")
                        if (not s.disability_cause or s.disability_cause == cause)
                        and (s.disability_level is None or s.disability_level == level)
                        and (not s.residence or s.residence == person.residence)
                    ]
                    standard = candidates[0]
                    topup = (
                        LocalTopUp.objects.filter(region=county, effective_on__lte=month)
                        .order_by("-effective_on")
                        .first()
                    )
                    percent = topup.percent if topup else Decimal(0)
                    units = q.service_years or 0 if standard.basis == "per_service_year" else 1
                    amount = (Decimal(standard.annual_fen) * units * (1 + percent / 100) / 12).quantize(
                        Decimal(1), rounding=ROUND_HALF_UP
                    )
                    key = (benefit.value, ym(month))
                    due[key] = max(due[key], int(amount))
            line_total = 0
            for (benefit, month_key), amount in sorted(due.items()):
                paid_lines = BatchLine.objects.filter(beneficiary=person, status=LineStatus.PAID).values_list(
                    "batch_id", flat=True
                )
                paid = (
                    BatchItem.objects.filter(
                        beneficiary=person, benefit=benefit, month=month_key, batch_id__in=list(paid_lines)
                    ).aggregate(s=Sum("amount_fen"))["s"]
                    or 0
                )
                if amount - paid > 0:
                    BatchItem.objects.create(
                        batch=batch,
                        beneficiary=person,
                        benefit=benefit,
                        month=month_key,
                        due_fen=amount,
                        paid_before_fen=paid,
                        amount_fen=amount - paid,
                        arrears=month_key < ym(period),
                    )
                    line_total += amount - paid
            if line_total:
                seq += 1
                BatchLine.objects.create(
                    batch=batch,
                    beneficiary=person,
                    township_id=person.township_id,
                    month=ym(period),
                    seq=seq,
                    amount_fen=line_total,
                    payee_name=person.name,
                    payee_id_number_encrypted=person.id_number_encrypted,
                    payee_id_number_masked=person.id_number_masked,
                    bank_name=person.bank_name,
                    bank_account_encrypted=person.bank_account_encrypted,
                    bank_account_masked=person.bank_account_masked,
                )
                total += line_total
        transaction.set_rollback(True)
    return {"seconds": round(time.perf_counter() - started, 2), "total": money(total), "queries": queries}


if __name__ == "__main__":
    main()
