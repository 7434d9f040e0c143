"""The demo's needs checks (困难排查, see youfu/demo/care.py): every quarter of the last four years
the county clerk opens the county's round; the township clerks, the village assistant and the
county clerks check the priority households, township by township, a few days at a time, and
record what difficulties they find, each with an owner among the demo clerks (clerk, clerk2,
township, village) who may work where the person lives.

Rounds that have ended were nearly all checked (a few households could not be reached before the
next round began); the current quarter's round is part done, so the home work list has households
to check. Older findings are nearly all solved with a written solution; the recent ones are partly
open, and a few are overdue. Everything goes through the needs services; the dates are then set
back to when the work was done (a demo-only ``update``). A quarter whose round exists is left
alone, so a second run adds nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from youfu.accounts.models import User
from youfu.demo.care_staff import CARE_YEARS, CareStaff
from youfu.outreach.needs import services
from youfu.outreach.needs.models import Finding, FindingKind, HouseholdCheck, NeedsRound
from youfu.outreach.needs.periods import Period, period_containing
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary, PersonStatus

# Of an ended round's households, this share was checked (the rest were away).
DONE_SHARE = 0.96
# Of the households checked, this share had a difficulty worth recording.
FINDING_SHARE = 0.03
# How long a finding is given, in days.
DUE_DAYS = (30, 90)

DIFFICULTIES: dict[str, tuple[tuple[str, str], ...]] = {
    FindingKind.HOUSING: (
        ("老房屋顶漏雨,雨季无法居住", "已纳入农村危房改造,屋顶翻修完毕"),
        ("房屋墙体开裂,存在安全隐患", "镇村组织加固墙体,已验收"),
        ("厨房和厕所简陋,老人行动不便", "协调适老化改造,加装扶手和坐便器"),
    ),
    FindingKind.MEDICAL: (
        ("慢性病长期服药,自付费用负担重", "办理门诊慢特病待遇,并申请医疗补助"),
        ("住院费用较高,医保报销后仍有较大缺口", "按规定申请医疗补助和临时救助"),
        ("行动不便,无法按时到医院复诊", "联系镇卫生院家庭医生上门随访"),
    ),
    FindingKind.INCOME: (
        ("家庭收入低,冬季取暖费用困难", "发放临时救助金,协调取暖补贴"),
        ("主要劳动力生病,家庭收入中断", "申请临时救助,纳入结对帮扶"),
    ),
    FindingKind.EMPLOYMENT: (
        ("子女退伍返乡后未就业", "推荐参加退役军人专场招聘会,已在县内企业就业"),
        ("家庭成员有就业意愿但缺乏技能", "安排参加电工技能培训,已取得证书"),
    ),
    FindingKind.SCHOOLING: (
        ("孙辈上学交通不便", "协调校车接送"),
        ("子女上大学学费困难", "落实优待政策,申请助学金"),
    ),
    FindingKind.OTHER: (
        ("独居老人,日常生活缺少照料", "村里安排志愿者定期探望,签订联系帮扶协议"),
        ("对抚恤政策不了解,咨询补发事宜", "上门宣讲政策,解答补发问题"),
    ),
}
PROGRESS_NOTES = ("已上门核实情况", "已联系相关部门", "材料已报送,等待审批", "电话回访,情况稳定")


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def periods(today: date) -> list[Period]:
    """The quarters from four years ago through today's."""
    first = period_containing(date(today.year - CARE_YEARS, today.month, 1)).following()
    found = []
    period = first
    while period.start <= today:
        found.append(period)
        period = period.following()
    return found


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    county = Region.objects.get(code=staff.clerk.region_id)
    made = {"rounds": 0, "households_checked": 0, "findings": 0, "solved": 0, "open": 0, "overdue": 0}
    existing = set(
        NeedsRound.objects.visible_to(staff.clerk).filter(region=county).values_list("name", flat=True)
    )
    previous: NeedsRound | None = None
    for period in periods(today):
        if period.name in existing:
            previous = None
            continue
        round_ = _open(staff, county, period, today, rng, previous)
        made["rounds"] += 1
        _check(staff, round_, period, today, rng, made)
        previous = round_
    return made


def _open(
    staff: CareStaff,
    county: Region,
    period: Period,
    today: date,
    rng: random.Random,
    previous: NeedsRound | None,
) -> NeedsRound:
    round_ = services.do_open_round(period.name, county, max(period.end, today), acting_user=staff.clerk)
    opened = _at(min(period.start + timedelta(days=rng.randint(0, 6)), today))
    NeedsRound.objects.visible_to(staff.clerk).filter(pk=round_.pk).update(
        opened_at=opened, due_on=period.end
    )
    if previous is not None:
        NeedsRound.objects.visible_to(staff.clerk).filter(pk=previous.pk).update(closed_at=opened)
    round_.refresh_from_db()
    return round_


