"""A batch's bank lines summed by status and benefits (``LineSum``): written by each bank returns'
import from the lines as it leaves them (two banks answering one by one included), none before the
bank answers and none for a discarded draft; made by benefits migration 0014 for the batches
already answered; held to the lines by ``youfu reconcile``; and the county summary reads them for
the batches answered and the lines of the others, with the same figures either way."""

from __future__ import annotations

import importlib
import io
import json
from datetime import date
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.db.models import Count, Sum

from youfu.benefits.models import Batch, BatchLine, LineStatus, LineSum, OneOffKind
from youfu.benefits.services import (
    do_approve_batch,
    do_create_batch,
    do_discard_batch,
    do_export_batch,
    do_import_bank_returns,
    do_schedule_one_off,
)
from youfu.benefits.tests.helpers import at, m, paid_from_november, pay_month, person
from youfu.benefits.tests.test_faults import returns_file  # one bank's answer
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.reports.selectors import summary
from youfu.testing import World, run_command

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
DISABLED_6 = {
    "category": Category.DISABLED_VETERAN,
    "approved_on": date(2020, 1, 1),
    "disability_cause": "combat",
    "disability_level": 6,
}

Sums = dict[tuple[str, int], tuple[int, int, int]]


@pytest.fixture
def county(world: World) -> World:
    with paid_from_november(world):
        yield world


def _people(world: World) -> dict[str, Beneficiary]:
    """A pension and a disability pension (two benefits a line), a pension with a relief grant, a
    pension at another bank, and a pension without an account (held)."""
    people = {
        "both": person(world, DISABLED_6, WAR, name="甲一"),
        "grant": person(world, WAR, name="甲二"),
        "other_bank": person(world, WAR, name="甲三", bank_name="中国农业银行"),
        "held": person(world, WAR, name="甲四", bank_name="", bank_account=""),
    }
    do_schedule_one_off(
        people["grant"],
        kind=OneOffKind.RELIEF,
        amount_fen=50_000,
        reference="relief:1",
        acting_user=world.leader,
    )
    return people


def kept(batch: Batch) -> Sums:
    return {
        (s.status, s.benefits): (s.lines, s.amount_fen, s.arrears_fen)
        for s in LineSum.objects.filter(batch=batch)  # scope: test
    }


def summed(batch: Batch) -> Sums:
    """What they should be: the lines grouped now."""
    rows = (
        BatchLine.objects.filter(batch=batch)  # scope: test
        .values("status", "benefits")
        .annotate(n=Count("*"), fen=Sum("amount_fen"), arrears=Sum("arrears_fen"))
    )
    return {(r["status"], r["benefits"]): (r["n"], r["fen"], r["arrears"]) for r in rows}


def _exported(world: World, period: str) -> Batch:
    month = m(period)
    with time_machine.travel(at(month.year, month.month, 5), tick=False):
        batch = do_create_batch(month, acting_user=world.county_clerk)
        do_approve_batch(batch, acting_user=world.leader)
        do_export_batch(batch, io.BytesIO(), fmt="csv", acting_user=world.county_clerk)
    batch.refresh_from_db()
    return batch


def test_each_import_of_returns_writes_the_batch_s_sums_from_its_lines(county: World) -> None:
    people = _people(county)
    batch = _exported(county, "2026-11")
    assert kept(batch) == {}  # not before the bank answers
    assert any(status == LineStatus.HELD for status, _b in summed(batch))
    # The two banks answer one by one: each import writes the batch's sums as the lines now are.
    first = returns_file(batch, county.county_clerk, bank="农村商业银行", failed=1)
    with time_machine.travel(at(2026, 11, 6), tick=False):
        do_import_bank_returns(batch, first, acting_user=county.county_clerk)
    after_one = kept(batch)
    assert after_one == summed(batch)
    assert any(status == LineStatus.PENDING for status, _b in after_one)  # the other bank's line
    assert any(status == LineStatus.FAILED for status, _b in after_one)
    second = returns_file(batch, county.county_clerk, bank="中国农业银行")
    with time_machine.travel(at(2026, 11, 7), tick=False):
        do_import_bank_returns(batch, second, acting_user=county.county_clerk)
    assert kept(batch) == summed(batch)
    statuses = {status for status, _b in kept(batch)}
    assert statuses == {LineStatus.PAID, LineStatus.FAILED, LineStatus.HELD}
    # By hand: the held line is 甲四's pension; the lines in all are the four people's.
    assert sum(n for n, _f, _a in kept(batch).values()) == len(people)
    held = [v for (status, _b), v in kept(batch).items() if status == LineStatus.HELD]
    assert held == [(1, 54_000, 0)]


