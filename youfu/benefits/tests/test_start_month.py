"""Moving the payments start month: settled history is never paid again, nothing owed is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.services import (
    do_approve_batch,
    do_create_batch,
    do_update_benefit_settings,
    payments_start,
    settings_for,
)
from youfu.benefits.tests.helpers import at, pay_month, person, setup_county
from youfu.core.errors import Conflict, InvalidInput
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 8, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 9, 1))
    with time_machine.travel(at(2026, 11, 20), tick=False):
        yield world


def changes() -> int:
    return AuditEvent.objects.filter(event_type=EventType.BENEFIT_SETTINGS_CHANGED).count()


def test_before_any_batch_the_start_moves_freely(county: World) -> None:
    do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 6, 1))
    assert payments_start(county.admin.region) == date(2026, 6, 1)
    do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 10, 1))
    assert payments_start(county.admin.region) == date(2026, 10, 1)


def test_the_start_moves_forward_over_settled_months(county: World) -> None:
    person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 11, 1))
    assert payments_start(county.admin.region) == date(2026, 11, 1)


def test_the_start_never_moves_back_once_paid(county: World) -> None:
    person(county, WAR)
    pay_month(county, "2026-09")
    before = changes()
    with pytest.raises(InvalidInput) as caught:
        do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 6, 1))
    assert "pay them again" in caught.value.message.en
    assert payments_start(county.admin.region) == date(2026, 9, 1)
    assert changes() == before


def test_a_failed_month_is_settled_once_a_later_batch_pays_it(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-09", failed={someone.pk: "账户已销户"})
    pay_month(county, "2026-10")  # pays September again, as arrears
    do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 11, 1))
    assert payments_start(county.admin.region) == date(2026, 11, 1)


def test_months_with_money_owed_cannot_be_settled(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-09", failed={someone.pk: "账户已销户"})
    before = changes()
    with pytest.raises(InvalidInput) as caught:
        do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 10, 1))
    text = caught.value.message.en
    assert "1 people are still owed 540.00 yuan" in text  # September's transfer failed
    assert payments_start(county.admin.region) == date(2026, 9, 1)
    assert changes() == before


def test_not_while_a_batch_is_open(county: World) -> None:
    person(county, WAR)
    pay_month(county, "2026-09")
    with time_machine.travel(at(2026, 10, 5), tick=False):
        batch = do_create_batch(date(2026, 10, 1), acting_user=county.county_clerk)
        do_approve_batch(batch, acting_user=county.leader)
    with pytest.raises(Conflict):
        do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 10, 1))
    assert payments_start(county.admin.region) == date(2026, 9, 1)


def test_the_allowance_month_is_not_held_up_by_open_months(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-09", failed={someone.pk: "账户已销户"})
    before = changes()
    do_update_benefit_settings(acting_user=county.admin, allowance_month=10)
    assert settings_for(county.county).allowance_month == 10
    assert payments_start(county.county) == date(2026, 9, 1)  # only the allowance month changed
    assert changes() == before + 1


def test_months_with_money_to_claim_back_cannot_be_settled(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-09")
    q = someone.qualifications.get()
    with time_machine.travel(at(2026, 10, 2), tick=False):
        # Suspended from 1 September, recorded late: September was paid and not due.
        do_record_life_event(
            someone,
            LifeEventKind.SUSPENSION,
            date(2026, 9, 1),
            acting_user=county.county_clerk,
            qualification=q,
        )
    pay_month(county, "2026-10")  # raises the claim for September
    with pytest.raises(InvalidInput) as caught:
        do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 11, 1))
    assert "owe 540.00 yuan back" in caught.value.message.en
    assert payments_start(county.admin.region) == date(2026, 9, 1)
