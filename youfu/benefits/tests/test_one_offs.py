"""One-off payments (relief grants, medical claims) paid through the monthly batches: scheduled
for the next batch, on the person's one bank line with a 摘要 naming each kind, paid again after
a failed transfer, marked paid (and signalled) once the bank confirms them, never paid when
withdrawn, and never withdrawn once a batch holds them."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import (
    BENEFIT_BIT,
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    LineStatus,
    OneOffKind,
    OneOffPayment,
    PaymentBenefit,
    memo_kinds,
)
from youfu.benefits.money import ym
from youfu.benefits.selectors import one_off_status
from youfu.benefits.services import (
    do_approve_batch,
    do_close_batch,
    do_create_batch,
    do_discard_batch,
    do_export_batch,
    do_import_bank_returns,
    do_schedule_one_off,
    do_update_benefit_settings,
    do_withdraw_one_off,
)
from youfu.benefits.signals import one_offs_paid
from youfu.benefits.tests.helpers import (
    at,
    items_of,
    m,
    paid_from_november,
    pay_month,
    person,
    returns_for,
    setup_county,
)
from youfu.core.errors import Conflict, InvalidInput
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.testing import World, bearer, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}  # 540.00 a month
DISABLED_6 = {
    "category": Category.DISABLED_VETERAN,
    "approved_on": date(2020, 1, 1),
    "disability_cause": "combat",
    "disability_level": 6,
}  # 3,240.00 a month
# An active-duty family holds no regular benefit: eligible for relief, paid nothing monthly.
NO_REGULAR = {"category": Category.ACTIVE_DUTY_FAMILY, "approved_on": date(2020, 1, 1)}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Paid from November 2026; today is 3 November."""
    with paid_from_november(world):
        yield world


@pytest.fixture
def paid_signals() -> Iterator[list[list[int]]]:
    received: list[list[int]] = []

    def receiver(sender: Any, ids: list[int], **kwargs: Any) -> None:
        received.append(list(ids))

    one_offs_paid.connect(receiver, dispatch_uid="test-one-offs-paid")
    yield received
    one_offs_paid.disconnect(dispatch_uid="test-one-offs-paid")


def schedule(world: World, who: Beneficiary, kind: str, fen: int, ref: str) -> OneOffPayment:
    return do_schedule_one_off(who, kind=kind, amount_fen=fen, reference=ref, acting_user=world.leader)


def memo_of(batch: Batch, who: Beneficiary, clerk: Any) -> str:
    out = io.BytesIO()
    do_export_batch(batch, out, fmt="csv", acting_user=clerk)
    seq = BatchLine.objects.get(batch=batch, beneficiary=who).seq
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    return next(r[6] for r in rows[1:] if r[0] == str(seq))


def approved(world: World, period: str) -> Batch:
    batch = do_create_batch(m(period), acting_user=world.county_clerk)
    do_approve_batch(batch, acting_user=world.leader)
    return batch


# --- scheduling ---------------------------------------------------------------------------------


