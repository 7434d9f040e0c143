"""The reports list no person: every page and API route under ``/reports/`` and
``/api/v1/reports/`` (those added later included) answers a county clerk and a leader without a
name, an ID number (whole or masked), a phone or a bank account of anyone in the county, in the
HTML, the JSON and inside the workbooks. So no reading of a report is audited as a reading of
personal data (youfu audits those: a full ID number shown, ``PERSONAL_DATA_REVEALED``, and a
file of people downloaded, ``PERSONAL_DATA_EXPORTED``); the figures link to the areas' own lists.

A route that one day lists people fails here: it must then record its reading as the areas
record theirs, and be tested for that record instead.

The walk proves itself: the same marks are found on the registry's list, which does list people.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.tests.test_scope_walk import Route, all_routes, concrete
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.registry.models import Beneficiary
from youfu.relief.tests import factories_housing
from youfu.reports.tests.scenario import build
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

PARAMS = {"from": "2026-01-01", "to": "2026-12-31", "year": "2026"}
# Every route answers these readers with its figures (200): the check reads real reports.
EXPECTED_200 = {
    "reports/summary/",
    "reports/dashboard/",
    "reports/summary.xlsx",
    "reports/archive/",
    "reports/archive/<int:archive_id>.xlsx",
    "reports/appraisal/",
    "reports/appraisal/weights/",
    "reports/appraisal/<str:township>/",
    "api/v1/reports/summary",
    "api/v1/reports/appraisal",
    "api/v1/reports/appraisal/weights",
    "api/v1/reports/summary.xlsx",
    "api/v1/reports/archive",
    "api/v1/reports/archive/<archive_id>.xlsx",
    "api/v1/reports/dashboard",
}
PERSONAL_EVENTS = (EventType.PERSONAL_DATA_REVEALED, EventType.PERSONAL_DATA_EXPORTED)


def report_routes() -> list[Route]:
    seen: dict[str, Route] = {}
    for route in all_routes():
        if route.template.startswith(("reports/", "api/v1/reports/")):
            seen.setdefault(route.template, route)
    return list(seen.values())


def marks() -> list[str]:
    """What identifies a person of the county, each at least four characters or a full name."""
    found: set[str] = set()
    for person in Beneficiary.objects.all():  # scope: test
        found |= {person.name, decrypt(person.id_number_encrypted), person.id_number_masked}
        found |= {v for v in (person.phone, person.bank_account_masked) if v}
    return sorted(found)


def text_of(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # a workbook: its sheets and shared strings, unzipped
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return str(body.decode("utf-8", "replace"))


@pytest.fixture
def county(world: World) -> World:
    build(world)
    # A home graded C that no case serves: the appraisal and the dashboard count it.
    factories_housing.survey(world, factories_housing.person(world, name="柳湾王秀英"), grade="C")
    return world


@pytest.mark.parametrize("who", ["county_clerk", "leader"])
def test_no_report_shows_a_person(client: Client, county: World, who: str) -> None:
    user = getattr(county, who)
    routes = report_routes()
    assert {r.template for r in routes} >= EXPECTED_200
    people = marks()
    assert "柳湾王秀英" in people and len(people) > 30
    urls = {route.template: concrete(route, county) for route in routes}  # samples made before counting
    log_in(client, user)
    audited = AuditEvent.objects.filter(event_type__in=PERSONAL_EVENTS).count()
    shown: list[str] = []
    for template, url in urls.items():
        response = client.get(url, PARAMS)
        assert response.status_code < 500, (url, response.status_code)
        if template in EXPECTED_200:
            assert response.status_code == 200, (url, response.status_code)
        if response.get("Content-Type", "").startswith("application/pdf"):
            continue  # drawn from the summary's HTML, checked here as the page; its text is not searchable
        text = text_of(response)
        shown += [f"{url} shows {mark!r}" for mark in people if mark in text]
    assert shown == []
    # Figures are not a reading of personal data: nothing was recorded as one.
    assert AuditEvent.objects.filter(event_type__in=PERSONAL_EVENTS).count() == audited


def test_the_marks_are_found_where_people_are_listed(client: Client, county: World) -> None:
    """The check can fail: the registry's list shows the same marks to the same reader."""
    log_in(client, county.county_clerk)
    text = text_of(client.get("/registry/", {"q": "柳湾王秀英"}))
    person = Beneficiary.objects.get(name="柳湾王秀英")  # scope: test
    assert "柳湾王秀英" in text and person.id_number_masked in text
