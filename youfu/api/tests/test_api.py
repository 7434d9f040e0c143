from __future__ import annotations

import pytest
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.testing import World


def bearer(user: User) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.django_db
class TestEnvelope:
    def test_no_token_is_401_in_the_envelope(self, client: Client) -> None:
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_a_bad_token_is_401(self, client: Client) -> None:
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer yf_nonsense").status_code == 401

    def test_a_record_outside_the_region_is_404(self, world: World, client: Client) -> None:
        response = client.get(
            f"/api/v1/regions/{world.township_a.code}", **bearer(world.other_township_clerk)
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_a_role_without_the_capability_is_403(self, world: World, client: Client) -> None:
        response = client.get("/api/v1/users", **bearer(world.county_clerk))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"

    def test_invalid_input_is_400_with_fields(self, world: World, client: Client) -> None:
        response = client.post(
            "/api/v1/users", {"username": "x"}, content_type="application/json", **bearer(world.admin)
        )
        assert response.status_code == 400
        body = response.json()["error"]
        assert body["code"] == "invalid" and "role" in body["fields"]

    def test_a_service_rejection_is_400_with_its_code(self, world: World, client: Client) -> None:
        response = client.post(
            "/api/v1/users",
            {"username": "x", "role": "mayor", "region": world.county.code, "password": "river-stone-2026"},
            content_type="application/json",
            **bearer(world.admin),
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "unknown_role"

    def test_messages_follow_accept_language(self, world: World, client: Client) -> None:
        auth = bearer(world.other_township_clerk)
        zh = client.get(f"/api/v1/regions/{world.township_a.code}", HTTP_ACCEPT_LANGUAGE="zh-hans", **auth)
        en = client.get(f"/api/v1/regions/{world.township_a.code}", HTTP_ACCEPT_LANGUAGE="en", **auth)
        assert en.json()["error"]["message"] == "Not found."
        assert zh.json()["error"]["message"] != "Not found."


@pytest.mark.django_db
class TestPagination:
    def test_lists_are_paginated(self, world: World, client: Client) -> None:
        auth = bearer(world.county_clerk)
        first = client.get("/api/v1/regions?page_size=2", **auth).json()
        assert first["count"] == 5
        assert [r["code"] for r in first["results"]] == [world.county.code, world.township_a.code]
        third = client.get("/api/v1/regions?page=3&page_size=2", **auth).json()
        assert [r["code"] for r in third["results"]] == [world.village_b.code]

    def test_page_size_is_capped_at_500(self, world: World, client: Client) -> None:
        response = client.get("/api/v1/regions?page_size=501", **bearer(world.county_clerk))
        assert response.status_code == 400
        assert "page_size" in response.json()["error"]["fields"]

    def test_a_township_clerk_lists_only_their_township(self, world: World, client: Client) -> None:
        body = client.get("/api/v1/regions", **bearer(world.township_clerk)).json()
        assert {r["code"] for r in body["results"]} == {world.township_a.code, world.village_a.code}


def test_the_openapi_schema_is_served(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in schema["paths"]
    assert "/api/v1/regions" in schema["paths"]