class TestSchedule:
    def test_a_one_off_is_due_in_the_month_of_the_next_batch_and_audited(self, county: World) -> None:
        p = person(county, WAR)
        one_off = schedule(county, p, OneOffKind.RELIEF, 300000, "relief:1")
        assert (one_off.month, one_off.amount_fen, one_off.scheduled_by) == (
            date(2026, 11, 1),
            300000,
            county.leader,
        )
        event = AuditEvent.objects.get(event_type=EventType.ONE_OFF_SCHEDULED)
        assert event.object_id == str(one_off.pk) and event.region_id == p.region_id
        assert event.new["amount"] == "3000.00" and event.new["kind"] == "relief"
        assert one_off_status(one_off) == "scheduled"

    def test_once_the_months_batch_exists_the_next_month_pays_it(self, county: World) -> None:
        p = person(county, WAR)
        draft = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert schedule(county, p, OneOffKind.MEDICAL, 100, "medical:1").month == date(2026, 12, 1)
        # A discarded batch pays nothing: the month is free again.
        do_discard_batch(draft, acting_user=county.county_clerk)
        assert schedule(county, p, OneOffKind.MEDICAL, 100, "medical:2").month == date(2026, 11, 1)

    def test_never_before_the_payments_start_month(self, county: World) -> None:
        p = person(county, WAR)
        do_update_benefit_settings(acting_user=county.admin, payments_start=date(2027, 2, 1))
        assert schedule(county, p, OneOffKind.RELIEF, 100, "relief:1").month == date(2027, 2, 1)

    @pytest.mark.parametrize(
        ("kind", "fen", "ref"),
        [
            ("pension", 100, "x:1"),
            ("relief", 0, "x:1"),
            ("relief", -5, "x:1"),
            ("relief", 10**8 + 1, "x:1"),
            ("relief", True, "x:1"),
            ("relief", 100, ""),
            ("relief", 100, "x" * 41),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(
        self, county: World, kind: str, fen: int, ref: str
    ) -> None:
        p = person(county, WAR)
        with pytest.raises(InvalidInput):
            schedule(county, p, kind, fen, ref)
        assert not OneOffPayment.objects.exists()
        assert not AuditEvent.objects.filter(event_type=EventType.ONE_OFF_SCHEDULED).exists()


# --- paid through the batches -------------------------------------------------------------------


def test_relief_is_paid_on_the_persons_one_line_and_again_after_a_failed_transfer(
    county: World, paid_signals: list[list[int]]
) -> None:
    """The whole path: scheduled, one line with the combined 摘要, the transfer fails, the next
    batch pays it again (as a one-off, not arrears), the bank confirms it, paid_at and the signal."""
    p = person(county, WAR, name="甲")
    other = person(county, WAR, name="乙", bank_account="6230000000000000002")
    grant = schedule(county, p, OneOffKind.RELIEF, 300000, "relief:12")

    out = StringIO()
    call_command("create-batch", "--period", "2026-11", "--as", "clerk", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["total"], body["arrears_total"], body["one_off_total"]) == ("4080.00", "0.00", "3000.00")
    november = Batch.objects.get()
    assert items_of(november, p) == [
        ("2026-11", "living_subsidy", "540.00", "0.00", "540.00", False),
        ("2026-11", "relief", "3000.00", "0.00", "3000.00", False),
    ]
    line = BatchLine.objects.get(batch=november, beneficiary=p)
    assert (line.amount_fen, line.one_off_fen, line.kinds) == (354000, 300000, "定期生活补助+临时救助")
    assert BatchLine.objects.filter(batch=november).count() == 2  # still one line per person
    assert one_off_status(grant) == "in_batch"
    do_approve_batch(november, acting_user=county.leader)
    assert memo_of(november, p, county.county_clerk) == "2026年11月定期生活补助+临时救助"
    assert memo_of(november, other, county.county_clerk) == "2026年11月定期生活补助"
    do_import_bank_returns(
        november,
        returns_for(november, county.county_clerk, {p.pk: "账户冻结"}),
        acting_user=county.county_clerk,
    )
    grant.refresh_from_db()
    assert grant.paid_at is None and paid_signals == []
    assert one_off_status(grant) == "failed"
    do_close_batch(november, acting_user=county.county_clerk)

    with time_machine.travel(at(2026, 12, 5), tick=False):
        december = approved(county, "2026-12")
        # The failed November line is paid again: the subsidy as arrears, the relief as itself.
        assert items_of(december, p) == [
            ("2026-11", "living_subsidy", "540.00", "0.00", "540.00", True),
            ("2026-11", "relief", "3000.00", "0.00", "3000.00", False),
            ("2026-12", "living_subsidy", "540.00", "0.00", "540.00", False),
        ]
        assert (december.one_off_fen, december.arrears_fen, december.total_fen) == (300000, 54000, 462000)
        assert memo_of(december, p, county.county_clerk) == "2026年12月定期生活补助+临时救助(含补发)"
        do_import_bank_returns(
            december, returns_for(december, county.county_clerk), acting_user=county.county_clerk
        )
    grant.refresh_from_db()
    assert grant.paid_at is not None
    assert paid_signals == [[grant.pk]]
    assert one_off_status(grant) == "paid"
    event = AuditEvent.objects.filter(event_type=EventType.BANK_RETURNS_IMPORTED).latest("pk")
    assert event.extra["one_offs_paid"] == [grant.pk]
    do_close_batch(december, acting_user=county.county_clerk)
    january = pay_month(county, "2027-01")
    assert [i[1] for i in items_of(january, p)] == ["living_subsidy"]
    assert january.one_off_fen == 0 and paid_signals == [[grant.pk]]


def test_a_withdrawn_one_off_is_not_paid(county: World) -> None:
    p = person(county, WAR)
    grant = schedule(county, p, OneOffKind.RELIEF, 50000, "relief:3")
    do_withdraw_one_off(grant, reason="申请人撤回", acting_user=county.county_clerk)
    grant.refresh_from_db()
    assert (grant.withdrawn_by, grant.withdrawn_reason) == (county.county_clerk, "申请人撤回")
    assert one_off_status(grant) == "withdrawn"
    event = AuditEvent.objects.get(event_type=EventType.ONE_OFF_WITHDRAWN)
    assert event.object_id == str(grant.pk)
    batch = pay_month(county, "2026-11")
    assert [i[1] for i in items_of(batch, p)] == ["living_subsidy"]
    assert batch.one_off_fen == 0


@pytest.mark.parametrize("state", ["draft", "approved", "exported", "closed"])
def test_a_one_off_a_batch_holds_cannot_be_withdrawn(county: World, state: str) -> None:
    p = person(county, WAR)
    grant = schedule(county, p, OneOffKind.MEDICAL, 80000, "medical:7")
    batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    if state != "draft":
        do_approve_batch(batch, acting_user=county.leader)
    if state in ("exported", "closed"):
        do_import_bank_returns(
            batch,
            returns_for(batch, county.county_clerk, {p.pk: "户名不符"}),
            acting_user=county.county_clerk,
        ) if state == "closed" else do_export_batch(
            batch, io.BytesIO(), fmt="csv", acting_user=county.county_clerk
        )
    if state == "closed":
        do_close_batch(batch, acting_user=county.county_clerk)
    with pytest.raises(Conflict) as caught:
        do_withdraw_one_off(grant, reason="撤销", acting_user=county.county_clerk)
    assert caught.value.status == 409
    message = caught.value.message.render("zh-hans")  # type: ignore[union-attr]
    if state == "draft":
        assert "先作废" in message or "作废" in message
    grant.refresh_from_db()
    assert grant.withdrawn_at is None and grant.withdrawn_reason == ""
    assert not AuditEvent.objects.filter(event_type=EventType.ONE_OFF_WITHDRAWN).exists()
    if state == "draft":
        # Discard the draft first; then it can be withdrawn, and the next batch does not pay it.
        do_discard_batch(batch, acting_user=county.county_clerk)
        do_withdraw_one_off(grant, reason="撤销", acting_user=county.county_clerk)
        again = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert [i[1] for i in items_of(again, p)] == ["living_subsidy"]


def test_withdrawing_twice_or_without_a_reason_is_refused(county: World) -> None:
    p = person(county, WAR)
    grant = schedule(county, p, OneOffKind.RELIEF, 100, "relief:1")
    with pytest.raises(InvalidInput):
        do_withdraw_one_off(grant, reason="  ", acting_user=county.county_clerk)
    do_withdraw_one_off(grant, reason="撤回", acting_user=county.county_clerk)
    with pytest.raises(Conflict):
        do_withdraw_one_off(grant, reason="再撤", acting_user=county.county_clerk)
    assert AuditEvent.objects.filter(event_type=EventType.ONE_OFF_WITHDRAWN).count() == 1


def test_two_grants_of_one_kind_in_a_month_are_one_item_and_both_paid(
    county: World, paid_signals: list[list[int]]
) -> None:
    p = person(county, DISABLED_6)
    first = schedule(county, p, OneOffKind.RELIEF, 100000, "relief:1")
    second = schedule(county, p, OneOffKind.RELIEF, 50050, "relief:2")
    claim = schedule(county, p, OneOffKind.MEDICAL, 12345, "medical:1")
    batch = pay_month(county, "2026-11")
    assert items_of(batch, p) == [
        ("2026-11", "disability_pension", "3240.00", "0.00", "3240.00", False),
        ("2026-11", "medical", "123.45", "0.00", "123.45", False),
        ("2026-11", "relief", "1500.50", "0.00", "1500.50", False),
    ]
    line = BatchLine.objects.get(batch=batch, beneficiary=p)
    assert line.kinds == "抚恤金+临时救助+医疗补助" and line.one_off_fen == 162395
    assert sorted(paid_signals[0]) == sorted([first.pk, second.pk, claim.pk])
    assert OneOffPayment.objects.filter(paid_at__isnull=True).count() == 0


def test_a_person_with_no_regular_benefit_gets_a_line_for_a_one_off(county: World) -> None:
    p = person(county, NO_REGULAR, name="丁")
    schedule(county, p, OneOffKind.MEDICAL, 1888800, "medical:3")
    batch = approved(county, "2026-11")
    assert items_of(batch, p) == [("2026-11", "medical", "18888.00", "0.00", "18888.00", False)]
    assert (batch.persons, batch.total_fen, batch.one_off_fen) == (1, 1888800, 1888800)
    assert memo_of(batch, p, county.county_clerk) == "2026年11月医疗补助"


def test_a_held_line_pays_its_one_off_once_an_account_is_given(county: World) -> None:
    p = person(county, NO_REGULAR, bank_account="")
    grant = schedule(county, p, OneOffKind.RELIEF, 20000, "relief:9")
    november = pay_month(county, "2026-11")
    assert BatchLine.objects.get(batch=november, beneficiary=p).status == LineStatus.HELD
    assert november.one_off_fen == 0  # held lines are not transferred, as for the totals
    assert one_off_status(grant) == "held"
    Beneficiary.objects.filter(pk=p.pk).update(
        bank_account_encrypted=Beneficiary.objects.get(
            pk=person(county, WAR, name="戊", bank_account="6230000000000000009").pk
        ).bank_account_encrypted
    )
    december = pay_month(county, "2026-12")
    assert items_of(december, p) == [("2026-11", "relief", "200.00", "0.00", "200.00", False)]
    grant.refresh_from_db()
    assert grant.paid_at is not None


def test_a_one_off_before_the_payments_start_month_is_still_paid_once(
    world: World, paid_signals: list[list[int]]
) -> None:
    """Scheduled before the county set its start month, which the admin then sets later: the
    one-off keeps its month, outside the batches' window, and is paid by the first batch —
    once."""
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        p = person(world, WAR)
        grant = schedule(world, p, OneOffKind.RELIEF, 70000, "relief:5")
        assert grant.month == date(2026, 11, 1)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 12, 1))
    december = pay_month(world, "2026-12")
    assert items_of(december, p) == [
        ("2026-11", "relief", "700.00", "0.00", "700.00", False),
        ("2026-12", "living_subsidy", "540.00", "0.00", "540.00", False),
    ]
    assert paid_signals == [[grant.pk]]
    january = pay_month(world, "2027-01")
    assert [i[1] for i in items_of(january, p)] == ["living_subsidy"]
    february = pay_month(world, "2027-02")
    assert [i[1] for i in items_of(february, p)] == ["living_subsidy"]
    assert not BatchItem.objects.filter(benefit="relief").exclude(batch=december).exists()


