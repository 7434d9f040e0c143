"""The township appraisal: each measure against a count in Python, not-applicable spreading,
the weights (a leader's, audited), scope, roles, bad input, the pages and a pinned query count."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.regions.models import Region, RegionLevel
from youfu.reports.appraisal import DEFAULT_WEIGHTS, MEASURE_KEYS, MEASURES, decimal, score_parts
from youfu.reports.appraisal_models import AppraisalWeights
from youfu.reports.appraisal_services import do_set_appraisal_weights
from youfu.reports.tests import appraisal_scenario as scenario
from youfu.testing import World, api_get, log_in, menu_urls

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/appraisal"


@pytest.fixture
def county(world: World) -> World:
    with scenario.travel():
        scenario.build(world)
    return world


def get(client: Client, user: Any, **params: str) -> Any:
    with scenario.travel():
        return api_get(client, user, URL, params)


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["code"]: t for t in body["townships"]}


def test_each_measure_agrees_with_a_count_in_python(client: Client, county: World) -> None:
    w = county
    response = get(client, w.county_clerk, year="2026")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(by_code(body)) == {w.township_a.code, w.township_b.code}
    with scenario.travel():
        want = scenario.expected(w)
    for code, township in by_code(body).items():
        for part in township["parts"]:
            done, due = want.get(code, {}).get(part["measure"], (0, 0))
            assert (part["done"], part["due"]) == (done, due), (code, part["measure"])
            if due:
                assert part["value"] == decimal(Fraction(done, due), 4)
            else:
                assert part["value"] is None and part["points"] is None
    a = {p["measure"]: (p["done"], p["due"]) for p in by_code(body)[w.township_a.code]["parts"]}
    # The hand count, so the oracle cannot drift with the code: see appraisal_scenario.py.
    assert a == {
        # 7 due: in time, late, declined in time, forwarded late, undecided, two in time (one
        # referred by a higher level); the repeat counts nowhere, the one due in 2025 neither.
        "accepted_on_time": (4, 7),
        "concluded_on_time": (2, 4),
        "satisfaction": (2, 3),
        "annual_confirmation": (2, 3),  # the three people registered before it opened
        "findings_on_time": (1, 3),
        "visit_coverage": (2, 4),
        "housing_served": (1, 2),
    }
    b = {p["measure"]: (p["done"], p["due"]) for p in by_code(body)[w.township_b.code]["parts"]}
    assert b["satisfaction"] == (0, 0)  # rated in 2027
    assert b["accepted_on_time"] == (1, 1)
    assert b["housing_served"] == (0, 1)


def test_the_shape_the_issue_names(client: Client, county: World) -> None:
    body = get(client, county.county_clerk, year="2026").json()
    for township in body["townships"]:
        assert {"code", "name", "score", "parts"} <= set(township)
        for part in township["parts"]:
            assert {"measure", "value", "weight", "points"} <= set(part)
        assert [p["measure"] for p in township["parts"]] == list(MEASURE_KEYS)


def test_the_score_is_the_weighted_mean_of_what_applies(client: Client, county: World) -> None:
    w = county
    b = by_code(get(client, w.county_clerk, year="2026").json())[w.township_b.code]
    parts = {p["measure"]: p for p in b["parts"]}
    assert parts["satisfaction"]["applicable"] is False
    assert parts["satisfaction"]["reason"]
    applicable = [p for p in b["parts"] if p["applicable"]]
    total = sum(DEFAULT_WEIGHTS[p["measure"]] for p in applicable)
    exact = sum(Fraction(p["done"], p["due"]) * Fraction(100 * p["weight"], total) for p in applicable)
    assert b["score"] == f"{float(exact):.2f}"
    effective = sum(Fraction(p["effective_weight"]) for p in applicable)
    assert abs(effective - 100) < Fraction(1, 10)
    for p in applicable:
        assert Fraction(p["effective_weight"]) == pytest.approx(Fraction(100 * p["weight"], total), abs=0.005)


def test_not_applicable_spreads_its_weight_in_proportion() -> None:
    weights = dict.fromkeys(MEASURE_KEYS, 10) | {"housing_served": 30}
    counts = {"housing_served": (1, 2), "visit_coverage": (1, 1)}  # two measures apply
    parts, score = score_parts(counts, weights)
    by = {p.measure.key: p for p in parts}
    assert by["housing_served"].effective_weight == 75 and by["visit_coverage"].effective_weight == 25
    assert score == Fraction(1, 2) * 75 + 25
    assert all(by[k].value is None and by[k].points is None for k in MEASURE_KEYS if k not in counts)


def test_nothing_to_measure_is_not_scored(client: Client, world: World) -> None:
    body = get(client, world.county_clerk, year="2026").json()
    for township in body["townships"]:
        assert township["score"] is None
        assert township["reason"]
        assert all(p["value"] is None for p in township["parts"])
    _parts, score = score_parts({}, DEFAULT_WEIGHTS)
    assert score is None


def test_a_measure_of_weight_0_counts_for_nothing() -> None:
    weights = DEFAULT_WEIGHTS | {"satisfaction": 0}
    with_bad = score_parts({"satisfaction": (0, 5), "visit_coverage": (1, 1)}, weights)[1]
    without = score_parts({"visit_coverage": (1, 1)}, weights)[1]
    assert with_bad == without == 100


# --- the weights ---------------------------------------------------------------------------------


def test_a_leader_sets_the_weights_and_the_change_is_audited(client: Client, county: World) -> None:
    w = county
    new = DEFAULT_WEIGHTS | {"satisfaction": 40, "housing_served": 0}
    version = do_set_appraisal_weights(acting_user=w.leader, weights=new)
    assert version.number == 1 and version.set_by == w.leader
    event = AuditEvent.objects.get(event_type=EventType.APPRAISAL_WEIGHTS_CHANGED)
    assert event.actor_id == w.leader.pk
    assert event.old == {"housing_served": 10, "satisfaction": 15}
    assert event.new == {"housing_served": 0, "satisfaction": 40}
    # The same weights again change nothing and write nothing.
    assert do_set_appraisal_weights(acting_user=w.leader, weights=new).pk == version.pk
    assert AuditEvent.objects.filter(event_type=EventType.APPRAISAL_WEIGHTS_CHANGED).count() == 1
    second = do_set_appraisal_weights(acting_user=w.leader, weights=new | {"satisfaction": 20})
    assert second.number == 2
    body = get(client, w.township_clerk, year="2026").json()
    assert body["weights_version"] == 2
    parts = {p["measure"]: p for p in body["townships"][0]["parts"]}
    assert parts["satisfaction"]["weight"] == 20 and parts["housing_served"]["weight"] == 0


@pytest.mark.parametrize("who", ["county_clerk", "township_clerk", "auditor", "admin"])
def test_only_a_county_leader_sets_the_weights(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        do_set_appraisal_weights(acting_user=getattr(world, who), weights=DEFAULT_WEIGHTS)
    assert not AppraisalWeights.objects.exists()  # scope: test
    assert not AuditEvent.objects.filter(event_type=EventType.APPRAISAL_WEIGHTS_CHANGED).exists()


@pytest.mark.parametrize(
    "weights",
    [
        dict.fromkeys(MEASURE_KEYS, 0),
        DEFAULT_WEIGHTS | {"satisfaction": 101},
        DEFAULT_WEIGHTS | {"satisfaction": -1},
        DEFAULT_WEIGHTS | {"satisfaction": "15"},
        DEFAULT_WEIGHTS | {"petitions_received": 10},
        {k: v for k, v in DEFAULT_WEIGHTS.items() if k != "satisfaction"},
    ],
)
def test_bad_weights_are_refused_and_nothing_is_written(world: World, weights: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        do_set_appraisal_weights(acting_user=world.leader, weights=weights)
    assert not AppraisalWeights.objects.exists()  # scope: test


def test_the_weights_page(client: Client, world: World) -> None:
    log_in(client, world.leader)
    page = client.get("/reports/appraisal/weights/")
    assert page.status_code == 200
    form = DEFAULT_WEIGHTS | {"visit_coverage": 30}
    assert client.post("/reports/appraisal/weights/", form).status_code == 302
    assert AppraisalWeights.objects.get().weights["visit_coverage"] == 30  # scope: test
    bad = client.post("/reports/appraisal/weights/", dict.fromkeys(MEASURE_KEYS, 0))
    assert bad.status_code == 400
    assert AppraisalWeights.objects.count() == 1  # scope: test
    log_in(client, world.county_clerk)
    assert client.get("/reports/appraisal/weights/").status_code == 200
    assert client.post("/reports/appraisal/weights/", form | {"visit_coverage": 50}).status_code == 403
    assert AppraisalWeights.objects.count() == 1  # scope: test


# --- scope, roles and bad input ------------------------------------------------------------------


def test_a_township_clerk_gets_their_township_only(client: Client, county: World) -> None:
    w = county
    mine = get(client, w.township_clerk, year="2026").json()
    assert [t["code"] for t in mine["townships"]] == [w.township_a.code]
    whole = by_code(get(client, w.county_clerk, year="2026").json())
    assert mine["townships"][0] == whole[w.township_a.code]
    assert get(client, w.township_clerk, year="2026", region=w.township_b.code).status_code == 404
    theirs = get(client, w.other_township_clerk, year="2026").json()
    assert [t["code"] for t in theirs["townships"]] == [w.township_b.code]
    assert theirs["townships"][0] == whole[w.township_b.code]
    one = get(client, w.county_clerk, year="2026", region=w.township_b.code).json()
    assert one["townships"] == [whole[w.township_b.code]]


def test_roles_without_personal_data_are_refused(client: Client, world: World) -> None:
    for user in (world.admin, world.auditor):
        assert get(client, user, year="2026").status_code == 403
    assert get(client, world.village_assistant, year="2026").status_code == 403
    assert get(client, world.liaison, year="2026").status_code == 403
    assert get(client, world.leader, year="2026").status_code == 200


@pytest.mark.parametrize("year", ["", "26", "2026x", "１９９９", "1899", "2028", "-2026", "20266"])
def test_a_bad_year_is_a_400_in_the_envelope(client: Client, world: World, year: str) -> None:
    response = get(client, world.county_clerk, year=year)
    assert response.status_code == 400, year
    error = response.json()["error"]
    assert error["code"] == "invalid_year" and "year" in error["fields"]


def test_a_year_before_any_data_has_nothing_to_score(client: Client, county: World) -> None:
    body = get(client, county.county_clerk, year="1990").json()
    assert all(t["score"] is None for t in body["townships"])


def test_unknown_region_is_a_404(client: Client, world: World) -> None:
    assert get(client, world.county_clerk, year="2026", region="999999999999").status_code == 404


# --- speed ----------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_townships(client: Client, county: World) -> None:
    w = county

    def count() -> int:
        with scenario.travel(), CaptureQueriesContext(connection) as queries:
            assert api_get(client, w.county_clerk, URL, {"year": "2026"}).status_code == 200
        return len(queries)

    before = count()
    for i in range(5):
        Region.objects.create(
            code=f"{w.county.code[:6]}{200 + i:03d}000",
            name=f"新镇{i}",
            parent=w.county,
            level=RegionLevel.TOWNSHIP,
        )
    assert count() == before
    assert before <= 21  # 7 measures, the region, the townships, the weights, the token …


# --- the pages ----------------------------------------------------------------------------------


def test_the_pages_explain_the_score_and_the_principle(client: Client, county: World) -> None:
    w = county
    with scenario.travel():
        log_in(client, w.county_clerk)
        listing = client.get("/reports/appraisal/", {"year": "2026"})
        assert listing.status_code == 200
        text = listing.content.decode()
        assert w.township_a.name in text and w.township_b.name in text
        page = client.get(f"/reports/appraisal/{w.township_b.code}/", {"year": "2026"})
        assert page.status_code == 200
        body = page.content.decode()
        assert 'data-testid="not-applicable-list"' in body
        assert str(MEASURES[2].not_applicable) in body or "没有" in body
        assert client.get("/reports/appraisal/", {"year": "20x6"}).status_code == 400
        assert client.get(f"/reports/appraisal/{w.village_a.code}/", {"year": "2026"}).status_code == 404
        log_in(client, w.township_clerk)
        assert client.get(f"/reports/appraisal/{w.township_b.code}/", {"year": "2026"}).status_code == 404
        assert client.get("/reports/appraisal/", {"region": w.township_b.code}).status_code == 404


def test_the_page_says_no_measure_rewards_fewer_petitions(client: Client, world: World) -> None:
    log_in(client, world.county_clerk)
    for url in ("/reports/appraisal/", f"/reports/appraisal/{world.township_a.code}/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        text = response.content.decode()
        assert "No measure rewards fewer petitions" in text
        assert "taken to a higher level or a repeat petition" in text
        assert "A township with no petitions is not scored on them" in text


def test_the_menu_offers_the_appraisal(client: Client, world: World) -> None:
    assert "/reports/appraisal/" in menu_urls(world.county_clerk)
    assert "/reports/appraisal/" not in menu_urls(world.auditor)
