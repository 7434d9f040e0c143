"""GET and PUT /api/v1/reports/appraisal/weights: who reads them, who sets them, and bad input
answered as the page answers it (one rule), with nothing changed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.reports.appraisal import DEFAULT_WEIGHTS, MEASURE_KEYS
from youfu.reports.appraisal_models import AppraisalWeights
from youfu.reports.appraisal_services import do_set_appraisal_weights
from youfu.testing import World, api_get, bearer, log_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/appraisal/weights"
PAGE = "/reports/appraisal/weights/"
NEW = DEFAULT_WEIGHTS | {"satisfaction": 40, "housing_served": 0}


def put(client: Client, user: Any, body: Any, *, raw: str | None = None) -> Any:
    headers = bearer(user)  # issuing the token is audited: before the caller counts events
    data = raw if raw is not None else json.dumps(body)
    return client.put(URL, data=data, content_type="application/json", **headers)


def changes() -> tuple[int, int]:
    """What a refused request must leave as it was: the versions and their audit records."""
    return (
        AppraisalWeights.objects.count(),  # scope: test
        AuditEvent.objects.filter(event_type=EventType.APPRAISAL_WEIGHTS_CHANGED).count(),
    )


# --- reading -------------------------------------------------------------------------------------


def test_the_defaults_before_a_leader_sets_any(client: Client, world: World) -> None:
    body = api_get(client, world.county_clerk, URL).json()
    assert body["county"] == world.county.code
    assert body["version"] == 0 and body["set_by"] is None and body["set_at"] is None
    assert body["weights"] == DEFAULT_WEIGHTS
    assert [m["key"] for m in body["measures"]] == list(MEASURE_KEYS)


@pytest.mark.parametrize("who", ["county_clerk", "leader", "township_clerk", "other_township_clerk"])
def test_every_reader_of_the_appraisal_reads_the_county_s_weights(
    client: Client, world: World, who: str
) -> None:
    version = do_set_appraisal_weights(acting_user=world.leader, weights=NEW, note="更重视满意度")
    response = api_get(client, getattr(world, who), URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["county"] == world.county.code  # a township reads the county's weights
    assert (body["version"], body["weights"], body["note"]) == (1, NEW, "更重视满意度")
    assert body["set_by"] == world.leader.username
    assert body["set_at"].startswith(version.set_at.date().isoformat()[:4])


@pytest.mark.parametrize("who", ["liaison", "village_assistant", "admin", "auditor"])
def test_those_who_do_not_read_the_appraisal_are_refused(client: Client, world: World, who: str) -> None:
    user = getattr(world, who)
    response = api_get(client, user, URL)
    assert response.status_code == 403
    assert api_get(client, user, "/api/v1/reports/appraisal", {"year": "2026"}).status_code == 403


# --- setting -------------------------------------------------------------------------------------


def test_a_leader_sets_them_and_the_change_is_audited(client: Client, world: World) -> None:
    headers = bearer(world.leader)
    response = client.put(
        URL,
        data=json.dumps({"weights": NEW, "note": "更重视满意度"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["weights"], body["set_by"]) == (1, NEW, world.leader.username)
    version = AppraisalWeights.objects.get()  # scope: test
    assert (version.weights, version.note, version.set_by) == (NEW, "更重视满意度", world.leader)
    event = AuditEvent.objects.get(event_type=EventType.APPRAISAL_WEIGHTS_CHANGED)
    assert event.actor_id == world.leader.pk and event.object_id == str(version.pk)
    assert event.old == {"housing_served": 10, "satisfaction": 15}
    assert event.new == {"housing_served": 0, "satisfaction": 40}
    assert event.extra["note_given"] is True
    assert "满意度" not in json.dumps([event.old, event.new, event.extra], ensure_ascii=False)
    # The page shows the version the API set.
    log_in(client, world.county_clerk)
    html = client.get(PAGE).content.decode()
    assert re.search(r'data-testid="weight-satisfaction">40<', html)
    assert 'data-testid="weights-note">更重视满意度<' in html
    # The same weights again change nothing, a note alone included.
    again = client.put(
        URL, data=json.dumps({"weights": NEW, "note": "再说一遍"}), content_type="application/json", **headers
    )
    assert again.status_code == 200 and again.json()["version"] == 1
    assert changes() == (1, 1)
    third = client.put(
        URL,
        data=json.dumps({"weights": NEW | {"visit_coverage": 30}}),
        content_type="application/json",
        **headers,
    )
    assert third.json()["version"] == 2 and third.json()["note"] == ""


@pytest.mark.parametrize(
    "who", ["county_clerk", "township_clerk", "village_assistant", "liaison", "auditor", "admin"]
)
def test_anyone_but_a_county_leader_is_refused(client: Client, world: World, who: str) -> None:
    user = getattr(world, who)
    headers = bearer(user)
    before = changes()
    response = client.put(URL, data=json.dumps({"weights": NEW}), content_type="application/json", **headers)
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "forbidden"
    assert changes() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": -1}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": 10**30}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": 101}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": 15.5}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": 15.0}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": "15"}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": True}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"satisfaction": None}}, {"satisfaction"}),
        ({"weights": DEFAULT_WEIGHTS | {"petitions_received": 10}}, {"petitions_received"}),
        ({"weights": dict.fromkeys(MEASURE_KEYS, 0)}, {"weights"}),
        ({"weights": {k: v for k, v in NEW.items() if k != "satisfaction"}}, {"satisfaction"}),
        ({"weights": {}}, set(MEASURE_KEYS)),
    ],
)
def test_bad_weights_are_a_400_naming_each_field_and_nothing_changes(
    client: Client, world: World, body: dict[str, Any], fields: set[str]
) -> None:
    do_set_appraisal_weights(acting_user=world.leader, weights=NEW)
    headers = bearer(world.leader)
    before = changes()
    response = client.put(URL, data=json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_weights"
    assert set(error["fields"]) == fields
    assert changes() == before
    assert AppraisalWeights.objects.get().weights == NEW  # scope: test


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[]",
        '"weights"',
        "{}",  # no weights at all
        '{"weights": [15, 15]}',
        '{"weights": 15}',
        '{"weights": null}',
        '{"weights": {"satisfaction": ' + "9" * 5000 + "}}",  # beyond Python's digits for an int
        json.dumps({"weights": DEFAULT_WEIGHTS, "note": "长" * 2001}),
    ],
)
def test_a_malformed_body_is_a_400_in_the_envelope_and_nothing_changes(
    client: Client, world: World, raw: str
) -> None:
    headers = bearer(world.leader)
    before = changes()
    response = client.put(URL, data=raw, content_type="application/json", **headers)
    assert response.status_code == 400, (raw[:40], response.content[:300])
    assert response.json()["error"]["code"] in {"invalid", "invalid_weights"}
    assert changes() == before


def test_many_made_up_measures_get_a_short_answer(client: Client, world: World) -> None:
    weights = DEFAULT_WEIGHTS | {f"made_up_{n}": 1 for n in range(1000)}
    response = put(client, world.leader, {"weights": weights})
    assert response.status_code == 400
    assert len(response.json()["error"]["fields"]) == 10
    assert len(response.content) < 4000


# --- one rule: the page and the API answer the same input alike -------------------------------


@pytest.mark.parametrize(
    "weights",
    [
        DEFAULT_WEIGHTS | {"satisfaction": -1},
        DEFAULT_WEIGHTS | {"satisfaction": 10**30},
        DEFAULT_WEIGHTS | {"visit_coverage": 101, "housing_served": -5},
        dict.fromkeys(MEASURE_KEYS, 0),
    ],
)
def test_the_page_and_the_api_refuse_the_same_weights_for_the_same_fields(
    client: Client, world: World, weights: dict[str, int]
) -> None:
    api = put(client, world.leader, {"weights": weights}).json()["error"]
    log_in(client, world.leader)
    page = client.post(PAGE, {k: str(v) for k, v in weights.items()})
    assert page.status_code == 400
    html = page.content.decode()
    for field, message in api["fields"].items():
        if field == "weights":  # not one input's: said above the form
            assert api["message"] in html
        else:
            assert re.search(
                rf'name="{field}"[^>]*>\s*<ul class="errorlist[^"]*"[^>]*><li>{re.escape(message)}', html
            )
    assert not AppraisalWeights.objects.exists()  # scope: test


def test_the_page_keeps_the_leader_s_note_too(client: Client, world: World) -> None:
    log_in(client, world.leader)
    form = {k: str(v) for k, v in NEW.items()} | {"note": "  按县委要求调整  "}
    assert client.post(PAGE, form).status_code == 302
    assert AppraisalWeights.objects.get().note == "按县委要求调整"  # scope: test
    too_long = client.post(PAGE, {k: str(v) for k, v in DEFAULT_WEIGHTS.items()} | {"note": "长" * 2001})
    assert too_long.status_code == 400
    assert AppraisalWeights.objects.count() == 1  # scope: test
    body = api_get(client, world.township_clerk, URL).json()
    assert (body["version"], body["note"]) == (1, "按县委要求调整")


def test_the_schema_describes_both(client: Client, world: World) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    path = schema["paths"][URL]
    assert {"get", "put"} <= set(path)
    put_op = path["put"]
    assert {"400", "401", "403"} <= set(put_op["responses"])
    body = put_op["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"weights", "note"}
    out = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"version", "weights", "set_by", "set_at", "note"} <= set(
        schema["components"]["schemas"][out]["properties"]
    )