def _checker(staff: CareStaff, township: str, village: str, rng: random.Random) -> User:
    """Who checks there: the village assistant in their village, the township clerk in theirs,
    the county clerks elsewhere."""
    if village == staff.village.region_id:
        return rng.choice([staff.village, staff.township])
    if township == staff.township.region_id:
        return staff.township
    return rng.choice([staff.clerk, staff.clerk2])


def _owners(staff: CareStaff, person: Beneficiary) -> list[User]:
    owners = [staff.clerk, staff.clerk2]
    if person.township_id == staff.township.region_id:
        owners.append(staff.township)
    if person.region_id == staff.village.region_id:
        owners.append(staff.village)
    return owners


def _check(
    staff: CareStaff,
    round_: NeedsRound,
    period: Period,
    today: date,
    rng: random.Random,
    made: dict[str, int],
) -> None:
    """Check the round's households, a group of one village on one day, and record findings."""
    opened = round_.opened_on
    last = min(period.end, today)
    if today > period.end:
        share = DONE_SHARE
    else:
        share = max(0.15, DONE_SHARE * ((today - opened).days + 1) / ((period.end - opened).days + 1))
    rows = list(
        HouseholdCheck.objects.visible_to(staff.clerk)
        .filter(round=round_)
        .values_list("pk", "household_id", "township_id", "household__region_id")
        .order_by("pk")
    )
    chosen = [r for r in rows if rng.random() < share]
    groups: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for pk, household_id, township, village in chosen:
        groups[(township, village)].append((pk, household_id))
    members = _members(staff, round_)
    for (township, village), checks in sorted(groups.items()):
        day = opened + timedelta(days=rng.randint(0, max(0, (last - opened).days)))
        checker = _checker(staff, township, village, rng)
        plain = []
        for pk, household_id in checks:
            people = members.get(household_id, [])
            if people and rng.random() < FINDING_SHARE:
                person = rng.choice(people)
                finder = (
                    checker if checker.region and checker.region.contains(person.region_id) else staff.clerk
                )
                _find(staff, round_, person, finder, day, today, rng, made)
                made["households_checked"] += 1
            else:
                plain.append(pk)
        if plain:
            made["households_checked"] += services.do_check_no_difficulty(
                round_, plain, checked_on=day, acting_user=checker
            )


def _members(staff: CareStaff, round_: NeedsRound) -> dict[int, list[Beneficiary]]:
    people: dict[int, list[Beneficiary]] = defaultdict(list)
    households = HouseholdCheck.objects.visible_to(staff.clerk).filter(round=round_).values("household_id")
    for person in (
        Beneficiary.objects.visible_to(staff.clerk)
        .filter(household_id__in=households, status=PersonStatus.ALIVE)
        .order_by("pk")
    ):
        assert person.household_id is not None
        people[person.household_id].append(person)
    return people


def _find(
    staff: CareStaff,
    round_: NeedsRound,
    person: Beneficiary,
    checker: User,
    day: date,
    today: date,
    rng: random.Random,
    made: dict[str, int],
) -> None:
    kind = rng.choice(list(DIFFICULTIES))
    description, solution = rng.choice(DIFFICULTIES[kind])
    owner = rng.choice(_owners(staff, person))
    finding = services.do_record_finding(
        round_,
        person,
        kind=kind,
        description=description,
        owner=owner.username,
        due_on=today + timedelta(days=DUE_DAYS[1]),
        found_on=day,
        acting_user=checker,
    )
    due = day + timedelta(days=rng.randint(*DUE_DAYS))
    Finding.objects.visible_to(staff.clerk).filter(pk=finding.pk).update(due_on=due, created_at=_at(day, 16))
    finding.refresh_from_db()
    made["findings"] += 1
    # Most are solved within their time; what is found lately is partly still open, and a few
    # older ones ran over their due date.
    age = (today - day).days
    solve_share = 0.99 if age > 200 else 0.93 if age > 90 else 0.5
    if rng.random() < 0.3:
        services.do_add_finding_note(
            finding,
            text=rng.choice(PROGRESS_NOTES),
            written_on=min(day + timedelta(days=rng.randint(1, 20)), today),
            acting_user=owner,
        )
    if rng.random() < solve_share:
        solved_on = min(day + timedelta(days=rng.randint(5, (due - day).days + 15)), today)
        services.do_solve_finding(finding, solution=solution, solved_on=solved_on, acting_user=owner)
        made["solved"] += 1
    else:
        made["open"] += 1
        made["overdue"] += 1 if due < today else 0
