"""Who may be granted relief and how much: the eligible categories, the person alive and in
the county, the cap per case and the cap per person and calendar year."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from youfu.core.errors import Conflict, InvalidInput, NotFound
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.relief.grants import services
from youfu.relief.tests.factories_grants import application, apply, approve_all, eligible_person, set_settings
from youfu.relief.tests.test_grants_chain import refused
from youfu.testing import World

pytestmark = pytest.mark.django_db


# --- eligibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("category", list(services.DEFAULT_CATEGORIES))
def test_the_default_categories_may_apply(world: World, category: Category) -> None:
    grant = apply(world, eligible_person(world, category=category), "100.00")
    assert grant.state == "pending"


@pytest.mark.parametrize(
    "category",
    [Category.WAR_PARTICIPANT, Category.ELDERLY_RURAL_VETERAN, Category.OTHER_VETERAN],
)
def test_other_categories_are_refused(world: World, category: Category) -> None:
    person = eligible_person(world, category=category)
    error = refused(InvalidInput, lambda: apply(world, person, "100.00"), "ineligible")
    assert "beneficiary" in error.fields


def test_the_eligible_categories_are_the_leaders_to_set(world: World) -> None:
    person = eligible_person(world, category=Category.WAR_PARTICIPANT)
    set_settings(world, categories=[Category.WAR_PARTICIPANT.value])
    assert apply(world, person, "100.00").state == "pending"
    veteran = eligible_person(world, category=Category.DISABLED_VETERAN)
    refused(InvalidInput, lambda: apply(world, veteran, "100.00"), "ineligible")


def test_a_deceased_person_is_refused(world: World) -> None:
    person = eligible_person(world)
    do_record_life_event(person, LifeEventKind.DEATH, date(2025, 6, 1), acting_user=world.county_clerk)
    refused(InvalidInput, lambda: apply(world, person, "100.00"), "ineligible")


def test_a_person_who_moved_out_of_the_county_is_refused(world: World) -> None:
    person = eligible_person(world)
    elsewhere = Region.objects.create(code="340100000000", name="合肥市", level=RegionLevel.CITY)
    do_record_life_event(
        person, LifeEventKind.MOVE, date(2025, 6, 1), to_region=elsewhere, acting_user=world.county_clerk
    )
    refused(InvalidInput, lambda: apply(world, person, "100.00"), "ineligible")


def test_a_person_outside_the_users_region_is_not_found(world: World) -> None:
    person = eligible_person(world, world.village_b)
    refused(NotFound, lambda: apply(world, person, "100.00", by=world.township_clerk))


# --- caps ----------------------------------------------------------------------------------


def test_the_cap_per_case(world: World) -> None:
    person = eligible_person(world)
    error = refused(InvalidInput, lambda: apply(world, person, "5000.01"), "over_case_cap")
    assert "amount" in error.fields
    assert apply(world, person, "5000.00").amount_fen == 500_000


def test_pending_and_approved_grants_count_toward_the_yearly_cap(world: World) -> None:
    person = eligible_person(world)
    approve_all(world, apply(world, person, "5000.00", applied_on=date(2026, 3, 1)))
    apply(world, person, "4000.00", applied_on=date(2026, 5, 1))  # pending
    error = refused(
        Conflict, lambda: apply(world, person, "1000.01", applied_on=date(2026, 6, 1)), "over_year_cap"
    )
    assert "1000.00" in error.message.en  # what is left
    assert apply(world, person, "1000.00", applied_on=date(2026, 6, 1)).state == "pending"


def test_paid_grants_count_toward_the_yearly_cap(world: World) -> None:
    person = eligible_person(world)
    grant = approve_all(world, apply(world, person, "5000.00", applied_on=date(2026, 3, 1)))
    assert grant.one_off_id is not None
    services.mark_paid([grant.one_off_id])
    apply(world, person, "5000.00", applied_on=date(2026, 4, 1))
    refused(Conflict, lambda: apply(world, person, "0.01", applied_on=date(2026, 6, 1)), "over_year_cap")


def test_returned_and_cancelled_grants_do_not_count(world: World) -> None:
    person = eligible_person(world)
    returned = apply(world, person, "5000.00", applied_on=date(2026, 3, 1))
    services.do_return(returned, reason="材料不全", acting_user=world.township_clerk)
    cancelled = approve_all(world, apply(world, person, "5000.00", applied_on=date(2026, 3, 2)))
    services.do_cancel(cancelled, reason="重复", acting_user=world.county_clerk)
    assert services.year_total_fen(person, 2026) == 0
    apply(world, person, "5000.00", applied_on=date(2026, 4, 1))
    apply(world, person, "5000.00", applied_on=date(2026, 4, 2))
    assert services.year_total_fen(person, 2026) == 1_000_000
    # Resubmitting the returned one would exceed the cap now: refused, and it stays returned.
    returned.refresh_from_db()
    refused(
        Conflict,
        lambda: services.do_resubmit(
            returned, application_for("100.00", date(2026, 5, 1)), acting_user=world.village_assistant
        ),
        "over_year_cap",
    )


def application_for(amount: str, applied_on: date) -> services.Application:
    return application(amount, applied_on=applied_on)


def test_the_yearly_cap_is_the_calendar_year_of_applied_on(world: World) -> None:
    person = eligible_person(world)
    with time_machine.travel(date(2026, 1, 5), tick=False):
        apply(world, person, "5000.00", applied_on=date(2025, 12, 30))
        apply(world, person, "5000.00", applied_on=date(2025, 12, 31))
        refused(
            Conflict, lambda: apply(world, person, "100.00", applied_on=date(2025, 12, 31)), "over_year_cap"
        )
        # The new year starts with the whole cap.
        apply(world, person, "5000.00", applied_on=date(2026, 1, 1))
        apply(world, person, "5000.00", applied_on=date(2026, 1, 2))
    assert services.year_total_fen(person, 2025) == 1_000_000
    assert services.year_total_fen(person, 2026) == 1_000_000


def test_the_caps_are_the_settings_in_force(world: World) -> None:
    person = eligible_person(world)
    set_settings(world, case_cap_fen=200_000, year_cap_fen=300_000)
    refused(InvalidInput, lambda: apply(world, person, "2000.01"), "over_case_cap")
    apply(world, person, "2000.00")
    refused(Conflict, lambda: apply(world, person, "1000.01"), "over_year_cap")


def test_a_future_date_and_a_zero_amount_are_refused(world: World) -> None:
    person = eligible_person(world)
    refused(InvalidInput, lambda: apply(world, person, "100.00", applied_on=date(2099, 1, 1)))
    refused(InvalidInput, lambda: apply(world, person, "0.00"), "invalid_amount")
