"""Batches recompute only what changed; the full recomputation is the oracle. Random
sequences of what a county records (deaths, suspensions and their end, cancellations, level
changes, residence changes, raises of the standards and the top-up reaching back, one-off
payments, recoveries settled, payees named, people added, the allowance month moved, accounts
missing) and of monthly batches (some lines failing at the bank, some drafts discarded and made
again): every batch, and at the end the batch the county would make next, agrees with the full
recomputation item by item. Runs on SQLite and on PostgreSQL (the suite's two legs)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from youfu.benefits.models import Batch, BatchLine, LineStatus, PendingLumpSum, Recovery, RecoveryStatus
from youfu.benefits.money import add_months
from youfu.benefits.services import (
    do_approve_batch,
    do_close_batch,
    do_create_batch,
    do_discard_batch,
    do_import_bank_returns,
    do_name_lump_sum_payee,
    do_schedule_one_off,
    do_settle_recovery,
    do_update_benefit_settings,
)
from youfu.benefits.services.reconcile import do_reconcile
from youfu.benefits.tests.helpers import (
    BASE_STANDARDS,
    at,
    csv_bytes,
    person,
    returns_for,
    setup_county,
    standards_in_force,
    topup_in_force,
)
from youfu.core.errors import YoufuError
from youfu.core.idnumber import IdNumber
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, LifeEventKind, QualificationStatus
from youfu.registry.services import Payee, do_record_life_event, do_update_beneficiary
from youfu.registry.tests.factories import id_number_for
from youfu.testing import World, make_world

pytestmark = pytest.mark.django_db

START = date(2025, 1, 1)

PEOPLE: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}, {}),
    (
        {
            "category": Category.DISABLED_VETERAN,
            "approved_on": date(2024, 6, 10),
            "disability_cause": "combat",
            "disability_level": 5,
        },
        {"residence": "urban"},
    ),
    ({"category": Category.MARTYR_SURVIVOR, "approved_on": date(2025, 3, 15)}, {}),
    ({"category": Category.ELDERLY_RURAL_VETERAN, "approved_on": date(2021, 1, 1), "service_years": 4}, {}),
    ({"category": Category.CONSCRIPT_FAMILY, "approved_on": date(2024, 1, 1)}, {}),
    ({"category": Category.NUCLEAR_TEST_PARTICIPANT, "approved_on": date(2025, 2, 1)}, {"bank_account": ""}),
]

people = st.integers(min_value=0, max_value=9)
back = st.integers(min_value=0, max_value=14)
OPS = st.one_of(
    st.tuples(st.just("batch"), st.sets(people, max_size=2), st.booleans()),
    st.tuples(st.just("death"), people, back, st.booleans()),
    st.tuples(st.just("suspend"), people, back),
    st.tuples(st.just("resume"), people, back),
    st.tuples(st.just("cancel"), people, back),
    st.tuples(st.just("level"), people, back, st.integers(min_value=1, max_value=10)),
    st.tuples(st.just("residence"), people),
    st.tuples(st.just("standards"), back, st.sampled_from(["1.05", "1.1", "0.95"])),
    st.tuples(st.just("topup"), back, st.sampled_from(["0", "8", "12.5"])),
    st.tuples(st.just("one_off"), people, st.integers(min_value=1, max_value=500_000)),
    st.tuples(st.just("recovery"), people, st.booleans()),
    st.tuples(st.just("payee"), people),
    st.tuples(st.just("add"), back, st.sampled_from([Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN])),
    st.tuples(st.just("allowance"), st.integers(min_value=1, max_value=12)),
    st.tuples(st.just("account"), people),
)


@dataclass
class County:
    world: World
    people: list[Beneficiary] = field(default_factory=list)
    month: date = START  # the month the clock is in; the next batch is for it
    checked: int = 0

    def at_work(self) -> Any:
        """Records are made on the 20th of the current month, after its batch."""
        return time_machine.travel(at(self.month.year, self.month.month, 20), tick=False)

    def day(self, months_back: int) -> date:
        return max(add_months(self.month, -months_back).replace(day=12), date(2024, 1, 12))

    def who(self, index: int) -> Beneficiary:
        found = self.people[index % len(self.people)]
        found.refresh_from_db()
        return found


def _batch(county: County, failed: set[int], discard_first: bool) -> None:
    world = county.world
    with time_machine.travel(at(county.month.year, county.month.month, 5), tick=False):
        if discard_first:
            draft = do_create_batch(county.month, acting_user=world.county_clerk)
            _agrees(world, draft)
            do_discard_batch(draft, acting_user=world.county_clerk)
        batch = do_create_batch(county.month, acting_user=world.county_clerk)
        _agrees(world, batch)
        county.checked += 1
        do_approve_batch(batch, acting_user=world.leader)
        paid = set(BatchLine.objects.filter(batch=batch).values_list("beneficiary_id", flat=True))
        failing = {county.people[i % len(county.people)].pk for i in failed} & paid
        held = set(
            BatchLine.objects.filter(batch=batch, status=LineStatus.HELD).values_list(
                "beneficiary_id", flat=True
            )
        )
        returns = returns_for(batch, world.county_clerk, {pk: "账户冻结" for pk in failing - held})
        do_import_bank_returns(batch, returns, acting_user=world.county_clerk)
        do_close_batch(batch, acting_user=world.county_clerk)
    county.month = add_months(county.month, 1)


def _agrees(world: World, batch: Batch | None) -> None:
    result = do_reconcile(acting_user=world.county_clerk, batch=batch)
    assert result.agree, result.as_dict()


def _record(county: County, op: tuple[Any, ...]) -> None:
    world, clerk = county.world, county.world.county_clerk
    kind = op[0]
    with county.at_work():
        if kind == "death":
            _, index, months_back, with_payee = op
            payee = (
                Payee(
                    "李四", IdNumber(id_number_for(date(1970, 1, 1))), "农村商业银行", "6230000000000000099"
                )
                if with_payee
                else None
            )
            do_record_life_event(
                county.who(index),
                LifeEventKind.DEATH,
                county.day(months_back),
                acting_user=clerk,
                payee=payee,
            )
        elif kind in ("suspend", "resume", "cancel", "level"):
            target = county.who(op[1])
            qualification = target.qualifications.order_by("pk").first()
            event = {
                "suspend": LifeEventKind.SUSPENSION,
                "resume": LifeEventKind.SUSPENSION_END,
                "cancel": LifeEventKind.CANCELLATION,
                "level": LifeEventKind.LEVEL_CHANGE,
            }[kind]
            level = op[3] if kind == "level" else None
            do_record_life_event(
                target,
                event,
                county.day(op[2]),
                acting_user=clerk,
                qualification=qualification,
                reason="核查",
                level=level,
            )
        elif kind == "residence":
            target = county.who(op[1])
            do_update_beneficiary(
                target, acting_user=clerk, residence="urban" if target.residence == "rural" else "rural"
            )
        elif kind == "standards":
            _, months_back, factor = op
            rows = [
                [*row[:4], f"{Decimal(row[4]) * Decimal(factor):.2f}", _first(county, months_back), row[6]]
                for row in BASE_STANDARDS
            ]
            standards_in_force(world, csv_bytes(rows), filename="调标.csv")
        elif kind == "topup":
            _, months_back, percent = op
            topup_in_force(world, percent, date.fromisoformat(_first(county, months_back)))
        elif kind == "one_off":
            _, index, amount = op
            do_schedule_one_off(
                county.who(index),
                kind="relief",
                amount_fen=amount,
                reference=f"relief:{amount}",
                acting_user=clerk,
            )
        elif kind == "recovery":
            _, index, waive = op
            found = Recovery.objects.filter(status=RecoveryStatus.OPEN).order_by("pk")
            if found:
                recovery = found[index % len(found)]
                do_settle_recovery(
                    recovery,
                    RecoveryStatus.WAIVED if waive else RecoveryStatus.RECOVERED,
                    acting_user=world.leader if waive else clerk,
                )
        elif kind == "payee":
            waiting = PendingLumpSum.objects.filter(named_at__isnull=True).order_by("pk")
            if waiting:
                do_name_lump_sum_payee(
                    waiting[op[1] % len(waiting)],
                    Payee(
                        "王五",
                        IdNumber(id_number_for(date(1972, 2, 2))),
                        "农村商业银行",
                        "6230000000000000077",
                    ),
                    acting_user=clerk,
                )
        elif kind == "add":
            _, months_back, category = op
            qualification: dict[str, Any] = {"category": category, "approved_on": county.day(months_back)}
            if category == Category.DISABLED_VETERAN:
                qualification.update(disability_cause="duty", disability_level=7)
            county.people.append(person(world, qualification, name="新增"))
        elif kind == "allowance":
            do_update_benefit_settings(acting_user=world.admin, allowance_month=op[1])
        elif kind == "account":
            target = county.who(op[1])
            do_update_beneficiary(target, acting_user=clerk, bank_account="6230000000000000123")


def _first(county: County, months_back: int) -> str:
    return county.day(months_back).replace(day=1).isoformat()


def _play(ops: list[tuple[Any, ...]]) -> County:
    world = make_world()
    with time_machine.travel(at(2025, 1, 2), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=START)
        county = County(world)
        for qualification, details in PEOPLE:
            county.people.append(person(world, qualification, **details))
    _batch(county, set(), False)
    for op in ops:
        if op[0] == "batch":
            _batch(county, op[1], op[2])
            continue
        # A refused change (a dead person's event, a date before the birth…) changes nothing.
        with contextlib.suppress(YoufuError):
            _record(county, op)
    # Whatever was recorded since the last batch: the batch the county would make next.
    with time_machine.travel(at(county.month.year, county.month.month, 5), tick=False):
        _agrees(world, None)
    return county


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(st.lists(OPS, min_size=4, max_size=18))
def test_incremental_batches_agree_with_the_full_recomputation(ops: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        county = _play(ops)
        assert county.checked >= 1
        transaction.set_rollback(True)


def test_a_long_history_of_changes_agrees() -> None:
    """One long, fixed sequence: two years of months with every kind of change in it."""
    ops: list[tuple[Any, ...]] = []
    kinds = [
        ("death", 2, 3, False),
        ("suspend", 0, 2),
        ("standards", 6, "1.1"),
        ("resume", 0, 0),
        ("level", 1, 7, 3),
        ("topup", 5, "12.5"),
        ("one_off", 3, 80_000),
        ("residence", 3),
        ("recovery", 0, False),
        ("payee", 0),
        ("add", 9, Category.DISABLED_VETERAN),
        ("allowance", 3),
        ("account", 5),
        ("cancel", 3, 4),
        ("death", 1, 14, True),
        ("recovery", 0, True),
    ]
    for n in range(24):
        ops.append(kinds[n % len(kinds)])
        ops.append(("batch", {n % 7} if n % 3 == 0 else set(), n % 5 == 0))
    with transaction.atomic():
        county = _play(ops)
        assert county.checked == 24 + 1
        assert Beneficiary.objects.filter(qualifications__status=QualificationStatus.ENDED).exists()
        transaction.set_rollback(True)
