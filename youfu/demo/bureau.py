"""The demo bureau at work: what its clerks and its leader did with the demo county.

The registry (``generator.py``) gives the county its people; this module gives the bureau its
history, made through the same services a user's click or command calls, each with its acting
user, so every row, timeline entry and audit record is what real work would have left:

- the handling units: the county 退役军人事务局 itself, county departments and each township's
  退役军人服务站;
- the national standards of 2022 to 2026, a raise each August, and the county's top-up, raised
  every year or two (6% in 2022 to 10% in 2026), each entered by the clerk and approved by the
  leader; a table or top-up that took effect after the payments start arrives two months late,
  as the notices and the county's budget do, so the batch after each pays the raise back as
  arrears;
- the payments start month, and four years of monthly batches, each created by the clerk,
  approved by the leader, exported one file per bank, answered by each bank and closed; in one,
  a bank refuses a transfer to a closed account, the clerk records the new account and the next
  batch repays it;
- petitions (信访) in every state with their timelines, dated before today so that their
  deadlines run as they would: one extension approved by the leader, one waiting for them, a
  repeat visit joined to its case, a group received at the leader's reception day;
- the year's annual confirmation (年审), open and partly done.

Dates that matter to the work (batch periods, petition dates, the review's year) are counted
back from today, so the demo looks like a bureau in the middle of its work whenever it is
loaded. Each part is made once: running the demo again finds it and leaves it alone.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from faker import Faker

from youfu.accounts.models import Department, User
from youfu.accounts.services import do_create_department
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits import services as benefits
from youfu.benefits.models import (
    Batch,
    BatchLine,
    LineStatus,
    LocalTopUp,
    ParameterState,
    StandardImport,
)
from youfu.benefits.money import add_months, money
from youfu.benefits.services.bank_files import FAILED_MARK, PAID_MARK
from youfu.core.crypto import decrypt
from youfu.core.idnumber import make_id_number, parse_id_number
from youfu.demo import care
from youfu.demo.care_staff import CARE_YEARS
from youfu.petitions import services as petitions
from youfu.petitions.models import Category as Topic
from youfu.petitions.models import Channel, Petition, ReceptionDay, Satisfaction, State
from youfu.petitions.validation import PetitionData, PetitionerData
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import PRIORITY_CATEGORIES, Category
from youfu.registry.models import (
    AnnualReview,
    Beneficiary,
    LifeEventKind,
    PersonStatus,
    QualificationStatus,
    ReviewItem,
    ReviewStatus,
)
from youfu.registry.reviews import do_confirm_review_items, do_open_annual_review
from youfu.registry.services import Payee, do_record_life_event, do_update_beneficiary

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = "the demo county's generator fills a fictitious database; it never serves a request"

COUNTY = "341199000000"
BUREAU = "县退役军人事务局"
# Where petitions go when the bureau itself does not decide them (受理后交办).
COUNTY_DEPARTMENTS = (BUREAU, "县民政局", "县人社局", "县卫健委", "县住建局", "县医保局", "县财政局")
STATION = "{township}退役军人服务站"
# The payment history is as long as the care records: relief and medical claims are paid by its batches.
BATCH_MONTHS = 12 * CARE_YEARS
# 地方增发: the county's top-up, raised from January as its budget allows: (from, percent).
TOPUPS: tuple[tuple[date, Decimal], ...] = (
    (date(2022, 1, 1), Decimal("6")),
    (date(2023, 1, 1), Decimal("7")),
    (date(2024, 1, 1), Decimal("8")),
    (date(2026, 1, 1), Decimal("10")),
)
# A table or top-up that took effect after the payments start is entered this many months later.
LATE_MONTHS = 2

# --- the national standards ---------------------------------------------------------------------
# Modelled on the yearly notices of 退役军人事务部 and 财政部 (关于调整部分优抚对象等人员抚恤和
# 生活补助标准的通知), which take effect on 1 August: yuan a year. The amounts are the demo's own,
# close to the national ones of 2024 (BASE_DATE); each year's notice raises them by about 4%. A
# bureau imports the table of its own notice.
STANDARD_DATES = (date(2022, 8, 1), date(2023, 8, 1), date(2024, 8, 1), date(2025, 8, 1), date(2026, 8, 1))
BASE_DATE = date(2024, 8, 1)
RAISE = Decimal("1.04")
# 残疾抚恤金 by level: (因战, 因公, 因病); 因病 is recognised at levels 1–6 only.
DISABILITY_2024 = (
    (102_420, 99_020, 95_610),
    (92_190, 85_360, 81_950),
    (81_950, 75_120, 71_710),
    (64_900, 58_060, 54_640),
    (51_240, 44_400, 40_990),
    (40_990, 37_580, 34_160),
    (30_750, 27_330, None),
    (20_500, 17_080, None),
    (13_660, 10_250, None),
    (8_540, 6_830, None),
)
# (优抚类别, 城镇, 农村 or None for one amount, 计发方式)
OTHERS_2024: tuple[tuple[str, int, int | None, str], ...] = (
    ("烈士遗属", 32_860, 28_960, "每人"),
    ("因公牺牲军人遗属", 28_540, 25_170, "每人"),
    ("病故军人遗属", 27_590, 24_280, "每人"),
    ("在乡复员军人", 21_060, None, "每人"),
    ("带病回乡退伍军人", 17_280, None, "每人"),
    ("参战退役人员", 9_780, None, "每人"),
    ("参试退役人员", 9_780, None, "每人"),
    ("烈士子女", 7_920, None, "每人"),
    ("农村籍退役士兵", 660, None, "每服役年"),  # 55 yuan a month per year of service
)
# 义务兵家庭优待金: the county's own yearly amount, paid once a year (no top-up).
CONSCRIPT_ALLOWANCE = (10_800, 11_400, 12_000, 12_600, 13_200)


def _raised(amount: int, years: int) -> int:
    """The 2024 amount after ``years`` yearly raises (before 2024: ``-years`` raises back), to
    whole yuan (ten yuan from 1,000 up)."""
    value = Decimal(amount)
    for _ in range(abs(years)):
        value = value * RAISE if years > 0 else value / RAISE
    step = Decimal(10) if amount >= 1000 else Decimal(1)
    return int((value / step).to_integral_value(rounding=ROUND_HALF_UP) * step)


def standards_rows(effective_on: date) -> list[list[str]]:
    """The whole national table in force from ``effective_on``, in the import's columns: every
    category, cause, level and residence the payment engine can meet has exactly one row."""
    index = STANDARD_DATES.index(effective_on)
    years = index - STANDARD_DATES.index(BASE_DATE)
    day = effective_on.isoformat()
    rows: list[list[str]] = []
    for level, amounts in enumerate(DISABILITY_2024, start=1):
        for cause, amount in zip(("因战", "因公", "因病"), amounts, strict=True):
            if amount is not None:
                rows.append(["残疾军人", cause, str(level), "", str(_raised(amount, years)), day, "每人"])
    for category, urban, rural, basis in OTHERS_2024:
        if rural is None:
            rows.append([category, "", "", "", str(_raised(urban, years)), day, basis])
        else:
            rows.append([category, "", "", "城镇", str(_raised(urban, years)), day, basis])
            rows.append([category, "", "", "农村", str(_raised(rural, years)), day, basis])
    rows.append(["义务兵家属", "", "", "", str(CONSCRIPT_ALLOWANCE[index]), day, "每人"])
    return rows


def _csv(header: Any, rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(header))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


# --- what was made --------------------------------------------------------------------------------


@dataclass
class BureauLoad:
    departments: int = 0
    standards_versions: int = 0
    topup: str = ""
    payments_start: str = ""
    batches: int = 0
    paid_total: str = "0.00"
    failed_transfer: dict[str, Any] = field(default_factory=dict)
    petitions: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)
    care: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Staff:
    admin: User
    clerk: User
    township: User
    leader: User


def _staff() -> Staff:
    users = {
        u.username: u for u in User.objects.filter(username__in=["admin", "clerk", "township", "leader"])
    }
    return Staff(users["admin"], users["clerk"], users["township"], users["leader"])


def demo_registry_loaded() -> bool:
    """Whether the registry's people are the demo's (its load left this audit record)."""
    return AuditEvent.objects.filter(event_type=EventType.REGISTRY_IMPORTED, extra__source="demo").exists()


def build_bureau(*, seed: int, progress: Callable[[str], None] | None = None) -> BureauLoad:
    """Give the demo county its handling units, money, petitions and annual confirmation,
    each part only once, and the history only to the demo's own registry."""
    started = time.monotonic()
    staff = _staff()
    result = BureauLoad()
    say = progress or (lambda text: None)
    today = timezone.localdate()
    # All or nothing, like each step inside it: a failed load leaves no half-made history
    # for the next run to stumble over.
    with transaction.atomic():
        result.departments = _departments(staff)
        if demo_registry_loaded() and Beneficiary.objects.exists():
            say("standards, top-up and batches")
            _money(staff, today, seed, result)
            say("annual confirmation")
            _annual_confirmation(staff, today, seed, result)
            say("petitions")
            _petitions(staff, today, seed, result)
            say("relief and care")
            result.care = care.fill(today, seed=seed)
        else:
            # Payments, confirmations and petitions about people the demo did not make would
            # mix fiction into someone's records.
            result.skipped.append("the bureau's history: the registry is not the demo's")
    result.seconds = round(time.monotonic() - started, 1)
    return result