def test_a_discarded_draft_has_no_sums_and_nor_has_a_batch_awaiting_the_bank(county: World) -> None:
    _people(county)
    draft = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    assert kept(draft) == {}
    LineSum.objects.create(
        batch=draft, status="pending", benefits=1, lines=1, amount_fen=1, arrears_fen=0
    )  # scope: test
    do_discard_batch(draft, acting_user=county.county_clerk)
    assert not LineSum.objects.filter(batch=draft).exists()  # scope: test


def test_the_migration_makes_the_sums_of_the_batches_answered(county: World) -> None:
    people = _people(county)
    november = pay_month(county, "2026-11", failed={people["both"].pk: "账号有误"})
    december = pay_month(county, "2026-12")
    january = _exported(county, "2027-01")  # not answered yet: none
    written = {november.pk: kept(november), december.pk: kept(december)}
    LineSum.objects.all().delete()  # scope: test
    migration = importlib.import_module("youfu.benefits.migrations.0014_line_sums")
    migration.fill_line_sums(apps, SimpleNamespace(connection=connection))
    assert {november.pk: kept(november), december.pk: kept(december)} == written
    assert written[november.pk] == summed(november) and written[december.pk] == summed(december)
    assert kept(january) == {}


def test_reconcile_holds_the_sums_to_the_lines(county: World) -> None:
    people = _people(county)
    pay_month(county, "2026-11", failed={people["both"].pk: "账号有误"})
    december = pay_month(county, "2026-12")
    latest = ["reconcile", "--full", "--json", "--batch", str(december.pk), "--as", "clerk"]
    with time_machine.travel(at(2026, 12, 20), tick=False):
        code, out, err = run_command(*latest)
        assert code == 0, err
        assert json.loads(out)["line_sums"] == {"kept": True, "differences": 0, "listed": []}
        paid = (
            LineSum.objects.filter(batch=december, status=LineStatus.PAID).order_by("benefits").first()
        )  # scope: test
        assert paid is not None
        LineSum.objects.filter(pk=paid.pk).update(amount_fen=paid.amount_fen + 1)  # scope: test
        code, out, _ = run_command(*latest)
    assert code == 1
    result = json.loads(out)
    assert result["agree"] is False and result["differences"] == 0
    assert result["line_sums"]["differences"] == 1
    (listed,) = result["line_sums"]["listed"]
    assert (listed["status"], listed["benefits"]) == ("paid", paid.benefits)
    assert listed["kept"]["lines"] == listed["lines"]["lines"] == paid.lines
    assert float(listed["kept"]["amount"]) - float(listed["lines"]["amount"]) == pytest.approx(0.01)


def test_the_county_summary_is_the_same_from_the_kept_sums_and_from_the_lines(county: World) -> None:
    """November and December answered (their sums kept), January awaiting the bank (its lines
    read): the figures equal those read from the lines alone, and the lines' own figures."""
    people = _people(county)
    pay_month(county, "2026-11", failed={people["both"].pk: "账号有误"})
    pay_month(county, "2026-12")
    january = _exported(county, "2027-01")
    span = (date(2026, 11, 1), date(2027, 1, 31))
    with time_machine.travel(at(2027, 1, 20), tick=False):
        both = summary(county.county_clerk, *span).payments
        LineSum.objects.all().delete()  # scope: test
        lines_only = summary(county.county_clerk, *span).payments
    assert both == lines_only
    paid = BatchLine.objects.filter(  # scope: test
        batch__period__range=span, status=LineStatus.PAID
    ).aggregate(fen=Sum("amount_fen"), arrears=Sum("arrears_fen"))
    assert both.paid_total_fen == paid["fen"] > 0
    assert both.arrears_total_fen == paid["arrears"] > 0  # November's failed transfer paid again
    not_paid = BatchLine.objects.filter(  # scope: test
        batch__period__range=span, status__in=[LineStatus.FAILED, LineStatus.HELD]
    ).count()
    assert both.failed_lines == not_paid >= 3
    assert january.state == "exported"
