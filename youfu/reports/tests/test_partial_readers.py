"""A role that reads only some areas (a department liaison: its pairings and the petitions it
handles) is never shown a zero for what it cannot see: the summary leaves those sections out and
says so, the reports that read every area at once refuse it with the reason."""

from __future__ import annotations

import dataclasses

import pytest
from django.test import Client

from youfu.core.roles import Role
from youfu.reports.readable import SECTION_MODELS, hidden_sections
from youfu.reports.selectors import Summary
from youfu.reports.tests.scenario import County, build
from youfu.testing import World, api_get, log_in

pytestmark = pytest.mark.django_db

LIAISON_READS = ["pairing", "petitions"]


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def test_the_sections_are_the_summary_s() -> None:
    figures = [f.name for f in dataclasses.fields(Summary) if f.name not in {"region", "start", "end"}]
    assert list(SECTION_MODELS) == figures


def test_what_each_role_reads(world: World) -> None:
    every_area = (world.county_clerk, world.leader, world.township_clerk, world.village_assistant)
    for user in every_area:
        assert hidden_sections(user) == [], user.username
    assert [key for key in SECTION_MODELS if key not in hidden_sections(world.liaison)] == LIAISON_READS
    world.liaison.department = None
    assert hidden_sections(world.liaison) == list(SECTION_MODELS)


def test_the_summary_api_says_what_is_not_shown_and_shows_no_zero_for_it(
    client: Client, county: County
) -> None:
    w = county.world
    params = {"from": "2026-11-01", "to": "2026-12-31"}
    clerk = api_get(client, w.county_clerk, "/api/v1/reports/summary", params).json()
    assert clerk["not_shown"] == [] and clerk["summary_text"]
    liaison = api_get(client, w.liaison, "/api/v1/reports/summary", params).json()
    assert liaison["not_shown"] == [k for k in SECTION_MODELS if k not in LIAISON_READS]
    for key in liaison["not_shown"]:
        assert liaison[key] is None, key
    assert liaison["pairing"]["activities"] == 1  # the department's own
    assert liaison["petitions"]["accepted"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/reports/dashboard/?year=2026",
        "/reports/appraisal/?year=2026",
        "/reports/appraisal/341199100000/?year=2026",
        "/reports/appraisal/weights/",
    ],
)
def test_the_reports_of_every_area_refuse_a_liaison_with_the_reason(
    client: Client, county: County, url: str
) -> None:
    """A 403 page that says why and links the summary (the appraisal was a 500 before)."""
    w = county.world
    log_in(client, w.liaison)
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="refused"' in html and 'href="/reports/summary/"' in html
    log_in(client, w.county_clerk)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/dashboard?year=2026",
        "/api/v1/reports/appraisal?year=2026",
        "/api/v1/reports/appraisal/weights",
    ],
)
def test_the_api_of_every_area_refuses_a_liaison(client: Client, county: County, url: str) -> None:
    w = county.world
    response = api_get(client, w.liaison, url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "partial_reader"
    assert api_get(client, w.county_clerk, url).status_code == 200


def test_a_village_assistant_is_told_the_appraisal_is_a_township_s(client: Client, county: County) -> None:
    w = county.world
    assert w.village_assistant.role == Role.VILLAGE_ASSISTANT
    log_in(client, w.village_assistant)
    for url in ("/reports/appraisal/?year=2026", "/reports/appraisal/weights/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'data-testid="refused"' in response.content.decode()
