"""The dashboard in Debian's chromium: a leader opens it, ECharts (served by youfu) draws every
chart from the figures the page carries (asking the API for nothing), and the tables give way to
the charts; printed, the tables come back.

Marked ``browser``: ``pytest -m browser -p no:xdist youfu/reports/tests/test_browser_dashboard.py``.
Screenshots land in ``artifacts/screenshots/dashboard-*.png``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from youfu.reports.tests.scenario import build
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

CHARTS = ("paid", "persons", "townships", "categories", "states", "urgency", "care")


@pytest.mark.browser
def test_a_leader_sees_the_charts(world: World, pages: NewPage, base_url: str) -> None:
    build(world)
    page = pages(world.leader, height=1000)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None)
    asked: list[str] = []  # the charts draw from the figures the page carries: no second count
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/reports/" in r.url else None)
    page.goto(f"{base_url}/reports/dashboard/?year=2026")
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "true")
    for chart in CHARTS:
        figure = page.get_by_test_id(f"chart-{chart}")
        expect(figure.locator("canvas").first).to_be_visible()
        expect(figure.locator("table.chart-table")).to_be_hidden()
        # The chart fills its box: begun in a hidden box, ECharts drew it 100 px wide.
        drawn = figure.locator("canvas").first.bounding_box()
        box = figure.locator(".chart").bounding_box()
        assert drawn and box and box["width"] > 300 and drawn["width"] >= box["width"] - 2, (
            chart,
            drawn,
            box,
        )
    expect(page.get_by_test_id("chart-townships")).to_contain_text("城关镇")
    screenshot(page, "dashboard-leader")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("chart-paid").locator("table.chart-table")).to_be_visible()
    expect(page.locator("header.top")).to_be_hidden()
    screenshot(page, "dashboard-print")
    assert outside == [], outside
    assert asked == [], asked

    page.emulate_media(media="screen")
    page.goto(f"{base_url}/")  # the leader's home opens on the dashboard's card
    page.get_by_test_id("work-reports_dashboard").get_by_role("link").click()
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "true")
