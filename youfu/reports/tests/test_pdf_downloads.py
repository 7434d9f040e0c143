"""The summary as a PDF from the page and the API: the xlsx download's query, scope and errors,
``application/pdf`` in the OpenAPI document, and a clear 503 (never a 500) where WeasyPrint cannot
load."""

from __future__ import annotations

import sys

import pytest
from django.test import Client

from youfu.reports.tests.scenario import County, build
from youfu.testing import World, api_get, log_in

pytestmark = pytest.mark.django_db

PAGE = "/reports/summary.pdf"
API = "/api/v1/reports/summary.pdf"
PARAMS = {"from": "2026-11-01", "to": "2026-12-31"}


@pytest.fixture
def county(world: World) -> County:
    return build(world)


@pytest.fixture
def no_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``import weasyprint`` raises ImportError: what a server without it (or without Pango) does.
    monkeypatch.setitem(sys.modules, "weasyprint", None)


def test_the_page_and_the_api_download_it(client: Client, county: County) -> None:
    pytest.importorskip("weasyprint")
    w = county.world
    log_in(client, w.township_clerk)
    page = client.get(PAGE, PARAMS)
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert "summary-341199100000-2026-11-01-2026-12-31.pdf" in page["Content-Disposition"]
    assert page["Cache-Control"] == "no-store"
    assert page.content.startswith(b"%PDF-")
    api = api_get(client, w.county_clerk, API, {**PARAMS, "region": w.township_b.code})
    assert api.status_code == 200, api.content
    assert api["Content-Type"] == "application/pdf"
    assert "summary-341199101000-2026-11-01-2026-12-31.pdf" in api["Content-Disposition"]


def test_scope_and_bad_input_are_the_xlsx_s(client: Client, world: World, no_weasyprint: None) -> None:
    # Every refusal comes before a PDF is made: none of these needs WeasyPrint.
    log_in(client, world.other_township_clerk)
    assert client.get(PAGE, {**PARAMS, "region": world.township_a.code}).status_code == 404
    assert client.get(PAGE, {**PARAMS, "region": "9" * 40}).status_code == 404
    outsider = api_get(client, world.other_township_clerk, API, {**PARAMS, "region": world.county.code})
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "not_found"
    reversed_ = client.get(PAGE, {"from": "2026-12-31", "to": "2026-11-01"})
    assert reversed_.status_code == 400
    assert 'data-testid="period-error"' in reversed_.content.decode()
    bad = api_get(client, world.county_clerk, API, {"from": "2026-13-01", "to": "2026-12-31"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_date"
    missing = api_get(client, world.county_clerk, API, {"to": "2026-12-31"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "period_missing"
    for user in (world.admin, world.auditor):
        log_in(client, user)
        assert client.get(PAGE, PARAMS).status_code == 403
        assert api_get(client, user, API, PARAMS).status_code == 403
    # The charts are the dashboard's, which reads every area: a liaison reads two.
    liaison = api_get(client, world.liaison, API, PARAMS)
    assert (liaison.status_code, liaison.json()["error"]["code"]) == (403, "partial_reader")
    log_in(client, world.liaison)
    assert client.get(PAGE, PARAMS).status_code == 403


def test_without_weasyprint_it_is_a_503_that_says_so(
    client: Client, world: World, no_weasyprint: None
) -> None:
    log_in(client, world.county_clerk)
    page = client.get(PAGE, PARAMS)
    assert page.status_code == 503
    html = page.content.decode()
    assert 'data-testid="pdf-unavailable"' in html
    assert 'href="/reports/summary.xlsx?from=2026-11-01&amp;to=2026-12-31&amp;region=341199000000"' in html
    api = api_get(client, world.county_clerk, API, PARAMS)
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "pdf_unavailable"
    assert "WeasyPrint" in api.json()["error"]["message"]


def test_the_openapi_document_names_the_pdf(client: Client, world: World) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/reports/summary.pdf"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/pdf"}
    assert "503" in operation["responses"] or 503 in operation["responses"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "region"}
