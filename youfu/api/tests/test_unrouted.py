"""What the API answers where no operation answers: the error envelope, as everywhere else."""

from __future__ import annotations

import pytest
from django.test import Client

from youfu.testing import World, bearer

pytestmark = pytest.mark.django_db


def test_a_path_no_route_matches_answers_404_in_the_envelope(world: World, client: Client) -> None:
    # The grants' routes take a whole number: -1 matches no route at all.
    response = client.get("/api/v1/relief/-1", **bearer(world.county_clerk))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_method_the_path_does_not_take_answers_405_in_the_envelope(world: World, client: Client) -> None:
    response = client.delete("/api/v1/me", **bearer(world.county_clerk))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_it_answers_in_the_request_language(world: World, client: Client) -> None:
    response = client.get("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["error"]["message"] == "未找到。"


def test_pages_keep_their_own_404(world: World, client: Client) -> None:
    client.force_login(world.county_clerk)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