def test_an_unpaid_one_off_is_paid_by_the_next_batch(county: World) -> None:
    p = person(county, NO_REGULAR)  # owed nothing else
    schedule(county, p, OneOffKind.RELIEF, 10000, "relief:1")
    pay_month(county, "2026-11", failed={p.pk: "账户冻结"})
    december = pay_month(county, "2026-12")
    assert items_of(december, p) == [("2026-11", "relief", "100.00", "0.00", "100.00", False)]
    january = pay_month(county, "2027-01")
    assert items_of(january, p) == []


# --- the batch against a plain oracle ------------------------------------------------------------


@pytest.mark.parametrize("seed", [5, 23])
def test_the_batches_pay_each_one_off_once_whatever_fails(county: World, seed: int) -> None:
    """A plain Python oracle: a one-off is paid by the first batch (of its month or later) whose
    line for the person the bank pays; withdrawn ones never; each batch's one-off items are the
    scheduled amounts per (person, kind, month) less what the bank confirmed before."""
    rng = random.Random(seed)  # noqa: S311
    people = [person(county, WAR if n % 3 else NO_REGULAR, name=f"人{n}") for n in range(8)]
    confirmed: dict[tuple[int, str, int], int] = defaultdict(int)
    scheduled: dict[tuple[int, str, int], int] = defaultdict(int)
    for period in ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03"]:
        month = m(period)
        with time_machine.travel(at(month.year, month.month, 2), tick=False):
            for who in rng.sample(people, 3):
                kind = rng.choice(list(OneOffKind))
                one_off = schedule(county, who, kind, rng.randint(1, 500000), f"{kind}:{rng.randint(1, 999)}")
                if rng.random() < 0.2:
                    do_withdraw_one_off(one_off, reason="撤回", acting_user=county.county_clerk)
                else:
                    scheduled[(who.pk, kind.value, ym(one_off.month))] += one_off.amount_fen
        failed = {who.pk: "失败" for who in people if rng.random() < 0.3}
        batch = pay_month(county, period, failed=failed)
        expected = {key: due - confirmed[key] for key, due in scheduled.items() if due > confirmed[key]}
        got = {
            (i.beneficiary_id, i.benefit, i.month): i.amount_fen
            for i in BatchItem.objects.filter(batch=batch, benefit__in=[k.value for k in OneOffKind])
        }
        assert got == expected
        paid_lines = set(
            BatchLine.objects.filter(batch=batch, status=LineStatus.PAID).values_list(
                "beneficiary_id", flat=True
            )
        )
        for (who_pk, kind, month_ym), amount in got.items():
            if who_pk in paid_lines:
                confirmed[(who_pk, kind, month_ym)] += amount
        for line in BatchLine.objects.filter(batch=batch):
            kinds = {
                i.benefit for i in BatchItem.objects.filter(batch=batch, beneficiary_id=line.beneficiary_id)
            }
            assert line.benefits == sum(BENEFIT_BIT[PaymentBenefit(k)] for k in kinds)
            assert line.kinds == memo_kinds(line.benefits)
        assert batch.one_off_fen == sum(
            a
            for (who_pk, _k, _m), a in got.items()
            if BatchLine.objects.get(batch=batch, beneficiary_id=who_pk).status != LineStatus.HELD
        )
    for one_off in OneOffPayment.objects.all():
        key = (one_off.beneficiary_id, one_off.kind, ym(one_off.month))
        fully = key in scheduled and confirmed[key] >= scheduled[key]
        assert (one_off.paid_at is not None) == (one_off.withdrawn_at is None and fully)
    assert any(o.paid_at for o in OneOffPayment.objects.all())


