"""The demo's visits (走访慰问, see youfu/demo/care.py): each year the bureau visits the county's
elderly priority beneficiaries for the New Year and Spring Festival (元旦春节, from 1 December to
the Lantern Festival) and its elderly veterans and martyrs' families for Army Day (八一), with
money and goods, the visitors being the bureau's staff.

Campaigns that have ended were nearly all done (a few people could not be reached); the campaign
running today is partly done, so its not-visited list and the home work list have people. Every
campaign and visit goes through the services; a campaign already there is left alone, so a
second run adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from youfu.benefits.money import to_fen
from youfu.demo.care_staff import CARE_YEARS, CareStaff
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.outreach.visits.services import CampaignData, VisitData, do_create_campaign, do_record_visit
from youfu.regions.models import Region
from youfu.registry.categories import PRIORITY_CATEGORIES, Category

SPRING_FESTIVAL = {
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
ELDERLY = 80
# Of an ended campaign's targets, this share was reached (the rest were away or in hospital).
DONE_SHARE = 0.93
ARMY_DAY_CATEGORIES = (
    Category.DISABLED_VETERAN,
    Category.DEMOBILIZED_VETERAN,
    Category.RETURNED_ILL_VETERAN,
    Category.WAR_PARTICIPANT,
    Category.NUCLEAR_TEST_PARTICIPANT,
    Category.MARTYR_SURVIVOR,
    Category.DUTY_DEATH_SURVIVOR,
    Category.ILLNESS_DEATH_SURVIVOR,
)
SPRING_GOODS = ("米一袋、油一桶", "米、油、牛奶各一份", "棉被一床、米一袋", "慰问品一份（米、油、水果）")
ARMY_DAY_GOODS = ("慰问品一份（水果、牛奶）", "米一袋、油一桶", "纪念品一份、水果一箱")


@dataclass(frozen=True)
class Plan:
    name: str
    starts_on: date
    ends_on: date
    categories: tuple[str, ...]
    goods: tuple[str, ...]
    money: str  # yuan
    money_90: str  # for those aged 90 and over


def plans(today: date) -> list[Plan]:
    """The campaigns begun in the last ``CARE_YEARS`` years, oldest first."""
    found = []
    for year in range(today.year - CARE_YEARS, today.year + 2):
        festival = SPRING_FESTIVAL.get(year, date(year, 2, 1))
        found.append(
            Plan(
                f"{year}年元旦春节走访慰问",
                date(year - 1, 12, 1),
                festival + timedelta(days=14),  # the Lantern Festival
                tuple(sorted(PRIORITY_CATEGORIES)),
                SPRING_GOODS,
                "500.00",
                "1000.00",
            )
        )
        found.append(
            Plan(
                f"{year}年八一建军节走访慰问",
                date(year, 7, 15),
                date(year, 8, 10),
                tuple(sorted(ARMY_DAY_CATEGORIES)),
                ARMY_DAY_GOODS,
                "800.00",
                "1000.00",
            )
        )
    earliest = today - timedelta(days=365 * CARE_YEARS)
    return sorted((p for p in found if earliest < p.starts_on <= today), key=lambda p: p.starts_on)


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    county = Region.objects.get(code=staff.clerk.region_id)
    made = {"campaigns": 0, "targets": 0, "visits": 0}
    existing = set(VisitCampaign.objects.visible_to(staff.clerk).values_list("name", flat=True))
    for plan in plans(today):
        if plan.name in existing:
            continue
        campaign, targets = do_create_campaign(
            CampaignData(plan.name, plan.starts_on, plan.ends_on, plan.categories, county, ELDERLY),
            acting_user=staff.clerk,
        )
        made["campaigns"] += 1
        made["targets"] += targets
        made["visits"] += _visit(staff, campaign, plan, today, rng)
        created = timezone.make_aware(datetime.combine(plan.starts_on - timedelta(days=7), time(9)))
        VisitCampaign.objects.visible_to(staff.clerk).filter(pk=campaign.pk).update(created_at=created)
    return made


def _visit(staff: CareStaff, campaign: VisitCampaign, plan: Plan, today: date, rng: random.Random) -> int:
    """Visit the share of targets the campaign reached by ``today``: nearly all once it has ended,
    in proportion to the days gone (at least a fifth) while it runs."""
    last = min(plan.ends_on, today)
    if today >= plan.ends_on:
        share = DONE_SHARE
    else:
        gone = (today - plan.starts_on).days + 1
        share = max(0.2, DONE_SHARE * gone / ((plan.ends_on - plan.starts_on).days + 1))
    targets = list(
        VisitTarget.objects.visible_to(staff.clerk)
        .filter(campaign=campaign)
        .select_related("beneficiary")
        .order_by("pk")
    )
    township_team = f"{staff.township.full_name}、{staff.village.full_name}"
    county_teams = (
        f"{staff.leader.full_name}、{staff.clerk.full_name}",
        f"{staff.clerk.full_name}、{staff.clerk2.full_name}",
        f"{staff.leader.full_name}、{staff.clerk2.full_name}",
    )
    visited: dict[date, list[int]] = {}
    for target in rng.sample(targets, round(len(targets) * share)):
        person = target.beneficiary
        until = min(last, person.death_date) if person.death_date else last
        if until < plan.starts_on:
            continue
        on = plan.starts_on + timedelta(days=rng.randint(0, (until - plan.starts_on).days))
        in_first_township = person.township_id == staff.township.region_id
        money = plan.money_90 if on.year - person.birth_date.year >= 90 else plan.money
        visit = do_record_visit(
            campaign,
            person,
            VisitData(
                visited_on=on,
                visitors=township_team if in_first_township else rng.choice(county_teams),
                money_fen=to_fen(Decimal(money)),
                goods=rng.choice(plan.goods),
            ),
            acting_user=staff.township if in_first_township else staff.clerk,
        )
        visited.setdefault(on, []).append(visit.pk)
    # The visits were entered on the day they were made.
    for on, pks in visited.items():
        at = timezone.make_aware(datetime.combine(on, time(16)))
        Visit.objects.visible_to(staff.clerk).filter(pk__in=pks).update(recorded_at=at)
    return sum(len(pks) for pks in visited.values())
