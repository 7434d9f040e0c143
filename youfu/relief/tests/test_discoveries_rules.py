"""Each rule of 应享未享, with the cases that must and must not be found, through the refresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.relief.discoveries.models import DiscoveryState, Rule
from youfu.relief.discoveries.services import do_refresh_discoveries
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World

TODAY = datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(TODAY, tick=False)
    yield


def found(world: World, rule: Rule) -> set[int]:
    do_refresh_discoveries(acting_user=world.county_clerk)
    return {p for r, p, _fact, state in f.findings(rule=rule) if state == DiscoveryState.OPEN}


# --- rural_veteran_60 -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rural_veteran_who_turns_60_this_year_is_found(world: World) -> None:
    sixty = f.veteran(world.township_clerk, world.village_a, born=date(1966, 12, 31))
    fifty_nine = f.veteran(world.township_clerk, world.village_a, born=date(1967, 1, 1))
    assert found(world, Rule.RURAL_VETERAN_60) == {sixty.pk}
    assert f.findings(rule=Rule.RURAL_VETERAN_60) == [(Rule.RURAL_VETERAN_60, sixty.pk, 0, "open")]
    assert fifty_nine.pk not in found(world, Rule.RURAL_VETERAN_60)


@pytest.mark.django_db
def test_an_urban_veteran_is_not_found(world: World) -> None:
    f.veteran(world.township_clerk, world.village_a, born=date(1950, 1, 1), residence="urban")
    assert found(world, Rule.RURAL_VETERAN_60) == set()


@pytest.mark.django_db
def test_a_veteran_who_holds_the_subsidy_or_had_it_ended_is_not_found(world: World) -> None:
    clerk = world.township_clerk
    f.person(
        clerk, world.village_a, Category.OTHER_VETERAN, Category.ELDERLY_RURAL_VETERAN, born=date(1950, 1, 1)
    )
    ended = f.person(clerk, world.village_a, Category.ELDERLY_RURAL_VETERAN, born=date(1950, 1, 1))
    ended.qualifications.update(status="ended", ended_on=date(2025, 1, 1))
    assert found(world, Rule.RURAL_VETERAN_60) == set()


@pytest.mark.django_db
def test_a_veteran_paid_another_regular_benefit_is_not_found(world: World) -> None:
    """The subsidy is for veterans with no regular benefit (未享受国家定期抚恤补助)."""
    clerk = world.township_clerk
    f.person(clerk, world.village_a, Category.WAR_PARTICIPANT, born=date(1950, 1, 1))
    f.disabled(clerk, world.village_a, level=8, born=date(1950, 1, 1))
    assert found(world, Rule.RURAL_VETERAN_60) == set()


@pytest.mark.django_db
def test_only_soldiers_of_the_conscription_era_count(world: World) -> None:
    clerk = world.township_clerk
    old = {Category.OTHER_VETERAN: {"enlisted_on": date(1953, 3, 1)}}
    f.person(clerk, world.village_a, Category.OTHER_VETERAN, born=date(1935, 1, 1), details=old)
    era = {Category.OTHER_VETERAN: {"enlisted_on": date(1978, 3, 1)}}
    inside = f.person(clerk, world.village_a, Category.OTHER_VETERAN, born=date(1960, 1, 1), details=era)
    assert found(world, Rule.RURAL_VETERAN_60) == {inside.pk}


@pytest.mark.django_db
def test_the_dead_and_people_who_are_no_veterans_are_not_found(world: World) -> None:
    clerk = world.township_clerk
    dead = f.veteran(clerk, world.village_a, born=date(1950, 1, 1))
    f.death(clerk, dead)
    f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, born=date(1950, 1, 1))
    assert found(world, Rule.RURAL_VETERAN_60) == set()


# --- premium_missing ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_disabled_veteran_of_levels_1_to_6_without_a_premium_is_found(world: World) -> None:
    clerk = world.township_clerk
    missing = f.disabled(clerk, world.village_a, level=6)
    paid = f.disabled(clerk, world.village_a, level=2)
    f.premium(clerk, paid)
    f.disabled(clerk, world.village_a, level=7)
    assert found(world, Rule.PREMIUM_MISSING) == {missing.pk}
    assert f.findings(rule=Rule.PREMIUM_MISSING) == [(Rule.PREMIUM_MISSING, missing.pk, 2026, "open")]


# --- housing_unserved ---------------------------------------------------------------------


@pytest.mark.django_db
def test_homes_graded_c_or_d_without_a_case_are_found(world: World) -> None:
    clerk = world.township_clerk
    people = [f.veteran(clerk, world.village_a, born=date(1980, 1, 1), name=n) for n in "甲乙丙丁"]
    surveys = {grade: f.survey(clerk, p, grade) for p, grade in zip(people, "ABCD", strict=True)}
    assert found(world, Rule.HOUSING_UNSERVED) == {people[2].pk, people[3].pk}
    facts = {fact for _r, _p, fact, _s in f.findings(rule=Rule.HOUSING_UNSERVED)}
    assert facts == {surveys["C"].pk, surveys["D"].pk}


@pytest.mark.django_db
def test_a_case_serves_the_home_and_a_refused_one_does_not(world: World) -> None:
    clerk = world.township_clerk
    served, refused = (f.veteran(clerk, world.village_a, born=date(1980, 1, 1), name=n) for n in "甲乙")
    f.survey(clerk, served, "D")
    f.survey(clerk, refused, "C")
    f.case(clerk, served)
    f.refuse(world.leader, f.case(clerk, refused))
    assert found(world, Rule.HOUSING_UNSERVED) == {refused.pk}


# --- survivor_review ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pension_holders_death_with_a_household_member_is_found(world: World) -> None:
    clerk = world.township_clerk
    veteran = f.disabled(clerk, world.village_a, level=3, name="王大")
    widow = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="李二", born=date(1962, 1, 1))
    f.household(veteran, widow)
    event = f.death(clerk, veteran)
    assert found(world, Rule.SURVIVOR_REVIEW) == {veteran.pk}
    assert f.findings(rule=Rule.SURVIVOR_REVIEW) == [(Rule.SURVIVOR_REVIEW, veteran.pk, event.pk, "open")]


@pytest.mark.django_db
def test_a_death_with_a_payee_is_found_and_one_alone_without_is_not(world: World) -> None:
    clerk = world.township_clerk
    alone = f.disabled(clerk, world.village_a, level=3, name="王大")
    with_payee = f.disabled(clerk, world.village_a, level=3, name="王二")
    f.death(clerk, alone)
    f.death(clerk, with_payee, payee=True)
    assert found(world, Rule.SURVIVOR_REVIEW) == {with_payee.pk}


@pytest.mark.django_db
def test_the_death_of_someone_without_a_pension_is_not_found(world: World) -> None:
    clerk = world.township_clerk
    war = f.person(clerk, world.village_a, Category.WAR_PARTICIPANT, name="王大")
    wife = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="李二", born=date(1962, 1, 1))
    f.household(war, wife)
    f.death(clerk, war, payee=True)
    assert found(world, Rule.SURVIVOR_REVIEW) == set()


@pytest.mark.django_db
def test_a_survivor_qualification_added_after_the_death_clears_it(world: World) -> None:
    clerk = world.township_clerk
    veteran = f.disabled(clerk, world.village_a, level=3, name="王大")
    widow = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="李二", born=date(1962, 1, 1))
    f.household(veteran, widow)
    f.death(clerk, veteran)
    assert found(world, Rule.SURVIVOR_REVIEW) == {veteran.pk}
    f.survivor_qualification(clerk, Beneficiary.objects.get(pk=widow.pk))
    assert found(world, Rule.SURVIVOR_REVIEW) == set()
    assert [s for *_rest, s in f.findings(rule=Rule.SURVIVOR_REVIEW)] == [DiscoveryState.LAPSED]
