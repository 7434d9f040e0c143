"""Benchmark: importing a 100,000-row registry workbook.

    .venv/bin/python bench/bench_import.py [--rows N] [--database sqlite|postgres] [--naive-sample N]

Sets up Django itself in a temporary YOUFU_HOME (a fresh SQLite file, or a throwaway
PostgreSQL database on 127.0.0.1:5432 as user postgres, created and dropped), runs the
migrations, loads the demo county's regions, writes an .xlsx of valid rows and measures

  (a) the floor: a plain openpyxl read of the same file (read_only, every cell touched);
  (b) youfu's import_registry: read, validate, check the database and insert (rows/s),
      and the same as a dry run (everything but the writes);
  (c) the usual way: openpyxl read, then per row the same validation, an existence query
      and Beneficiary/Qualification .save() each in its own transaction, on a sample,
      extrapolated to the full row count.

The issue asks for at least 5,000 rows/s for (b). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import setup_django, teardown  # noqa: E402 - bench/ is the script's own directory

CATEGORIES = [
    ("参战退役人员", 30),
    ("农村籍退役士兵", 25),
    ("在乡复员军人", 5),
    ("带病回乡退伍军人", 5),
    ("参试退役人员", 5),
    ("烈士遗属", 4),
    ("病故军人遗属", 3),
    ("因公牺牲军人遗属", 2),
    ("烈士子女", 4),
    ("义务兵家属", 5),
    ("现役军人家属", 4),
    ("残疾军人", 8),
]
HEADERS = [
    "序号",
    "姓名",
    "性别",
    "公民身份号码",
    "民族",
    "出生日期",
    "户籍性质",
    "乡镇(街道)",
    "村(社区)",
    "联系电话",
    "优抚类别",
    "伤残性质",
    "伤残等级",
    "批准日期",
    "入伍时间",
    "退役时间",
    "开户银行",
    "银行账号",
    "备注",
]
LEVELS = ["一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级"]
BANKS = ["农商银行", "邮储银行", "农业银行", "工商银行", "建设银行"]


def load_county() -> tuple[Any, list[tuple[str, str]]]:
    from youfu.accounts.models import User
    from youfu.regions.models import Region, RegionLevel
    from youfu.regions.services import import_regions

    import_regions(
        (ROOT / "youfu/demo/data/regions.csv").read_bytes(), acting_user=None, filename="regions.csv"
    )
    county = Region.objects.get(level=RegionLevel.COUNTY)
    clerk = User.objects.create_user("bench-clerk", role="county_clerk", region=county)
    places = [
        (v.parent.name, v.name)
        for v in Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent")
        if v.parent is not None
    ]
    return clerk, places


def make_rows(n: int, places: list[tuple[str, str]], *, seed: int, area: str) -> list[list[Any]]:
    """n valid rows; about one person in twenty holds two categories (two rows)."""
    from faker import Faker

    from youfu.core.idnumber import make_id_number

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    weights = [w for _, w in CATEGORIES]
    names = [c for c, _ in CATEGORIES]
    seen: set[str] = set()
    rows: list[list[Any]] = []
    while len(rows) < n:
        born = date(1930, 1, 1) + timedelta(days=rnd.randrange(365 * 70))
        number = make_id_number(area, born, rnd.randrange(1, 999))
        if number in seen:
            continue
        seen.add(number)
        male = int(number[16]) % 2 == 1
        township, village = rnd.choice(places)
        account = "62" + "".join(rnd.choice("0123456789") for _ in range(17))
        bank = rnd.choice(BANKS)
        person = [
            fake.name_male() if male else fake.name_female(),
            "男" if male else "女",
            number,
            "汉族",
            born,
            rnd.choice(["农村", "城镇"]),
            township,
            village,
            f"13{rnd.randrange(10**9):09d}",
        ]
        categories = rnd.choices(names, weights, k=2 if rnd.random() < 0.05 else 1)
        for category in dict.fromkeys(categories):
            if len(rows) >= n:
                break
            cause, level = "", ""
            if category == "残疾军人":
                cause = rnd.choice(["因战", "因公", "因病"])
                level = rnd.choice(LEVELS[:6] if cause == "因病" else LEVELS)
            approved = date(2000, 1, 1) + timedelta(days=rnd.randrange(365 * 25))
            rows.append(
                [
                    len(rows) + 1,
                    *person,
                    category,
                    cause,
                    level,
                    approved,
                    f"{born.year + 18}-03",  # a month alone, as text
                    f"{born.year + 22}年12月",
                    bank,
                    account,
                    "",
                ]
            )
    return rows


def write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("优抚对象")
    ws.append(["青山县优抚对象花名册"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    book.save(path)


class Clock:
    """Wall time and this process's CPU time: on a shared machine the CPU time is the steadier."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def openpyxl_read(path: Path) -> tuple[float, int]:
    from openpyxl import load_workbook

    start = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            cells += 1
    book.close()
    return time.perf_counter() - start, cells


