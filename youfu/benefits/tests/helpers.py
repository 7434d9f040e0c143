"""Benefits test support: standards files, people with dated qualifications, and a month's
batch run through its whole life (create, approve, export, bank returns, close)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from youfu.accounts.models import User
from youfu.benefits.models import Batch, BatchItem, BatchLine, LocalTopUp, ParameterState, StandardImport
from youfu.benefits.money import money, parse_month
from youfu.benefits.services import (
    RETURN_COLUMNS,
    StandardsImportResult,
    do_approve_batch,
    do_approve_standards,
    do_approve_topup,
    do_close_batch,
    do_create_batch,
    do_export_batch,
    do_import_bank_returns,
    do_import_standards,
    do_set_topup,
    do_update_benefit_settings,
    payments_start,
)
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data
from youfu.testing import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["优抚类别", "伤残性质", "伤残等级", "户籍性质", "年标准(元)", "生效日期", "计发方式"]

# The national standards the tests pay by (yuan a year), from 2020-01-01.
# 参试退役人员 7,000.50: × 1.08 / 12 = 630.045, which rounds half-up to 630.05.
BASE_STANDARDS = [
    ["残疾军人", "因战", "1", "", "100000", "2020-01-01", ""],
    ["残疾军人", "因战", "2", "", "90000", "2020-01-01", ""],
    ["残疾军人", "因战", "3", "", "80000", "2020-01-01", ""],
    ["残疾军人", "因战", "4", "", "60000", "2020-01-01", ""],
    ["残疾军人", "因战", "5", "", "48000", "2020-01-01", ""],
    ["残疾军人", "因战", "6", "", "36000", "2020-01-01", ""],
    ["残疾军人", "因战", "7", "", "24000", "2020-01-01", ""],
    ["残疾军人", "因战", "8", "", "18000", "2020-01-01", ""],
    ["残疾军人", "因战", "9", "", "12000", "2020-01-01", ""],
    ["残疾军人", "因战", "10", "", "9000", "2020-01-01", ""],
    ["残疾军人", "因公", "", "", "30000", "2020-01-01", ""],
    ["残疾军人", "因病", "", "", "24000", "2020-01-01", ""],
    ["烈士遗属", "", "", "城镇", "30000", "2020-01-01", ""],
    ["烈士遗属", "", "", "农村", "27000", "2020-01-01", ""],
    ["因公牺牲军人遗属", "", "", "", "24000", "2020-01-01", ""],
    ["病故军人遗属", "", "", "", "22800", "2020-01-01", ""],
    ["在乡复员军人", "", "", "", "12000", "2020-01-01", ""],
    ["带病回乡退伍军人", "", "", "", "9600", "2020-01-01", ""],
    ["参战退役人员", "", "", "", "6000", "2020-01-01", ""],
    ["参试退役人员", "", "", "", "7000.50", "2020-01-01", ""],
    ["烈士子女", "", "", "", "6000", "2020-01-01", ""],
    ["农村籍退役士兵", "", "", "", "60", "2020-01-01", "每服役年"],
    ["义务兵家属", "", "", "", "10000", "2020-01-01", ""],
]


def csv_bytes(
    rows: Iterable[Iterable[Any]], header: Iterable[str] = HEADER, *, encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow(list(row))
    return out.getvalue().encode(encoding)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def m(text: str) -> date:
    month = parse_month(text)
    assert month is not None
    return month


def standards_in_force(world: World, data: bytes, *, filename: str = "") -> StandardsImportResult:
    """A standards file as it comes into force: the county clerk imports it, the leader approves it."""
    result = do_import_standards(data, acting_user=world.county_clerk, filename=filename)
    if result.version is not None:
        do_approve_standards(StandardImport.objects.get(pk=result.version), acting_user=world.leader)
    return result


def topup_in_force(world: World, percent: Decimal | str, effective_on: date) -> LocalTopUp:
    """The county clerk enters a top-up, the leader approves it."""
    topup = do_set_topup(Decimal(percent), effective_on, acting_user=world.county_clerk)
    if topup.state == ParameterState.PENDING:
        do_approve_topup(topup, acting_user=world.leader)
    return topup


def setup_county(world: World, *, topup: str = "8", standards: list[list[str]] | None = None) -> None:
    standards_in_force(world, csv_bytes(standards or BASE_STANDARDS), filename="标准.csv")
    topup_in_force(world, topup, date(2020, 1, 1))


@contextmanager
def paid_from_november(world: World) -> Iterator[World]:
    """``world``'s county with standards in force, paid from November 2026, on 3 November 2026
    (the clock stays there inside)."""
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        yield world


def person(
    world: World,
    *qualifications: dict[str, Any],
    region: Region | None = None,
    **details: Any,
) -> Beneficiary:
    """A person holding the given qualifications (``dict(category=..., approved_on=...)``)."""
    quals = [qualification_data(**q) for q in qualifications] or [
        qualification_data(Category.WAR_PARTICIPANT)
    ]
    return do_register_beneficiary(
        person_data(region or world.village_a, **details), quals, acting_user=world.county_clerk
    )


def returns_for(batch: Batch, clerk: User, failed: dict[int, str] | None = None) -> bytes:
    """The exported file with 状态 and 原因, as a bank sends it back; ``failed`` maps a
    beneficiary id to the bank's reason."""
    failed = failed or {}
    out = io.BytesIO()
    do_export_batch(batch, out, fmt="csv", acting_user=clerk)
    seq_of = dict(BatchLine.objects.filter(batch=batch).values_list("seq", "beneficiary_id"))
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    body = []
    for row in rows[1:]:
        if row[0] == "合计":
            body.append([*row, "", ""])
            continue
        who = seq_of[int(row[0])]
        body.append([*row, "失败", failed[who]] if who in failed else [*row, "成功", ""])
    return csv_bytes(body, RETURN_COLUMNS)


def pay_month(
    world: World,
    period: str,
    *,
    failed: dict[int, str] | None = None,
    traveller: Any = None,
) -> Batch:
    """Run ``period``'s batch through its whole life as the county would, on the 5th of the month.
    A county without a payments start month gets this period as its start first, as its admin
    would set it before the first batch."""
    month = m(period)
    with time_machine.travel(at(month.year, month.month, 5), tick=False):
        if payments_start(world.county) is None:
            do_update_benefit_settings(acting_user=world.admin, payments_start=month)
        batch = do_create_batch(month, acting_user=world.county_clerk)
        do_approve_batch(batch, acting_user=world.leader)
        do_import_bank_returns(
            batch, returns_for(batch, world.county_clerk, failed), acting_user=world.county_clerk
        )
        do_close_batch(batch, acting_user=world.county_clerk)
    batch.refresh_from_db()
    return batch


def items_of(batch: Batch, who: Beneficiary | None = None) -> list[tuple[str, str, str, str, str, bool]]:
    """(month, benefit, due, paid before, amount, arrears) of a batch, in order."""
    qs = BatchItem.objects.filter(batch=batch)
    if who is not None:
        qs = qs.filter(beneficiary=who)
    return [
        (
            f"{i.month // 100}-{i.month % 100:02d}",
            i.benefit,
            money(i.due_fen),
            money(i.paid_before_fen),
            money(i.amount_fen),
            i.arrears,
        )
        for i in qs.order_by("month", "benefit")
    ]
