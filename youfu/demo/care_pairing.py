"""The demo's pairing support (结对帮扶, see youfu/demo/care.py): about fifty county departments,
each caring for two to five households of priority beneficiaries across the townships, over the
last ``CARE_YEARS`` years. Each year a department explains policies, brings money at the Spring
Festival and often for Army Day, and now and then trains someone, supports a small project or
finds a job. A few pairings ended along the way (the household moved, or the department was given
another) and a new household was paired in their place.

县民政局, the demo liaison's department, has its households and their activities recorded by the
liaison herself; other departments report on paper and the county clerk records for them. About a
third of the pairings have nothing yet in the current quarter, so the liaison's and the clerk's
work lists have something to show.

Everything goes through the pairing services as the demo accounts (the departments through
``do_create_department`` as the admin); a department that already has a pairing is left alone,
so a second run adds nothing. Only the timestamps are set back afterwards, to the day of the
record, so the pages read like a real history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from youfu.accounts.models import Department, User
from youfu.accounts.services import do_create_department
from youfu.demo.care_staff import CARE_YEARS, CareStaff
from youfu.outreach.pairing.models import ActivityKind, Pairing, PairingActivity
from youfu.outreach.pairing.rules import quarter_start
from youfu.outreach.pairing.services import do_end_pairing, do_record_activity, do_start_pairing
from youfu.registry.categories import PRIORITY_CATEGORIES
from youfu.registry.models import Beneficiary, PersonStatus, QualificationStatus

SCOPE_TRUSTED = "the demo county's generator fills a fictitious database; it never serves a request"

LIAISON_DEPARTMENT = "县民政局"  # the demo account ``liaison`` works here (load-demo)

# The county's departments in pairing: party and government offices, public services, the
# courts, state companies and banks. Those that handle petitions already exist (bureau.py).
DEPARTMENTS = (
    LIAISON_DEPARTMENT,
    "县人社局",
    "县卫健委",
    "县住建局",
    "县医保局",
    "县财政局",
    "县委办公室",
    "县政府办公室",
    "县人大办公室",
    "县政协办公室",
    "县委组织部",
    "县委宣传部",
    "县委统战部",
    "县委政法委",
    "县纪委监委",
    "县发改委",
    "县教育局",
    "县科技局",
    "县工信局",
    "县公安局",
    "县司法局",
    "县自然资源局",
    "县生态环境分局",
    "县交通运输局",
    "县水利局",
    "县农业农村局",
    "县商务局",
    "县文旅局",
    "县应急管理局",
    "县审计局",
    "县市场监管局",
    "县统计局",
    "县林业局",
    "县乡村振兴局",
    "县信访局",
    "县总工会",
    "团县委",
    "县妇联",
    "县残联",
    "县人民法院",
    "县人民检察院",
    "县人武部",
    "县税务局",
    "县气象局",
    "县供电公司",
    "县农商银行",
    "县邮政分公司",
    "县烟草专卖局",
    "县人民医院",
    "县融媒体中心",
)

NOTES: dict[str, tuple[str, ...]] = {
    ActivityKind.POLICY: (
        "入户宣讲优抚政策和医疗保障政策",
        "讲解退役军人优待证的办理和使用",
        "宣传临时救助的申请条件和程序",
        "解读今年抚恤补助标准的调整",
        "讲解城乡居民养老保险缴费政策",
    ),
    ActivityKind.FUNDS: (
        "春节前入户送去帮扶资金",
        "八一建军节慰问帮扶资金",
        "子女上学助学帮扶资金",
        "住院治疗后困难帮扶资金",
    ),
    ActivityKind.SKILLS: (
        "组织参加电工技能培训",
        "参加家政服务培训并取得证书",
        "参加果树修剪和病虫害防治培训",
        "参加电商直播带货培训",
    ),
    ActivityKind.PROJECTS: (
        "扶持发展肉牛养殖项目",
        "扶持庭院经济种植项目",
        "协调光伏发电项目入股分红",
        "扶持小型农产品加工作坊",
    ),
    ActivityKind.JOBS: (
        "推荐到县工业园区企业就业",
        "协调安排公益性岗位",
        "介绍到物流公司做分拣员",
        "推荐参加县城招聘会并上岗",
    ),
}
END_REASONS = ("帮扶期满，调整结对对象", "对象家庭搬迁至县外")


@dataclass
class _Made:
    departments_created: int = 0
    departments: int = 0
    pairings: int = 0
    ended: int = 0
    activities: int = 0
    amount_fen: int = 0


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    made = _Made()
    units = _departments(staff, made)
    candidates = _candidates(rng)
    if not candidates:
        return {}
    first_day = _years_back(today, CARE_YEARS)
    for unit in units:
        if Pairing.objects.filter(department=unit).exists():
            continue
        recorder = staff.liaison if unit.name == LIAISON_DEPARTMENT else staff.clerk
        households = rng.randint(4, 5) if unit.name == LIAISON_DEPARTMENT else rng.randint(2, 5)
        made.departments += 1
        paired: set[int] = set()  # this department's people, past and present
        for person in _choose(candidates, households, paired, rng):
            started_on = first_day + timedelta(days=rng.randint(0, 200))
            if rng.random() < 0.12:  # paired later on
                started_on = first_day + timedelta(days=rng.randint(365, 365 * (CARE_YEARS - 1)))
            ends_on = None
            if rng.random() < 0.08 and (today - started_on).days > 700:
                ends_on = started_on + timedelta(days=rng.randint(400, (today - started_on).days - 200))
            _pair(staff, unit, person, started_on, ends_on, today, recorder, rng, made)
            if ends_on is not None:
                # The department is given another household from the next month.
                for other in _choose(candidates, 1, paired, rng):
                    _pair(staff, unit, other, ends_on + timedelta(days=20), None, today, recorder, rng, made)
    return {
        "departments created": made.departments_created,
        "departments in pairing": made.departments,
        "pairings": made.pairings,
        "ended": made.ended,
        "activities": made.activities,
        "yuan": made.amount_fen // 100,
    }


def _years_back(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years) + timedelta(days=1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28) + timedelta(days=1)


def _departments(staff: CareStaff, made: _Made) -> list[Department]:
    county = staff.admin.region
    assert county is not None
    existing = {d.name: d for d in Department.objects.filter(region=county, name__in=DEPARTMENTS)}
    units = []
    for name in DEPARTMENTS:
        unit = existing.get(name)
        if unit is None:
            unit = do_create_department(name, region_code=county.code, acting_user=staff.admin)
            made.departments_created += 1
        units.append(unit)
    return units


def _candidates(rng: random.Random) -> list[Beneficiary]:
    """Living priority beneficiaries, one per household, in a random order."""
    people = (
        Beneficiary.objects.filter(
            status=PersonStatus.ALIVE,
            qualifications__category__in=PRIORITY_CATEGORIES,
            qualifications__status=QualificationStatus.ACTIVE,
        )
        .exclude(pairings__isnull=False)
        .distinct()
        .order_by("pk")
    )
    seen: set[int] = set()
    out = []
    for person in people.only("pk", "household_id", "township_id"):
        key = person.household_id or -person.pk
        if key not in seen:
            seen.add(key)
            out.append(person)
    rng.shuffle(out)
    return out


def _choose(
    candidates: list[Beneficiary], n: int, exclude: set[int], rng: random.Random
) -> list[Beneficiary]:
    """``n`` people, from different townships where possible, taken off the candidates; now and
    then one stays on the list, to be cared for by a second department as well."""
    chosen: list[Beneficiary] = []
    townships: set[str] = set()
    for person in list(candidates):
        if len(chosen) == n:
            break
        if person.pk in exclude or (person.township_id in townships and rng.random() < 0.7):
            continue
        chosen.append(person)
        townships.add(person.township_id)
        exclude.add(person.pk)
        candidates.remove(person)
        if rng.random() < 0.04:
            candidates.insert(rng.randrange(len(candidates) + 1), person)
    return chosen


def _pair(
    staff: CareStaff,
    unit: Department,
    person: Beneficiary,
    started_on: date,
    ends_on: date | None,
    today: date,
    recorder: User,
    rng: random.Random,
    made: _Made,
) -> None:
    started_on = min(started_on, today)
    pairing = do_start_pairing(
        department_id=unit.pk,
        beneficiary_id=person.pk,
        started_on=started_on,
        acting_user=staff.clerk,
        note="按县委、县政府结对帮扶工作安排",
    )
    _backdate(Pairing, pairing.pk, "created_at", started_on)
    made.pairings += 1
    last = ends_on or today
    quiet_from = quarter_start(today) if rng.random() < 0.35 else None
    for kind, done_on, amount, count in _plan(started_on, last, quiet_from, rng):
        activity = do_record_activity(
            pairing,
            kind=kind,
            done_on=done_on,
            amount=amount,
            count=count,
            note=rng.choice(NOTES[kind]),
            acting_user=recorder,
        )
        _backdate(
            PairingActivity,
            activity.pk,
            "recorded_at",
            min(done_on + timedelta(days=rng.randint(0, 6)), today),
        )
        made.activities += 1
        made.amount_fen += activity.amount_fen or 0
    if ends_on is not None:
        do_end_pairing(pairing, ended_on=ends_on, reason=rng.choice(END_REASONS), acting_user=staff.clerk)
        made.ended += 1


def _plan(
    first: date, last: date, quiet_from: date | None, rng: random.Random
) -> list[tuple[str, date, Decimal | None, int | None]]:
    """A year of a department's care for one household, for each year of the pairing."""
    plan: list[tuple[str, date, Decimal | None, int | None]] = []

    def on(year: int, month: int, day: int, spread: int) -> date | None:
        try:
            chosen = date(year, month, day) + timedelta(days=rng.randint(0, spread))
        except ValueError:
            return None
        if chosen < first or chosen > last or (quiet_from is not None and chosen >= quiet_from):
            return None
        return chosen

    def add(kind: str, when: date | None, amount: int | None = None, count: int | None = None) -> None:
        if when is not None:
            plan.append((kind, when, None if amount is None else Decimal(amount), count))

    for year in range(first.year, last.year + 1):
        add(ActivityKind.FUNDS, on(year, 1, 10, 30), rng.choice((500, 800, 1000, 1000, 1500, 2000)))
        if rng.random() < 0.6:
            add(ActivityKind.FUNDS, on(year, 7, 20, 10), rng.choice((300, 500, 800)))
        add(ActivityKind.POLICY, on(year, 3, 1, 90), count=rng.randint(1, 4))
        if rng.random() < 0.5:
            add(ActivityKind.POLICY, on(year, 9, 1, 80), count=rng.randint(1, 3))
        if rng.random() < 0.3:
            subsidy = rng.choice((None, None, 300, 600, 800))
            add(ActivityKind.SKILLS, on(year, 4, 1, 150), subsidy, rng.randint(1, 2))
        if rng.random() < 0.08:
            add(ActivityKind.PROJECTS, on(year, 5, 1, 120), rng.randrange(5000, 30001, 1000), 1)
        if rng.random() < 0.12:
            add(ActivityKind.JOBS, on(year, 3, 1, 200), count=1)
        if rng.random() < 0.5:
            add(ActivityKind.FUNDS, on(year, 10, 1, 60), rng.choice((500, 1000)))
    return sorted(plan, key=lambda step: step[1])


def _backdate(model: type[Pairing] | type[PairingActivity], pk: int, column: str, day: date) -> None:
    moment = timezone.make_aware(datetime.combine(day, time(10, 0)))
    model.objects.filter(pk=pk).update(**{column: moment})
