"""A needs-check round driven through Debian's chromium, as the roles use it: the county clerk
opens this quarter's round from the proposed name and date, the village assistant records a
difficulty at one household and ticks another as having none, and the township clerk who owns
the difficulty solves it. Marked ``browser``; screenshots in ``artifacts/screenshots/needs-*.png``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from youfu.outreach.needs.models import CheckOutcome, Finding, FindingState, HouseholdCheck, NeedsRound
from youfu.outreach.needs.selectors import propose_round
from youfu.outreach.tests.factories_needs import household
from youfu.registry.categories import Category
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

pytestmark = pytest.mark.browser


def test_a_round_from_opening_to_a_solved_difficulty(pages: NewPage, base_url: str, world: World) -> None:
    home, zhang = household(
        world, world.village_a, Category.DISABLED_VETERAN, name="柳湾张三", address="柳湾村3组8号"
    )
    quiet, _ = household(
        world, world.village_a, Category.WAR_PARTICIPANT, name="柳湾李四", address="柳湾村2组1号"
    )
    proposal = propose_round(world.county)

    clerk = pages(world.county_clerk)
    clerk.goto(f"{base_url}/needs-checks/")
    clerk.get_by_test_id("open-round").click()
    expect(clerk.locator("input[name=name]")).to_have_value(proposal.name)
    clerk.locator("main form button[type=submit]").click()
    expect(clerk.get_by_test_id("progress")).to_contain_text("0 / 2")
    round_ = NeedsRound.objects.get()  # scope: test
    assert (round_.name, round_.due_on) == (proposal.name, proposal.due_on)

    village = pages(world.village_assistant)
    check = HouseholdCheck.objects.get(round=round_, household=home)  # scope: test
    village.goto(f"{base_url}/needs-checks/checks/{check.pk}/")
    village.locator("details[data-action=finding] summary").click()
    village.select_option("select[name=f-beneficiary]", str(zhang.pk))
    village.select_option("select[name=f-kind]", "housing")
    village.fill("textarea[name=f-description]", "老房屋顶漏雨,雨季无法居住")
    village.select_option("select[name=f-owner]", "township")
    village.fill("input[name=f-due_on]", (timezone.localdate() + timedelta(days=30)).isoformat())
    village.locator("details[data-action=finding] button[type=submit]").click()
    expect(village.get_by_test_id("outcome")).to_have_text("发现困难")
    screenshot(village, "needs-check")

    village.goto(f"{base_url}/needs-checks/rounds/{round_.pk}/?state=unchecked")
    village.locator("input[name=check]").first.check()
    village.get_by_test_id("bulk-check").locator("button").click()
    expect(village.get_by_test_id("progress")).to_contain_text("2 / 2")
    screenshot(village, "needs-round")
    assert (
        HouseholdCheck.objects.get(round=round_, household=quiet).outcome == CheckOutcome.NO_DIFFICULTY
    )  # scope: test

    township = pages(world.township_clerk)
    township.goto(f"{base_url}/needs-checks/findings/?state=open&owner=township")
    finding = Finding.objects.get()  # scope: test
    township.locator(f"a[href='/needs-checks/findings/{finding.pk}/']").click()
    township.fill("textarea[name=solve-solution]", "已纳入农村危房改造,屋顶翻修完毕")
    township.locator("details[data-action=solve] button[type=submit]").click()
    expect(township.get_by_test_id("solution")).to_have_text("已纳入农村危房改造,屋顶翻修完毕")
    screenshot(township, "needs-finding")
    finding.refresh_from_db()
    assert finding.state == FindingState.SOLVED

    township.goto(f"{base_url}/registry/{zhang.pk}/")
    expect(township.get_by_test_id("needs_findings")).to_contain_text("已解决")
    township.goto(f"{base_url}/needs-checks/findings/?state=")
    screenshot(township, "needs-findings")
