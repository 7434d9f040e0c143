"""Each rule of DESIGN.md §5 with amounts computed by hand.

The county adds 8% over the national standards (helpers.BASE_STANDARDS). Payments start
in September 2026. A monthly amount is annual × 1.08 / 12, rounded half-up to the fen:

    参战退役人员 6,000.00 → 540.00        残疾军人 因战 6级 36,000 → 3,240.00
    参试退役人员 7,000.50 → 630.045 → 630.05 残疾军人 因战 5级 48,000 → 4,320.00
    烈士遗属 农村 27,000 → 2,430.00       农村籍退役士兵 60 a year of service, 7 years → 37.80
    义务兵家属 10,000 a year, paid whole in December, no top-up
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from youfu.benefits.engine import Window, due_rows_for
from youfu.benefits.models import (
    BatchLine,
    BatchState,
    LineStatus,
    PendingLumpSum,
    Recovery,
    RecoveryStatus,
    StandardBasis,
)
from youfu.benefits.money import amount_fen, monthly_amount, months, ym
from youfu.benefits.rates import RateKey, StandardTable
from youfu.benefits.selectors import explain_entitlements
from youfu.benefits.services import (
    do_create_batch,
    do_name_lump_sum_payee,
    do_settle_recovery,
    do_update_benefit_settings,
)
from youfu.benefits.tests.helpers import (
    at,
    csv_bytes,
    items_of,
    m,
    pay_month,
    person,
    setup_county,
    standards_in_force,
    topup_in_force,
)
from youfu.core.crypto import decrypt
from youfu.core.errors import Conflict
from youfu.core.idnumber import IdNumber
from youfu.registry.categories import (
    CHINESE_CAUSE,
    CHINESE_NAMES,
    MAX_LEVEL,
    MONTHLY_BENEFITS,
    PRIORITY_CATEGORIES,
    Category,
    DisabilityCause,
)
from youfu.registry.models import Beneficiary, LifeEventKind, Qualification
from youfu.registry.selectors import payable_qualifications
from youfu.registry.services import Payee, do_record_life_event
from youfu.registry.tests.factories import id_number_for
from youfu.testing import World

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
NUCLEAR = {"category": Category.NUCLEAR_TEST_PARTICIPANT, "approved_on": date(2020, 1, 1)}
DISABLED_6 = {
    "category": Category.DISABLED_VETERAN,
    "approved_on": date(2020, 1, 1),
    "disability_cause": "combat",
    "disability_level": 6,
}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 8, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 9, 1))
    with time_machine.travel(at(2026, 11, 20), tick=False):
        yield world


def test_the_one_row_rule_rounds_as_design_md_says() -> None:
    for annual, topup in [
        ("7000.50", "8"),
        ("6000", "8"),
        ("0.05", "8"),
        ("36000", "-3.5"),
        ("1234.56", "12.34"),
    ]:
        expected = monthly_amount(Decimal(annual), Decimal(topup))
        assert Decimal(amount_fen(int(Decimal(annual) * 100), int(Decimal(topup) * 100))) / 100 == expected
    assert monthly_amount(Decimal("7000.50"), Decimal("8")) == Decimal("630.05")  # 630.045, half-up


# The top-ups of the generated county: odd, negative for a while, changing inside the window.
GENERATED_TOPUPS = [(date(2020, 1, 1), "8.37"), (date(2026, 4, 1), "-3.5"), (date(2026, 9, 1), "12.34")]
WINDOW_FIRST, WINDOW_LAST = date(2026, 1, 1), date(2026, 12, 1)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _generated_standards(rng: random.Random) -> list[list[str]]:
    """Every monthly key with an odd amount in fen, and a second version in force from
    July 2026 for about half of them (some rows per residence, some for either)."""
    rows = []
    for category in sorted(PRIORITY_CATEGORIES):
        name = CHINESE_NAMES[Category(category)]
        basis = "每服役年" if category == Category.ELDERLY_RURAL_VETERAN else ""
        if category == Category.DISABLED_VETERAN:
            keys = [
                (CHINESE_CAUSE[c], str(n), "") for c in DisabilityCause for n in range(1, MAX_LEVEL[c] + 1)
            ]
        elif rng.random() < 0.5:
            keys = [("", "", "城镇"), ("", "", "农村")]
        else:
            keys = [("", "", "")]
        for cause, level, residence in keys:
            low, high = (3_000, 20_000) if basis else (50_000, 12_000_000)
            for since in ["2020-01-01"] if rng.random() < 0.5 else ["2020-01-01", "2026-07-01"]:
                rows.append([name, cause, level, residence, _yuan(rng.randint(low, high)), since, basis])
    return rows


def _by(day: date) -> date:
    """Not after the day the generated events are recorded."""
    return min(day, date(2026, 12, 15))


def _generated_people(world: World, rng: random.Random) -> None:
    """Varied people: every monthly category, both residences, each cause and level, years of
    service, approvals, level changes, suspensions and deaths inside the window."""
    categories = sorted(PRIORITY_CATEGORIES)
    for n in range(48):
        category = Category(categories[n % len(categories)])
        approved = date(2025, 1, 1) + timedelta(days=rng.randrange(690))
        qual: dict[str, object] = {"category": category, "approved_on": approved}
        if category == Category.DISABLED_VETERAN:
            cause = rng.choice(list(DisabilityCause))
            qual.update(disability_cause=cause.value, disability_level=rng.randint(1, MAX_LEVEL[cause]))
        if category == Category.ELDERLY_RURAL_VETERAN:
            qual.update(service_years=rng.randint(1, 40))
        p = person(
            world,
            qual,
            region=world.village_a if n % 2 else world.village_b,
            name=f"人{n}",
            residence=rng.choice(["urban", "rural"]),
        )
        q = p.qualifications.get()
        if category == Category.DISABLED_VETERAN and rng.random() < 0.6:
            cause = DisabilityCause(q.disability_cause)
            do_record_life_event(
                p,
                LifeEventKind.LEVEL_CHANGE,
                _by(max(approved, date(2026, 1, 1)) + timedelta(days=rng.randrange(200))),
                acting_user=world.county_clerk,
                qualification=q,
                level=rng.randint(1, MAX_LEVEL[cause]),
            )
        fate = rng.random()
        if fate < 0.2:
            started = _by(max(approved, date(2026, 1, 1)) + timedelta(days=rng.randrange(150)))
            do_record_life_event(
                p,
                LifeEventKind.SUSPENSION,
                started,
                acting_user=world.county_clerk,
                qualification=q,
                reason="x",
            )
            do_record_life_event(
                p,
                LifeEventKind.SUSPENSION_END,
                _by(started + timedelta(days=rng.randrange(20, 120))),
                acting_user=world.county_clerk,
                qualification=q,
            )
        elif fate < 0.35:
            died = _by(max(approved, date(2026, 2, 1)) + timedelta(days=rng.randrange(250)))
            do_record_life_event(p, LifeEventKind.DEATH, died, acting_user=world.county_clerk)


def _cause_and_level(q: Qualification, month: date) -> tuple[str, int]:
    """The assessment in force on the month's first day, else the first one, else the
    qualification's own: how DESIGN.md §5 pays a level change."""
    if q.category != Category.DISABLED_VETERAN:
        return "", 0
    assessments = sorted(q.assessments.all(), key=lambda a: a.effective_on)
    in_force = [a for a in assessments if a.effective_on <= month]
    chosen = in_force[-1] if in_force else (assessments[0] if assessments else None)
    if chosen is None:
        return q.disability_cause, q.disability_level or 0
    return chosen.cause, chosen.level


