"""The demo bureau at work: four years of money paid, which the full recomputation agrees with, a
failed transfer repaid, petitions in every state, a confirmation under way, loaded through the
services and only once."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from youfu.accounts.models import Department, User
from youfu.audit.models import AuditEvent
from youfu.audit.verify import verify_chain
from youfu.benefits import engine
from youfu.benefits.models import (
    Batch,
    BatchLine,
    BatchState,
    LineStatus,
    LocalTopUp,
    OneOffPayment,
    ParameterState,
    RecomputeMark,
    Recovery,
    RecoveryStatus,
    StandardImport,
)
from youfu.benefits.money import add_months, ym
from youfu.benefits.rates import StandardTable, TopUps, rate_keys
from youfu.benefits.selectors import default_explanation_range, explain_entitlements
from youfu.benefits.services import payments_start
from youfu.benefits.services.reconcile import do_reconcile
from youfu.core.crypto import decrypt
from youfu.demo.bureau import (
    BATCH_MONTHS,
    BUREAU,
    COUNTY,
    LATE_MONTHS,
    STANDARD_DATES,
    TOPUPS,
    standards_rows,
)
from youfu.petitions.models import Petition, PetitionEvent, ReceptionDay, Satisfaction, State
from youfu.petitions.selectors import handling_units_for
from youfu.regions.models import Region
from youfu.registry.categories import PRIORITY_CATEGORIES
from youfu.registry.models import (
    AnnualReview,
    Beneficiary,
    DeathPayee,
    PersonStatus,
    QualificationStatus,
    ReviewItem,
    ReviewStatus,
)
from youfu.testing import log_in

PERSONS = 1000
FAST = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load-demo", "--persons", str(PERSONS), "--i-know-this-is-not-production", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for the module, rolled back after it."""
    with django_db_blocker.unblock(), FAST, transaction.atomic():
        output = _load()
        yield output
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_four_years_of_batches_went_through_their_whole_life(demo: str) -> None:
    batches = list(Batch.objects.filter(county_id=COUNTY).order_by("period"))
    assert len(batches) == BATCH_MONTHS == 48
    this_month = timezone.localdate().replace(day=1)
    assert batches[-1].period == add_months(this_month, -1)
    assert payments_start(COUNTY) == batches[0].period
    clerk, leader = _user("clerk"), _user("leader")
    for batch in batches:
        assert batch.state == BatchState.CLOSED
        assert (batch.created_by_id, batch.approved_by_id) == (clerk.pk, leader.pk)
        steps = list(batch.transitions.order_by("at", "pk").values_list("state", flat=True))
        assert steps == ["draft", "approved", "exported", "returns_imported", "closed"]
        assert batch.total_fen > 0 and batch.returned_paid_fen > 0
        assert not BatchLine.objects.filter(batch=batch, status=LineStatus.PENDING).exists()
    assert f"{BATCH_MONTHS} batches" in demo


def test_the_next_batch_agrees_with_the_full_recomputation(demo: str) -> None:
    # What the demo wrote behind the services' backs (the registry's rows, one-offs moved to the
    # batch that paid them) carries the marks the services write: the batches that recompute
    # only what changed pay what the full recomputation pays.
    result = do_reconcile(acting_user=_user("clerk"))
    assert result.batch is None and result.period == timezone.localdate().replace(day=1)
    assert result.agree, result.as_dict()["listed"][:5]
    assert result.check.items == result.check.batch_items > 0


def test_the_latest_batch_agrees_with_the_full_recomputation(demo: str) -> None:
    latest = Batch.objects.filter(county_id=COUNTY).order_by("-period").first()
    assert latest is not None
    result = do_reconcile(acting_user=_user("clerk"), batch=latest)
    assert result.batch == latest
    assert result.agree, result.as_dict()["listed"][:5]
    assert result.check.batch_items == latest.items > 0


def test_one_offs_moved_to_the_batch_that_paid_them_marked_it(demo: str) -> None:
    one_offs = OneOffPayment.objects.filter(month__lt=timezone.localdate().replace(day=1))
    assert one_offs.count() > 10
    for one_off in one_offs:
        assert RecomputeMark.objects.filter(
            beneficiary_id=one_off.beneficiary_id,
            reason="one_off",
            since=ym(one_off.month),
            batch__period=one_off.month,
        ).exists(), one_off.pk


