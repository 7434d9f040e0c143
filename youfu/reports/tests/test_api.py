"""GET /api/v1/reports/summary: the figures, the text and the links; scope, roles and bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from youfu.reports.tests.scenario import County, build, expected
from youfu.testing import World, api_get, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/summary"
NOV_DEC = {"from": "2026-11-01", "to": "2026-12-31"}


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def get(client: Client, user: Any, **params: str) -> Any:
    return api_get(client, user, URL, params)


def test_the_county_s_summary(client: Client, county: County) -> None:
    w = county.world
    response = get(client, w.county_clerk, **NOV_DEC)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["region"] == {"code": w.county.code, "name": "青山县", "level": "county"}
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-12-31")
    want = expected(w.county, *map(_day, NOV_DEC.values()))
    for section, figures in want.items():
        assert body[section] == figures, section
    assert body["payments"]["by_kind"]["relief"] == "1000.00"
    assert body["relief"]["amount"] == "1800.00"
    assert body["summary_text"].startswith("2026年11月至12月，青山县共发放各类优抚资金")
    assert set(body["links"]) == {
        "registry",
        "payments",
        "relief",
        "medical",
        "housing",
        "pairing",
        "visits",
        "petitions",
        "needs_checks",
    }


def test_every_link_opens_a_list_the_user_may_read(client: Client, county: County) -> None:
    w = county.world
    for user, params in ((w.county_clerk, NOV_DEC), (w.township_clerk, NOV_DEC)):
        links = get(client, user, **params).json()["links"]
        headers = bearer(user)
        for section, url in links.items():
            assert url.startswith("/api/v1/"), url
            assert client.get(url, **headers).status_code == 200, (user.username, section, url)
    township_links = get(client, w.township_clerk, **NOV_DEC).json()["links"]
    assert f"township={w.township_a.code}" in township_links["relief"]
    assert "year=2026" in township_links["medical"]


def test_a_township_clerk_gets_their_township(client: Client, county: County) -> None:
    w = county.world
    body = get(client, w.township_clerk, **NOV_DEC).json()
    assert body["region"]["code"] == w.township_a.code
    assert body["payments"]["paid_total"] == "9640.00"
    assert body["relief"] == {"grants": 1, "amount": "1000.00"}
    assert "东岭镇" not in body["summary_text"]
    village = get(client, w.village_assistant, **NOV_DEC).json()
    assert village["region"]["code"] == w.village_a.code


def test_a_region_outside_the_scope_is_a_404(client: Client, county: County) -> None:
    w = county.world
    for user, code in (
        (w.other_township_clerk, w.township_a.code),
        (w.township_clerk, w.county.code),
        (w.county_clerk, "341199999000"),
        (w.county_clerk, "abc"),
    ):
        response = get(client, user, **NOV_DEC, region=code)
        assert response.status_code == 404, (user.username, code)
        assert response.json()["error"]["code"] == "not_found"
    assert (
        get(client, w.county_clerk, **NOV_DEC, region=w.township_b.code).json()["region"]["name"] == "东岭镇"
    )


def test_the_admin_and_the_auditor_are_refused(client: Client, world: World) -> None:
    """They do not read personal data (separation of duties): the summary counts people,
    payments and petitions, so they get a 403, as on the petitions statistics."""
    for user in (world.admin, world.auditor):
        response = get(client, user, **NOV_DEC)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_a_liaison_gets_what_the_department_s_scope_holds(client: Client, county: County) -> None:
    """The sections of areas the role never reads are null and named, not zeros."""
    w = county.world
    body = get(client, w.liaison, **NOV_DEC).json()
    hidden = ["registry", "payments", "relief", "medical", "housing", "visits", "needs_checks"]
    assert body["not_shown"] == hidden
    assert all(body[key] is None for key in hidden)
    assert body["summary_text"] is None
    assert set(body["links"]) == {"pairing", "petitions"}
    # 县民政局's pairing with 甲二; 县交通运输局's is another department's.
    assert body["pairing"] == {"activities": 1, "amount": "500.00", "departments": 1, "households": 1}
    assert body["petitions"]["accepted"] == 1  # assigned to 县民政局


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"to": "2026-12-31"}, "period_missing", "from"),
        ({"from": "2026-11-01"}, "period_missing", "to"),
        ({"from": "", "to": ""}, "period_missing", "from"),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "invalid_date", "from"),
        ({"from": "2026/11/01", "to": "2026-12-31"}, "invalid_date", "from"),
        ({"from": "2026-11-01", "to": "next week"}, "invalid_date", "to"),
        ({"from": "2026-02-30", "to": "2026-12-31"}, "invalid_date", "from"),
        ({"from": "2026-12-31", "to": "2026-11-01"}, "period_reversed", "to"),
        ({"from": "1899-12-31", "to": "2026-12-31"}, "date_out_of_range", "from"),
        ({"from": "2026-01-01", "to": "9999-12-31"}, "date_out_of_range", "to"),
    ],
)
def test_bad_periods_are_a_400_naming_the_field(
    client: Client, world: World, params: dict[str, str], code: str, field: str
) -> None:
    response = get(client, world.county_clerk, **params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert error["message"]


def test_an_over_long_value_is_a_400(client: Client, world: World) -> None:
    response = get(client, world.county_clerk, **NOV_DEC, region="3" * 13)
    assert response.status_code == 400
    assert "region" in response.json()["error"]["fields"]
    response = get(client, world.county_clerk, **{"from": "2" * 21, "to": "2026-12-31"})
    assert response.status_code == 400


def test_a_period_with_no_data_answers_zeros_and_says_so(client: Client, world: World) -> None:
    response = get(client, world.county_clerk, **{"from": "1990-01-01", "to": "1993-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["payments"]["paid_total"] == "0.00"
    assert (
        body["summary_text"] == "1990年至1993年，青山县未发放优抚资金。截至1993年12月31日，在册优抚对象0人。"
    )
    one_day = get(client, world.county_clerk, **{"from": "2026-11-03", "to": "2026-11-03"})
    assert one_day.status_code == 200


def test_the_schema_describes_it(client: Client, world: World) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "region"}
    assert {"400", "401", "403"} <= set(operation["responses"])


def _day(text: str) -> date:
    return date.fromisoformat(text)
