"""The reports' forms submitted in Debian's chromium: the summary's period and region (a valid
period, reversed dates said on the page, a region outside the scope a 404 page), the appraisal's
year, and the appraisal's weights as a leader (a valid save shows the new version; invalid weights
show their errors and change nothing), a township clerk (their own township only) and a county
clerk (reads, cannot change).

Marked ``browser``: ``pytest -m browser -p no:xdist youfu/reports/tests/test_browser_reports.py``.
Screenshots land in the test's own temporary directory (``reports-*.png``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from youfu.reports.appraisal import MEASURES
from youfu.reports.appraisal_models import AppraisalWeights
from youfu.reports.tests.scenario import build
from youfu.testing import World
from youfu.testing_browser import NewPage, submit, zh


def shot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"reports-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.is_file() and path.stat().st_size > 0
    return path


def no_overflow(page: Page) -> None:
    """Nothing wider than the window: a table or a form that pushes the page sideways."""
    viewport = page.viewport_size
    assert viewport is not None
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], (page.url, width)


@pytest.mark.browser
def test_the_summary_s_period_and_region(world: World, pages: NewPage, base_url: str, tmp_path: Path) -> None:
    build(world)
    page = pages(world.county_clerk, height=900)
    page.goto(f"{base_url}/reports/summary/")
    form = page.get_by_test_id("period")
    form.locator("input[name=from]").fill("2026-11-01")
    form.locator("input[name=to]").fill("2026-12-31")
    form.locator("select[name=region]").select_option(world.township_a.code)
    submit(page)
    expect(page.locator("h1")).to_contain_text("城关镇")
    expect(page.get_by_test_id("summary-text")).to_contain_text("2026年11月至12月，城关镇共发放各类优抚资金")
    expect(page.get_by_test_id("payments.paid_total")).to_have_text("9,640.00")
    expect(form.locator("select[name=region]")).to_have_value(world.township_a.code)
    no_overflow(page)
    shot(page, tmp_path, "summary")

    # Reversed dates: the form comes back with them and says what is wrong.
    page.get_by_test_id("period").locator("input[name=from]").fill("2026-12-31")
    page.get_by_test_id("period").locator("input[name=to]").fill("2026-11-01")
    with page.expect_response(lambda r: "/reports/summary/?" in r.url) as answer:
        submit(page)
    assert answer.value.status == 400
    error = page.get_by_test_id("period-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("2026-11-01")
    expect(page.get_by_test_id("summary-text")).to_have_count(0)
    expect(page.get_by_test_id("period").locator("input[name=from]")).to_have_value("2026-12-31")
    shot(page, tmp_path, "summary-reversed")

    # A township clerk chooses among their own township and its villages only; a region
    # outside the scope, slipped into the form, is a 404 page.
    page = pages(world.township_clerk, height=700)
    page.goto(f"{base_url}/reports/summary/?from=2026-11-01&to=2026-12-31")
    select = page.get_by_test_id("period").locator("select[name=region]")
    codes = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert codes[0] == world.township_a.code
    assert all(code.startswith(world.township_a.code[:9]) for code in codes), codes
    select.evaluate(
        "(s, code) => s.add(new Option('东岭镇', code, true, true))",
        world.township_b.code,
    )
    with page.expect_response(lambda r: "/reports/summary/?" in r.url) as answer:
        submit(page)
    assert answer.value.status == 404
    expect(page.locator("h1")).to_have_text(zh("Not found"))
    expect(page.locator("main")).not_to_contain_text("东岭镇")
    shot(page, tmp_path, "summary-outside")


@pytest.mark.browser
def test_the_appraisal_s_year(world: World, pages: NewPage, base_url: str, tmp_path: Path) -> None:
    build(world)
    page = pages(world.county_clerk, height=900)
    page.goto(f"{base_url}/reports/appraisal/")
    form = page.get_by_test_id("year")
    form.locator("input[name=year]").fill("2025")
    submit(page)
    expect(page.locator("h1")).to_contain_text("2025")
    table = page.get_by_test_id("appraisal-townships")
    expect(table.get_by_test_id(f"township-{world.township_a.code}")).to_be_visible()
    expect(table.get_by_test_id(f"township-{world.township_b.code}")).to_be_visible()
    page.get_by_test_id("year").locator("input[name=year]").fill("2026")
    submit(page)
    expect(page.locator("h1")).to_contain_text("2026")
    no_overflow(page)
    shot(page, tmp_path, "appraisal")

    # A year after this one passes the browser's own check and is refused by the page.
    page.get_by_test_id("year").locator("input[name=year]").fill("2099")
    with page.expect_response(lambda r: "/reports/appraisal/?" in r.url) as answer:
        submit(page)
    assert answer.value.status == 400
    expect(page.get_by_test_id("year-error")).to_contain_text("YYYY")
    expect(page.get_by_test_id("appraisal-townships")).to_have_count(0)
    shot(page, tmp_path, "appraisal-bad-year")

    # One township, opened from its row.
    page.goto(f"{base_url}/reports/appraisal/?year=2026")
    page.get_by_test_id(f"township-{world.township_a.code}").get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("城关镇")
    expect(page.get_by_test_id("appraisal-parts")).to_be_visible()
    no_overflow(page)
    shot(page, tmp_path, "appraisal-township")


def weights_form(page: Page) -> dict[str, str]:
    form = page.get_by_test_id("weights-form")
    return {m.key: form.locator(f"input[name={m.key}]").input_value() for m in MEASURES}


@pytest.mark.browser
def test_a_leader_sets_the_weights(world: World, pages: NewPage, base_url: str, tmp_path: Path) -> None:
    page = pages(world.leader, height=1000)
    page.goto(f"{base_url}/reports/appraisal/weights/")
    expect(page.get_by_test_id("weight-satisfaction")).to_have_text("15")
    form = page.get_by_test_id("weights-form")
    form.locator("input[name=satisfaction]").fill("40")
    form.locator("input[name=housing_served]").fill("0")
    form.locator("textarea[name=note]").fill("更重视群众满意度")
    submit(page)
    expect(page.locator("ul.messages")).to_contain_text(zh("Weights version %(n)d is in force.") % {"n": 1})
    expect(page.get_by_test_id("weight-satisfaction")).to_have_text("40")
    expect(page.get_by_test_id("weight-housing_served")).to_have_text("0")
    expect(page.get_by_test_id("weights-note")).to_have_text("更重视群众满意度")
    expect(page.get_by_test_id("weights-history").locator("tbody tr")).to_have_count(1)
    assert weights_form(page)["satisfaction"] == "40"  # the form starts from the weights in force
    no_overflow(page)
    shot(page, tmp_path, "weights-saved")

    # Every weight 0: the form comes back saying why, and nothing changed.
    for m in MEASURES:
        page.get_by_test_id("weights-form").locator(f"input[name={m.key}]").fill("0")
    with page.expect_response(lambda r: r.url.endswith("/reports/appraisal/weights/")) as answer:
        submit(page)
    assert answer.value.status == 400
    form = page.get_by_test_id("weights-form")
    expect(form.locator(".errorlist").first).to_contain_text(
        zh("Give at least one measure a weight above 0.")
    )
    expect(page.get_by_test_id("weight-satisfaction")).to_have_text("40")
    shot(page, tmp_path, "weights-all-zero")

    # A negative weight the browser would stop (min=0) is sent anyway: the page refuses it.
    page.goto(f"{base_url}/reports/appraisal/weights/")
    field = page.get_by_test_id("weights-form").locator("input[name=satisfaction]")
    field.evaluate("input => input.removeAttribute('min')")
    field.fill("-5")
    with page.expect_response(lambda r: r.url.endswith("/reports/appraisal/weights/")) as answer:
        submit(page)
    assert answer.value.status == 400
    error = page.get_by_test_id("weights-form").locator("input[name=satisfaction] + .errorlist, .errorlist")
    expect(error.first).to_contain_text(zh("a whole number from 0 to 100"))
    expect(page.get_by_test_id("weight-satisfaction")).to_have_text("40")
    shot(page, tmp_path, "weights-negative")
    assert AppraisalWeights.objects.count() == 1  # scope: test
    assert AppraisalWeights.objects.get().weights["satisfaction"] == 40  # scope: test


@pytest.mark.browser
def test_clerks_read_the_weights_and_their_appraisal(
    world: World, pages: NewPage, base_url: str, tmp_path: Path
) -> None:
    build(world)
    township = pages(world.township_clerk, height=900)
    township.goto(f"{base_url}/reports/appraisal/weights/")
    expect(township.get_by_test_id("weights-in-force")).to_be_visible()
    expect(township.get_by_test_id("weights-form")).to_have_count(0)
    shot(township, tmp_path, "weights-township-clerk")
    township.goto(f"{base_url}/reports/appraisal/")
    township.get_by_test_id("year").locator("input[name=year]").fill("2026")
    submit(township)
    rows = township.get_by_test_id("appraisal-townships").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-testid", f"township-{world.township_a.code}")
    expect(township.locator("main")).not_to_contain_text("东岭镇")
    no_overflow(township)
    shot(township, tmp_path, "appraisal-township-clerk")

    county = pages(world.county_clerk, height=900)
    county.goto(f"{base_url}/reports/appraisal/weights/")
    expect(county.get_by_test_id("weights-in-force")).to_be_visible()
    expect(county.get_by_test_id("weights-form")).to_have_count(0)
    county.goto(f"{base_url}/reports/appraisal/?year=2026")
    expect(county.get_by_test_id("appraisal-townships").locator("tbody tr")).to_have_count(2)
    shot(county, tmp_path, "weights-county-clerk")


@pytest.mark.browser
def test_a_liaison_sees_the_department_s_figures(
    world: World, pages: NewPage, base_url: str, tmp_path: Path
) -> None:
    build(world)
    page = pages(world.liaison, height=900)
    page.goto(f"{base_url}/reports/summary/")
    form = page.get_by_test_id("period")
    form.locator("input[name=from]").fill("2026-11-01")
    form.locator("input[name=to]").fill("2026-12-31")
    submit(page)
    expect(page.get_by_test_id("not-shown")).to_be_visible()
    expect(page.locator("table[data-testid^=section-]")).to_have_count(2)
    expect(page.get_by_test_id("pairing.activities")).to_have_text("1")
    expect(page.get_by_test_id("registry.persons")).to_have_count(0)
    no_overflow(page)
    shot(page, tmp_path, "summary-liaison")
    with page.expect_response(lambda r: "/reports/dashboard/" in r.url) as answer:
        page.goto(f"{base_url}/reports/dashboard/")
    assert answer.value.status == 403
    expect(page.get_by_test_id("refused")).to_be_visible()
    shot(page, tmp_path, "dashboard-liaison")
    page.locator("main").get_by_role("link", name=zh("Summary report")).click()
    expect(page.get_by_test_id("period")).to_be_visible()
