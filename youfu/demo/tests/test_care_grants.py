"""The demo's temporary relief on a small demo county (the registry and accounts of load-demo):
applications month by month through the whole chain before the batches, a few returned and
resubmitted, a few above the leader line, a rare cancellation; this month's waiting at every
step; and only once."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from youfu.audit.verify import verify_chain
from youfu.benefits.models import OneOffPayment
from youfu.benefits.money import add_months
from youfu.demo import care_grants
from youfu.demo.care_staff import CareStaff
from youfu.demo.tests.helpers import small_demo
from youfu.relief.grants.models import GrantState, ReliefGrant, ReliefStep
from youfu.relief.grants.selectors import waiting_for
from youfu.relief.grants.transitions import chain

PERSONS = 3000
PERIODS = [add_months(timezone.localdate().replace(day=1), -n) for n in range(23, -1, -1)]


def _run(staff: CareStaff) -> dict[str, int]:
    for period in PERIODS:
        care_grants.before_batch(staff, period, random.Random(f"demo-grants-{period:%Y%m}"))  # noqa: S311
    return care_grants.fill(staff, timezone.localdate(), random.Random("demo-grants"))  # noqa: S311


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
    with small_demo(django_db_blocker, PERSONS) as staff:
        yield _run(staff)


pytestmark = pytest.mark.django_db


def test_applications_month_by_month_through_the_chain(demo: dict[str, int]) -> None:
    grants = ReliefGrant.objects.exclude(state=GrantState.PENDING)  # scope: test
    # ~12 a month at 14,000 people: ~2.6 a month at 3,000, over 23 months
    assert 25 <= grants.count() <= 100
    assert set(ReliefGrant.objects.values_list("reason", flat=True)) >= {"illness", "accident"}  # scope: test
    assert grants.filter(needs_leader=True, state=GrantState.APPROVED).exists()
    assert grants.filter(round__gt=1).exists()  # returned and resubmitted
    assert set(grants.values_list("submitted_by__username", flat=True)) >= {"clerk", "clerk2"}
    for grant in grants.filter(state=GrantState.APPROVED):
        one_off = OneOffPayment.objects.get(pk=grant.one_off_id)  # scope: test
        assert (one_off.amount_fen, one_off.reference) == (grant.amount_fen, f"relief:{grant.pk}")
        assert grant.approved_on is not None and grant.applied_on <= grant.approved_on < one_off.month
        approvals = ReliefStep.objects.filter(grant=grant, round=grant.round, action="approve")  # scope: test
        assert approvals.count() == len(chain(grant.entry_step, grant.needs_leader))


def test_this_month_waits_at_every_step(demo: dict[str, int]) -> None:
    staff = CareStaff.load()
    assert demo["waiting"] >= 5
    for user in (staff.township, staff.clerk, staff.clerk2, staff.leader):
        assert waiting_for(user).exists(), user.username
    assert ReliefGrant.objects.filter(
        state=GrantState.RETURNED, submitted_by=staff.village
    ).exists()  # scope: test


def test_a_second_run_adds_nothing(demo: dict[str, int]) -> None:
    before = ReliefGrant.objects.count()  # scope: test
    again = _run(CareStaff.load())
    assert (again["waiting"], again["returned"], again["grants"]) == (0, 0, before)
    assert ReliefGrant.objects.count() == before  # scope: test


def test_the_audit_chain_holds(demo: dict[str, int]) -> None:
    assert verify_chain().ok
