"""Under the Content-Security-Policy the pages keep their behaviour: the few scripts moved
out of the templates into ``youfu.js`` run, and the browser reports no violation.

Marked ``browser`` (``make test-browser``); screenshots in ``artifacts/screenshots/policy-*.png``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from youfu.registry.models import LifeEventKind
from youfu.registry.tests.factories import register
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot


def _violations(page: Page) -> list[str]:
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            found.append(message.text)

    page.on("console", on_console)
    return found


@pytest.mark.browser
def test_the_life_event_form_shows_the_fields_of_the_chosen_kind(
    world: World, pages: NewPage, base_url: str
) -> None:
    person = register(world.county_clerk, world.village_a, name="王建国")
    page = pages(world.county_clerk)
    violations = _violations(page)
    page.goto(f"{base_url}/registry/{person.pk}/life-events/new/")
    phone = page.locator("#id_phone")
    payee = page.locator("#id_payee_name")
    page.select_option("select[name=kind]", LifeEventKind.PHONE_CHANGE.value)
    expect(phone).to_be_visible()
    expect(payee).to_be_hidden()
    page.select_option("select[name=kind]", LifeEventKind.DEATH.value)
    expect(payee).to_be_visible()
    expect(phone).to_be_hidden()
    screenshot(page, "policy-life-event-death")
    assert violations == []


@pytest.mark.browser
def test_the_language_switch_submits_itself(world: World, pages: NewPage, base_url: str) -> None:
    page = pages(world.county_clerk)
    violations = _violations(page)
    page.goto(f"{base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert violations == []


@pytest.mark.browser
def test_the_dashboard_draws_its_charts_under_the_policy(world: World, pages: NewPage, base_url: str) -> None:
    page = pages(world.leader)
    violations = _violations(page)
    page.goto(f"{base_url}/reports/dashboard/")
    expect(page.locator("main canvas").first).to_be_visible()
    screenshot(page, "policy-dashboard")
    assert violations == []


@pytest.mark.browser
def test_the_registry_filters_refresh_the_results_under_the_policy(
    world: World, pages: NewPage, base_url: str
) -> None:
    # The form's trigger filter was script, which htmx may not evaluate under the policy: a
    # changed filter did nothing until "Search" was pressed (htmx:evalDisallowedError).
    register(world.county_clerk, world.village_a, name="王建国")
    register(world.county_clerk, world.village_b, name="李卫东")
    page = pages(world.county_clerk)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/registry/")
    results = page.get_by_test_id("results")
    expect(results).to_contain_text("李卫东")
    page.select_option("select[name=township]", world.township_a.code)
    expect(results).not_to_contain_text("李卫东")
    expect(results).to_contain_text("王建国")
    assert f"township={world.township_a.code}" in page.url  # the address keeps the filter
    screenshot(page, "policy-registry-filter")
    assert errors == []
