"""Visits test data, built through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from youfu.accounts.models import User
from youfu.benefits.money import to_fen
from youfu.outreach.visits.models import Visit, VisitCampaign
from youfu.outreach.visits.services import CampaignData, VisitData, do_create_campaign, do_record_visit
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data
from youfu.testing import World


def person(
    world: World,
    region: Region | None = None,
    categories: tuple[Category, ...] = (Category.WAR_PARTICIPANT,),
    *,
    approved_on: date = date(2020, 1, 1),
    **fields: Any,
) -> Beneficiary:
    """A registered person of ``categories``, approved on ``approved_on``, in the village of
    township A unless told otherwise."""
    return do_register_beneficiary(
        person_data(region or world.village_a, **fields),
        [qualification_data(c, approved_on=approved_on) for c in categories],
        acting_user=world.county_clerk,
    )


def starts(days_ago: int = 10) -> date:
    return timezone.localdate() - timedelta(days=days_ago)


def campaign(
    world: World,
    *,
    by: User | None = None,
    region: Region | None = None,
    categories: tuple[str, ...] = (Category.WAR_PARTICIPANT,),
    starts_on: date | None = None,
    ends_on: date | None = None,
    name: str = "春节走访慰问",
    min_age: int | None = None,
) -> VisitCampaign:
    """A campaign that started ten days ago and runs for twenty more, county-wide by default."""
    first = starts_on or starts()
    created, _targets = do_create_campaign(
        CampaignData(
            name=name,
            starts_on=first,
            ends_on=ends_on or first + timedelta(days=30),
            categories=categories,
            region=region or world.county,
            min_age=min_age,
        ),
        acting_user=by or world.county_clerk,
    )
    return created


def visit(
    world: World,
    of: VisitCampaign,
    who: Beneficiary,
    *,
    by: User | None = None,
    visited_on: date | None = None,
    money: str = "500.00",
    goods: str = "米一袋、油一桶",
) -> Visit:
    return do_record_visit(
        of,
        who,
        VisitData(
            visited_on=visited_on or timezone.localdate(),
            visitors="王优抚、李乡干",
            money_fen=to_fen(Decimal(money)),
            goods=goods,
        ),
        acting_user=by or world.county_clerk,
    )