@pytest.mark.parametrize("seed", [3, 17])
def test_the_engine_sql_pays_what_monthly_amount_says_in_a_generated_county(world: World, seed: int) -> None:
    """The SQL engine (``engine.AMOUNT_SQL`` over the rates table, the payable rule in SQL) is
    the rule production runs; ``money.monthly_amount`` and ``registry.selectors`` are the
    oracle. Over a generated county every (qualification, month) the selector calls payable
    is due exactly the oracle's amount, and the engine names no other."""
    rng = random.Random(seed)  # noqa: S311
    with time_machine.travel(at(2026, 12, 20), tick=False):
        standards_in_force(world, csv_bytes(_generated_standards(rng)))
        for effective_on, percent in GENERATED_TOPUPS:
            topup_in_force(world, percent, effective_on)
        _generated_people(world, rng)
        window = Window(world.county.code, WINDOW_FIRST, WINDOW_LAST, 12)
        engine_due = {
            (row.qualification_id, row.ym): row.due_fen
            for p in Beneficiary.objects.all()
            for row in due_rows_for(window, p.pk)
            if not row.life_event_id and row.benefit in MONTHLY_BENEFITS
        }
    table = StandardTable.load()
    oracle_due = {}
    for month in months(WINDOW_FIRST, WINDOW_LAST):
        topup = next(Decimal(pct) for since, pct in reversed(GENERATED_TOPUPS) if since <= month)
        payable = payable_qualifications(month).filter(category__in=PRIORITY_CATEGORIES)
        for q in payable.select_related("beneficiary").prefetch_related("assessments"):
            cause, level = _cause_and_level(q, month)
            standard = table.applicable(RateKey(q.category, cause, level, q.beneficiary.residence), month)
            assert standard is not None
            units = (q.service_years or 0) if standard.basis == StandardBasis.PER_SERVICE_YEAR else 1
            amount = monthly_amount(Decimal(standard.annual_fen) / 100, topup, units)
            oracle_due[(q.pk, ym(month))] = int(amount * 100)
    assert engine_due == oracle_due
    assert len(oracle_due) > 250  # the county really varies
    assert len(set(oracle_due.values())) > 40  # and so do the amounts


