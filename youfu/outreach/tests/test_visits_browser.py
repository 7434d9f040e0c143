"""One visit campaign in Debian's chromium (Playwright): a county clerk creates a county-wide
campaign on the form; a township clerk opens it, sees only their township, records a visit from
the not-visited list; the coverage then shows it, for the township and for the county.

Marked ``browser``; run with ``pytest -m browser -p no:xdist``. Screenshots land in
``artifacts/screenshots/visits-*.png``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from youfu.outreach.tests.factories_visits import person
from youfu.outreach.visits.models import Visit, VisitCampaign
from youfu.registry.categories import Category
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot


@pytest.mark.browser
def test_a_county_campaign_a_township_visit_and_the_coverage(
    world: World, pages: NewPage, base_url: str
) -> None:
    first = person(
        world, name="城关王大爷", birth_date=timezone.localdate().replace(year=1938, month=3, day=1)
    )
    person(world, name="城关李奶奶", categories=(Category.MARTYR_SURVIVOR,))
    person(world, world.village_b, name="东岭赵大爷")
    person(world, name="城关钱某", categories=(Category.ACTIVE_DUTY_FAMILY,))  # not visited in this campaign
    today = timezone.localdate()
    starts_on = today - timedelta(days=3)

    # The county clerk creates the campaign on the form.
    clerk = pages(world.county_clerk)
    clerk.goto(f"{base_url}/visits/")
    clerk.get_by_test_id("new-campaign").click()
    expect(clerk).to_have_url(f"{base_url}/visits/new/")
    clerk.fill("input[name=name]", "春节走访慰问")
    clerk.fill("input[name=starts_on]", starts_on.isoformat())
    clerk.fill("input[name=ends_on]", (today + timedelta(days=20)).isoformat())
    for category in (Category.WAR_PARTICIPANT, Category.MARTYR_SURVIVOR):
        clerk.check(f"input[name=categories][value={category}]")
    clerk.select_option("select[name=region]", world.county.code)
    screenshot(clerk, "visits-1-campaign-form")
    clerk.get_by_role("button", name="创建活动").click()
    campaign = VisitCampaign.objects.get()  # scope: the test reads what the page made
    expect(clerk).to_have_url(f"{base_url}/visits/{campaign.pk}/")
    expect(clerk.locator(".messages")).to_contain_text("应走访 3 人")
    expect(clerk.get_by_test_id("by-township")).to_contain_text("东岭镇")
    screenshot(clerk, "visits-2-campaign-created")

    # The township clerk finds it on the home work list, sees only their township, records a visit.
    township = pages(world.township_clerk)
    work = township.get_by_test_id("work-visits")
    expect(work).to_contain_text("春节走访慰问")
    expect(work.locator(".count")).to_have_text("2")
    work.get_by_role("link").click()
    expect(township.get_by_test_id("not-visited")).to_contain_text("城关王大爷")
    expect(township.get_by_test_id("not-visited")).not_to_contain_text("东岭赵大爷")
    expect(township.get_by_test_id("by-township")).not_to_contain_text("东岭镇")
    expect(township.get_by_test_id("coverage")).to_contain_text("0.0%")
    screenshot(township, "visits-3-not-visited")
    township.get_by_test_id(f"record-{first.pk}").click()
    expect(township.locator("select[name=target] option:checked")).to_contain_text("城关王大爷")
    township.fill("input[name=visitors]", "李乡干、周协理")
    township.fill("input[name=money]", "500")
    township.fill("input[name=goods]", "米一袋、油一桶")
    screenshot(township, "visits-4-visit-form")
    township.get_by_role("button", name="登记走访").click()
    expect(township.locator(".messages")).to_contain_text("城关王大爷")
    expect(township.get_by_test_id("coverage")).to_contain_text("50.0%")
    expect(township.get_by_test_id("not-visited")).not_to_contain_text("城关王大爷")
    screenshot(township, "visits-5-after-the-visit")
    township.get_by_test_id("tab-visited").click()
    expect(township.get_by_test_id("visited")).to_contain_text("李乡干、周协理")
    expect(township.get_by_test_id("visited")).to_contain_text("500.00")

    visit = Visit.objects.get()  # scope: the test reads what the page made
    assert (visit.target.beneficiary, visit.recorded_by, visit.money_fen) == (
        first,
        world.township_clerk,
        50000,
    )

    # The county sees the visit in the county's coverage: 1 of 3.
    clerk.reload()
    expect(clerk.get_by_test_id("coverage")).to_contain_text("33.3%")
    expect(clerk.get_by_test_id("by-township")).to_contain_text("50.0%")
    screenshot(clerk, "visits-6-county-coverage")
