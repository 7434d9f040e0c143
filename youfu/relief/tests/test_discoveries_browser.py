"""应享未享 in chromium: a township clerk refreshes the list, sees the findings with their rule in
words and their evidence, and resolves one as not applicable with the reason. Marked ``browser``
(run with ``pytest -m browser``); screenshots in ``artifacts/screenshots/discoveries-*.png``."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from youfu.relief.discoveries.models import Discovery, DiscoveryState
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World
from youfu.testing_browser import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def world(world: World) -> World:
    """The root conftest's world with three people the rules find."""
    clerk = world.county_clerk
    f.veteran(clerk, world.village_a, born=date(1950, 1, 1), name="老兵甲")
    f.disabled(clerk, world.village_a, level=4, born=date(1970, 1, 1), name="残疾丙")
    home = f.veteran(clerk, world.village_a, born=date(1980, 1, 1), name="危房丁")
    f.survey(clerk, home, "D", on=date(2026, 3, 2))
    return world


def test_a_clerk_refreshes_and_resolves_a_finding(world: World, page: Page, base_url: str) -> None:
    log_in(page, base_url, world.township_clerk)
    page.goto(f"{base_url}/discoveries/")
    expect(page.get_by_test_id("last-refresh")).to_contain_text("从未刷新")
    page.get_by_test_id("refresh").click()
    expect(page.locator("main")).to_contain_text("已刷新：新发现3条")
    table = page.get_by_test_id("discoveries")
    expect(table).to_contain_text("年满60周岁的农村籍退役士兵未享受老年生活补助")
    expect(table).to_contain_text("老兵甲")
    expect(table).to_contain_text("鉴定为D级")
    screenshot(page, "discoveries-list")
    finding = Discovery.objects.get(beneficiary__name="老兵甲")  # scope: the test's view
    page.get_by_test_id(f"resolve-{finding.pk}").click()
    page.get_by_label("不适用").check()
    page.fill("textarea[name=note]", "入伍前为城镇户籍，不属于农村籍退役士兵")
    screenshot(page, "discoveries-resolve")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("线索已处理")
    expect(page.get_by_test_id("discoveries")).not_to_contain_text("老兵甲")
    finding.refresh_from_db()
    assert (finding.state, finding.outcome) == (DiscoveryState.RESOLVED, "not_applicable")
