"""The demo's medical top-ups on a small demo county (the registry and accounts of load-demo):
claims entered and decided month by month before the batches, within the yearly cap; premiums
with a few missing this year; outpatient subsidies; a few claims waiting now; and only once."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from django.db.models import F, Sum
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from youfu.audit.verify import verify_chain
from youfu.benefits.models import OneOffPayment
from youfu.benefits.money import add_months
from youfu.demo import care_medical
from youfu.demo.care_staff import CareStaff
from youfu.demo.tests.helpers import small_demo
from youfu.relief.medical.models import (
    CAP_STATES,
    ClaimState,
    MedicalClaim,
    MedicalPremium,
    OutpatientSubsidy,
)
from youfu.relief.medical.selectors import premium_missing

PERSONS = 3000
THIS_YEAR = timezone.localdate().year
# The batches of the last two years, as the demo pays them.
PERIODS = [add_months(timezone.localdate().replace(day=1), -n) for n in range(23, -1, -1)]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
    with small_demo(django_db_blocker, PERSONS) as staff:
        for period in PERIODS:
            care_medical.before_batch(staff, period, random.Random(f"demo-medical-{period:%Y%m}"))  # noqa: S311
        made = care_medical.fill(staff, timezone.localdate(), random.Random("demo-medical"))  # noqa: S311
        yield made


pytestmark = pytest.mark.django_db


def test_claims_month_by_month_decided_by_the_leader(demo: dict[str, int]) -> None:
    decided = MedicalClaim.objects.exclude(state=ClaimState.PENDING)  # scope: test
    # ~8 a month at 14,000 people: ~1.7 a month at 3,000, over 24 months
    assert 20 <= decided.count() <= 70
    assert set(decided.values_list("decided_by__username", flat=True)) == {"leader"}
    assert decided.filter(state=ClaimState.REFUSED).exclude(refusal_reason="").exists()
    for claim in decided.filter(state=ClaimState.APPROVED, subsidy_fen__gt=0):
        one_off = OneOffPayment.objects.get(pk=claim.one_off_id)  # scope: test
        assert (one_off.amount_fen, one_off.reference) == (claim.subsidy_fen, f"medical:{claim.pk}")
        # paid by the batch of the month after the discharge, as the demo's history runs
        assert one_off.month == add_months(claim.discharged_on.replace(day=1), 1)
    # Entered after the discharge and before the batch.
    for claim in decided:
        assert claim.decided_at is not None
        entered, decided = (
            timezone.localtime(claim.entered_at).date(),
            timezone.localtime(claim.decided_at).date(),
        )
        assert claim.discharged_on < entered <= decided < add_months(claim.discharged_on.replace(day=1), 1)


def test_no_person_is_paid_beyond_the_yearly_cap_and_some_reach_it(demo: dict[str, int]) -> None:
    taken = (
        MedicalClaim.objects.filter(state__in=CAP_STATES)  # scope: test
        .values("beneficiary", "year")
        .annotate(total=Sum("subsidy_fen"))
    )
    assert max(t["total"] for t in taken) <= 2_000_000
    # Some reach it: a later claim of theirs got less than the rule gave.
    assert MedicalClaim.objects.filter(computed_fen__gt=F("subsidy_fen")).exists()  # scope: test


def test_premiums_with_a_few_missing_this_year(demo: dict[str, int]) -> None:
    assert demo["premiums"] == MedicalPremium.objects.count() > 0  # scope: test
    assert set(MedicalPremium.objects.values_list("year", flat=True)) == set(
        range(THIS_YEAR - 3, THIS_YEAR + 1)
    )  # scope: test
    missing = premium_missing(THIS_YEAR).count()
    assert missing == demo["premiums_missing"] >= 1
    covered = MedicalPremium.objects.filter(year=THIS_YEAR).count()  # scope: test
    assert covered > missing


def test_outpatient_and_pending_claims(demo: dict[str, int]) -> None:
    assert demo["outpatient"] == OutpatientSubsidy.objects.count() > 0  # scope: test
    assert (
        demo["pending_claims"] == MedicalClaim.objects.filter(state=ClaimState.PENDING).count() >= 3
    )  # scope: test


def test_the_audit_chain_holds(demo: dict[str, int]) -> None:
    assert verify_chain().ok


def test_a_second_run_adds_nothing(demo: dict[str, int]) -> None:
    staff = CareStaff.load()
    before = (
        MedicalClaim.objects.count(),
        MedicalPremium.objects.count(),
        OutpatientSubsidy.objects.count(),
    )  # scope: test
    care_medical.before_batch(staff, PERIODS[-1], random.Random("again"))  # noqa: S311
    again = care_medical.fill(staff, timezone.localdate(), random.Random("again"))  # noqa: S311
    assert again == {"premiums": 0, "premiums_missing": 0, "outpatient": 0, "pending_claims": 0}
    assert (
        MedicalClaim.objects.count(),
        MedicalPremium.objects.count(),
        OutpatientSubsidy.objects.count(),
    ) == before  # scope: test