# --- handling units -------------------------------------------------------------------------------


def _departments(staff: Staff) -> int:
    """The bureau itself, the county departments that handle matters with it, and each
    township's service station. Created by name, so a run adds only what is missing."""
    county = Region.objects.get(code=COUNTY)
    townships = list(Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code"))
    wanted = [(county, name) for name in COUNTY_DEPARTMENTS]
    wanted += [(t, STATION.format(township=t.name)) for t in townships]
    existing = set(Department.objects.values_list("region_id", "name"))
    for region, name in wanted:
        if (region.code, name) not in existing:
            do_create_department(name, region_code=region.code, acting_user=staff.admin)
    return Department.objects.filter(region__code__startswith=COUNTY[:6]).count()


# --- money ----------------------------------------------------------------------------------------


def _import_standards(staff: Staff, effective_on: date) -> None:
    """The clerk imports the notice's table; the leader approves it (maker-checker)."""
    data = _csv(benefits.STANDARD_COLUMNS, standards_rows(effective_on))
    filename = f"抚恤补助标准-{effective_on:%Y}.csv"
    imported = benefits.do_import_standards(data, acting_user=staff.clerk, filename=filename)
    if imported.version is not None:
        version = StandardImport.objects.get(pk=imported.version)
        benefits.do_approve_standards(version, acting_user=staff.leader)


def _set_topup(staff: Staff, effective_on: date, percent: Decimal) -> None:
    """The clerk enters the county's decision; the leader approves it (maker-checker)."""
    topup = benefits.do_set_topup(percent, effective_on, acting_user=staff.clerk)
    if topup.state == ParameterState.PENDING:
        benefits.do_approve_topup(topup, acting_user=staff.leader)


def _periods(today: date) -> list[date]:
    """Four years of months, through last month: this month's batch is the clerk's next task."""
    last = add_months(today.replace(day=1), -1)
    first = max(add_months(last, -(BATCH_MONTHS - 1)), STANDARD_DATES[0].replace(day=1))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _money(staff: Staff, today: date, seed: int, result: BureauLoad) -> None:
    county = Region.objects.get(code=COUNTY)
    if Batch.objects.filter(county=county).exists():
        result.skipped.append("batches: the county has batches already")
    else:
        _pay_history(staff, today, seed)
    _summarise_money(county, result)


def _pay_history(staff: Staff, today: date, seed: int) -> None:
    periods = _periods(today)
    start = periods[0]
    # Each table and top-up is entered when its notice or the county's decision arrives: those
    # in force at the start before the first batch, later ones LATE_MONTHS after they took
    # effect (before that month's batch, which pays the months since as arrears).
    arrives: dict[date, list[Callable[[], None]]] = {}

    def when(effective_on: date) -> date:
        month = effective_on.replace(day=1)
        return start if month <= start else add_months(month, LATE_MONTHS)

    for effective_on, percent in TOPUPS:
        arrives.setdefault(when(effective_on), []).append(partial(_set_topup, staff, effective_on, percent))
    for effective_on in STANDARD_DATES:
        arrives.setdefault(when(effective_on), []).append(partial(_import_standards, staff, effective_on))
    benefits.do_update_benefit_settings(acting_user=staff.admin, payments_start=start)
    failing = periods[-2] if len(periods) >= 2 else None
    for period in periods:
        for enter in arrives.pop(period, []):
            enter()
        if period == periods[-1] and len(periods) >= 4:
            _late_death(staff, add_months(period, -3))
        care.before_batch(period, seed=seed)
        batch = benefits.do_create_batch(period, acting_user=staff.clerk)
        benefits.do_approve_batch(batch, acting_user=staff.leader, note="同意发放")
        failed_person = _person_to_fail(batch) if period == failing else None
        failed = {decrypt(failed_person.id_number_encrypted): "账户已销户"} if failed_person else {}
        _pay(batch, staff, failed)
        benefits.do_close_batch(batch, acting_user=staff.clerk, note="银行回盘已核对")
        if failed_person is not None:
            # The clerk calls the family and records the account they opened instead; the
            # next batch pays the month again, to it.
            do_update_beneficiary(
                failed_person, acting_user=staff.clerk, bank_account=_new_account(failed_person)
            )
    for later in sorted(arrives):  # what took effect after the last batch's month
        for enter in arrives[later]:
            enter()


def _summarise_money(county: Region, result: BureauLoad) -> None:
    """What the county's payments look like now, read back from the database."""
    topup = (
        LocalTopUp.objects.filter(region=county, state=ParameterState.APPROVED)
        .order_by("-effective_on")
        .first()
    )
    result.topup = f"{topup.percent.normalize():f}%" if topup else ""
    start = benefits.settings_for(county).payments_start
    result.payments_start = f"{start:%Y-%m}" if start else ""
    result.standards_versions = StandardImport.objects.filter(state=ParameterState.APPROVED).count()
    batches = Batch.objects.filter(county=county)
    result.batches = batches.count()
    paid = batches.aggregate(fen=Sum("returned_paid_fen"))["fen"] or 0
    result.paid_total = money(paid)
    failed = (
        BatchLine.objects.filter(batch__county=county, status=LineStatus.FAILED)
        .select_related("batch")
        .order_by("batch__period", "seq")
        .first()
    )
    if failed is not None:
        repaid = (
            BatchLine.objects.filter(
                batch__county=county,
                batch__period__gt=failed.batch.period,
                beneficiary_id=failed.beneficiary_id,
                status=LineStatus.PAID,
                arrears_fen__gt=0,
            )
            .select_related("batch")
            .order_by("batch__period")
            .first()
        )
        result.failed_transfer = {
            "batch": failed.batch.period_label,
            "beneficiary": failed.beneficiary_id,
            "reason": failed.reason,
            "repaid_in": repaid.batch.period_label if repaid else "",
        }


def _late_death(staff: Staff, month: date) -> None:
    """A daughter reports that her father, a war participant, died in ``month``: his subsidy
    was paid for two months after it. The next batch claims those back (追缴, never netted);
    the death lump sum (一次性抚恤金) falls due the month after the report, to her as payee."""
    person = (
        Beneficiary.objects.filter(
            status=PersonStatus.ALIVE,
            township__name="城关镇",
            qualifications__category=Category.WAR_PARTICIPANT,
            qualifications__status=QualificationStatus.ACTIVE,
            qualifications__approved_on__lt=add_months(month, -12),
        )
        .exclude(bank_account_masked="")
        .order_by("birth_date", "pk")
        .first()
    )
    if person is None:
        return
    born = date(max(person.birth_date.year + 26, 1950), 3, 14)
    daughter = parse_id_number(make_id_number(COUNTY[:6], born, 2 * (person.pk % 400) + 2))
    payee = Payee(
        name=person.name[0] + "秀兰",
        id_number=daughter,
        bank_name=person.bank_name,
        bank_account=_new_account(person),
    )
    do_record_life_event(
        person,
        LifeEventKind.DEATH,
        month + timedelta(days=19),
        acting_user=staff.clerk,
        note="家属来报，已核实死亡医学证明",
        payee=payee,
    )


def _person_to_fail(batch: Batch) -> Beneficiary:
    """A living holder of an active monthly benefit paid in this batch (so the next batch owes
    them the month again)."""
    line = (
        BatchLine.objects.filter(
            batch=batch,
            to_payee=False,
            beneficiary__status=PersonStatus.ALIVE,
            beneficiary__qualifications__status=QualificationStatus.ACTIVE,
            beneficiary__qualifications__category__in=sorted(PRIORITY_CATEGORIES),
        )
        .exclude(status=LineStatus.HELD)
        .order_by("seq")
        .select_related("beneficiary")
        .first()
    )
    assert line is not None, "a batch of the demo county pays someone"
    return line.beneficiary


def _new_account(person: Beneficiary) -> str:
    """Another 19-digit account at the same bank (same BIN), with its Luhn check digit."""
    old = decrypt(person.bank_account_encrypted)
    body = old[:6] + f"{(int(old[6:18]) + 7_919) % 10**12:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _pay(batch: Batch, staff: Staff, failed: dict[str, str]) -> None:
    """Export one bank file per bank and import each bank's answer to its file: every line
    paid but those in ``failed`` (the payee's ID number → the bank's reason)."""
    files: dict[str, io.BytesIO] = {}
    benefits.do_export_batch_per_bank(
        batch, lambda bank: files.setdefault(bank, io.BytesIO()), fmt="csv", acting_user=staff.clerk
    )
    for bank, out in files.items():
        rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
        body = []
        for row in rows[1:]:
            if row[0] == benefits.TOTAL_MARK:
                body.append([*row, "", ""])
                continue
            reason = failed.get(row[2])
            body.append([*row, FAILED_MARK, reason] if reason else [*row, PAID_MARK, ""])
        benefits.do_import_bank_returns(
            batch,
            _csv(benefits.RETURN_COLUMNS, body),
            acting_user=staff.clerk,
            filename=f"{batch.period:%Y-%m}-{bank}-回盘.csv",
        )


# --- annual confirmation ---------------------------------------------------------------------------


def _annual_confirmation(staff: Staff, today: date, seed: int, result: BureauLoad) -> None:
    """This year's 年审, open: the township clerk of 城关镇 has confirmed most of theirs, the
    county clerk about half of the rest; the others wait on the list."""
    review = AnnualReview.objects.filter(region_id=COUNTY, year=today.year).first()
    if review is None:
        review = do_open_annual_review(today.year, acting_user=staff.clerk)
        rng = random.Random(f"{seed}/review")  # noqa: S311 - synthetic data, not secrets
        township = staff.township.region_id
        mine = list(
            ReviewItem.objects.filter(
                review=review, qualification__beneficiary__township_id=township
            ).values_list("pk", flat=True)
        )
        others = list(
            ReviewItem.objects.filter(review=review)
            .exclude(qualification__beneficiary__township_id=township)
            .values_list("pk", flat=True)
        )
        do_confirm_review_items(
            review, [pk for pk in mine if rng.random() < 0.8], acting_user=staff.township, note="入户核实"
        )
        do_confirm_review_items(
            review, [pk for pk in others if rng.random() < 0.5], acting_user=staff.clerk, note="电话核实"
        )
    counts = Counter(ReviewItem.objects.filter(review=review).values_list("status", flat=True))
    result.review = {
        "year": review.year,
        "items": sum(counts.values()),
        "confirmed": counts[ReviewStatus.CONFIRMED],
        "pending": counts[ReviewStatus.PENDING],
    }


# --- petitions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One petition's story: what it is about, and the steps taken, in days before today."""

    channel: str
    category: str
    subject: str
    content: str
    received: int  # days before today
    steps: tuple[tuple[str, int, dict[str, Any]], ...] = ()
    township: bool = True  # a township's matter (else the county's)
    person: bool = False  # concerns a registered person (linked)
    group: int = 1
    public: bool = False  # submitted on the public form
    at_reception: bool = False  # received at the leader's reception day


REPLY = (
    "经调查核实，您反映的问题情况属实。我局已会同相关单位研究，按照《军人抚恤优待条例》有关规定"
    "予以办理，具体情况已当面向您说明。如对本答复意见不服，可自收到本意见书之日起30日内向上一级"
    "行政机关请求复查。"
)
REVIEW_REPLY = "经复查，原处理意见认定事实清楚、适用政策正确，予以维持。如不服，可于30日内请求复核。"
REREVIEW_REPLY = "经复核，原处理意见和复查意见适用政策正确，予以维持。本复核意见为最终意见。"

# The bureau's year of petitions, newest first. Steps: (action, days before today, details).
MATTERS: tuple[Story, ...] = (
    Story(
        Channel.VISIT,
        Topic.BENEFITS,
        "反映本月参战人员生活补助未到账",
        "本人系参战退役人员，本月生活补助至今未到账，请求查明原因。",
        2,
        person=True,
    ),
    Story(
        Channel.ONLINE,
        Topic.HOUSING,
        "申请农村危房改造帮扶",
        "家住村里老房子，墙体开裂、屋顶漏雨，家中有在乡复员军人，请求给予危房改造帮扶。",
        1,
        public=True,
    ),
    Story(
        Channel.LETTER,
        Topic.MEDICAL,
        "咨询残疾军人医疗费用减免政策",
        "本人为七级残疾军人，想了解住院费用减免和医疗补助的办理流程。",
        5,
    ),
    Story(
        Channel.PHONE,
        Topic.BENEFITS,
        "反映义务兵家庭优待金发放时间",
        "儿子去年入伍，想了解义务兵家庭优待金何时发放、发放标准是多少。",
        12,
        steps=(("accept", 8, {}),),
    ),
    Story(
        Channel.VISIT,
        Topic.PENSION,
        "要求接续退役士兵养老保险",
        "本人1998年退役，服役期间养老保险缴费年限未接续，请求予以补缴接续。",
        9,
        steps=(("accept", 5, {}),),
    ),
    Story(
        Channel.LETTER,
        Topic.OTHER,
        "对法院判决不服要求改判",
        "本人与邻居宅基地纠纷已经法院判决，对判决不服，请求信访部门予以改判。",
        48,
        steps=(
            (
                "decline",
                42,
                {
                    "reason": "该事项已由人民法院作出生效判决，属于应当通过诉讼程序解决的事项。",
                    "notice": "您反映的事项依法应当通过诉讼程序解决，根据《信访工作条例》第三十一条"
                    "，本机关不予受理，请依照法律规定的程序提出。",
                },
            ),
        ),
    ),
    Story(
        Channel.PHONE,
        Topic.OTHER,
        "要求解决子女入学问题",
        "现役军人子女转学入学遇到困难，请求协调。",
        20,
        steps=(
            (
                "decline",
                16,
                {
                    "reason": "经核实，当事人子女已于本学期办理入学，诉求已解决，无需再行受理。",
                    "notice": "经核实，您子女已于本学期办理入学手续，诉求已经解决，本机关不再受理。"
                    "如有新的困难，欢迎随时来信来访。",
                },
            ),
        ),
    ),
    Story(
        Channel.LETTER,
        Topic.PENSION,
        "反映企业未为退役军人缴纳社会保险",
        "本人在某企业工作三年，企业一直未缴纳社会保险，请求督促企业补缴。",
        30,
        steps=(("forward", 27, {"to": "县人力资源和社会保障局"}),),
    ),
    Story(
        Channel.VISIT,
        Topic.OTHER,
        "反映宅基地审批问题",
        "申请宅基地两年未获审批，请求协调办理。",
        24,
        steps=(("forward", 21, {"to": "县自然资源和规划局"}),),
    ),
    Story(
        Channel.VISIT,
        Topic.HOUSING,
        "反映优抚对象住房漏雨",
        "家中老人为烈士子女，住房屋顶漏雨，请求帮助维修。",
        15,
        steps=(("accept", 11, {"unit": "station", "lead": "township"}),),
        person=True,
    ),
    Story(
        Channel.LETTER,
        Topic.MEDICAL,
        "申请重点优抚对象医疗补助",
        "本人患慢性病多年，医疗费用负担较重，申请优抚对象医疗补助。",
        18,
        steps=(("accept", 13, {"unit": "县医保局", "lead": "leader"}),),
    ),
    Story(
        Channel.VISIT,
        Topic.BENEFITS,
        "申请参战退役人员身份认定",
        "本人1979年入伍参加对越自卫反击战，退役后一直未认定参战身份，请求认定并享受待遇。",
        40,
        steps=(("accept", 35, {"unit": BUREAU, "lead": "clerk"}), ("start", 33, {})),
    ),
    Story(
        Channel.LETTER,
        Topic.BENEFITS,
        "反映伤残等级评定偏低",
        "本人因公致残，评定为八级，认为评定偏低，请求重新评定伤残等级。",
        62,
        steps=(
            ("accept", 57, {"unit": BUREAU, "lead": "leader"}),
            ("start", 55, {}),
            # Asked today; it waits on the leader's list.
            ("extend", 0, {"days": 30, "reason": "需委托指定医院重新进行伤残等级鉴定，申请延期30日办结。"}),
        ),
        person=True,
    ),
    Story(
        Channel.VISIT,
        Topic.PLACEMENT,
        "要求落实退役士兵安置工作",
        "本人为符合政府安排工作条件的退役士兵，至今未落实安置岗位，请求尽快安置。",
        28,
        steps=(("accept", 24, {"unit": "县人社局", "lead": "leader"}), ("start", 22, {})),
        group=6,
        at_reception=True,
    ),
    Story(
        Channel.LETTER,
        Topic.MEDICAL,
        "反映医疗费用报销比例偏低",
        "本人为带病回乡退伍军人，住院费用报销比例偏低，请求按优抚对象政策提高报销比例。",
        52,
        steps=(
            ("accept", 47, {"unit": "县医保局", "lead": "leader"}),
            ("start", 45, {}),
            ("extend", 0, {"days": 20, "reason": "需会同县医保局调取近三年住院票据逐笔核实，延期20日办结。"}),
            ("approve_extension", 0, {}),
        ),
    ),
    Story(
        Channel.VISIT,
        Topic.BENEFITS,
        "反映烈士遗属定期抚恤金标准",
        "咨询今年烈士遗属定期抚恤金标准调整后何时补发差额。",
        45,
        steps=(
            ("accept", 41, {"unit": BUREAU, "lead": "clerk"}),
            ("start", 40, {}),
            ("reply", 10, {}),
        ),
        person=True,
    ),
    Story(
        Channel.PHONE,
        Topic.HOUSING,
        "申请住房困难帮扶",
        "家庭住房困难，申请纳入优抚对象住房帮扶。",
        36,
        steps=(
            ("accept", 32, {"unit": "县住建局", "lead": "leader"}),
            ("start", 30, {}),
            ("reply", 6, {}),
            ("rate", 3, {"rating": Satisfaction.BASICALLY_SATISFIED, "comment": "已安排人员上门查看。"}),
        ),
    ),
    Story(
        Channel.LETTER,
        Topic.BENEFITS,
        "对定期生活补助核定有异议",
        "本人服役年限核定有误，导致老年生活补助偏少，请求重新核定。",
        80,
        steps=(
            ("accept", 76, {"unit": BUREAU, "lead": "clerk"}),
            ("start", 74, {}),
            ("reply", 40, {}),
            ("review_request", 20, {}),
        ),
    ),
    Story(
        Channel.LETTER,
        Topic.PENSION,
        "对养老保险补缴答复不服请求复查",
        "对补缴答复意见不服，请求复查。",
        130,
        steps=(
            ("accept", 125, {"unit": "县人社局", "lead": "leader"}),
            ("start", 123, {}),
            ("reply", 90, {}),
            ("review_request", 70, {}),
            ("review_reply", 45, {}),
        ),
    ),
    Story(
        Channel.VISIT,
        Topic.BENEFITS,
        "对带病回乡退伍军人认定答复不服请求复核",
        "对认定答复和复查意见均不服，请求复核。",
        120,
        steps=(
            ("accept", 115, {"unit": BUREAU, "lead": "leader"}),
            ("start", 113, {}),
            ("reply", 75, {}),
            ("review_request", 62, {}),
            ("review_reply", 40, {}),
            ("rereview_request", 20, {}),
        ),
    ),
    Story(
        Channel.LETTER,
        Topic.PLACEMENT,
        "对安置方式答复不服请求复核",
        "对自主就业安置答复和复查意见不服，请求复核。",
        200,
        steps=(
            ("accept", 195, {"unit": "县人社局", "lead": "leader"}),
            ("start", 193, {}),
            ("reply", 160, {}),
            ("review_request", 140, {}),
            ("review_reply", 115, {}),
            ("rereview_request", 100, {}),
            ("rereview_reply", 75, {}),
        ),
    ),
    # Concluded matters over the year, each rated by the petitioner.
    Story(
        Channel.VISIT,
        Topic.BENEFITS,
        "反映残疾抚恤金调标后未补发",
        "今年抚恤金标准上调后，之前月份的差额未补发，请求补发。",
        95,
        steps=(
            ("accept", 92, {"unit": BUREAU, "lead": "clerk"}),
            ("start", 91, {}),
            ("reply", 70, {}),
            ("rate", 66, {"rating": Satisfaction.SATISFIED, "comment": "差额已补发到账，感谢。"}),
            ("conclude", 60, {}),
        ),
        person=True,
    ),
    Story(
        Channel.PHONE,
        Topic.MEDICAL,
        "申请优抚对象住院医疗补助",
        "父亲为参战退役人员，住院花费较大，申请医疗补助。",
        150,
        steps=(
            ("accept", 146, {"unit": "县医保局", "lead": "leader"}),
            ("start", 145, {}),
            ("reply", 118, {}),
            ("rate", 110, {"rating": Satisfaction.SATISFIED, "comment": ""}),
            ("conclude", 105, {}),
        ),
    ),
    Story(
        Channel.LETTER,
        Topic.HOUSING,
        "请求帮助维修烈士纪念设施",
        "村里烈士纪念碑年久失修，请求维修。",
        210,
        steps=(
            ("accept", 205, {"unit": BUREAU, "lead": "leader"}),
            ("start", 204, {}),
            ("reply", 160, {}),
            ("rate", 150, {"rating": Satisfaction.SATISFIED, "comment": "纪念碑已修缮。"}),
            ("conclude", 148, {}),
        ),
        township=False,
    ),
    Story(
        Channel.VISIT,
        Topic.PLACEMENT,
        "请求帮助退役军人就业创业",
        "退役后想创业开办养殖场，请求在贷款和技能培训方面给予帮助。",
        260,
        steps=(
            ("accept", 256, {"unit": "县人社局", "lead": "leader"}),
            ("start", 255, {}),
            ("reply", 215, {}),
            (
                "rate",
                205,
                {"rating": Satisfaction.BASICALLY_SATISFIED, "comment": "培训已报名，贷款还在办。"},
            ),
            ("conclude", 200, {}),
        ),
    ),
    Story(
        Channel.LETTER,
        Topic.BENEFITS,
        "对参战身份认定结果有异议",
        "认为本人参战经历未被全部认定，请求重新审核。",
        330,
        steps=(
            ("accept", 325, {"unit": BUREAU, "lead": "leader"}),
            ("start", 324, {}),
            ("reply", 280, {}),
            ("review_request", 265, {}),
            ("review_reply", 240, {}),
            ("rereview_request", 228, {}),
            ("rereview_reply", 200, {}),
            ("rate", 195, {"rating": Satisfaction.DISSATISFIED, "comment": "仍然认为认定不全。"}),
            ("conclude", 190, {}),
        ),
    ),
    Story(
        Channel.PHONE,
        Topic.OTHER,
        "咨询优待证办理",
        "咨询退役军人优待证申领条件和办理地点。",
        300,
        steps=(
            ("accept", 298, {"unit": "station", "lead": "township"}),
            ("start", 298, {}),
            ("reply", 290, {}),
            ("rate", 288, {"rating": Satisfaction.SATISFIED, "comment": "已办好。"}),
            ("conclude", 285, {}),
        ),
    ),
)
# A new visit by the petitioner of MATTERS[11] (参战身份认定, in progress): handled in that case.
REPEAT_OF = 11
STEP_STATES = {
    "accept": State.ACCEPTED,
    "decline": State.DECLINED,
    "forward": State.FORWARDED,
}


def _weekday(day: date) -> date:
    """Offices receive visitors and decide on working days: a weekend date moves to Friday."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _people(seed: int) -> Iterator[tuple[str, str]]:
    fake = Faker("zh_CN")
    fake.seed_instance(f"{seed}/petitioners")
    rng = random.Random(f"{seed}/phones")  # noqa: S311 - synthetic data, not secrets
    while True:
        yield fake.name(), f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _petitions(staff: Staff, today: date, seed: int, result: BureauLoad) -> None:
    if Petition.objects.exists():
        result.skipped.append("petitions: there are petitions already")
    else:
        _make_petitions(staff, today, seed)
    result.petitions = dict(sorted(Counter(Petition.objects.values_list("state", flat=True)).items()))


def _make_petitions(staff: Staff, today: date, seed: int) -> None:
    county = Region.objects.get(code=COUNTY)
    townships = list(Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code"))
    home = staff.township.region
    assert home is not None
    rng = random.Random(f"{seed}/petitions")  # noqa: S311 - synthetic data, not secrets
    people = _people(seed)
    linked = _linked_people()
    leads = {"leader": staff.leader, "clerk": staff.clerk, "township": staff.township}
    reception = _reception_days(staff, county, today)
    made: list[Petition] = []
    for i, matter in enumerate(MATTERS):
        # Most matters come from the county seat (城关镇), whose clerk is a demo account (and
        # the lead of the matters given to its service station); others from other townships.
        elsewhere = townships[rng.randrange(len(townships))]
        by_township_clerk = any(details.get("lead") == "township" for _, _, details in matter.steps)
        region = (home if i % 3 or by_township_clerk else elsewhere) if matter.township else county
        received = _weekday(today - timedelta(days=matter.received))
        beneficiary = None
        if matter.person and linked:
            beneficiary = linked.pop(0)
            region = beneficiary.township
            petitioner = PetitionerData(
                name=beneficiary.name,
                phone=beneficiary.phone or next(people)[1],
                id_number=decrypt(beneficiary.id_number_encrypted),
                is_representative=False,
            )
            petitioners = [petitioner]
        else:
            named = min(matter.group, 5)
            petitioners = [
                PetitionerData(name=n, phone=p, is_representative=matter.group > 1)
                for n, p in (next(people) for _ in range(named))
            ]
        data = PetitionData(
            channel=matter.channel,
            received_on=received,
            category=matter.category,
            subject=matter.subject,
            content=matter.content,
            region=county if matter.public else region,
            petitioners=petitioners,
            group_size=matter.group,
            beneficiary=beneficiary,
            reception=reception if matter.at_reception else None,
        )
        petition = petitions.do_register_petition(data, acting_user=None if matter.public else staff.clerk)
        if matter.public and region != county:
            petition = petitions.do_route_petition(petition, region=region, acting_user=staff.clerk)
        previous = received
        for action, days_ago, details in matter.steps:
            on = max(previous, _weekday(today - timedelta(days=days_ago)))
            petition = _step(petition, action, on, details, staff, leads)
            previous = on
        made.append(petition)
    # The petitioner of an open matter comes again: the new visit joins that case.
    original = made[REPEAT_OF]
    first = original.petitioners.order_by("position").first()
    assert first is not None
    again = PetitionData(
        channel=Channel.VISIT,
        received_on=_weekday(today - timedelta(days=3)),
        category=original.category,
        subject=original.subject,
        content="再次来访，询问参战身份认定的办理进度。",
        region=original.region,
        petitioners=[PetitionerData(name=first.name, phone=first.phone)],
    )
    repeat = petitions.do_register_petition(again, acting_user=staff.clerk)
    petitions.do_link_repeat(repeat, original=original, acting_user=staff.clerk)


def _reception_days(staff: Staff, county: Region, today: date) -> ReceptionDay:
    """The leader's reception days (领导接待日): one held four weeks ago, where a group came
    about their placement, and the next one, which the public page announces."""

    def day(on: date, topics: str) -> ReceptionDay:
        return petitions.do_create_reception_day(
            region=county,
            on=on,
            place="县退役军人事务局一楼接待室",
            leader=staff.leader,
            leader_name="",
            leader_title="局长",
            time="9:00–12:00",
            topics=topics,
            acting_user=staff.clerk,
        )

    held = day(_weekday(today - timedelta(days=28)), "退役士兵安置、优抚待遇")
    upcoming = today + timedelta(days=14)
    while upcoming.weekday() >= 5:
        upcoming += timedelta(days=1)
    day(upcoming, "抚恤补助标准调整、优抚对象医疗保障")
    return held


def _linked_people() -> list[Beneficiary]:
    """A few living people with a regular benefit, in the county seat first."""
    holders = (
        Beneficiary.objects.filter(
            status=PersonStatus.ALIVE,
            qualifications__status=QualificationStatus.ACTIVE,
            qualifications__category__in=sorted(PRIORITY_CATEGORIES),
        )
        .exclude(phone="")
        .select_related("township")
        .order_by("pk")
        .distinct()
    )
    return list(holders.filter(township__name="城关镇")[:5]) or list(holders[:5])


def _step(
    petition: Petition, action: str, on: date, details: dict[str, Any], staff: Staff, leads: dict[str, User]
) -> Petition:
    clerk = staff.clerk
    if action == "accept":
        unit = details.get("unit")
        if unit == "station":
            unit = STATION.format(township=petition.region.name)
        return petitions.do_accept_petition(
            petition,
            accepted_on=on,
            acting_user=clerk,
            handling_unit=unit,
            lead=leads[details["lead"]] if "lead" in details else None,
        )
    if action == "decline":
        return petitions.do_decline_petition(
            petition,
            declined_on=on,
            reason=details["reason"],
            notice_text=details["notice"],
            acting_user=clerk,
        )
    if action == "forward":
        return petitions.do_forward_petition(
            petition, forwarded_on=on, forwarded_to=details["to"], acting_user=clerk
        )
    if action == "start":
        return petitions.do_start_petition(petition, started_on=on, acting_user=clerk)
    if action == "extend":
        petitions.do_request_extension(
            petition, days=details["days"], reason=details["reason"], acting_user=clerk
        )
        return petition
    if action == "approve_extension":
        # 信访工作条例 Art. 34: extended with the approval of the organ's head.
        petitions.do_approve_extension(petition, acting_user=staff.leader)
        petition.refresh_from_db()
        return petition
    if action == "reply":
        return petitions.do_reply_petition(petition, replied_on=on, text=REPLY, acting_user=clerk)
    if action == "review_request":
        return petitions.do_request_review(petition, requested_on=on, acting_user=clerk)
    if action == "review_reply":
        return petitions.do_reply_review(petition, replied_on=on, text=REVIEW_REPLY, acting_user=clerk)
    if action == "rereview_request":
        return petitions.do_request_rereview(petition, requested_on=on, acting_user=clerk)
    if action == "rereview_reply":
        return petitions.do_reply_rereview(petition, replied_on=on, text=REREVIEW_REPLY, acting_user=clerk)
    if action == "rate":
        # Asked by phone after the reply; the clerk records the answer.
        return petitions.do_rate_petition(
            petition, rating=details["rating"], comment=details["comment"], acting_user=clerk
        )
    if action == "conclude":
        return petitions.do_conclude_petition(petition, concluded_on=on, acting_user=clerk)
    raise ValueError(action)
