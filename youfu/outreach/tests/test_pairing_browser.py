"""Pairing support driven through Debian's chromium: a county clerk pairs 县民政局 with a person
from the person's page, the department's liaison records what was done, and both read the totals.

Marked ``browser``; run with ``pytest -m browser``. Screenshots: ``artifacts/screenshots/pairing-*.png``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from youfu.outreach.pairing.models import Pairing, PairingActivity
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

from .factories_pairing import activity, department, pairing, person

pytestmark = pytest.mark.browser


def test_a_clerk_pairs_and_the_liaison_records(pages: NewPage, base_url: str, world: World) -> None:
    day = timezone.localdate() - timedelta(days=3)  # every record of the test falls on this day
    zhang = person(world)
    li = person(world, world.village_b, name="石桥李四")
    roads = department(world)
    other = pairing(world, of=li, unit=roads, started_on=day - timedelta(days=400))
    activity(world, other, kind="projects", amount="20000.00", count=1, done_on=day, note="扶持养牛")
    activity(world, other, kind="jobs", amount=None, count=1, done_on=day, note="推荐就业")

    clerk = pages(world.county_clerk)
    clerk.goto(f"{base_url}/registry/{zhang.pk}/")
    clerk.get_by_test_id("pair-person").click()
    clerk.select_option("select[name=department]", label="县民政局")
    clerk.fill("input[name=started_on]", day.isoformat())
    clerk.fill("textarea[name=note]", "按县委结对帮扶工作安排")
    screenshot(clerk, "pairing-new")
    clerk.get_by_test_id("pairing-form").locator("button[type=submit]").click()
    expect(clerk.locator("h1")).to_have_text("县民政局 ↔ 柳湾张三")
    paired = Pairing.objects.get(beneficiary=zhang)  # scope: test

    liaison = pages(world.liaison)
    expect(liaison.get_by_test_id("work-pairing")).to_contain_text("本单位结对户")
    screenshot(liaison, "pairing-liaison-home")
    liaison.goto(f"{base_url}/pairing/{paired.pk}/")
    liaison.get_by_test_id("activity-action").locator("summary").click()
    liaison.select_option("select[name=kind]", "funds")
    liaison.fill("input[name=done_on]", day.isoformat())
    liaison.fill("textarea[name=note]", "春节前入户送去帮扶资金")
    liaison.get_by_test_id("activity-form").locator("button[type=submit]").click()
    expect(liaison.locator(".errorlist")).to_contain_text("请填写帮扶资金金额")  # funds need an amount
    liaison.fill("input[name=amount]", "1500")
    liaison.get_by_test_id("activity-form").locator("button[type=submit]").click()
    expect(liaison.get_by_test_id("activities")).to_contain_text("1,500.00")
    expect(liaison.get_by_test_id("activities")).to_contain_text("资金帮扶")
    screenshot(liaison, "pairing-detail")
    assert PairingActivity.objects.get(pairing=paired).recorded_by == world.liaison  # scope: test
    liaison.goto(f"{base_url}/pairing/departments/{world.department.pk}/?year={day.year}")
    expect(liaison.get_by_test_id("department-activities")).to_contain_text("春节前入户送去帮扶资金")
    screenshot(liaison, "pairing-department")
    liaison.goto(f"{base_url}/pairing/")
    expect(liaison.get_by_test_id("pairings")).not_to_contain_text("石桥李四")  # another department's
    screenshot(liaison, "pairing-liaison-list")

    clerk.goto(f"{base_url}/pairing/?state=all")
    expect(clerk.get_by_test_id("pairings")).to_contain_text("石桥李四")
    screenshot(clerk, "pairing-list")
    clerk.goto(f"{base_url}/pairing/summary/?year={day.year}")
    expect(clerk.get_by_test_id("summary-total")).to_contain_text("21,500.00")
    screenshot(clerk, "pairing-summary")
    clerk.goto(f"{base_url}/registry/{zhang.pk}/")
    expect(clerk.get_by_test_id("pairing")).to_contain_text("春节前入户送去帮扶资金")
    screenshot(clerk, "pairing-person-card")