def test_rounding_is_half_up_to_the_fen(county: World) -> None:
    p = person(county, NUCLEAR)
    batch = pay_month(county, "2026-09")
    assert items_of(batch, p) == [("2026-09", "living_subsidy", "630.05", "0.00", "630.05", False)]


def test_months_before_the_start_month_are_settled_history(county: World) -> None:
    p = person(county, WAR)  # approved in 2020
    batch = pay_month(county, "2026-09")
    assert items_of(batch, p) == [("2026-09", "living_subsidy", "540.00", "0.00", "540.00", False)]


def test_a_retroactive_raise_is_paid_as_arrears(county: World) -> None:
    p = person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    # In November the new national standard arrives, in force since 1 September.
    standards_in_force(county, csv_bytes([["参战退役人员", "", "", "", "7200", "2026-09-01", ""]]))
    november = pay_month(county, "2026-11")
    # 7,200 × 1.08 / 12 = 648.00; 540.00 was paid for September and October.
    assert items_of(november, p) == [
        ("2026-09", "living_subsidy", "648.00", "540.00", "108.00", True),
        ("2026-10", "living_subsidy", "648.00", "540.00", "108.00", True),
        ("2026-11", "living_subsidy", "648.00", "0.00", "648.00", False),
    ]
    assert (november.total_fen, november.arrears_fen) == (86400, 21600)
    december = pay_month(county, "2026-12")
    assert items_of(december, p) == [("2026-12", "living_subsidy", "648.00", "0.00", "648.00", False)]


def test_a_late_approval_is_paid_from_the_month_of_approval(county: World) -> None:
    person(county, WAR, name="早")
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    late = person(county, {**WAR, "approved_on": date(2026, 9, 30)}, name="晚")
    november = pay_month(county, "2026-11")
    assert items_of(november, late) == [
        ("2026-09", "living_subsidy", "540.00", "0.00", "540.00", True),
        ("2026-10", "living_subsidy", "540.00", "0.00", "540.00", True),
        ("2026-11", "living_subsidy", "540.00", "0.00", "540.00", False),
    ]


