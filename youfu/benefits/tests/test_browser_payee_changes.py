"""The leader opens the month's draft batch in Debian's chromium, reads the account a clerk
changed since last month's batch — masked, who and when — and approves it.

Marked ``browser``: ``pytest -m browser -p no:xdist youfu/benefits/tests/test_browser_payee_changes.py``.
Screenshot: ``artifacts/screenshots/batch-payee-changes.png``.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from youfu.benefits.models import BatchState
from youfu.benefits.money import add_months
from youfu.benefits.services import do_create_batch, do_update_benefit_settings
from youfu.benefits.tests.helpers import pay_month, person, setup_county
from youfu.registry.categories import Category
from youfu.registry.services import do_update_beneficiary
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.mark.browser
def test_the_leader_checks_a_changed_account_and_approves(
    world: World, pages: NewPage, base_url: str
) -> None:
    month = timezone.localdate().replace(day=1)
    before = add_months(month, -1)
    setup_county(world)
    do_update_benefit_settings(acting_user=world.admin, payments_start=before)
    person(world, WAR, name="甲照旧", bank_account="6230000000000000001")
    moved = person(world, WAR, name="乙改户", bank_account="6230000000000004321")
    pay_month(world, before.strftime("%Y-%m"))
    do_update_beneficiary(moved, acting_user=world.county_clerk, bank_account="6230000000000008765")
    batch = do_create_batch(month, acting_user=world.county_clerk)

    page = pages(world.leader, height=1100)
    page.goto(f"{base_url}/benefits/batches/{batch.pk}/")
    changes = page.get_by_test_id("payee-changes")
    expect(changes).to_contain_text("1 处变更")
    expect(changes).to_contain_text("乙改户")
    expect(changes).to_contain_text("4321")
    expect(changes).to_contain_text("8765")
    expect(changes).not_to_contain_text("甲照旧")
    changes.scroll_into_view_if_needed()
    screenshot(page, "batch-payee-changes")

    # Approving without the tick is stopped by the browser: the box is required.
    page.get_by_role("button", name="批准").first.click()
    expect(page.locator("h1")).not_to_contain_text("已审批")
    page.get_by_test_id("changes-checked").locator("input").check()
    page.get_by_role("button", name="批准").first.click()
    expect(page.locator("h1")).to_contain_text("已审批")
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
