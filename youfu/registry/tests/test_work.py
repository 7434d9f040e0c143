"""The home work list's annual-confirmation entry: counts in the clerk's scope, a link, nothing for others."""

from __future__ import annotations

import pytest
from django.test import Client

from youfu.core.sections import work_for
from youfu.registry.categories import Category
from youfu.registry.models import AnnualReview, ReviewItem
from youfu.registry.reviews import do_confirm_review_items, do_open_annual_review
from youfu.registry.tests.factories import register
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


def _outstanding(user: object) -> list[tuple[str, int, str]]:
    return [
        (str(item.label), item.count, item.url)
        for group in work_for(user)
        if group.key == "annual_confirmation"
        for item in group.items
    ]


@pytest.fixture
def review(world: World) -> AnnualReview:
    register(world.county_clerk, world.village_a, name="甲", categories=(Category.WAR_PARTICIPANT,))
    register(world.county_clerk, world.village_a, name="乙", categories=(Category.MARTYR_SURVIVOR,))
    register(world.county_clerk, world.village_b, name="丙", categories=(Category.MARTYR_SURVIVOR,))
    return do_open_annual_review(2026, acting_user=world.county_clerk)


def test_each_clerk_sees_what_is_outstanding_in_their_scope(world: World, review: AnnualReview) -> None:
    url = f"/registry/reviews/{review.pk}/?status=pending"
    assert [(n, u) for _label, n, u in _outstanding(world.county_clerk)] == [(3, url)]
    assert [(n, u) for _label, n, u in _outstanding(world.township_clerk)] == [(2, url)]
    assert [(n, u) for _label, n, u in _outstanding(world.other_township_clerk)] == [(1, url)]
    assert "2026" in _outstanding(world.county_clerk)[0][0]
    # Confirming takes people off the list; a township with all confirmed has nothing waiting.
    mine = list(ReviewItem.objects.visible_to(world.township_clerk).values_list("pk", flat=True))
    do_confirm_review_items(review, mine, acting_user=world.township_clerk)
    assert _outstanding(world.township_clerk) == []
    assert [n for _label, n, _u in _outstanding(world.county_clerk)] == [1]


def test_roles_that_do_not_confirm_and_closed_campaigns_get_nothing(
    world: World, review: AnnualReview
) -> None:
    for user in (world.leader, world.admin, world.auditor, world.liaison):
        assert _outstanding(user) == []
    AnnualReview.objects.filter(pk=review.pk).update(closed_at="2026-12-31T00:00:00Z")
    assert _outstanding(world.county_clerk) == []


def test_the_home_page_links_to_the_list(world: World, review: AnnualReview, client: Client) -> None:
    log_in(client, world.township_clerk)
    page = client.get("/").content.decode()
    assert 'data-testid="work-annual_confirmation"' in page
    assert f'href="/registry/reviews/{review.pk}/?status=pending"' in page
    assert client.get(f"/registry/reviews/{review.pk}/?status=pending").status_code == 200
