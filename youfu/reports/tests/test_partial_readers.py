"""A role that reads only some areas (a department liaison: its pairings and the petitions it
handles) is never shown a zero for what it cannot see: the summary leaves those sections out and
says so, the reports that read every area at once and the bureau's report files (the workbook,
the PDF, the monthly archive) refuse it with the reason, and the menu offers none of what would
refuse it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from youfu.core.roles import Role
from youfu.reports.archive_services import archive_period
from youfu.reports.readable import SECTION_MODELS, hidden_sections
from youfu.reports.selectors import Summary
from youfu.reports.tests.scenario import NOV, County, build
from youfu.testing import World, api_get, log_in, menu_urls, run_command

pytestmark = pytest.mark.django_db

LIAISON_READS = ["pairing", "petitions"]
PERIOD = {"from": "2026-11-01", "to": "2026-12-31"}


@pytest.fixture
def county(world: World, settings: Any, tmp_path: Path) -> County:
    settings.MEDIA_ROOT = tmp_path / "files"  # the archive's files
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


def _refused_page(client: Client, url: str, params: dict[str, str] | None = None) -> None:
    response = client.get(url, params or {})
    assert response.status_code == 403, url
    html = response.content.decode()
    assert 'data-testid="refused"' in html and 'href="/reports/summary/"' in html, url


def test_the_bureau_s_report_files_refuse_a_liaison_on_the_pages(client: Client, county: County) -> None:
    """The workbook was a book of zeros for the sections a liaison cannot see, and the archive an
    empty list (and 404s) that said there was none: each is the county's whole report, which the
    summary page already tells a liaison is the bureau's."""
    w = county.world
    archived = archive_period(w.county, *NOV).report
    pages = [
        ("/reports/summary.xlsx", PERIOD),
        ("/reports/summary.pdf", PERIOD),
        ("/reports/archive/", None),
        (f"/reports/archive/{archived.pk}.xlsx", None),
        ("/reports/archive/999999.xlsx", None),  # the same answer whether a report exists or not
    ]
    log_in(client, w.liaison)
    for url, params in pages:
        _refused_page(client, url, params)
    log_in(client, w.county_clerk)
    for url, params in pages[:-1]:
        if url.endswith(".pdf"):
            continue  # WeasyPrint may be missing here: test_pdf_downloads.py
        assert client.get(url, params or {}).status_code == 200, url


def test_the_bureau_s_report_files_refuse_a_liaison_in_the_api(client: Client, county: County) -> None:
    w = county.world
    archived = archive_period(w.county, *NOV).report
    calls = [
        ("/api/v1/reports/summary.xlsx", PERIOD),
        ("/api/v1/reports/summary.pdf", PERIOD),
        ("/api/v1/reports/archive", None),
        (f"/api/v1/reports/archive/{archived.pk}.xlsx", None),
    ]
    for url, params in calls:
        response = api_get(client, w.liaison, url, params)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "partial_reader", url
        assert response.json()["error"]["message"], url
    for url, params in calls:
        if not url.endswith(".pdf"):
            assert api_get(client, w.county_clerk, url, params).status_code == 200, url


@pytest.mark.parametrize("suffix", ["xlsx", "pdf"])
def test_youfu_report_refuses_a_liaison_and_writes_nothing(
    county: County, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    period = ("--from", PERIOD["from"], "--to", PERIOD["to"])
    code, _out, err = run_command("report", *period, "-o", str(out / f"r.{suffix}"), "--as", "liaison")
    assert code == 1 and list(out.iterdir()) == []
    assert "summary report" in err.lower() or "统计" in err
    if suffix == "xlsx":
        assert run_command("report", *period, "-o", str(out / "r.xlsx"), "--as", "clerk")[0] == 0


def test_the_menu_offers_a_report_only_to_whom_its_page_opens(client: Client, county: County) -> None:
    """The menu asked only for the capability, and led a liaison to the dashboard and the
    appraisal, which answer it 403 (and a village assistant to the appraisal). Every page any
    persona's menu offers must open for that persona."""
    w = county.world
    reports = {"/reports/summary/", "/reports/dashboard/", "/reports/appraisal/"}
    assert menu_urls(w.liaison) & reports == {"/reports/summary/"}
    assert menu_urls(w.village_assistant) & reports == {"/reports/summary/", "/reports/dashboard/"}
    for user in (w.county_clerk, w.township_clerk, w.leader):
        assert menu_urls(user) & reports == reports, user.username
    for user in (w.admin, w.auditor):
        assert menu_urls(user) & reports == set(), user.username
    personas = (
        w.admin,
        w.county_clerk,
        w.township_clerk,
        w.village_assistant,
        w.leader,
        w.liaison,
        w.auditor,
    )
    for user in personas:
        log_in(client, user)
        for url in sorted(menu_urls(user)):
            assert client.get(url).status_code == 200, (user.username, url)
