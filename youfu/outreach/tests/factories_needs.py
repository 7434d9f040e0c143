"""Needs-check test data: priority households (the registry has no household service yet, so the
household row is made directly, as the registry's importer would), and rounds, checks and findings
made through the needs services."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from youfu.accounts.models import User
from youfu.outreach.needs import services
from youfu.outreach.needs.models import Finding, FindingKind, FindingNote, HouseholdCheck, NeedsRound
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Household
from youfu.registry.tests.factories import register
from youfu.testing import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Friday in the second quarter: the quarterly proposal is "2026年第二季度困难排查".
NOW = datetime(2026, 5, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def needs_today(time_machine: TimeMachineFixture) -> Iterator[None]:
    """The clock of a needs test (autouse where imported): ``NOW``."""
    time_machine.move_to(NOW, tick=False)
    yield


def needs_rows() -> tuple[Any, ...]:
    """Every needs-check row: rounds, checks, findings and their notes (a refusal changes none)."""
    return (
        list(NeedsRound.objects.order_by("pk").values_list()),  # scope: test
        list(HouseholdCheck.objects.order_by("pk").values_list()),  # scope: test
        list(Finding.objects.order_by("pk").values_list()),  # scope: test
        list(FindingNote.objects.order_by("pk").values_list()),  # scope: test
    )


def household(
    world: World,
    region: Region,
    *categories: Category,
    name: str | None = None,
    address: str = "",
    **person: Any,
) -> tuple[Household, Beneficiary]:
    """A household in ``region`` with one registered member holding ``categories``."""
    home = Household.objects.create(region=region, address=address or f"{region.name}{next(_names)}号")
    clerk = world.township_clerk if region.code.startswith(world.township_a.code[:9]) else world.county_clerk
    person_ = register(
        clerk, region, categories or (Category.WAR_PARTICIPANT,), name=name or f"成员{next(_names)}", **person
    )
    Beneficiary.objects.filter(pk=person_.pk).update(household=home)  # scope: test data
    person_.refresh_from_db()
    return home, person_


def member(world: World, home: Household, *categories: Category, **person: Any) -> Beneficiary:
    """Another member of ``home``."""
    region = home.region
    clerk = world.township_clerk if region.code.startswith(world.township_a.code[:9]) else world.county_clerk
    person_ = register(clerk, region, categories or (Category.WAR_PARTICIPANT,), **person)
    Beneficiary.objects.filter(pk=person_.pk).update(household=home)  # scope: test data
    person_.refresh_from_db()
    return person_


def open_round(
    world: World, region: Region | None = None, *, by: User | None = None, **kw: Any
) -> NeedsRound:
    region = region or world.county
    by = by or (world.county_clerk if region == world.county else world.township_clerk)
    name = kw.pop("name", f"第{next(_names)}轮困难排查")
    due_on = kw.pop("due_on", TODAY + timedelta(days=30))
    return services.do_open_round(name, region, due_on, acting_user=by)


def check_of(round_: NeedsRound, home: Household) -> HouseholdCheck:
    return HouseholdCheck.objects.get(round=round_, household=home)  # scope: test data


def finding(
    world: World,
    round_: NeedsRound,
    person: Beneficiary,
    *,
    by: User | None = None,
    kind: str = FindingKind.HOUSING,
    owner: User | None = None,
    due_on: date | None = None,
    **kw: Any,
) -> Finding:
    return services.do_record_finding(
        round_,
        person,
        kind=kind,
        description=kw.pop("description", "房屋漏雨,需要修缮"),
        owner=(owner or world.township_clerk).username,
        due_on=due_on or TODAY + timedelta(days=20),
        acting_user=by or world.township_clerk,
        **kw,
    )
