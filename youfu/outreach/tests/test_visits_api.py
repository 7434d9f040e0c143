"""/api/v1/visits: the contract of issue 12 §5."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from youfu.outreach.tests.factories_visits import campaign, person, starts, visit
from youfu.outreach.tests.test_visits_services import stored
from youfu.outreach.visits.models import Visit, VisitCampaign
from youfu.registry.categories import Category
from youfu.testing import World, bearer

pytestmark = pytest.mark.django_db


def post(client: Client, auth: dict[str, str], url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json", **auth)


def new_campaign(**overrides: Any) -> dict[str, Any]:
    first = starts(5)
    body: dict[str, Any] = {
        "name": "2026年八一走访慰问",
        "starts_on": first.isoformat(),
        "ends_on": (first + timedelta(days=20)).isoformat(),
        "categories": [Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN],
    }
    body.update(overrides)
    return body


class TestCampaigns:
    def test_it_answers_201_with_id_and_targets(self, world: World, client: Client) -> None:
        person(world)
        person(world, world.village_b, categories=(Category.DISABLED_VETERAN,))
        person(world, categories=(Category.OTHER_VETERAN,))
        response = post(client, bearer(world.county_clerk), "/api/v1/visits/campaigns", new_campaign())
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body == {"id": VisitCampaign.objects.get().pk, "targets": 2}  # scope: test
        assert VisitCampaign.objects.get().region == world.county  # scope: the default is the user's region

    def test_a_township_and_the_min_age(self, world: World, client: Client) -> None:
        person(world, birth_date=timezone.localdate().replace(year=1940, month=1, day=1))
        person(world, birth_date=timezone.localdate().replace(year=1970, month=1, day=1))
        person(world, world.village_b)
        body = new_campaign(region=world.township_a.code, min_age=80)
        response = post(client, bearer(world.county_clerk), "/api/v1/visits/campaigns", body)
        assert response.status_code == 201 and response.json()["targets"] == 1

    def test_a_region_outside_scope_is_404_and_changes_nothing(self, world: World, client: Client) -> None:
        person(world, world.village_b)
        auth = bearer(world.township_clerk)
        before = stored()
        for region in (world.township_b.code, world.county.code, "999999000000"):
            response = post(client, auth, "/api/v1/visits/campaigns", new_campaign(region=region))
            assert response.status_code == 404, region
            assert response.json()["error"]["code"] == "not_found"
        assert stored() == before

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"categories": []}, "categories"),
            ({"categories": ["pirate"]}, "categories"),
            ({"name": ""}, "name"),
            ({"ends_on": "2019-01-01"}, "ends_on"),
            ({"starts_on": "1800-01-01"}, "starts_on"),
            ({"min_age": -1}, "min_age"),
            ({"categories": [Category.MARTYR_SURVIVOR]}, "categories"),
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(
        self, world: World, client: Client, overrides: dict[str, Any], field: str
    ) -> None:
        person(world)
        auth = bearer(world.county_clerk)
        before = stored()
        response = post(client, auth, "/api/v1/visits/campaigns", new_campaign(**overrides))
        assert response.status_code == 400, response.json()
        assert field in response.json()["error"]["fields"]
        assert stored() == before

    def test_a_leader_may_read_but_not_create(self, world: World, client: Client) -> None:
        person(world)
        auth = bearer(world.leader)
        before = stored()
        assert post(client, auth, "/api/v1/visits/campaigns", new_campaign()).status_code == 403
        assert stored() == before
        campaign(world)
        assert client.get("/api/v1/visits/campaigns", **auth).json()["count"] == 1

    def test_the_list_filters_by_state(self, world: World, client: Client) -> None:
        person(world)
        running = campaign(world)
        campaign(world, starts_on=starts(60), ends_on=starts(40), name="已结束")
        auth = bearer(world.township_clerk)
        listed = client.get("/api/v1/visits/campaigns?state=open", **auth).json()
        assert [c["id"] for c in listed["results"]] == [running.pk]
        assert listed["results"][0]["region_name"] == "青山县"
        assert client.get("/api/v1/visits/campaigns", **auth).json()["count"] == 2


class TestChanging:
    def test_patch_renames_and_extends(self, world: World, client: Client) -> None:
        person(world)
        c = campaign(world)
        later = (c.ends_on + timedelta(days=7)).isoformat()
        url = f"/api/v1/visits/campaigns/{c.pk}"
        response = client.patch(
            url, {"ends_on": later}, content_type="application/json", **bearer(world.county_clerk)
        )
        assert response.status_code == 200, response.json()
        assert response.json()["ends_on"] == later and response.json()["targets"] == 1

    def test_a_township_clerk_may_not_change_the_county_campaign(self, world: World, client: Client) -> None:
        person(world)
        c = campaign(world)
        auth = bearer(world.township_clerk)
        before = stored()
        response = client.patch(
            f"/api/v1/visits/campaigns/{c.pk}", {"name": "改名"}, content_type="application/json", **auth
        )
        assert response.status_code == 403
        assert stored() == before

    def test_an_end_before_the_start_is_400(self, world: World, client: Client) -> None:
        person(world)
        c = campaign(world)
        auth = bearer(world.county_clerk)
        before = stored()
        body = {"ends_on": (c.starts_on - timedelta(days=1)).isoformat()}
        response = client.patch(
            f"/api/v1/visits/campaigns/{c.pk}", body, content_type="application/json", **auth
        )
        assert response.status_code == 400 and "ends_on" in response.json()["error"]["fields"]
        assert stored() == before


class TestCoverage:
    def test_coverage_and_by_township(self, world: World, client: Client) -> None:
        a = [person(world, name=f"城关{i}") for i in range(2)]
        b = [person(world, world.village_b, name=f"东岭{i}") for i in range(4)]
        c = campaign(world)
        visit(world, c, a[0])
        visit(world, c, b[0])
        visit(world, c, b[1])
        county = client.get(f"/api/v1/visits/campaigns/{c.pk}", **bearer(world.county_clerk)).json()
        # 3 of 6: 50.0%; 城关镇 1/2, 东岭镇 2/4
        assert (county["targets"], county["visited"], county["coverage"]) == (6, 3, "50.0")
        assert county["by_township"] == [
            {"code": world.township_a.code, "name": "城关镇", "targets": 2, "visited": 1},
            {"code": world.township_b.code, "name": "东岭镇", "targets": 4, "visited": 2},
        ]
        township = client.get(f"/api/v1/visits/campaigns/{c.pk}", **bearer(world.township_clerk)).json()
        assert (township["targets"], township["visited"], township["coverage"]) == (2, 1, "50.0")
        assert township["by_township"] == [
            {"code": world.township_a.code, "name": "城关镇", "targets": 2, "visited": 1}
        ]

    def test_not_visited_is_paginated_and_scoped(self, world: World, client: Client) -> None:
        a = [person(world, name=f"城关{i}") for i in range(3)]
        person(world, world.village_b, name="东岭甲")
        c = campaign(world)
        visit(world, c, a[1])
        auth = bearer(world.township_clerk)
        first = client.get(f"/api/v1/visits/campaigns/{c.pk}/not-visited?page_size=1", **auth).json()
        assert first["count"] == 2 and len(first["results"]) == 1
        row = first["results"][0]
        assert set(row) == {"beneficiary", "name", "township", "township_name", "region", "region_name"}
        both = client.get(f"/api/v1/visits/campaigns/{c.pk}/not-visited", **auth).json()
        assert {r["beneficiary"] for r in both["results"]} == {a[0].pk, a[2].pk}
        county = client.get(
            f"/api/v1/visits/campaigns/{c.pk}/not-visited", **bearer(world.county_clerk)
        ).json()
        assert county["count"] == 3
        visited = client.get(f"/api/v1/visits/campaigns/{c.pk}/visits", **auth).json()
        assert [v["beneficiary"] for v in visited["results"]] == [a[1].pk]

    def test_other_townships_ids_are_404(self, world: World, client: Client) -> None:
        person(world, name="城关甲")
        theirs = person(world, world.village_b, name="东岭乙")
        c_b = campaign(world, region=world.township_b, by=world.other_township_clerk, name="东岭镇走访")
        county = campaign(world)
        v = visit(world, county, theirs)
        auth = bearer(world.township_clerk)
        for url in (
            f"/api/v1/visits/campaigns/{c_b.pk}",
            f"/api/v1/visits/campaigns/{c_b.pk}/not-visited",
            f"/api/v1/visits/campaigns/{c_b.pk}/visits",
            f"/api/v1/visits/{v.pk}",
        ):
            response = client.get(url, **auth)
            assert response.status_code == 404, url
            assert response.json()["error"]["code"] == "not_found"
        assert client.get(f"/api/v1/visits?beneficiary={theirs.pk}", **auth).json()["count"] == 0


class TestVisits:
    def body(self, c: VisitCampaign, who: Any, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "campaign": c.pk,
            "beneficiary": who.pk,
            "visited_on": timezone.localdate().isoformat(),
            "visitors": "王优抚、李乡干",
            "money": "500.00",
            "goods": "米一袋、油一桶",
        }
        values.update(overrides)
        return values

    def test_it_answers_201_and_the_visit_reads_back(self, world: World, client: Client) -> None:
        who = person(world, name="城关甲")
        c = campaign(world)
        auth = bearer(world.township_clerk)
        response = post(client, auth, "/api/v1/visits", self.body(c, who))
        assert response.status_code == 201, response.json()
        body = response.json()
        v = Visit.objects.get()  # scope: test
        assert body == {
            "id": v.pk,
            "campaign": c.pk,
            "campaign_name": "春节走访慰问",
            "beneficiary": who.pk,
            "name": "城关甲",
            "township": world.township_a.code,
            "township_name": "城关镇",
            "visited_on": timezone.localdate().isoformat(),
            "visitors": "王优抚、李乡干",
            "money": "500.00",
            "goods": "米一袋、油一桶",
        }
        assert client.get(f"/api/v1/visits/{v.pk}", **auth).json() == body
        assert client.get(f"/api/v1/visits?beneficiary={who.pk}", **auth).json()["results"] == [body]

    def test_money_is_optional(self, world: World, client: Client) -> None:
        who = person(world)
        c = campaign(world)
        body = self.body(c, who)
        del body["money"], body["goods"]
        response = post(client, bearer(world.county_clerk), "/api/v1/visits", body)
        assert response.status_code == 201 and response.json()["money"] == "0.00"

    def test_twice_is_409_and_changes_nothing(self, world: World, client: Client) -> None:
        who = person(world)
        c = campaign(world)
        auth = bearer(world.county_clerk)
        assert post(client, auth, "/api/v1/visits", self.body(c, who)).status_code == 201
        before = stored()
        response = post(client, auth, "/api/v1/visits", self.body(c, who, visitors="另一组"))
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_visited"
        assert stored() == before

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"visited_on": "OUTSIDE"}, "visited_on"),
            ({"visited_on": "FUTURE"}, "visited_on"),
            ({"money": "-1.00"}, "money"),
            ({"money": "10000.01"}, "money"),
            ({"money": "99999999.00"}, "money"),
            ({"money": "1.001"}, "money"),
            ({"visitors": ""}, "visitors"),
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(
        self, world: World, client: Client, overrides: dict[str, Any], field: str
    ) -> None:
        who = person(world)
        c = campaign(world)
        if overrides.get("visited_on") == "OUTSIDE":
            overrides["visited_on"] = (c.starts_on - timedelta(days=1)).isoformat()
        if overrides.get("visited_on") == "FUTURE":
            overrides["visited_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
        auth = bearer(world.county_clerk)
        before = stored()
        response = post(client, auth, "/api/v1/visits", self.body(c, who, **overrides))
        assert response.status_code == 400, response.json()
        assert field in response.json()["error"]["fields"]
        assert stored() == before

    def test_not_a_target_is_400_and_changes_nothing(self, world: World, client: Client) -> None:
        person(world)
        c = campaign(world)
        outsider = person(world, categories=(Category.OTHER_VETERAN,))
        auth = bearer(world.county_clerk)
        before = stored()
        response = post(client, auth, "/api/v1/visits", self.body(c, outsider))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "not_a_target"
        assert "beneficiary" in response.json()["error"]["fields"]
        assert stored() == before

    def test_another_townships_person_or_campaign_is_404_and_changes_nothing(
        self, world: World, client: Client
    ) -> None:
        mine = person(world)
        theirs = person(world, world.village_b)
        county = campaign(world)
        c_b = campaign(world, region=world.township_b, by=world.other_township_clerk)
        auth = bearer(world.township_clerk)
        before = stored()
        assert post(client, auth, "/api/v1/visits", self.body(county, theirs)).status_code == 404
        assert post(client, auth, "/api/v1/visits", self.body(c_b, mine)).status_code == 404
        assert stored() == before


class TestQueryCounts:
    def test_coverage_and_lists_cost_the_same_for_many_people(self, world: World, client: Client) -> None:
        """One aggregate for the coverage, one page query for a list: not a query per person."""
        people = [
            person(world, world.village_b if i % 2 else world.village_a, name=f"人{i}") for i in range(12)
        ]
        c = campaign(world)
        for who in people[:5]:
            visit(world, c, who)
        auth = bearer(world.county_clerk)
        urls = (
            f"/api/v1/visits/campaigns/{c.pk}",
            f"/api/v1/visits/campaigns/{c.pk}/not-visited",
            f"/api/v1/visits/campaigns/{c.pk}/visits",
            "/api/v1/visits/campaigns",
        )
        _queries(client, urls[0], auth, page_size=1)  # the token's first use is written once
        few = {url: _queries(client, url, auth, page_size=2) for url in urls}
        many = {url: _queries(client, url, auth, page_size=20) for url in urls}
        assert few == many


def _queries(client: Client, url: str, auth: dict[str, str], *, page_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": page_size}, **auth)
    assert response.status_code == 200
    return len(captured.captured_queries)