def test_a_failed_transfer_is_repaid_in_the_next_batch_to_the_new_account(demo: str) -> None:
    failed = BatchLine.objects.select_related("batch").get(status=LineStatus.FAILED)
    assert failed.reason == "账户已销户"
    assert failed.batch.returned_failed == 1 and failed.batch.returned_failed_fen == failed.amount_fen
    following = Batch.objects.get(county_id=COUNTY, period=add_months(failed.batch.period, 1))
    repaid = BatchLine.objects.get(batch=following, beneficiary_id=failed.beneficiary_id)
    assert repaid.status == LineStatus.PAID
    # The month the bank refused comes back as arrears, paid to the account recorded since.
    assert repaid.arrears_fen >= failed.amount_fen > 0
    assert decrypt(repaid.bank_account_encrypted) != decrypt(failed.bank_account_encrypted)
    person = Beneficiary.objects.get(pk=failed.beneficiary_id)
    assert decrypt(person.bank_account_encrypted) == decrypt(repaid.bank_account_encrypted)
    # Nothing is owed to the person for the failed month any more.
    period = failed.batch.period
    rows = explain_entitlements(person, period, period).rows
    assert rows and all(row.paid == row.due > 0 for row in rows)


def test_a_death_recorded_late_is_claimed_back_not_netted(demo: str) -> None:
    last = Batch.objects.filter(county_id=COUNTY).order_by("-period").first()
    assert last is not None
    claims = list(Recovery.objects.filter(batch=last))
    assert len(claims) == 2 and last.recoveries == 2
    person = Beneficiary.objects.get(pk=claims[0].beneficiary_id)
    assert person.status == PersonStatus.DECEASED and person.death_date is not None
    assert {c.month for c in claims} == {
        int(f"{add_months(person.death_date.replace(day=1), n):%Y%m}") for n in (1, 2)
    }
    assert all(c.status == RecoveryStatus.OPEN and c.amount_fen == c.paid_fen > 0 for c in claims)
    assert not BatchLine.objects.filter(batch=last, beneficiary=person).exists()
    assert DeathPayee.objects.filter(life_event__beneficiary=person).exists()


def test_standards_and_top_up_were_entered_by_the_clerk_and_approved_by_the_leader(demo: str) -> None:
    clerk, leader = _user("clerk"), _user("leader")
    versions = list(StandardImport.objects.order_by("pk"))
    assert len(versions) == len(STANDARD_DATES)
    for version in versions:
        assert version.state == ParameterState.APPROVED
        assert (version.imported_by_id, version.decided_by_id) == (clerk.pk, leader.pk)
    topups = list(LocalTopUp.objects.filter(region_id=COUNTY).order_by("effective_on"))
    assert [(t.effective_on, t.percent) for t in topups] == list(TOPUPS)
    for topup in topups:
        assert topup.state == ParameterState.APPROVED
        assert (topup.created_by_id, topup.decided_by_id) == (clerk.pk, leader.pk)
    # A raise (of the standards or the top-up) entered two months late is paid back as arrears
    # in that month's batch (for the raises that took effect within the years of batches).
    start = payments_start(COUNTY)
    assert start is not None
    raises = [*STANDARD_DATES, *(on for on, _ in TOPUPS)]
    assert sum(on > start for on in raises) >= 6
    for effective_on in raises:
        if effective_on > start:
            raised = Batch.objects.filter(
                county_id=COUNTY, period=add_months(effective_on, LATE_MONTHS)
            ).first()
            assert raised is None or raised.arrears_fen > 0


def test_the_table_covers_every_case_the_engine_meets(demo: str) -> None:
    table = StandardTable.load()
    topups = TopUps.load(COUNTY)
    for effective_on in STANDARD_DATES:
        percent = [p for on, p in TOPUPS if on <= effective_on][-1]
        assert topups.in_force(effective_on) == percent * 100
        for key in rate_keys():
            row = table.applicable(key, effective_on)
            assert row is not None and row.effective_on == effective_on and row.annual_fen > 0, key
    # Each year's amounts rise.
    tables = [{tuple(r[:4]): int(r[4]) for r in standards_rows(day)} for day in STANDARD_DATES]
    for before, after in pairwise(tables):
        assert before.keys() == after.keys() and all(after[k] > before[k] for k in before)