def test_a_failed_transfer_is_paid_in_the_next_batch(county: World) -> None:
    p = person(county, WAR)
    pay_month(county, "2026-09")
    october = pay_month(county, "2026-10", failed={p.pk: "账户冻结"})
    line = BatchLine.objects.get(batch=october, beneficiary=p)
    assert (line.status, line.reason) == (LineStatus.FAILED, "账户冻结")
    november = pay_month(county, "2026-11")
    assert items_of(november, p) == [
        ("2026-10", "living_subsidy", "540.00", "0.00", "540.00", True),
        ("2026-11", "living_subsidy", "540.00", "0.00", "540.00", False),
    ]


def test_suspension_months_are_not_paid(county: World) -> None:
    p = person(county, WAR)
    q = p.qualifications.get()
    with time_machine.travel(at(2026, 9, 15), tick=False):
        do_record_life_event(
            p, LifeEventKind.SUSPENSION, date(2026, 9, 15), acting_user=county.county_clerk, qualification=q
        )
    with time_machine.travel(at(2026, 11, 10), tick=False):
        do_record_life_event(
            p,
            LifeEventKind.SUSPENSION_END,
            date(2026, 11, 10),
            acting_user=county.county_clerk,
            qualification=q,
        )
    # September began before the suspension; October and November began inside it.
    with time_machine.travel(at(2026, 12, 3), tick=False):
        batch = do_create_batch(m("2026-12"), acting_user=county.county_clerk)
    assert [(i[0], i[4]) for i in items_of(batch, p)] == [("2026-09", "540.00"), ("2026-12", "540.00")]


def test_a_level_change_counts_from_the_first_month_it_is_in_force(county: World) -> None:
    p = person(county, DISABLED_6)
    q = p.qualifications.get()
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    # Recorded in November: level 5 from 15 September (so from October on).
    do_record_life_event(
        p,
        LifeEventKind.LEVEL_CHANGE,
        date(2026, 9, 15),
        acting_user=county.county_clerk,
        qualification=q,
        level=5,
    )
    november = pay_month(county, "2026-11")
    assert items_of(november, p) == [
        ("2026-10", "disability_pension", "4320.00", "3240.00", "1080.00", True),
        ("2026-11", "disability_pension", "4320.00", "0.00", "4320.00", False),
    ]


def test_a_standard_per_year_of_service(county: World) -> None:
    p = person(
        county,
        {"category": Category.ELDERLY_RURAL_VETERAN, "approved_on": date(2020, 1, 1), "service_years": 7},
    )
    batch = pay_month(county, "2026-09")
    # 60 × 7 × 1.08 / 12 = 37.80
    assert items_of(batch, p) == [("2026-09", "living_subsidy", "37.80", "0.00", "37.80", False)]


def test_a_per_year_standard_without_years_of_service_refuses_the_batch(county: World) -> None:
    person(
        county, {"category": Category.ELDERLY_RURAL_VETERAN, "approved_on": date(2020, 1, 1)}, name="无年限"
    )
    with pytest.raises(Conflict) as refused, time_machine.travel(at(2026, 9, 5), tick=False):
        do_create_batch(m("2026-09"), acting_user=county.county_clerk)
    assert refused.value.code == "cannot_compute"
    assert "无年限" in refused.value.message.en
    assert not BatchLine.objects.exists()


def test_a_top_up_change_applies_from_the_first_month_it_is_in_force_on_the_first_day(county: World) -> None:
    p = person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    topup_in_force(county, Decimal("10"), date(2026, 10, 15))
    november = pay_month(county, "2026-11")
    # October began at 8%; November at 10%: 6,000 × 1.10 / 12 = 550.00
    assert items_of(november, p) == [("2026-11", "living_subsidy", "550.00", "0.00", "550.00", False)]
    topup_in_force(county, Decimal("10"), date(2026, 10, 1))  # and then made retroactive
    december = pay_month(county, "2026-12")
    assert items_of(december, p) == [
        ("2026-10", "living_subsidy", "550.00", "540.00", "10.00", True),
        ("2026-12", "living_subsidy", "550.00", "0.00", "550.00", False),
    ]


