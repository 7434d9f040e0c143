"""The batch page's one-off payments, in Debian's chromium: a county clerk reads the relief grant
apart from the regular benefits, on the person's one line, and filters the lines carrying one-offs.

Marked ``browser``: ``pytest -m browser -p no:xdist youfu/benefits/tests/test_browser_one_offs.py``.
The screenshot lands in ``artifacts/screenshots/batch-one-offs.png``.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from youfu.benefits.models import OneOffKind
from youfu.benefits.services import do_create_batch, do_schedule_one_off, do_update_benefit_settings
from youfu.benefits.tests.helpers import person, setup_county
from youfu.registry.categories import Category
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.mark.browser
def test_the_clerk_reads_the_one_off_payments_apart(world: World, pages: NewPage, base_url: str) -> None:
    month = timezone.localdate().replace(day=1)
    setup_county(world)
    do_update_benefit_settings(acting_user=world.admin, payments_start=month)
    jia = person(world, WAR, name="甲")
    person(world, WAR, name="乙", bank_account="6230000000000000002")
    do_schedule_one_off(
        jia, kind=OneOffKind.RELIEF, amount_fen=300000, reference="relief:12", acting_user=world.leader
    )
    batch = do_create_batch(month, acting_user=world.county_clerk)

    page = pages(world.county_clerk, height=1000)
    page.goto(f"{base_url}/benefits/batches/{batch.pk}/")
    expect(page.get_by_test_id("one-off-total")).to_have_text("3,000.00")
    kinds = page.get_by_test_id("one-off-kinds")
    expect(kinds).to_contain_text("临时救助")
    expect(kinds).to_contain_text("3,000.00")
    carrying = page.get_by_test_id("one-off-lines")
    expect(carrying).to_contain_text("甲")
    expect(carrying).to_contain_text("定期生活补助+临时救助")
    expect(carrying.get_by_role("link", name="临时救助 #12")).to_have_attribute("href", "/relief/12/")
    expect(carrying).not_to_contain_text("乙")
    screenshot(page, "batch-one-offs")

    lines = page.get_by_test_id("lines")
    lines.locator("input[name=one_off]").check()
    lines.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/benefits/batches/{batch.pk}/?township=&status=&one_off=1")
    expect(page.get_by_test_id("lines")).to_contain_text("甲")
    expect(page.get_by_test_id("lines").locator("tbody")).not_to_contain_text("乙")
