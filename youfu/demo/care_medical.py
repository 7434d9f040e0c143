"""The demo's medical top-ups (医疗补助, see youfu/demo/care.py).

- ``before_batch``: the hospital stays that ended in the month before each batch of the demo's
  payment history are claimed by a clerk (the first township's own clerk for its people, the
  county clerk for the others) and decided by the leader — about 8 a month at the seed county's
  scale (14,000 people), most approved, a few refused; a few people with long illnesses claim
  again and again and reach the yearly cap. The approved subsidies are paid by that batch.
- ``fill``: the medical-insurance premiums the bureau paid for the disabled veterans of levels
  1–6 in each of the last four years (a few are still missing this year, so the premium list,
  the home work list and the 应享未享 rule have something to show), the yearly outpatient
  subsidies, and a few claims entered lately that wait for the leader now.

Everything goes through the medical services with the demo's accounts; only the timestamps are
backdated afterwards. Each part is skipped when its records exist, so a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from youfu.accounts.models import User
from youfu.benefits import changes
from youfu.benefits.models import OneOffPayment
from youfu.benefits.money import add_months
from youfu.core.errors import YoufuError
from youfu.demo.care_staff import CARE_YEARS, CareStaff
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Qualification
from youfu.registry.selectors import payable_in_month
from youfu.relief.medical.models import ClaimState, MedicalClaim, MedicalPremium, OutpatientSubsidy
from youfu.relief.medical.selectors import premium_people
from youfu.relief.medical.services import (
    OutpatientInput,
    county_code,
    do_approve_claim,
    do_enter_claim,
    do_record_outpatient,
    do_record_premium,
    do_refuse_claim,
    settings_in_force,
)
from youfu.relief.medical.validation import clean_claim

SCOPE_TRUSTED = "the demo builds the whole county's records as its staff would"

SEED_PEOPLE = 14_000
CLAIMS_PER_MONTH = 8
CHRONIC_SHARE = 0.2  # of the month's claims, by the few people with long illnesses
REFUSED_SHARE = 0.08
PENDING_NOW = 12  # at the seed county's scale
PREMIUM_MISSING_THIS_YEAR = 0.1
# The yearly resident medical-insurance premium (yuan) the bureau pays per person.
PREMIUM_YUAN = {2022: 350, 2023: 380, 2024: 400, 2025: 400, 2026: 400, 2027: 420}
OUTPATIENT_YUAN = {Category.DISABLED_VETERAN: 1200, Category.DEMOBILIZED_VETERAN: 800}
OUTPATIENT_CATEGORIES = (
    Category.DISABLED_VETERAN,
    Category.DEMOBILIZED_VETERAN,
    Category.RETURNED_ILL_VETERAN,
)
HOSPITALS = ["县人民医院", "县中医院", "市第一人民医院", "市中心医院", "省立医院", "镇卫生院"]
REFUSALS = ["发票不全，请补齐后重新申请", "非住院费用，不属于补助范围", "已由其他渠道全额报销"]


def _scale() -> float:
    return Beneficiary.objects.count() / SEED_PEOPLE


def _how_many(expected: float, rng: random.Random) -> int:
    """``expected`` on average: the whole part, and one more with the fraction's chance."""
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def _at(on: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(hour, 0)))


def _clerk(staff: CareStaff, person: Beneficiary) -> User:
    return staff.township if person.township_id == staff.township.region_id else staff.clerk


def _claimants(staff: CareStaff, month: date) -> list[Beneficiary]:
    """The living people who may claim for a stay ending in ``month``, in a stable order."""
    rule = settings_in_force(county_code(staff.clerk.region_id))
    qualifications = Qualification.objects.filter(payable_in_month(month), category__in=rule.categories)
    return list(
        Beneficiary.objects.filter(
            pk__in=qualifications.values("beneficiary_id"), death_date__isnull=True
        ).order_by("pk")
    )