def test_a_lowered_standard_becomes_recoveries_never_netted(county: World) -> None:
    p = person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    standards_in_force(county, csv_bytes([["参战退役人员", "", "", "", "4800", "2026-10-01", ""]]))
    november = pay_month(county, "2026-11")
    # 4,800 × 1.08 / 12 = 432.00: October was paid 540.00, 108.00 too much.
    assert items_of(november, p) == [("2026-11", "living_subsidy", "432.00", "0.00", "432.00", False)]
    recovery = Recovery.objects.get(beneficiary=p)
    assert (recovery.month, recovery.amount_fen, recovery.status) == (202610, 10800, RecoveryStatus.OPEN)
    assert november.recoveries == 1 and november.total_fen == 43200  # not 432 - 108
    # The next batch claims nothing twice.
    december = pay_month(county, "2026-12")
    assert december.recoveries == 0 and Recovery.objects.count() == 1
    # Money returned counts as not paid: nothing more is claimed and nothing is paid for October.
    do_settle_recovery(recovery, RecoveryStatus.RECOVERED, acting_user=county.county_clerk, note="现金退回")
    january = pay_month(county, "2027-01")
    assert january.recoveries == 0
    assert items_of(january, p) == [("2027-01", "living_subsidy", "432.00", "0.00", "432.00", False)]


def test_an_ended_entitlement_recovers_the_months_paid_after_it(county: World) -> None:
    p = person(county, WAR)
    q = p.qualifications.get()
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    pay_month(county, "2026-11")
    with time_machine.travel(at(2026, 11, 25), tick=False):
        do_record_life_event(
            p,
            LifeEventKind.CANCELLATION,
            date(2026, 10, 15),
            acting_user=county.county_clerk,
            qualification=q,
            reason="不符合条件",
        )
    december = pay_month(county, "2026-12")
    assert items_of(december, p) == []
    assert list(Recovery.objects.filter(beneficiary=p).values_list("month", "amount_fen")) == [
        (202611, 54000)
    ]
    assert december.recoveries == 1


def test_a_late_recorded_death_recovers_later_months_and_pays_the_lump_sum_to_the_payee(
    county: World,
) -> None:
    p = person(county, WAR, name="故者")
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    pay_month(county, "2026-11")
    payee_number = id_number_for(date(1975, 5, 5))
    do_record_life_event(  # recorded on 20 November: died on 10 October
        p,
        LifeEventKind.DEATH,
        date(2026, 10, 10),
        acting_user=county.county_clerk,
        payee=Payee("家属", IdNumber(payee_number), "邮储银行", "6210000000000000099"),
    )
    december = pay_month(county, "2026-12")
    # October (the month of death) stays paid; November is claimed back; the lump sum is
    # due the month after the death was recorded: 6 × 540.00 = 3,240.00.
    assert items_of(december, p) == [
        ("2026-12", "lump_sum_living_subsidy", "3240.00", "0.00", "3240.00", False)
    ]
    assert list(Recovery.objects.filter(beneficiary=p).values_list("month", "amount_fen")) == [
        (202611, 54000)
    ]
    line = BatchLine.objects.get(batch=december, beneficiary=p)
    assert (line.to_payee, line.payee_name, decrypt(line.bank_account_encrypted)) == (
        True,
        "家属",
        "6210000000000000099",
    )
    assert decrypt(line.payee_id_number_encrypted) == payee_number
    assert items_of(pay_month(county, "2027-01"), p) == []  # paid once


def test_a_disabled_veterans_lump_sum_is_twelve_months_of_pension(county: World) -> None:
    p = person(county, DISABLED_6, WAR)
    with time_machine.travel(at(2026, 9, 20), tick=False):
        do_record_life_event(
            p,
            LifeEventKind.DEATH,
            date(2026, 9, 18),
            acting_user=county.county_clerk,
            payee=Payee("家属", IdNumber(id_number_for(date(1980, 1, 1))), "农商银行", "6230000000000000777"),
        )
    batch = pay_month(county, "2026-10")
    # September (the month of death) arrears + 12 × 3,240.00 and 6 × 540.00, to the payee.
    assert items_of(batch, p) == [
        ("2026-09", "disability_pension", "3240.00", "0.00", "3240.00", True),
        ("2026-09", "living_subsidy", "540.00", "0.00", "540.00", True),
        ("2026-10", "lump_sum_disability_pension", "38880.00", "0.00", "38880.00", False),
        ("2026-10", "lump_sum_living_subsidy", "3240.00", "0.00", "3240.00", False),
    ]
    assert BatchLine.objects.get(batch=batch, beneficiary=p).payee_name == "家属"


