from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind, QualificationStatus, ReviewItem, ReviewStatus
from youfu.registry.reviews import (
    do_confirm_review_items,
    do_open_annual_review,
    do_suspend_unconfirmed,
    progress_by_township,
)
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import register
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(world: World) -> World:
    register(
        world.county_clerk,
        world.village_a,
        name="甲",
        categories=(Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN),
    )
    register(world.county_clerk, world.village_a, name="乙", categories=(Category.ACTIVE_DUTY_FAMILY,))
    register(world.county_clerk, world.village_b, name="丙", categories=(Category.MARTYR_SURVIVOR,))
    dead = register(world.county_clerk, world.village_b, name="丁")
    do_record_life_event(dead, LifeEventKind.DEATH, date(2026, 1, 5), acting_user=world.county_clerk)
    return world


def test_opening_lists_every_living_regular_benefit_holder(county: World) -> None:
    review = do_open_annual_review(2026, acting_user=county.county_clerk)
    names = sorted(
        ReviewItem.objects.filter(review=review).values_list(
            "qualification__beneficiary__name", "qualification__category"
        )
    )
    assert names == [("丙", "martyr_survivor"), ("甲", "disabled_veteran"), ("甲", "war_participant")]
    event = AuditEvent.objects.get(event_type=EventType.ANNUAL_REVIEW_OPENED)
    assert event.new == {"year": 2026, "items": 3}


def test_a_year_is_opened_once_and_by_the_county(county: World) -> None:
    do_open_annual_review(2026, acting_user=county.county_clerk)
    with pytest.raises(Conflict):
        do_open_annual_review(2026, acting_user=county.county_clerk)
    with pytest.raises(InvalidInput):
        do_open_annual_review(2027, acting_user=county.township_clerk)


def test_a_township_clerk_confirms_only_their_own(county: World) -> None:
    review = do_open_annual_review(2026, acting_user=county.county_clerk)
    every = list(ReviewItem.objects.filter(review=review).values_list("pk", flat=True))
    assert do_confirm_review_items(review, every, acting_user=county.township_clerk) == 2
    assert do_confirm_review_items(review, every, acting_user=county.township_clerk) == 0  # already done
    progress = {
        p.township_name: (p.total, p.confirmed, p.pending)
        for p in progress_by_township(review, county.county_clerk)
    }
    assert progress == {"城关镇": (2, 2, 0), "东岭镇": (1, 0, 1)}
    assert [p.township_name for p in progress_by_township(review, county.township_clerk)] == ["城关镇"]


def test_nobody_is_suspended_without_a_clerk_deciding_it(county: World) -> None:
    review = do_open_annual_review(2026, acting_user=county.county_clerk)
    item = ReviewItem.objects.get(review=review, qualification__beneficiary__name="丙")
    assert item.qualification.status == QualificationStatus.ACTIVE  # opening changed nothing
    with pytest.raises(InvalidInput):
        do_suspend_unconfirmed(
            item, acting_user=county.county_clerk, effective_on=date(2026, 6, 1), reason=" "
        )
    do_suspend_unconfirmed(
        item, acting_user=county.county_clerk, effective_on=date(2026, 6, 1), reason="未参加年审"
    )
    item.qualification.refresh_from_db()
    assert item.qualification.status == QualificationStatus.SUSPENDED
    assert item.status == ReviewStatus.SUSPENDED
    assert AuditEvent.objects.filter(event_type=EventType.ANNUAL_REVIEW_SUSPENDED).count() == 1
    with pytest.raises(Conflict):
        do_suspend_unconfirmed(
            item, acting_user=county.county_clerk, effective_on=date(2026, 6, 1), reason="again"
        )


class TestPages:
    def test_the_county_clerk_opens_and_a_township_clerk_confirms(
        self, county: World, client: Client
    ) -> None:
        log_in(client, county.county_clerk)
        response = client.post("/registry/reviews/", {"year": "2026"})
        review_url = response["Location"]
        assert client.get(review_url).status_code == 200
        log_in(client, county.township_clerk)
        page = client.get(review_url)
        assert "甲" in page.content.decode() and "丙" not in page.content.decode()
        ids = [i.pk for i in page.context["page"]]
        client.post(review_url, {"item": ids})
        assert ReviewItem.objects.filter(status=ReviewStatus.CONFIRMED).count() == 2

    def test_suspending_from_the_page(self, county: World, client: Client) -> None:
        review = do_open_annual_review(2026, acting_user=county.county_clerk)
        item = ReviewItem.objects.get(qualification__beneficiary__name="丙")
        log_in(client, county.township_clerk)
        url = f"/registry/reviews/{review.pk}/items/{item.pk}/suspend/"
        assert (
            client.post(url, {"effective_on": "2026-06-01", "reason": "x"}).status_code == 404
        )  # township B
        log_in(client, county.other_township_clerk)
        client.post(url, {"effective_on": "2026-06-01", "reason": "未参加年审"})
        item.refresh_from_db()
        assert item.status == ReviewStatus.SUSPENDED

    def test_admin_and_auditor_may_not(self, county: World, client: Client) -> None:
        for persona in (county.admin, county.auditor):
            log_in(client, persona)
            assert client.get("/registry/reviews/").status_code == 403
