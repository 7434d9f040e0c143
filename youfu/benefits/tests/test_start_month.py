"""The payments start month: the county's to choose before its first batch, then fixed where it
began paying, so that a change recorded late for any month since is still paid or claimed back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import Recovery
from youfu.benefits.services import (
    do_create_batch,
    do_discard_batch,
    do_update_benefit_settings,
    payments_start,
    settings_for,
)
from youfu.benefits.tests.helpers import at, pay_month, person, setup_county
from youfu.core.errors import InvalidInput
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World, log_in

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


def test_once_paid_the_start_stays_where_the_county_began(county: World) -> None:
    person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    before = changes()
    for month in (date(2026, 6, 1), date(2026, 11, 1)):
        with pytest.raises(InvalidInput) as caught:
            do_update_benefit_settings(acting_user=county.admin, payments_start=month)
        assert "began paying through youfu in 2026-09" in caught.value.message.en
    assert payments_start(county.admin.region) == date(2026, 9, 1)
    assert changes() == before
    # Giving the same month again is no change at all.
    do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 9, 1))
    assert changes() == before


def test_a_discarded_first_batch_leaves_the_start_free(county: World) -> None:
    person(county, WAR)
    with time_machine.travel(at(2026, 9, 5), tick=False):
        draft = do_create_batch(date(2026, 9, 1), acting_user=county.county_clerk)
        do_discard_batch(draft, acting_user=county.county_clerk)
    do_update_benefit_settings(acting_user=county.admin, payments_start=date(2026, 10, 1))
    assert payments_start(county.admin.region) == date(2026, 10, 1)


def test_a_change_recorded_late_for_an_old_month_is_still_claimed_back(county: World) -> None:
    """Why the start stays: a suspension recorded in November for September reaches back over
    two settled months, and the next batch claims them back."""
    someone = person(county, WAR)
    pay_month(county, "2026-09")
    pay_month(county, "2026-10")
    q = someone.qualifications.get()
    with time_machine.travel(at(2026, 10, 20), tick=False):
        do_record_life_event(
            someone,
            LifeEventKind.SUSPENSION,
            date(2026, 9, 1),
            acting_user=county.county_clerk,
            qualification=q,
        )
    batch = pay_month(county, "2026-11")
    claims = Recovery.objects.filter(batch=batch, beneficiary=someone).order_by("month")
    assert [(r.month, r.amount_fen) for r in claims] == [(202609, 54000), (202610, 54000)]
    assert batch.items == 0


def test_the_allowance_month_is_not_held_up_by_open_months(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-09", failed={someone.pk: "账户已销户"})
    before = changes()
    do_update_benefit_settings(acting_user=county.admin, allowance_month=10)
    assert settings_for(county.county).allowance_month == 10
    assert payments_start(county.county) == date(2026, 9, 1)  # only the allowance month changed
    assert changes() == before + 1


def test_the_settings_page_offers_the_start_month_only_before_the_first_batch(
    county: World, client: Client
) -> None:
    log_in(client, county.admin)
    page = client.get("/benefits/standards/").content.decode()
    assert 'name="payments_start" value="2026-09"' in page and 'data-testid="start-fixed"' not in page
    person(county, WAR)
    pay_month(county, "2026-09")
    page = client.get("/benefits/standards/").content.decode()
    assert 'data-testid="start-fixed"' in page and 'type="month" name="payments_start"' not in page
    # Saving the allowance month posts the start month unchanged.
    response = client.post(
        "/benefits/standards/settings/", {"payments_start": "2026-09", "allowance_month": "10"}
    )
    assert response.status_code == 302
    assert settings_for(county.county).allowance_month == 10
