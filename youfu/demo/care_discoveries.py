"""The demo's 应享未享 (see youfu/demo/care.py): runs last among the care areas, after housing and
medical, so its rules see their records.

A few deaths of pension holders are reported this month (disabled veterans' widows named as
payees, a martyr's survivor living with her family): the registry had no recorded death of a
pension holder to review. Then the county clerk refreshes the findings and resolves a handful of
each rule, as the bureau would: acted on, with the record it made as the reference (the 农村籍
退役士兵 qualification, the premium, the housing case, the widow's survivor qualification), or
not applicable, with the reason; the rest stay open on the list. A second run adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from youfu.core.crypto import decrypt
from youfu.core.errors import Conflict
from youfu.core.idnumber import IdNumber, make_id_number
from youfu.demo.care_staff import CareStaff
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, LifeEventKind, PersonStatus, Qualification, QualificationStatus
from youfu.registry.services import Payee, do_add_qualification, do_record_life_event, do_register_beneficiary
from youfu.registry.validation import PersonData, QualificationData
from youfu.relief.discoveries.models import Discovery, DiscoveryState, Outcome, Rule
from youfu.relief.discoveries.services import do_refresh_discoveries, do_resolve_discovery
from youfu.relief.housing.services import do_open_case
from youfu.relief.medical.services.yearly import do_record_premium

SCOPE_TRUSTED = "the demo county's generator fills a fictitious database; it never serves a request"

PREMIUM_FEN = 38_000  # a year's premium of the residents' medical insurance (380 yuan)
REPAIR_BUDGET_FEN = 2_500_000
# Why a finding did not apply, as clerks write it.
NOT_APPLICABLE = {
    Rule.RURAL_VETERAN_60: "经核实，本人入伍前为城镇户籍，不属于农村籍退役士兵",
    Rule.PREMIUM_MISSING: "本人已随子女参加城镇职工医疗保险，无需代缴",
    Rule.HOUSING_UNSERVED: "本人已随子女迁入新居，原房屋无人居住",
    Rule.SURVIVOR_REVIEW: "家庭其他成员均已成年且有劳动能力，不符合遗属定期抚恤条件",
}


@dataclass
class _Made:
    deaths: int = 0
    found: int = 0
    acted: int = 0
    not_applicable: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    if Discovery.objects.exists():
        return {}
    made = _Made()
    _report_deaths(staff, today, rng, made)
    result = do_refresh_discoveries(acting_user=staff.clerk)
    made.found = result.added
    for rule in Rule:
        _resolve_some(staff, rule, today, made)
    open_by_rule = dict(
        Discovery.objects.filter(state=DiscoveryState.OPEN)
        .order_by()
        .values_list("rule")
        .annotate(n=Count("pk"))
        .values_list("rule", "n")
    )
    return {
        "deaths_reported": made.deaths,
        "found": made.found,
        "acted": made.acted,
        "not_applicable": made.not_applicable,
        **{f"open_{rule.value}": int(open_by_rule.get(rule.value, 0)) for rule in Rule},
    }


# --- deaths reported this month -------------------------------------------------------------


def _death_day(today: date) -> date:
    # This month: what it was paid for is still due (the month of death is paid), and the lump sum
    # falls due next month, after the demo's batches.
    return max(today.replace(day=1), today - timedelta(days=3))


def _report_deaths(staff: CareStaff, today: date, rng: random.Random, made: _Made) -> None:
    on = _death_day(today)
    holders = Qualification.objects.filter(
        beneficiary=OuterRef("pk"), status=QualificationStatus.ACTIVE, approved_on__lt=on
    )
    alive = Beneficiary.objects.filter(status=PersonStatus.ALIVE)
    # Two elderly disabled veterans living alone (the most severely disabled first), each survived
    # by a wife named as the payee.
    veterans = list(
        alive.filter(
            Exists(holders.filter(category=Category.DISABLED_VETERAN)),
            birth_date__lt=date(today.year - 60, 1, 1),
        )
        .exclude(bank_account_masked="")
        .annotate(
            members=Count("household__members"),
            level=Subquery(
                Qualification.objects.filter(
                    beneficiary=OuterRef("pk"), category=Category.DISABLED_VETERAN
                ).values("disability_level")[:1]
            ),
        )
        .filter(members__lte=1)
        .order_by("level", "pk")[:10]
    )
    for person in rng.sample(veterans, min(2, len(veterans))):
        do_record_life_event(
            person,
            LifeEventKind.DEATH,
            on,
            acting_user=staff.clerk,
            note="家属来报，已核实死亡医学证明",
            payee=_widow(person),
        )
        made.deaths += 1
    # A martyr's survivor living with her family.
    survivors = list(
        alive.filter(Exists(holders.filter(category=Category.MARTYR_SURVIVOR)), household__isnull=False)
        .annotate(members=Count("household__members"))
        .filter(members__gte=2)
        .order_by("pk")[:40]
    )
    for survivor in rng.sample(survivors, min(1, len(survivors))):
        do_record_life_event(survivor, LifeEventKind.DEATH, on, acting_user=staff.clerk, note="村委会报告")
        made.deaths += 1


def _widow(person: Beneficiary) -> Payee:
    born = date(person.birth_date.year + 2, 9, 12)
    return Payee(
        name=person.name[0] + "桂英",
        id_number=IdNumber(make_id_number(person.township_id[:6], born, 2 * (person.pk % 400) + 2)),
        bank_name=person.bank_name,
        bank_account=_account_of_widow(person),
    )


def _account_of_widow(person: Beneficiary) -> str:
    """A 19-digit account at the person's bank's BIN, with its Luhn check digit."""
    body = f"623059{person.pk:012d}"
    total = 0
    for i, digit in enumerate(reversed(body)):
        n = int(digit)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return body + str((10 - total % 10) % 10)


# --- resolving a handful ----------------------------------------------------------------------


def _resolve_some(staff: CareStaff, rule: Rule, today: date, made: _Made) -> None:
    """Of each rule's findings (two or more), the first that can be acted on is, the next does not
    apply (from three on); the rest stay open."""
    found = list(
        Discovery.objects.filter(rule=rule, state=DiscoveryState.OPEN)
        .select_related("beneficiary", "beneficiary__township", "beneficiary__region", "death")
        .order_by("beneficiary__township_id", "pk")
    )
    if len(found) < 2:
        return
    left = list(found)
    for finding in found:
        reference = _act(staff, finding, today)
        if reference:
            do_resolve_discovery(
                finding, acting_user=staff.clerk, outcome=Outcome.ACTED, reference=reference, note="已办理"
            )
            made.acted += 1
            left.remove(finding)
            break
    if len(found) >= 3:
        do_resolve_discovery(
            left[0], acting_user=staff.clerk, outcome=Outcome.NOT_APPLICABLE, note=NOT_APPLICABLE[rule]
        )
        made.not_applicable += 1


def _act(staff: CareStaff, finding: Discovery, today: date) -> str:
    """Do what the finding asks, through the area's service; the reference to what was made."""
    person = finding.beneficiary
    match finding.rule:
        case Rule.RURAL_VETERAN_60:
            served = (
                person.qualifications.filter(category=Category.OTHER_VETERAN)
                .exclude(Q(enlisted_on__isnull=True))
                .first()
            )
            data = QualificationData(
                category=Category.ELDERLY_RURAL_VETERAN,
                approved_on=today,
                enlisted_on=served.enlisted_on if served else None,
                discharged_on=served.discharged_on if served else None,
                service_years=served.service_years if served else None,
            )
            return f"qualification:{do_add_qualification(person, data, acting_user=staff.clerk).pk}"
        case Rule.PREMIUM_MISSING:
            assert finding.year is not None
            premium = do_record_premium(person, finding.year, PREMIUM_FEN, acting_user=staff.clerk)
            return f"premium:{premium.pk}"
        case Rule.HOUSING_UNSERVED:
            if person.status != PersonStatus.ALIVE:
                return ""  # the case is opened for a living member of the home: another finding
            case = do_open_case(
                person, kind="repair", budget_fen=REPAIR_BUDGET_FEN, note="危房改造", acting_user=staff.clerk
            )
            return f"housing_case:{case.pk}"
        case _:
            return _register_survivor(staff, finding, today)


def _register_survivor(staff: CareStaff, finding: Discovery, today: date) -> str:
    """The widow named as payee is registered with her survivor's qualification (病故军人遗属)."""
    death = finding.death
    assert death is not None
    payee = getattr(death, "payee", None)
    if payee is None:
        return ""
    person = finding.beneficiary
    number = IdNumber(decrypt(payee.id_number_encrypted))
    data = PersonData(
        name=payee.name,
        id_number=number,
        sex=number.sex,
        birth_date=number.birth_date,
        ethnicity=person.ethnicity,
        residence=person.residence,
        township=person.township,
        village=person.region if person.region_id != person.township_id else None,
        phone=person.phone,
        bank_name=payee.bank_name,
        bank_account=decrypt(payee.bank_account_encrypted),
    )
    qualification = QualificationData(category=Category.ILLNESS_DEATH_SURVIVOR, approved_on=today)
    try:
        widow = do_register_beneficiary(data, [qualification], acting_user=staff.clerk)
    except Conflict:  # registered already (an ID number the demo drew twice): nothing to act on
        return ""
    return f"qualification:{widow.qualifications.get().pk}"