def test_benefits_are_paid_and_the_person_page_shows_money(demo: str, client: Client) -> None:
    holders = Beneficiary.objects.filter(
        status=PersonStatus.ALIVE,
        qualifications__status=QualificationStatus.ACTIVE,
        qualifications__category__in=sorted(PRIORITY_CATEGORIES),
    ).distinct()
    assert holders.count() > 100
    for person in holders.order_by("pk")[:25]:
        first, last = default_explanation_range(person)
        rows = explain_entitlements(person, first, last).rows
        assert rows, person.pk
        assert all(row.problem == "" for row in rows)
        assert all(row.due > 0 and row.paid == row.due for row in rows if row.month >= f"{first:%Y-%m}")
    # County-wide, everything due through the last batch is paid; all that is left open is the
    # claim on the late-recorded death.
    window = engine.Window(COUNTY, payments_start(COUNTY), add_months(timezone.localdate(), -1), 12)
    left = engine.outstanding(window)
    assert left.to_pay_fen == 0 and left.lump_sums_waiting == 0
    assert left.to_recover_fen == sum(Recovery.objects.values_list("amount_fen", flat=True)) > 0
    # The person whose transfer failed: their page shows what was due, the refused transfer
    # and the repayment, in the clerk's language.
    failed = BatchLine.objects.select_related("batch", "beneficiary").get(status=LineStatus.FAILED)
    person = failed.beneficiary
    log_in(client, _user("clerk"))
    page = client.get(f"/benefits/beneficiaries/{person.pk}/").content.decode()
    assert "无适用标准" not in page and "no standard applies" not in page
    first, last = default_explanation_range(person)
    due = explain_entitlements(person, first, last).rows[-1].due
    assert due > 0 and (f"{due:,.2f}" in page or f"{due:.2f}" in page)
    assert "账户已销户" in page and failed.batch.period_label in page


def test_petitions_in_every_state_with_their_timelines(demo: str) -> None:
    states = set(Petition.objects.values_list("state", flat=True))
    assert states == set(State.values)
    for petition in Petition.objects.all():
        events = list(petition.events.order_by("at", "pk"))
        assert events[0].action == "register"
        assert events[-1].to_state == petition.state or petition.state == State.EXTENDED
        dates = [e.on for e in events if e.on is not None and e.action not in ("rate", "repeat_received")]
        assert dates == sorted(dates) and dates[-1] <= timezone.localdate()
    concluded = Petition.objects.filter(state=State.CONCLUDED)
    assert set(concluded.values_list("satisfaction", flat=True)) == set(Satisfaction.values)
    full = concluded.get(rereview_replied_on__isnull=False)
    assert [e.action for e in full.events.order_by("at", "pk")][:9] == [
        "register",
        "accept",
        "assign",
        "start",
        "reply",
        "review_request",
        "review_reply",
        "rereview_request",
        "rereview_reply",
    ]
    extended = Petition.objects.get(state=State.EXTENDED)
    assert extended.extension_days == 20 and extended.handle_due is not None
    assert extended.handle_due >= timezone.localdate()
    repeat = Petition.objects.get(state=State.REPEAT)
    assert repeat.repeat_of is not None and repeat.repeat_of.state == State.IN_PROGRESS
    online = Petition.objects.get(channel="online")
    assert online.created_by is None and online.region_id != COUNTY
    assert Petition.objects.filter(beneficiary__isnull=False).count() >= 3
    group = Petition.objects.get(group_size=6)
    assert group.reception is not None and group.reception.date == group.received_on
    assert group.petitioners.count() == 5
    assert ReceptionDay.objects.filter(date__gt=timezone.localdate(), cancelled_at__isnull=True).exists()
    # The township clerk of 城关镇 has matters to work on.
    assert (
        Petition.objects.visible_to(_user("township")).filter(state__in=["registered", "assigned"]).exists()
    )
    assert PetitionEvent.objects.filter(actor__username="leader").exists()


def test_the_annual_confirmation_is_under_way(demo: str) -> None:
    review = AnnualReview.objects.get(region_id=COUNTY, year=timezone.localdate().year)
    assert review.closed_at is None
    items = ReviewItem.objects.filter(review=review)
    confirmed = items.filter(status=ReviewStatus.CONFIRMED)
    pending = items.filter(status=ReviewStatus.PENDING)
    assert confirmed.exists() and pending.exists()
    township = _user("township")
    assert confirmed.filter(decided_by=township).exists()
    assert (
        not confirmed.filter(decided_by=township)
        .exclude(qualification__beneficiary__township_id=township.region_id)
        .exists()
    )


def test_the_handling_units_include_the_bureau_and_the_townships_stations(demo: str) -> None:
    bureau = Department.objects.get(name=BUREAU)
    assert bureau.region_id == COUNTY
    township = Region.objects.get(name="城关镇")
    units = set(handling_units_for(township).values_list("name", flat=True))
    assert {BUREAU, "县民政局", "城关镇退役军人服务站"} <= units
    assert Petition.objects.filter(handling_unit=bureau).exists()


def test_running_again_adds_nothing(demo: str) -> None:
    counts = (
        Batch.objects.count(),
        BatchLine.objects.count(),
        Petition.objects.count(),
        PetitionEvent.objects.count(),
        StandardImport.objects.count(),
        Department.objects.count(),
        AuditEvent.objects.count(),
    )
    output = _load()
    assert "none added" in output and f"{BATCH_MONTHS} batches" in output
    assert (
        Batch.objects.count(),
        BatchLine.objects.count(),
        Petition.objects.count(),
        PetitionEvent.objects.count(),
        StandardImport.objects.count(),
        Department.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert verify_chain().ok