def test_without_a_payee_the_lump_sum_waits_and_arrears_go_to_the_account_on_record(county: World) -> None:
    p = person(county, {"category": Category.MARTYR_SURVIVOR, "approved_on": date(2020, 1, 1)}, name="遗属")
    pay_month(county, "2026-09", failed={p.pk: "户名不符"})
    with time_machine.travel(at(2026, 10, 20), tick=False):
        do_record_life_event(p, LifeEventKind.DEATH, date(2026, 10, 2), acting_user=county.county_clerk)
    october = pay_month(county, "2026-10")
    # 27,000 × 1.08 / 12 = 2,430.00 for September (failed) and October, to the person's own account.
    assert items_of(october, p) == [
        ("2026-09", "survivor_pension", "2430.00", "0.00", "2430.00", True),
        ("2026-10", "survivor_pension", "2430.00", "0.00", "2430.00", False),
    ]
    line = BatchLine.objects.get(batch=october, beneficiary=p)
    assert (line.to_payee, line.payee_name) == (False, "遗属")
    november = pay_month(county, "2026-11")
    assert items_of(november, p) == []
    waiting = PendingLumpSum.objects.get(beneficiary=p)
    assert (waiting.amount_fen, waiting.found_in_id, waiting.named_at) == (6 * 243000, november.pk, None)
    do_name_lump_sum_payee(
        waiting,
        Payee("子女", IdNumber(id_number_for(date(1970, 2, 2))), "建设银行", "6217000000000000123"),
        acting_user=county.county_clerk,
    )
    december = pay_month(county, "2026-12")
    assert items_of(december, p) == [
        ("2026-11", "lump_sum_survivor_pension", "14580.00", "0.00", "14580.00", True)
    ]
    assert BatchLine.objects.get(batch=december, beneficiary=p).payee_name == "子女"


def test_the_conscript_family_allowance_is_paid_once_a_year_in_the_configured_month(county: World) -> None:
    family = person(county, {"category": Category.CONSCRIPT_FAMILY, "approved_on": date(2025, 9, 1)})
    ended = person(
        county, {"category": Category.CONSCRIPT_FAMILY, "approved_on": date(2025, 9, 1)}, name="退伍"
    )
    with time_machine.travel(at(2026, 11, 20), tick=False):
        do_record_life_event(
            ended,
            LifeEventKind.CANCELLATION,
            date(2026, 11, 15),
            acting_user=county.county_clerk,
            qualification=ended.qualifications.get(),
            reason="退役",
        )
    assert items_of(pay_month(county, "2026-11"), family) == []
    december = pay_month(county, "2026-12")
    assert items_of(december, family) == [
        ("2026-12", "conscript_family_allowance", "10000.00", "0.00", "10000.00", False)
    ]
    assert items_of(december, ended) == []  # not active in December
    assert items_of(pay_month(county, "2027-01"), family) == []


def test_the_allowance_month_is_a_setting(county: World) -> None:
    family = person(county, {"category": Category.CONSCRIPT_FAMILY, "approved_on": date(2025, 9, 1)})
    do_update_benefit_settings(acting_user=county.admin, allowance_month=10)
    assert items_of(pay_month(county, "2026-09"), family) == []
    assert [i[1] for i in items_of(pay_month(county, "2026-10"), family)] == ["conscript_family_allowance"]


