"""A service's refusal on a page is a 403, as it is in the API: ``youfu.core.errors.PermissionDenied``
is also Django's, so a view that does not catch it never turns it into a server error."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.test import Client

from youfu.core.errors import PermissionDenied, YoufuError
from youfu.registry.reviews import do_open_annual_review
from youfu.testing import World, log_in


def test_it_is_both_youfus_and_djangos() -> None:
    refusal = PermissionDenied()
    assert isinstance(refusal, YoufuError) and isinstance(refusal, DjangoPermissionDenied)
    assert refusal.status == 403 and refusal.code == "forbidden"


@pytest.mark.django_db
def test_a_liaison_refreshing_the_discoveries_gets_403(world: World, client: Client) -> None:
    # The page lets a caseworker in; the service keeps the refresh for the region's own clerks.
    log_in(client, world.liaison)
    assert client.post("/discoveries/refresh/").status_code == 403


@pytest.mark.django_db
def test_a_leader_confirming_review_items_gets_403(world: World, client: Client) -> None:
    review = do_open_annual_review(2026, acting_user=world.county_clerk)
    log_in(client, world.leader)
    assert client.post(f"/registry/reviews/{review.pk}/", {"item": []}).status_code == 403


@pytest.mark.django_db
def test_the_api_still_answers_in_its_envelope(world: World, client: Client) -> None:
    from youfu.testing import bearer

    response = client.post("/api/v1/discoveries/refresh", **bearer(world.liaison))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