def naive(path: Path, clerk: Any, sample: int) -> tuple[float, int]:
    """The usual way: read with openpyxl, then validate and save row by row."""
    from openpyxl import load_workbook

    from youfu.regions.selectors import regions_for
    from youfu.registry.columns import key_for_header
    from youfu.registry.models import Beneficiary, DisabilityAssessment, Qualification
    from youfu.registry.services import id_number_index, person_columns, qualification_columns
    from youfu.registry.validation import RegionLookup, clean_person, clean_qualification

    start = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    next(rows)  # title
    keys = [key_for_header(str(h)) if h else None for h in next(rows)]
    lookup = RegionLookup(list(regions_for(clerk)))
    done = 0
    for values in rows:
        raw = {k: v for k, v in zip(keys, values, strict=False) if k}
        person, errors = clean_person(raw, lookup)
        qualification, q_errors = clean_qualification(raw)
        if errors or q_errors or person is None or qualification is None:
            raise SystemExit(f"naive baseline: invalid row {values}: {errors + q_errors}")
        index = id_number_index(person.id_number.value)
        beneficiary = Beneficiary.objects.filter(id_number_index=index).first()
        if beneficiary is None:
            beneficiary = Beneficiary(**person_columns(person))
            beneficiary.save()
        q = Qualification(beneficiary=beneficiary, **qualification_columns(qualification))
        q.save()
        if qualification.disability_level:
            DisabilityAssessment(
                qualification=q,
                cause=qualification.disability_cause,
                level=qualification.disability_level,
                effective_on=qualification.approved_on,
            ).save()
        done += 1
    book.close()
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--naive-sample", type=int, default=2_000)
    args = parser.parse_args()

    home, dbname = setup_django(args.database)
    try:
        run(args)
    finally:
        teardown(home, dbname)


def run(args: argparse.Namespace) -> None:
    from django.db import connection

    from youfu.registry.importing import import_registry
    from youfu.registry.models import Beneficiary, Qualification

    clerk, places = load_county()
    home = Path(os.environ["YOUFU_HOME"])
    print(f"database: {connection.vendor}; rows: {args.rows:,}; {len(places)} villages", flush=True)

    t = time.perf_counter()
    rows = make_rows(args.rows, places, seed=1, area="341199")
    path = home / "registry.xlsx"
    write_xlsx(path, rows)
    sample_path = home / "sample.xlsx"
    write_xlsx(sample_path, make_rows(args.naive_sample, places, seed=2, area="341198"))
    size = path.stat().st_size
    distinct_names = len({r[1] for r in rows})
    print(
        f"generated {path.name}: {size / 1e6:.1f} MB, {distinct_names:,} distinct names "
        f"({time.perf_counter() - t:.1f} s, not measured)",
        flush=True,
    )
    data = path.read_bytes()

    with Clock() as a:
        _, cells = openpyxl_read(path)
    print(f"(a) openpyxl read_only, {cells:,} cells: {a} ({args.rows / a.wall:,.0f} rows/s)", flush=True)

    with Clock() as dry_clock:
        dry = import_registry(data, path.name, acting_user=clerk, dry_run=True)
    print(f"(b) youfu dry run (read + validate + database checks): {dry_clock}", flush=True)

    with Clock() as b:
        result = import_registry(data, path.name, acting_user=clerk)
    assert result.rows == args.rows == dry.rows
    assert Beneficiary.objects.count() == result.persons_created
    assert Qualification.objects.count() == result.qualifications_created
    print(
        f"(b) youfu import: {b} = {args.rows / b.wall:,.0f} rows/s wall, {args.rows / b.cpu:,.0f} rows/s CPU "
        f"({result.persons_created:,} people, {result.qualifications_created:,} qualifications, "
        f"{len(result.warnings):,} warnings)",
        flush=True,
    )

    with Clock() as c:
        _, done = naive(sample_path, clerk, args.naive_sample)
    scale = args.rows / done
    print(
        f"(c) naive per-row ORM save, {done:,} rows: {c} = {done / c.wall:,.0f} rows/s; "
        f"{args.rows:,} rows ≈ {c.wall * scale:.0f} s wall, {c.cpu * scale:.0f} s CPU",
        flush=True,
    )
    print()
    print(
        f"youfu import / openpyxl read (the floor): {b.wall / a.wall:.2f}× the wall time, "
        f"{b.cpu / a.cpu:.2f}× the CPU time"
    )
    print(
        f"naive per-row save / youfu import:       {c.wall * scale / b.wall:.1f}× the wall time, "
        f"{c.cpu * scale / b.cpu:.1f}× the CPU time"
    )
    verdict = "meets" if args.rows / b.wall >= 5000 else "MISSES"
    print(f"target ≥ 5,000 rows/s: {verdict} ({args.rows / b.wall:,.0f} rows/s wall)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