def test_two_qualifications_giving_the_same_benefit_pay_the_higher_once(county: World) -> None:
    p = person(county, WAR, NUCLEAR)
    batch = pay_month(county, "2026-09")
    assert items_of(batch, p) == [("2026-09", "living_subsidy", "630.05", "0.00", "630.05", False)]


def test_a_set_start_month_is_what_the_batch_pays_from(world: World) -> None:
    with time_machine.travel(at(2026, 11, 20), tick=False):
        setup_county(world)
        p = person(world, WAR)
    november = pay_month(world, "2026-11")
    assert november.payments_start == date(2026, 11, 1)
    assert items_of(november, p) == [("2026-11", "living_subsidy", "540.00", "0.00", "540.00", False)]


def test_a_category_without_a_standard_refuses_the_batch(world: World) -> None:
    with time_machine.travel(at(2026, 11, 20), tick=False):
        setup_county(world, standards=[["参战退役人员", "", "", "", "6000", "2020-01-01", ""]])
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        person(world, WAR)
        person(
            world, {"category": Category.DEMOBILIZED_VETERAN, "approved_on": date(2020, 1, 1)}, name="复员"
        )
        with pytest.raises(Conflict) as refused:
            do_create_batch(m("2026-11"), acting_user=world.county_clerk)
    assert "复员" in refused.value.message.en and "在乡复员军人" in refused.value.message.en
    assert not BatchLine.objects.exists()


def test_a_person_without_a_bank_account_is_held_and_paid_once_one_is_given(county: World) -> None:
    p = person(county, WAR, bank_account="", bank_name="")
    september = pay_month(county, "2026-09")
    line = BatchLine.objects.get(batch=september, beneficiary=p)
    assert line.status == LineStatus.HELD
    assert (september.persons, september.total_fen) == (0, 0)
    with time_machine.travel(at(2026, 9, 20), tick=False):
        do_record_life_event(
            p,
            LifeEventKind.BANK_CHANGE,
            date(2026, 9, 20),
            acting_user=county.county_clerk,
            bank_name="农商银行",
            bank_account="6230000000000000555",
        )
    october = pay_month(county, "2026-10")
    assert [i[0] for i in items_of(october, p)] == ["2026-09", "2026-10"]
    assert BatchLine.objects.get(batch=october, beneficiary=p).status == LineStatus.PAID


def test_the_explanation_shows_the_standard_top_up_due_paid_and_difference(county: World) -> None:
    p = person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10", failed={p.pk: "账户冻结"})
    standards_in_force(county, csv_bytes([["参战退役人员", "", "", "", "7200", "2026-10-01", ""]]))
    explanation = explain_entitlements(p, date(2026, 8, 1), date(2026, 11, 1)).as_dict()
    assert explanation["payments_start"] == "2026-09"
    rows = [
        (
            r["month"],
            r["standard"]["annual_amount"],
            r["standard"]["effective_on"],
            r["top_up_percent"],
            r["due"],
            r["paid"],
            r["difference"],
        )
        for r in explanation["results"]
    ]
    assert rows == [
        ("2026-09", "6000.00", "2020-01-01", "8.00", "540.00", "540.00", "0.00"),
        ("2026-10", "7200.00", "2026-10-01", "8.00", "648.00", "0.00", "648.00"),
        ("2026-11", "7200.00", "2026-10-01", "8.00", "648.00", "0.00", "648.00"),
    ]
    # and the next batch pays exactly the differences
    with time_machine.travel(at(2026, 11, 5), tick=False):
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    assert [(i[0], i[4]) for i in items_of(batch, p)] == [("2026-10", "648.00"), ("2026-11", "648.00")]
    assert batch.state == BatchState.DRAFT


def test_a_batch_leaves_the_planners_settings_as_it_found_them(county: World) -> None:
    """The engine groups by sorting on PostgreSQL, and lets SQLite sort with helper threads,
    for the batch only."""
    person(county, WAR)
    pay_month(county, "2026-09")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW enable_hashagg")
            assert cursor.fetchone()[0] == "on"
        else:
            cursor.execute("PRAGMA threads")
            assert cursor.fetchone()[0] == 0