def _bill(rng: random.Random, chronic: bool) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(total cost, basic insurance, serious-illness insurance, other aid) of one stay. A long
    illness costs more and much of it (drugs outside the insurance's list) is not reimbursed,
    so its subsidy reaches the yearly cap within a claim or two."""
    whole = rng.randint(60_000, 120_000) if chronic else int(rng.lognormvariate(9.3, 0.8))  # median ~11,000
    total = Decimal(max(1500, min(whole, 300_000))) + Decimal(rng.randint(0, 99)) / 100
    share = rng.uniform(0.35, 0.5) if chronic else rng.uniform(0.5, 0.68)
    insurance = (total * Decimal(share)).quantize(Decimal("0.01"))
    serious = Decimal(0)
    if total > 30_000:
        serious = ((total - 30_000) * Decimal(rng.uniform(0.2, 0.4))).quantize(Decimal("0.01"))
    other = min(Decimal(rng.choice([0, 0, 0, 500, 1000, 2000])), total - insurance - serious)
    return total, insurance, serious, other


def _enter(
    staff: CareStaff, person: Beneficiary, admitted: date, discharged: date, rng: random.Random, chronic: bool
) -> MedicalClaim | None:
    total, insurance, serious, other = _bill(rng, chronic)
    data = clean_claim(
        hospital=rng.choice(HOSPITALS[:5] if chronic else HOSPITALS),
        admitted_on=admitted,
        discharged_on=discharged,
        total_cost=total,
        insurance_paid=insurance,
        serious_illness_paid=serious,
        other_paid=other,
    )
    try:
        return do_enter_claim(person, data, acting_user=_clerk(staff, person))
    except YoufuError:  # the same stay drawn twice
        return None


def before_batch(staff: CareStaff, period: date, rng: random.Random) -> None:
    """The claims for stays that ended in the month before ``period``, entered and decided."""
    month = add_months(period, -1)
    month_end = add_months(month, 1) - timedelta(days=1)
    today = timezone.localdate()
    if (
        month_end >= today
        or MedicalClaim.objects.filter(discharged_on__gte=month, discharged_on__lte=month_end).exists()
    ):
        return
    people = _claimants(staff, month)
    if not people:
        return
    scale = _scale()
    # The same few people with long illnesses all along the demo: evenly spread over the
    # claimants in id order, so the pool hardly changes from month to month.
    size = min(len(people), max(2, round(5 * scale)))
    chronic_pool = people[:: max(1, len(people) // size)][:size]
    for _ in range(_how_many(CLAIMS_PER_MONTH * scale, rng)):
        chronic = rng.random() < CHRONIC_SHARE
        person = rng.choice(chronic_pool if chronic else people)
        discharged = month + timedelta(days=rng.randint(1, (month_end - month).days - 2))
        admitted = discharged - timedelta(days=rng.randint(3, 25))
        claim = _enter(staff, person, admitted, discharged, rng, chronic)
        if claim is None:
            continue
        entered_on = min(discharged + timedelta(days=rng.randint(1, 8)), period - timedelta(days=2))
        decided_on = min(entered_on + timedelta(days=rng.randint(1, 5)), period - timedelta(days=1))
        if rng.random() < REFUSED_SHARE:
            do_refuse_claim(claim, acting_user=staff.leader, reason=rng.choice(REFUSALS))
        else:
            do_approve_claim(claim, acting_user=staff.leader)
        MedicalClaim.objects.filter(pk=claim.pk).update(
            entered_at=_at(entered_on, 9), decided_at=_at(decided_on, 15)
        )
        if claim.one_off_id is not None:
            # The demo replays its history at today's clock, where "the next batch" is this
            # month's; the leader really approved it before ``period``'s batch, which pays it.
            # The mark is the one ``do_schedule_one_off`` writes for that month: without it the
            # county's next batch would disagree with the full recomputation.
            OneOffPayment.objects.filter(pk=claim.one_off_id).update(
                month=period, scheduled_at=_at(decided_on, 15)
            )
            changes.mark_persons([person.pk], period, "one_off")


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    today = min(today, timezone.localdate())
    made = {"premiums": 0, "premiums_missing": 0, "outpatient": 0, "pending_claims": 0}
    if not MedicalPremium.objects.exists():
        _premiums(staff, today, rng, made)
    if not OutpatientSubsidy.objects.exists():
        _outpatient(staff, today, rng, made)
    if not MedicalClaim.objects.filter(state=ClaimState.PENDING).exists():
        _pending(staff, today, rng, made)
    return made


def _premiums(staff: CareStaff, today: date, rng: random.Random, made: dict[str, int]) -> None:
    for year in range(today.year - CARE_YEARS + 1, today.year + 1):
        amount = PREMIUM_YUAN.get(year, 400) * 100
        for person in premium_people(year).order_by("pk"):
            missing = year == today.year and rng.random() < PREMIUM_MISSING_THIS_YEAR
            if missing or (year < today.year and rng.random() < 0.02):
                made["premiums_missing"] += year == today.year
                continue
            premium = do_record_premium(person, year, amount, acting_user=_clerk(staff, person))
            recorded = date(year, 1, rng.randint(5, 28)) + timedelta(days=rng.randint(0, 45))
            MedicalPremium.objects.filter(pk=premium.pk).update(recorded_at=_at(min(recorded, today)))
            made["premiums"] += 1


def _outpatient(staff: CareStaff, today: date, rng: random.Random, made: dict[str, int]) -> None:
    """Paid each December to the disabled, demobilized and returned-ill veterans."""
    for year in range(today.year - CARE_YEARS + 1, today.year + 1):
        paid_on = date(year, 12, 20)
        if paid_on > today:
            continue
        holders = Qualification.objects.filter(
            payable_in_month(paid_on), category__in=OUTPATIENT_CATEGORIES
        ).values_list("beneficiary_id", "category")
        seen: set[int] = set()
        for person_id, category in holders.order_by("beneficiary_id"):
            if person_id in seen:
                continue
            seen.add(person_id)
            person = Beneficiary.objects.get(pk=person_id)
            amount = OUTPATIENT_YUAN.get(Category(category), 600) * 100
            data = OutpatientInput(year, amount, paid_on, "年度门诊补助")
            try:
                subsidy = do_record_outpatient(person, data, acting_user=_clerk(staff, person))
            except YoufuError:
                continue
            OutpatientSubsidy.objects.filter(pk=subsidy.pk).update(recorded_at=_at(paid_on, 16))
            made["outpatient"] += 1


def _pending(staff: CareStaff, today: date, rng: random.Random, made: dict[str, int]) -> None:
    """A few stays that ended lately, claimed and waiting for the leader."""
    people = _claimants(staff, today.replace(day=1))
    for _ in range(min(len(people), max(3, round(PENDING_NOW * _scale())))):
        discharged = today - timedelta(days=rng.randint(1, 20))
        admitted = discharged - timedelta(days=rng.randint(3, 15))
        claim = _enter(staff, rng.choice(people), admitted, discharged, rng, chronic=False)
        if claim is not None:
            entered_on = min(today, discharged + timedelta(days=rng.randint(0, 3)))
            MedicalClaim.objects.filter(pk=claim.pk).update(entered_at=_at(entered_on, 11))
            made["pending_claims"] += 1
