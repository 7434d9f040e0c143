"""/api/v1/pairings: the contract of issue 12 §4, each refusal with nothing changed, the scope of
liaisons and township clerks, and the yearly totals checked by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.outreach.pairing.models import Pairing
from youfu.testing import World

from .factories_pairing import (
    activity,
    department,
    liaison_of,
    pairing,
    pairing_today,  # noqa: F401
    person,
    snapshot,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/pairings"


class Api:
    """Requests as a persona, with a bearer token issued up front (issuing is audited)."""

    def __init__(self, client: Client, world: World) -> None:
        self.client = client
        self.tokens: dict[int, str] = {}
        for user in (
            world.county_clerk,
            world.township_clerk,
            world.other_township_clerk,
            world.leader,
            world.liaison,
            world.admin,
        ):
            self.token(user)

    def token(self, user: User) -> str:
        if user.pk not in self.tokens:
            self.tokens[user.pk], _ = do_issue_token(user, acting_user=user)
        return self.tokens[user.pk]

    def get(self, user: User, url: str, **params: Any) -> Any:
        return self.client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {self.token(user)}")

    def post(self, user: User, url: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token(user)}"
        )


@pytest.fixture
def api(client: Client, world: World) -> Api:
    return Api(client, world)


def refused(
    api: Api, user: User, url: str, body: dict[str, Any], status: int, field: str | None = None
) -> Any:
    before = snapshot()
    response = api.post(user, url, body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"]
    if field is not None:
        assert field in error["fields"], error
    assert snapshot() == before
    return error


# --- pairings ----------------------------------------------------------------------------------


def test_create_a_pairing(api: Api, world: World) -> None:
    zhang = person(world)
    body = {"department": world.department.pk, "beneficiary": zhang.pk, "started_on": "2024-03-01"}
    response = api.post(world.county_clerk, URL, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["department"] == {"id": world.department.pk, "name": "县民政局"}
    assert data["beneficiary"] == {"id": zhang.pk, "name": "柳湾张三", "township": "城关镇"}
    assert (data["started_on"], data["ended_on"], data["state"], data["activities"]) == (
        "2024-03-01",
        None,
        "open",
        0,
    )
    assert Pairing.objects.filter(pk=data["id"]).exists()  # scope: test


def test_the_same_pair_twice_while_open_is_409(api: Api, world: World) -> None:
    first = pairing(world)
    body = {
        "department": world.department.pk,
        "beneficiary": first.beneficiary_id,
        "started_on": "2025-01-01",
    }
    error = refused(api, world.county_clerk, URL, body, 409)
    assert error["code"] == "already_paired"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"started_on": "2026-01-01"}, "started_on"),  # future
        ({"started_on": "2024-02-30"}, "started_on"),
        ({"department": 999_999}, "department"),
        ({"beneficiary": 999_999}, "beneficiary"),
        ({"beneficiary": -1}, "beneficiary"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_a_bad_pairing_is_400(api: Api, world: World, body: dict[str, Any], field: str) -> None:
    zhang = person(world)
    full = {"department": world.department.pk, "beneficiary": zhang.pk, "started_on": "2024-01-01", **body}
    refused(api, world.county_clerk, URL, full, 400, field)


@pytest.mark.parametrize("who", ["township_clerk", "leader", "liaison"])
def test_only_a_county_clerk_creates(api: Api, world: World, who: str) -> None:
    zhang = person(world)
    body = {"department": world.department.pk, "beneficiary": zhang.pk, "started_on": "2024-01-01"}
    refused(api, getattr(world, who), URL, body, 403)


def test_township_b_cannot_pair_township_a_person(api: Api, world: World) -> None:
    zhang = person(world)
    body = {"department": world.department.pk, "beneficiary": zhang.pk, "started_on": "2024-01-01"}
    refused(api, world.other_township_clerk, URL, body, 403)


def test_end_a_pairing(api: Api, world: World) -> None:
    paired = pairing(world)
    response = api.post(
        world.county_clerk, f"{URL}/{paired.pk}/end", {"ended_on": "2025-06-01", "reason": "迁出"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["ended_on"]) == ("ended", "2025-06-01")
    error = refused(api, world.county_clerk, f"{URL}/{paired.pk}/end", {"ended_on": "2025-06-02"}, 409)
    assert error["code"] == "pairing_ended"


def test_end_refusals(api: Api, world: World) -> None:
    paired = pairing(world)
    url = f"{URL}/{paired.pk}/end"
    refused(api, world.county_clerk, url, {"ended_on": "2023-12-31"}, 400, "ended_on")
    refused(api, world.county_clerk, url, {"ended_on": "2025-06-17"}, 400, "ended_on")
    refused(api, world.township_clerk, url, {"ended_on": "2025-06-01"}, 403)
    refused(api, world.liaison, url, {"ended_on": "2025-06-01"}, 403)
    refused(api, world.other_township_clerk, url, {"ended_on": "2025-06-01"}, 404)


# --- activities --------------------------------------------------------------------------------


def test_record_an_activity(api: Api, world: World) -> None:
    paired = pairing(world)
    body = {"kind": "funds", "done_on": "2025-05-20", "amount": "1500.5", "note": "春节前送去帮扶资金"}
    response = api.post(world.liaison, f"{URL}/{paired.pk}/activities", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert {
        k: data[k] for k in ("pairing", "kind", "kind_label", "done_on", "amount", "count", "recorded_by")
    } == {
        "pairing": paired.pk,
        "kind": "funds",
        "kind_label": "资金帮扶",
        "done_on": "2025-05-20",
        "amount": "1500.50",
        "count": None,
        "recorded_by": "liaison",
    }
    detail = api.get(world.liaison, f"{URL}/{paired.pk}").json()
    assert detail["activities"] == 1
    assert detail["last_activity_on"] == "2025-05-20"
    assert [a["id"] for a in detail["activity_list"]] == [data["id"]]
    listed = api.get(world.liaison, f"{URL}/{paired.pk}/activities").json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "gifts"}, "kind"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1000000000"}, "amount"),
        ({"amount": "250000.00"}, "amount"),  # within the API's money bound, beyond one household's
        ({"amount": None}, "amount"),  # funds need an amount
        ({"count": 2}, "count"),  # funds carry no number
        ({"done_on": "2025-06-17"}, "done_on"),  # future
        ({"done_on": "2023-12-31"}, "done_on"),  # before the pairing started
        ({"note": ""}, "note"),
        ({"kind": "policy", "amount": "10.00"}, "amount"),
        ({"kind": "skills", "amount": None, "count": 0}, "count"),
    ],
)
def test_a_bad_activity_is_400(api: Api, world: World, body: dict[str, Any], field: str) -> None:
    paired = pairing(world)
    full = {"kind": "funds", "done_on": "2025-05-20", "amount": "100.00", "note": "慰问", **body}
    refused(api, world.liaison, f"{URL}/{paired.pk}/activities", full, 400, field)


def test_an_ended_pairing_takes_no_activity_409(api: Api, world: World) -> None:
    paired = pairing(world)
    api.post(world.county_clerk, f"{URL}/{paired.pk}/end", {"ended_on": "2025-05-31"})
    body = {"kind": "policy", "done_on": "2025-05-01", "note": "宣讲优抚政策"}
    error = refused(api, world.liaison, f"{URL}/{paired.pk}/activities", body, 409)
    assert error["code"] == "pairing_ended"


# --- scope -------------------------------------------------------------------------------------


def test_a_liaison_sees_and_records_only_their_department(api: Api, world: World) -> None:
    ours = pairing(world)
    transport = department(world)
    theirs = pairing(world, of=ours.beneficiary, unit=transport)
    listed = api.get(world.liaison, URL).json()
    assert [p["id"] for p in listed["results"]] == [ours.pk]
    assert api.get(world.liaison, f"{URL}/{theirs.pk}").status_code == 404
    body = {"kind": "policy", "done_on": "2025-05-01", "note": "宣讲"}
    refused(api, world.liaison, f"{URL}/{theirs.pk}/activities", body, 404)
    other = liaison_of(transport, world)
    assert api.post(other, f"{URL}/{theirs.pk}/activities", body).status_code == 201
    assert api.get(other, f"{URL}/{ours.pk}").status_code == 404


def test_a_township_clerk_sees_the_pairings_of_their_township_only(api: Api, world: World) -> None:
    a = pairing(world)
    b = pairing(world, of=person(world, world.village_b, name="石桥李四"))
    assert [p["id"] for p in api.get(world.township_clerk, URL).json()["results"]] == [a.pk]
    assert api.get(world.township_clerk, f"{URL}/{a.pk}").status_code == 200
    assert api.get(world.other_township_clerk, f"{URL}/{a.pk}").status_code == 404
    assert api.get(world.other_township_clerk, f"{URL}/{a.pk}/activities").status_code == 404
    assert [p["id"] for p in api.get(world.other_township_clerk, URL).json()["results"]] == [b.pk]
    body = {"kind": "policy", "done_on": "2025-05-01", "note": "宣讲"}
    refused(api, world.other_township_clerk, f"{URL}/{a.pk}/activities", body, 404)
    refused(api, world.township_clerk, f"{URL}/{a.pk}/activities", body, 403)  # sees it, records nothing


def test_the_admin_reads_no_pairing(api: Api, world: World) -> None:
    paired = pairing(world)
    assert api.get(world.admin, URL).status_code == 403
    assert api.get(world.admin, f"{URL}/{paired.pk}").status_code == 403
    assert api.get(world.admin, f"{URL}/summary").status_code == 403


def test_list_filters(api: Api, world: World) -> None:
    a = pairing(world)
    b = pairing(world, of=person(world, world.village_b, name="石桥李四"), unit=department(world))
    activity(world, b, done_on=date(2025, 4, 2))
    ended = pairing(world, of=person(world, name="柳湾王五"), started_on=date(2023, 1, 1))
    api.post(world.county_clerk, f"{URL}/{ended.pk}/end", {"ended_on": "2024-12-31"})

    def ids(**params: Any) -> list[int]:
        return sorted(p["id"] for p in api.get(world.county_clerk, URL, **params).json()["results"])

    assert ids() == sorted([a.pk, b.pk, ended.pk])
    assert ids(state="open") == sorted([a.pk, b.pk])
    assert ids(state="ended") == [ended.pk]
    assert ids(department=world.department.pk) == sorted([a.pk, ended.pk])
    assert ids(township=world.township_b.code) == [b.pk]
    assert ids(quiet="true") == [a.pk]  # open, nothing since 1 April
    assert ids(beneficiary=a.beneficiary_id) == [a.pk]
    error = api.get(world.county_clerk, URL, state="closed")
    assert error.status_code == 400
    assert "state" in error.json()["error"]["fields"]


# --- totals ------------------------------------------------------------------------------------


def test_the_yearly_totals_by_hand(api: Api, world: World) -> None:
    """Two departments; 县民政局 with two households, 县交通运输局 with one of them. Activities in
    2025 and one in 2024 (not counted in 2025).

    县民政局 2025: funds 1,000.00 + 2,500.50 (2 activities), skills 300.00 with 2 and 3 people
      (2 activities, 5 people), policy ×1 with 4 people → 5 activities, 3,800.50 yuan;
    县交通运输局 2025: projects 20,000.00 ×1 (1 project), jobs ×1 (1 job) → 2 activities, 20,000.00;
    county: 2 households (张三 is counted once), 7 activities, 23,800.50 yuan."""
    transport = department(world)
    zhang = person(world)
    li = person(world, world.village_b, name="石桥李四")
    civil_zhang = pairing(world, of=zhang, started_on=date(2023, 5, 1))
    civil_li = pairing(world, of=li, started_on=date(2024, 9, 1))
    transport_zhang = pairing(world, of=zhang, unit=transport, started_on=date(2025, 2, 1))
    activity(world, civil_zhang, kind="funds", amount="1000.00", done_on=date(2025, 1, 20))
    activity(world, civil_li, kind="funds", amount="2500.50", done_on=date(2025, 2, 3))
    activity(world, civil_zhang, kind="funds", amount="9999.00", done_on=date(2024, 12, 31))  # last year
    activity(world, civil_zhang, kind="skills", amount="300.00", count=2, done_on=date(2025, 3, 3))
    activity(world, civil_li, kind="skills", amount=None, count=3, done_on=date(2025, 3, 4))
    activity(world, civil_li, kind="policy", amount=None, count=4, done_on=date(2025, 4, 1))
    activity(world, transport_zhang, kind="projects", amount="20000.00", count=1, done_on=date(2025, 5, 5))
    activity(world, transport_zhang, kind="jobs", amount=None, count=1, done_on=date(2025, 6, 1))

    data = api.get(world.leader, f"{URL}/summary", year=2025).json()
    assert data["year"] == 2025
    rows = {row["department"]["name"]: row for row in data["departments"]}
    assert list(rows) == sorted(rows)
    civil, roads = rows["县民政局"], rows["县交通运输局"]
    assert (civil["households"], civil["activities"], civil["amount"]) == (2, 5, "3800.50")
    assert civil["by_kind"]["funds"] == {"activities": 2, "amount": "3500.50", "count": 0}
    assert civil["by_kind"]["skills"] == {"activities": 2, "amount": "300.00", "count": 5}
    assert civil["by_kind"]["policy"] == {"activities": 1, "amount": "0.00", "count": 4}
    assert civil["by_kind"]["projects"] == {"activities": 0, "amount": "0.00", "count": 0}
    assert (roads["households"], roads["activities"], roads["amount"]) == (1, 2, "20000.00")
    assert roads["by_kind"]["projects"] == {"activities": 1, "amount": "20000.00", "count": 1}
    assert roads["by_kind"]["jobs"] == {"activities": 1, "amount": "0.00", "count": 1}
    county = data["county"]
    assert (county["households"], county["pairings"], county["activities"], county["amount"]) == (
        2,
        3,
        7,
        "23800.50",
    )
    assert county["by_kind"]["funds"] == {"activities": 2, "amount": "3500.50", "count": 0}

    last_year = api.get(world.leader, f"{URL}/summary", year=2024).json()
    assert {r["department"]["name"]: r["amount"] for r in last_year["departments"]} == {"县民政局": "9999.00"}
    assert last_year["county"]["households"] == 2  # 李四 paired from September 2024

    # A liaison's totals are their department's; a township clerk's, their people's.
    mine = api.get(world.liaison, f"{URL}/summary", year=2025).json()
    assert [r["department"]["name"] for r in mine["departments"]] == ["县民政局"]
    assert mine["county"]["amount"] == "3800.50"
    township_a = api.get(world.township_clerk, f"{URL}/summary", year=2025).json()
    assert township_a["county"]["amount"] == "21300.00"  # 张三's: 1,000 + 300 + 20,000
    assert township_a["county"]["households"] == 1


def test_the_totals_take_a_fixed_number_of_queries(
    api: Api, world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        unit = department(world, f"县单位{i}")
        paired = pairing(world, of=person(world, name=f"柳湾{i}"), unit=unit)
        activity(world, paired, kind="funds", amount="100.00")
        activity(world, paired, kind="policy", amount=None, count=1)
    with django_assert_max_num_queries(12):
        response = api.get(world.county_clerk, f"{URL}/summary", year=2025)
    assert len(response.json()["departments"]) == 6


def test_the_summary_year_is_bounded(api: Api, world: World) -> None:
    assert api.get(world.leader, f"{URL}/summary", year=99999).status_code == 400
    assert api.get(world.leader, f"{URL}/summary").json()["year"] == 2025


def test_the_list_takes_the_same_queries_for_few_and_many(api: Api, world: World) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(world.county_clerk, URL)
        assert response.status_code == 200
        return len(captured)

    for i in range(2):
        activity(world, pairing(world, of=person(world, name=f"柳湾{i}")))
    queries()  # the token's first use is written down once
    few = queries()
    for i in range(2, 10):
        activity(
            world, pairing(world, of=person(world, name=f"柳湾{i}"), unit=department(world, f"县单位{i}"))
        )
    assert queries() == few <= 8