# --- pages and API --------------------------------------------------------------------------------


def test_the_batch_page_shows_one_off_payments_apart(county: World, client: Client) -> None:
    p = person(county, WAR, name="甲")
    person(county, WAR, name="乙", bank_account="6230000000000000002")
    schedule(county, p, OneOffKind.RELIEF, 300000, "relief:12")
    batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    log_in(client, county.county_clerk)
    page = client.get(f"/benefits/batches/{batch.pk}/").content.decode()
    one_offs = page.split('data-testid="one-offs"')[1].split("</section>")[0]
    assert "一次性发放" in one_offs or "临时救助" in one_offs
    kinds = one_offs.split('data-testid="one-off-kinds"')[1].split("</table>")[0]
    assert 'data-kind="relief"' in kinds and "3,000.00" in kinds
    lines = one_offs.split('data-testid="one-off-lines"')[1].split("</table>")[0]
    assert "甲" in lines and "乙" not in lines and "定期生活补助+临时救助" in lines
    assert '<a href="/relief/12/">' in lines  # the grant it pays, linked
    summary = page.split('data-testid="summary"')[1].split("</section>")[0]
    assert 'data-testid="one-off-total">3,000.00' in summary
    only = client.get(f"/benefits/batches/{batch.pk}/?one_off=1").content.decode()
    listed = only.split('data-testid="lines"')[1].split("</section>")[0]
    assert "甲" in listed and "乙" not in listed
    # A batch without one-offs has no such section; the person page names the grant.
    person_page = client.get(f"/benefits/beneficiaries/{p.pk}/").content.decode()
    assert '<a href="/relief/12/">' in person_page


