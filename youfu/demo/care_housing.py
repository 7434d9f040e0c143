"""The demo's housing (住房改造, see youfu/demo/care.py): over four years the townships survey
several hundred homes of registered people (mostly graded A or B, some C or D), and the bureau
opens ~230 new-house and repair cases at the seed county's scale (14,000 people), each approved
by the leader, paid in instalments and most completed; a few are still being built, a few
budgets (first ones and increases) wait for the leader, a few were refused, and some C/D homes
are still without a case, so every list and the home work list have something to show.

One survey per home (a registry household is one home). Everything goes through the housing
services with the demo's accounts; only the creation times are backdated afterwards. A county
whose homes were already surveyed is left alone, so a second run adds nothing.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from youfu.accounts.models import User
from youfu.demo.care_staff import CARE_YEARS, CareStaff
from youfu.registry.models import Beneficiary, PersonStatus
from youfu.relief.housing import services
from youfu.relief.housing.models import HousingBudget, HousingCase, HousingSurvey

SCOPE_TRUSTED = "the demo builds the whole county's records as its staff would"

SEED_PEOPLE = 14_000  # the seed county the targets below are for
HOMES = 800  # homes surveyed over the four years
CASES = 230
NEEDY_SHARE = 0.33  # of the homes, graded C or D
NOTES = {
    "A": ["砖混结构，房屋完好", "新建楼房，安全"],
    "B": ["屋面瓦片少量破损", "墙面轻微裂缝，不影响安全"],
    "C": ["承重墙开裂，屋顶漏雨", "木梁虫蛀，局部下沉"],
    "D": ["土坯房，墙体倾斜，整体危险", "房屋主体严重开裂，已不宜居住"],
}


def _day(start: date, end: date, rng: random.Random) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _yuan(low: int, high: int, rng: random.Random) -> int:
    """A budget in fen, in whole hundreds of yuan."""
    return rng.randint(low // 100, high // 100) * 100 * 100


def _photo(seed: int, grade: str) -> SimpleUploadedFile:
    """A small generated picture of a house (no real photo)."""
    image = Image.new("RGB", (320, 240), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    wall = {"C": (190, 160, 120), "D": (150, 120, 90)}.get(grade, (220, 200, 170))
    draw.rectangle((80, 110, 240, 220), fill=wall)
    draw.polygon([(60, 115), (160, 40), (260, 115)], fill=(120, 60, 50))
    draw.rectangle((145, 160, 175, 220), fill=(90, 60, 40))
    if grade == "D":
        draw.line((100, 120, 130, 215), fill=(40, 30, 20), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"house-{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def _homes(rng: random.Random, count: int) -> list[Beneficiary]:
    """One living person per home: the first member of each household, or a person alone."""
    people = Beneficiary.objects.filter(status=PersonStatus.ALIVE).order_by("pk")
    seen: set[int] = set()
    homes: list[Beneficiary] = []
    for person in people.iterator(chunk_size=2000):
        if person.household_id is not None:
            if person.household_id in seen:
                continue
            seen.add(person.household_id)
        homes.append(person)
    rng.shuffle(homes)
    return homes[:count]


def _clerk(staff: CareStaff, person: Beneficiary) -> User:
    """The township's own clerk where the demo has one, else the county's."""
    return staff.township if person.township_id == staff.township.region_id else staff.clerk


def _at(on: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(hour, 0)))


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    made = {"surveys": 0, "photos": 0, "cases": 0, "completed": 0, "waiting": 0, "unserved": 0}
    if HousingSurvey.objects.exists():
        return made
    today = min(today, timezone.localdate())
    start = today.replace(year=today.year - CARE_YEARS)
    scale = Beneficiary.objects.count() / SEED_PEOPLE
    homes = _homes(rng, max(4, round(HOMES * scale)))
    needy_count = round(len(homes) * NEEDY_SHARE)
    case_count = min(needy_count, max(2, round(CASES * scale)))
    needy, sound = homes[:needy_count], homes[needy_count:]

    for person in sound:
        on = _day(start, today - timedelta(days=7), rng)
        grade = rng.choices("AB", weights=(6, 4))[0]
        _survey(person, grade, on, rng.choice(NOTES[grade]), _clerk(staff, person))
        made["surveys"] += 1

    # The homes needing work are surveyed over the years; cases follow for most of them.
    needy_dates = sorted(_day(start, today - timedelta(days=20), rng) for _ in needy)
    with_case = set(rng.sample(range(len(needy)), case_count))
    photos_left = 2
    for index, (person, surveyed_on) in enumerate(zip(needy, needy_dates, strict=True)):
        grade = rng.choices("CD", weights=(6, 4))[0]
        clerk = _clerk(staff, person)
        pictures: Sequence[SimpleUploadedFile] = ()
        if photos_left and grade == "D":
            pictures = [_photo(index, grade)]
            photos_left -= 1
            made["photos"] += 1
        _survey(person, grade, surveyed_on, rng.choice(NOTES[grade]), clerk, pictures)
        made["surveys"] += 1
        if index not in with_case:
            made["unserved"] += 1
            continue
        outcome, case = _case(staff, person, grade, surveyed_on, today, clerk, rng)
        made["cases"] += 1
        made["completed"] += outcome == "completed"
        made["waiting"] += outcome == "waiting"
        made["unserved"] += outcome == "refused"
        if outcome == "completed" and case.completed_on and rng.random() < 0.3:
            # Surveyed again after the work: the home is sound now.
            _survey(person, "A", _day(case.completed_on, today, rng), "改造完成，复查安全", clerk)
            made["surveys"] += 1
    return made


def _survey(
    person: Beneficiary,
    grade: str,
    on: date,
    note: str,
    clerk: User,
    photos: Sequence[SimpleUploadedFile] = (),
) -> HousingSurvey:
    survey = services.do_record_survey(
        person, grade=grade, surveyed_on=on, note=note, photos=photos, acting_user=clerk
    )
    HousingSurvey.objects.filter(pk=survey.pk).update(created_at=_at(on))
    return survey


def _case(
    staff: CareStaff,
    person: Beneficiary,
    grade: str,
    surveyed_on: date,
    today: date,
    clerk: User,
    rng: random.Random,
) -> tuple[str, HousingCase]:
    """Open, approve, pay and complete one case as far as ``today`` allows; its outcome."""
    kind = "new" if grade == "D" and rng.random() < 0.7 else "repair"
    budget = _yuan(35_000, 60_000, rng) if kind == "new" else _yuan(8_000, 25_000, rng)
    opened = min(today, surveyed_on + timedelta(days=rng.randint(7, 45)))
    case = services.do_open_case(person, kind=kind, budget_fen=budget, opened_on=opened, acting_user=clerk)
    HousingCase.objects.filter(pk=case.pk).update(created_at=_at(opened))
    HousingBudget.objects.filter(case=case).update(proposed_at=_at(opened))
    decided = opened + timedelta(days=rng.randint(5, 30))
    if decided > today or rng.random() < 0.02:
        return "waiting", case  # the leader has not decided yet
    if rng.random() < 0.03:
        case = services.do_refuse_budget(case, reason="已享受过农村危房改造补助", acting_user=staff.leader)
        HousingBudget.objects.filter(case=case).update(decided_at=_at(decided, 15))
        return "refused", case
    case = services.do_approve_budget(case, note="同意", acting_user=staff.leader, on=decided)
    HousingBudget.objects.filter(case=case).update(decided_at=_at(decided, 15))
    first = decided + timedelta(days=rng.randint(15, 45))
    if first > today:
        return "approved", case
    share = rng.choice((50, 60, 70))
    services.do_disburse(
        case, amount_fen=budget * share // 100, paid_on=first, note="首期", acting_user=clerk
    )
    finish = first + timedelta(days=rng.randint(60, 200))
    if rng.random() < 0.06:
        # Materials cost more than planned: a larger budget for the leader (approved, or still waiting).
        raised = budget + _yuan(2_000, 8_000, rng)
        case = services.do_propose_budget(case, budget_fen=raised, reason="建材价格上涨", acting_user=clerk)
        raise_on = first + timedelta(days=rng.randint(10, 40))
        if raise_on > today:
            return "waiting", case
        case = services.do_approve_budget(case, acting_user=staff.leader, on=raise_on)
        finish = max(finish, raise_on + timedelta(days=30))
    if finish > today:
        return "approved", case
    case = services.do_complete(case, completed_on=finish, acting_user=clerk)
    rest = case.budget_fen - case.paid_fen
    if rest > 0:
        paid_on = min(today, finish + timedelta(days=rng.randint(5, 30)))
        services.do_disburse(case, amount_fen=rest, paid_on=paid_on, note="验收后拨付尾款", acting_user=clerk)
    return "completed", case
