"""One full relief approval chain in Chromium: a village assistant applies for an amount above
the leader line, the township clerk approves, a county clerk approves, a leader (logged in
with TOTP) approves, and the grant shows approved. Screenshots land in
``artifacts/screenshots/relief-*.png``. Run with ``pytest -m browser``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from youfu.registry.categories import Category
from youfu.registry.tests.factories import register
from youfu.relief.grants.models import ReliefGrant
from youfu.testing import World
from youfu.testing_browser import screenshot, zh

pytestmark = pytest.mark.browser


def approve(page: Page, base_url: str, grant: ReliefGrant, name: str) -> None:
    """From the home work list to the grant, then approve it with a note."""
    page.goto(f"{base_url}/")
    work = page.get_by_test_id("work-relief")
    expect(work).to_contain_text(zh("Relief applications waiting for my approval"))
    work.get_by_role("link").first.click()
    page.get_by_role("link", name=f"#{grant.pk}").click()
    expect(page).to_have_url(f"{base_url}/relief/{grant.pk}/")
    page.locator("details[data-action=approve] summary").click()
    page.locator("details[data-action=approve] textarea[name=note]").fill(f"{name}：情况属实，同意")
    screenshot(page, f"relief-{name}-approving")
    page.get_by_test_id("do-approve").click()
    expect(page).to_have_url(f"{base_url}/relief/{grant.pk}/")
    expect(page.locator("main")).to_contain_text(zh("Approved."))


def test_a_relief_application_climbs_the_whole_chain(world: World, base_url: str, pages: Any) -> None:
    person = register(world.county_clerk, world.village_a, (Category.DISABLED_VETERAN,), name="李卫国")

    village = pages(world.village_assistant)
    village.goto(f"{base_url}/relief/new/")
    village.fill("input[name=q]", "李卫国")
    village.locator("main form button[type=submit]").click()
    village.get_by_test_id("choose-person").first.click()
    expect(village.get_by_test_id("chosen-person")).to_contain_text("李卫国")
    village.select_option("select[name=reason]", "illness")
    village.fill("input[name=amount]", "4200.00")
    village.fill("textarea[name=note]", "住院治疗，家庭困难")
    screenshot(village, "relief-1-application")
    village.get_by_test_id("application-form").locator("button[type=submit]").click()
    grant = ReliefGrant.objects.get(beneficiary=person)
    expect(village).to_have_url(f"{base_url}/relief/{grant.pk}/")
    expect(village.get_by_test_id("next-step")).to_contain_text("乡镇")
    assert grant.needs_leader and grant.next_step == "township"

    approve(pages(world.township_clerk), base_url, grant, "2-township")
    grant.refresh_from_db()
    assert grant.next_step == "county"

    approve(pages(world.county_clerk), base_url, grant, "3-county")
    grant.refresh_from_db()
    assert grant.next_step == "leader"

    leader = pages(world.leader)
    approve(leader, base_url, grant, "4-leader")
    grant.refresh_from_db()
    assert grant.state == "approved" and grant.one_off is not None
    state = leader.get_by_test_id("grant-state")
    expect(state).to_have_text(zh("approved"))
    history = leader.get_by_test_id("history")
    expect(history.locator("li")).to_have_count(4)
    expect(history).to_contain_text("4-leader：情况属实，同意")
    expect(leader.locator("details[data-action=approve]")).to_have_count(0)
    screenshot(leader, "relief-5-approved")

    village.goto(f"{base_url}/registry/{person.pk}/")
    expect(village.get_by_test_id("relief")).to_contain_text("4,200.00")
    screenshot(village, "relief-6-person-card")
