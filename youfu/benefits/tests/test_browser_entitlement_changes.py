"""The leader opens the month's draft batch in Debian's chromium and reads, under the payee
changes, whose entitlement a clerk changed since last month's batch: a disability added with an
approval two months before last month's period stands out as back-dated, with what the batch
pays the person and its arrears; then approves.

Marked ``browser``:
``pytest -m browser -p no:xdist youfu/benefits/tests/test_browser_entitlement_changes.py``.
Screenshot: ``artifacts/screenshots/batch-entitlement-changes.png``.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from youfu.benefits.models import BatchLine, BatchState
from youfu.benefits.money import add_months, month_label, yuan
from youfu.benefits.services import do_create_batch, do_update_benefit_settings
from youfu.benefits.tests.helpers import at, pay_month, person, setup_county
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind, Qualification
from youfu.registry.services import do_add_qualification, do_record_life_event
from youfu.registry.tests.factories import qualification_data
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
DISABLED = {"category": Category.DISABLED_VETERAN, "approved_on": date(2020, 1, 1)}


@pytest.mark.browser
def test_the_leader_sees_a_back_dated_approval_and_approves(
    world: World, pages: NewPage, base_url: str
) -> None:
    month = timezone.localdate().replace(day=1)
    before = add_months(month, -1)
    # Registered before last month's batch, which paid them: not changes of this one.
    with time_machine.travel(at(before.year, before.month, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=add_months(before, -3))
        person(world, WAR, name="甲照旧")
        changed = person(world, WAR, name="乙补批")
        raised = person(world, DISABLED, name="丙调级")
    pay_month(world, month_label(before))
    approved = add_months(before, -2)
    do_add_qualification(
        changed,
        qualification_data(Category.DISABLED_VETERAN, approved_on=approved),
        acting_user=world.county_clerk,
    )
    # A level raised from the middle of last month: listed after the back-dated approval.
    do_record_life_event(
        raised,
        LifeEventKind.LEVEL_CHANGE,
        before.replace(day=15),
        acting_user=world.county_clerk,
        qualification=Qualification.objects.get(beneficiary=raised),
        level=4,
    )
    batch = do_create_batch(month, acting_user=world.county_clerk)
    line = BatchLine.objects.get(batch=batch, beneficiary=changed)
    assert line.arrears_fen > 0

    page = pages(world.leader, height=1100)
    page.goto(f"{base_url}/benefits/batches/{batch.pk}/")
    section = page.get_by_test_id("entitlement-changes")
    expect(section).to_contain_text("上一批次以来的待遇变更")
    expect(section).to_contain_text("有 2 人的应发待遇发生变更")
    expect(page.get_by_test_id("back-dated-count")).to_contain_text("其中 1 人")
    expect(section).to_contain_text("乙补批")
    expect(section).not_to_contain_text("甲照旧")
    expect(section.locator("tbody tr").nth(1)).to_contain_text("丙调级")
    expect(section.locator("tbody tr").nth(1)).to_contain_text("6 级 → 4 级")
    row = section.locator("tr[data-back-dated]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("新增优抚身份")
    expect(row).to_contain_text("残疾军人")
    expect(row).to_contain_text(approved.isoformat())
    expect(row).to_contain_text(f"追溯：早于 {month_label(before)} 2 个月")
    expect(row).to_contain_text(f"{yuan(line.arrears_fen):,.2f}")
    section.scroll_into_view_if_needed()
    screenshot(page, "batch-entitlement-changes")

    # Approving without the tick is stopped by the browser: the box is required.
    page.get_by_role("button", name="批准").first.click()
    expect(page.locator("h1")).not_to_contain_text("已审批")
    page.get_by_test_id("changes-checked").locator("input").check()
    page.get_by_role("button", name="批准").first.click()
    expect(page.locator("h1")).to_contain_text("已审批")
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
