"""Benchmark: a province's worth of people in one database — search, summary and dashboard times on
the history ``bench_batch.py`` built and kept (issue 15, item 6 "A province").

    .venv/bin/python bench/bench_batch.py --database postgres --persons 10000000 --history-months 1 \\
        --scenario quiet --repeat 1 --skip-orm --home /data/prov10m     # the load and the batch times
    .venv/bin/python bench/bench_province.py --home /data/prov10m --persons 10000000 [--queries 100]

``bench_batch.py`` loads the people (20 townships, 300 villages; names, their pinyin, qualifications
and disability levels as a county's mix), pays their first month through the engine and the bank's
returns, and times the next month's batch against its floor. This script then reads that kept
database in-process, as the web and the reports read it, each figure a median of ``--repeat``:

  search     ``search_beneficiaries(clerk, q)[:50]`` — the registry's search box, first page — for
             whole names, surnames, pinyin, initials and pinyin prefixes of the loaded people, as
             the county clerk (the whole registry in scope): p50 / p95 per kind. Floor: 50 people
             read by primary key, the cheapest page of people there is.
  summary    ``summary()`` of the paid month for the county (registry, payments and every care
             section), and of the year to date.
  dashboard  the county's, counting the registry itself and from the count the queue makes
             (``youfu/reports/tally.py``), and that count's own time.
  size       the database on disk and its largest tables.

Prints the figures and writes them as JSON beside the home (``province-<persons>.json``). Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import DATA_KEY, GIVEN, SECRET_KEY, SURNAMES, _months  # noqa: E402


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4)


def _timed(fn: Any, repeat: int) -> tuple[float, list[float], Any]:
    turns, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        turns.append(round(time.perf_counter() - started, 3))
    return _median(turns), turns, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", required=True, help="the --home bench_batch.py kept")
    parser.add_argument("--persons", type=int, required=True, help="as given to bench_batch.py")
    parser.add_argument("--history-months", type=int, default=1)
    parser.add_argument("--queries", type=int, default=100, help="search queries of each kind")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    home = Path(args.home).resolve()
    marker = home / f"loaded-postgres-{args.persons}-{args.history_months}.json"
    if not marker.exists():
        parser.error(
            f"{marker} is missing: run bench_batch.py with this --home, --persons and --history-months"
        )
    tag = hashlib.sha256(str(home).encode()).hexdigest()[:10]
    os.environ.update(
        {
            "YOUFU_HOME": str(home / "big"),
            "YOUFU_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/youfu_bench_batch_{tag}",
            "YOUFU_DATA_KEY": DATA_KEY,
            "YOUFU_SECRET_KEY": SECRET_KEY,
            "DJANGO_SETTINGS_MODULE": "youfu.settings",
        }
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import override_settings

    from youfu.accounts.models import User
    from youfu.regions.models import Region
    from youfu.registry.models import Beneficiary
    from youfu.registry.search import search_beneficiaries
    from youfu.registry.services import name_keys
    from youfu.reports import tally
    from youfu.reports.dashboard import dashboard
    from youfu.reports.selectors import summary

    clerk = User.objects.get(username="clerk")
    county = Region.objects.get(code=clerk.region_id)
    _period, previous, _start = _months(args.history_months)
    figures: dict[str, Any] = {
        "persons": Beneficiary.objects.count(),  # scope: the bench counts the whole table
        "loaded": json.loads(marker.read_text()),
        "cpus": os.cpu_count(),
        "load_average_before": list(os.getloadavg()),
    }
    print(f"{figures['persons']:,} people, load average {figures['load_average_before']}", flush=True)

    # --- search ------------------------------------------------------------------------------
    rng = random.Random(15)  # noqa: S311 - synthetic queries
    names = [s + g for s in SURNAMES for g in GIVEN]
    kinds: dict[str, list[str]] = {
        "whole name": [rng.choice(names) for _ in range(args.queries)],
        "surname": [rng.choice(SURNAMES) for _ in range(args.queries)],
        "pinyin": [name_keys(rng.choice(names))[0] for _ in range(args.queries)],
        "initials": [name_keys(rng.choice(names))[1] for _ in range(args.queries)],
        "pinyin prefix": [name_keys(rng.choice(names))[0][:4] for _ in range(args.queries)],
    }
    for q in kinds["whole name"][:10]:  # warm the caches
        list(search_beneficiaries(clerk, q)[:50])
    search: dict[str, Any] = {}
    for kind, queries in kinds.items():
        times = []
        for q in queries:
            started = time.perf_counter()
            rows = list(search_beneficiaries(clerk, q)[:50])
            times.append(time.perf_counter() - started)
            assert rows, (kind, q)
        search[kind] = {"p50_ms": round(_median(times) * 1000, 2), "p95_ms": round(_p95(times) * 1000, 2)}
    top = Beneficiary.objects.order_by("-pk").values_list("pk", flat=True).first() or 1  # scope: bench
    floor = []
    for _ in range(args.queries):
        first = rng.randint(1, max(1, top - 50))
        started = time.perf_counter()
        list(Beneficiary.objects.filter(pk__range=(first, first + 49)))  # scope: the floor
        floor.append(time.perf_counter() - started)
    search["floor: 50 people by primary key"] = {
        "p50_ms": round(_median(floor) * 1000, 2),
        "p95_ms": round(_p95(floor) * 1000, 2),
    }
    figures["search"] = search
    for kind, f in search.items():
        print(f"  search {kind:32} p50 {f['p50_ms']:8.2f} ms   p95 {f['p95_ms']:8.2f} ms", flush=True)

    # --- summary -----------------------------------------------------------------------------
    month_end = (
        date(previous.year, previous.month + 1, 1) if previous.month < 12 else date(previous.year + 1, 1, 1)
    )
    month_end = date.fromordinal(month_end.toordinal() - 1)
    med, turns, s = _timed(lambda: summary(clerk, previous, month_end, county), args.repeat)
    figures["summary_month"] = {"median_s": med, "turns": turns, "persons": s.registry.persons}
    print(
        f"  summary of {previous:%Y-%m}: {med:.2f} s {turns}, {s.registry.persons:,} on the registry",
        flush=True,
    )
    year_start = date(previous.year, 1, 1)
    med, turns, _s = _timed(lambda: summary(clerk, year_start, month_end, county), args.repeat)
    figures["summary_year_to_date"] = {"median_s": med, "turns": turns}
    print(f"  summary {year_start} … {month_end}: {med:.2f} s {turns}", flush=True)

    # --- dashboard ---------------------------------------------------------------------------
    year = previous.year
    with override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=0):
        med, turns, _d = _timed(lambda: dashboard(clerk, year, county), args.repeat)
    figures["dashboard_counting"] = {"median_s": med, "turns": turns}
    print(f"  dashboard {year}, counting everything: {med:.2f} s {turns}", flush=True)
    for end in (date(year, 12, 31), date(year - 1, 12, 31)):  # as the queue counts them
        med, turns, run = _timed(lambda end=end: tally.recount(end), 1)
        figures[f"count_{end.year}"] = {"seconds": med, "rows": run.counts.count()}
        rows = figures[f"count_{end.year}"]["rows"]
        print(f"  the queue's count of {end.year}: {med:.2f} s, {rows:,} rows", flush=True)
    with override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=10):
        med, turns, d = _timed(lambda: dashboard(clerk, year, county), args.repeat)
    assert d.counted_at is not None
    figures["dashboard_from_count"] = {"median_s": med, "turns": turns}
    print(f"  dashboard {year}, from the queue's counts: {med:.2f} s {turns}", flush=True)

    # --- size --------------------------------------------------------------------------------
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        figures["database_gb"] = round(cursor.fetchone()[0] / 2**30, 2)
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
            "ORDER BY 2 DESC LIMIT 6"
        )
        figures["largest_tables_gb"] = {name: round(size / 2**30, 2) for name, size in cursor.fetchall()}
    figures["load_average_after"] = list(os.getloadavg())
    print(f"  database {figures['database_gb']} GiB; largest {figures['largest_tables_gb']}", flush=True)
    out = home / f"province-{args.persons}.json"
    out.write_text(json.dumps(figures, indent=1, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