def test_a_batch_without_one_offs_shows_no_one_off_section(county: World, client: Client) -> None:
    person(county, WAR)
    batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    log_in(client, county.county_clerk)
    page = client.get(f"/benefits/batches/{batch.pk}/").content.decode()
    assert 'data-testid="one-offs"' not in page


def test_the_api_reports_one_offs(county: World, client: Client) -> None:
    p = person(county, WAR)
    schedule(county, p, OneOffKind.MEDICAL, 45600, "medical:2")
    auth = bearer(county.county_clerk)
    created = client.post("/api/v1/batches", {"period": "2026-11"}, content_type="application/json", **auth)
    assert created.status_code == 201 and created.json()["one_off_total"] == "456.00"
    batch_id = created.json()["id"]
    detail = client.get(f"/api/v1/batches/{batch_id}", **auth).json()
    assert detail["one_off_total"] == "456.00"
    assert detail["one_offs"] == [{"kind": "medical", "persons": 1, "items": 1, "amount": "456.00"}]
    lines = client.get(f"/api/v1/batches/{batch_id}/lines?one_off=true", **auth).json()["results"]
    assert [(line["pays"], line["one_off"], line["amount"]) for line in lines] == [
        ("定期生活补助+医疗补助", "456.00", "996.00")
    ]
    assert Batch.objects.get().state == BatchState.DRAFT
