"""Benchmark: the registry's search box at a million people.

    .venv/bin/python bench/bench_search.py [--persons N] [--database sqlite|postgres]
                                           [--queries N] [--baseline-queries N] [--seed S]

Sets up Django itself in a temporary YOUFU_HOME (a fresh SQLite file, or a throwaway
PostgreSQL database on 127.0.0.1:5432 as user postgres, created and dropped), runs the
migrations, loads the demo county at that size with ``youfu load-demo --persons N`` (timed),
then times ``list(search_beneficiaries(user, q)[:50])`` — the first page, as the list page
and the API ask for it — for queries drawn from the people each user can see, as the county
clerk (``clerk``, the whole county) and as the township clerk (``township``, 城关镇, the
largest township), and prints p50/p95 per kind of query.

Kinds: a whole name (张伟), a surname (张: as the first keystroke), initials (zw), pinyin
(zhangwei), a pinyin prefix typed so far (zhan), a whole ID number, the last six characters
of one, a whole phone number and the first seven digits of one.

The baseline, measured in the same run on the same database, is the usual Django way: the
same conditions written with ``startswith`` (and ``Q(...) | Q(...)`` for letters), scoped
the same way, in the model's ordering (township, name, id); a whole ID number by its blind
index there too (a search over the decrypted numbers would take minutes), and the tail of
one by decrypting the candidates that share its last four. Baseline queries are fewer
(``--baseline-queries``) because each costs a scan of the table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import setup_django, teardown  # noqa: E402 - bench/ is the script's own directory

KINDS = ("name", "surname", "initials", "pinyin", "typing", "id", "id_tail", "phone", "phone_prefix")
TARGET_MS = 50.0


def baseline_search(user: Any, query: str) -> Any:
    """The usual way: the same conditions as Django lookups, in the model's ordering."""
    from django.db.models import Q

    from youfu.core.crypto import decrypt
    from youfu.core.idnumber import normalize_id_number
    from youfu.core.text import compact
    from youfu.registry.selectors import beneficiaries_for
    from youfu.registry.services import id_number_index

    qs = beneficiaries_for(user)
    text = compact(query)
    number = normalize_id_number(text)
    if re.fullmatch(r"\d{17}[\dX]", number):
        return qs.filter(id_number_index=id_number_index(number))
    if re.fullmatch(r"\d{3,5}[\dX]", number):
        candidates = qs.filter(id_number_last4=number[-4:]).values_list("pk", "id_number_encrypted")
        matching = [pk for pk, token in candidates if decrypt(token).endswith(number)]
        by_tail = Q(pk__in=matching)
        return qs.filter(by_tail | Q(phone__endswith=number)) if number.isdigit() else qs.filter(by_tail)
    if text.isdigit():
        return qs.filter(phone__startswith=text) if len(text) < 11 else qs.filter(phone=text)
    letters = text.lower()
    if letters.isascii() and letters.isalpha():
        return qs.filter(Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters))
    return qs.filter(name__startswith=text)


def sample_queries(user: Any, n: int, rng: random.Random) -> dict[str, list[str]]:
    """``n`` queries of each kind, from people ``user`` can see, drawn at random."""
    from youfu.core.crypto import decrypt
    from youfu.registry.selectors import beneficiaries_for

    people = beneficiaries_for(user)
    ids = list(people.order_by().values_list("pk", flat=True))
    chosen = rng.sample(ids, min(n, len(ids)))
    rows = people.filter(pk__in=chosen).values_list(
        "name", "name_pinyin", "name_initials", "id_number_encrypted", "phone"
    )
    queries: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for name, pinyin, initials, token, phone in rows:
        number = decrypt(token)
        queries["name"].append(name)
        queries["surname"].append(name[0])
        queries["initials"].append(initials)
        queries["pinyin"].append(pinyin)
        queries["typing"].append(pinyin[: rng.randint(1, min(5, len(pinyin)))])
        queries["id"].append(number)
        queries["id_tail"].append(number[-6:])
        if phone:
            queries["phone"].append(phone)
            queries["phone_prefix"].append(phone[:7])
    return queries


def time_queries(search: Callable[[Any, str], Any], user: Any, queries: list[str]) -> list[float]:
    times = []
    for q in queries:
        started = time.perf_counter()
        page = list(search(user, q)[:50])
        times.append((time.perf_counter() - started) * 1000)
        assert len(page) <= 50
    return times


def pct(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind (default 200)")
    parser.add_argument("--baseline-queries", type=int, default=20, help="baseline queries of each kind")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    home, dbname = setup_django(args.database)
    try:
        run(args)
    finally:
        teardown(home, dbname)


def run(args: argparse.Namespace) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from youfu.accounts.models import User
    from youfu.registry.models import Beneficiary
    from youfu.registry.search import search_beneficiaries

    print(f"{args.database}, {args.persons:,} people, {os.cpu_count()} CPUs", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    # The registry alone: the bench measures search, not two years of a million people's batches.
    call_command(
        "load-demo",
        "--persons",
        str(args.persons),
        "--seed",
        str(args.seed),
        "--registry-only",
        "--i-know-this-is-not-production",
        stdout=StringIO(),
    )
    load = time.perf_counter() - started
    print(
        f"load-demo --persons {args.persons}: {load:.1f} s wall ({time.process_time() - cpu:.1f} s CPU "
        f"in this process; encryption runs in worker processes)",
        flush=True,
    )
    assert Beneficiary.objects.count() == args.persons
    if connection.vendor == "sqlite":
        size = Path(connection.settings_dict["NAME"]).stat().st_size
        print(f"database file: {size / 2**20:,.0f} MiB", flush=True)

    rng = random.Random(args.seed)  # noqa: S311 - picks queries, not secrets
    summary: list[tuple[str, str, float, float, float, float]] = []
    for username in ("clerk", "township"):
        user = User.objects.select_related("region").get(username=username)
        queries = sample_queries(user, args.queries, rng)
        time_queries(search_beneficiaries, user, queries["name"][:20])  # warm up
        print(f"\n{username} ({user.region.name}): ms for the first page of 50", flush=True)
        print(
            f"  {'kind':<13}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}"
            f"   {'baseline p50':>12}{'p95':>9}   speed-up p50 / p95"
        )
        for kind in KINDS:
            qs = queries[kind]
            fast = time_queries(search_beneficiaries, user, qs)
            slow = time_queries(baseline_search, user, qs[: args.baseline_queries])
            p50, p95 = pct(fast, 50), pct(fast, 95)
            b50, b95 = pct(slow, 50), pct(slow, 95)
            summary.append((username, kind, p50, p95, b50, b95))
            print(
                f"  {kind:<13}{len(qs):>5}{p50:>9.1f}{p95:>9.1f}{max(fast):>9.1f}   {b50:>12.1f}{b95:>9.1f}"
                f"   {b50 / p50:>8.0f}× / {b95 / p95:.0f}×",
                flush=True,
            )
    required = ("name", "initials", "id", "phone")
    worst = max(p95 for _, kind, _, p95, _, _ in summary if kind in required)
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(
        f"\ntarget p95 < {TARGET_MS:.0f} ms for name, initials, ID number and phone: {verdict} "
        f"(worst p95 {worst:.1f} ms); every kind: worst p95 {max(s[3] for s in summary):.1f} ms"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
