"""The maker-checker staff forms driven through Debian's chromium with Playwright, as the real
roles use them: the county clerk enters, a leader (logged in with TOTP) decides, and both the
page that follows and the database are checked.

Every test here is marked ``browser``; run them with ``pytest -m browser`` (set-up as in
``youfu/accounts/tests/test_browser.py``). Screenshots land in ``artifacts/screenshots/staff-*.png``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from youfu.benefits.models import LocalTopUp, ParameterState
from youfu.core.workdays import WorkCalendar, deadline
from youfu.petitions.deadlines import HANDLE_DAYS
from youfu.petitions.models import Extension, ExtensionState, Petition
from youfu.petitions.tests.factories import accepted
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot, zh


def _enter_topup(page: Page, base_url: str, percent: str, effective_on: date) -> None:
    page.goto(f"{base_url}/benefits/standards/")
    page.fill("input[name=percent]", percent)
    page.fill("input[name=effective_on]", effective_on.isoformat())
    page.get_by_test_id("enter-topup").click()
    expect(page).to_have_url(f"{base_url}/benefits/standards/")
    expect(page.locator("main")).to_contain_text(
        zh("The top-up was entered: it applies once a leader approves it.")
    )


@pytest.mark.browser
def test_the_clerk_enters_top_ups_and_the_leader_refuses_one_and_approves_the_other(
    world: World, pages: NewPage, base_url: str
) -> None:
    clerk = pages(world.county_clerk)
    # Dates ahead of the real clock (Chromium keeps its own): next year's January and July.
    first, second = date(date.today().year + 1, 1, 1), date(date.today().year + 1, 7, 1)
    _enter_topup(clerk, base_url, "9.5", first)
    _enter_topup(clerk, base_url, "10", second)

    wrong = LocalTopUp.objects.get(effective_on=first)
    right = LocalTopUp.objects.get(effective_on=second)
    assert wrong.percent == Decimal("9.5") and right.percent == Decimal("10")
    assert wrong.state == right.state == ParameterState.PENDING
    assert wrong.created_by == world.county_clerk
    # Both wait on the page; the clerk who entered them is offered no decision.
    for t in (wrong, right):
        expect(clerk.get_by_test_id(f"pending-topup-{t.pk}")).to_be_visible()
        expect(clerk.get_by_test_id(f"topup-{t.pk}")).to_contain_text(zh(ParameterState.PENDING.label))
    expect(clerk.get_by_test_id(f"approve-topup-{wrong.pk}")).to_have_count(0)
    screenshot(clerk, "staff-topup-waiting")

    leader = pages(world.leader)
    leader.goto(f"{base_url}/benefits/standards/")
    waiting = leader.get_by_test_id(f"pending-topup-{wrong.pk}")
    waiting.locator("input[name=reason]").fill("比例应为9%，请更正后重报")
    leader.get_by_test_id(f"refuse-topup-{wrong.pk}").click()

    expect(leader).to_have_url(f"{base_url}/benefits/standards/")
    expect(leader.locator("main")).to_contain_text(zh("The top-up was refused; the clerk sees your reason."))
    expect(leader.get_by_test_id(f"pending-topup-{wrong.pk}")).to_have_count(0)
    expect(leader.get_by_test_id(f"topup-{wrong.pk}")).to_contain_text("比例应为9%，请更正后重报")
    wrong.refresh_from_db()
    assert wrong.state == ParameterState.REFUSED and wrong.reason == "比例应为9%，请更正后重报"
    assert wrong.decided_by == world.leader

    leader.get_by_test_id(f"approve-topup-{right.pk}").click()

    expect(leader).to_have_url(f"{base_url}/benefits/standards/")
    expect(leader.locator("main")).to_contain_text(zh("The top-up is approved and in force."))
    expect(leader.get_by_test_id("nothing-pending")).to_be_visible()
    expect(leader.get_by_test_id(f"topup-{right.pk}")).to_contain_text(zh(ParameterState.APPROVED.label))
    right.refresh_from_db()
    assert right.state == ParameterState.APPROVED and right.decided_by == world.leader
    screenshot(leader, "staff-topup-decided")

    # The clerk reads the refusal and its reason on reload.
    clerk.reload()
    expect(clerk.get_by_test_id(f"topup-{wrong.pk}")).to_contain_text("比例应为9%，请更正后重报")


@pytest.mark.browser
def test_the_clerk_requests_an_extension_and_the_leader_approves_it(
    world: World, pages: NewPage, base_url: str
) -> None:
    # Received today by the real clock the browser lives in, so the deadline is ahead.
    petition = accepted(world, received_on=timezone.localdate())
    due = petition.handle_due
    assert due is not None

    clerk = pages(world.county_clerk)
    clerk.goto(f"{base_url}/petitions/{petition.pk}/")
    extend = clerk.locator("details[data-action=extend]")
    extend.locator("summary").click()
    extend.locator("input[name=extend-days]").fill("20")
    extend.locator("textarea[name=extend-reason]").fill("需到省厅调取档案核实")
    screenshot(clerk, "staff-extension-request-form")
    extend.locator("button[type=submit]").click()

    expect(clerk).to_have_url(f"{base_url}/petitions/{petition.pk}/")
    expect(clerk.get_by_test_id("extension")).to_contain_text("需到省厅调取档案核实")
    expect(clerk.get_by_test_id("extension")).to_contain_text(zh(ExtensionState.PENDING.label))
    request = Extension.objects.get(petition=petition)
    assert request.state == ExtensionState.PENDING and request.days == 20
    assert request.requested_by == world.county_clerk
    assert Petition.objects.get(pk=petition.pk).handle_due == due  # nothing moves before approval

    leader = pages(world.leader)
    leader.goto(f"{base_url}/petitions/extensions/")
    row = leader.get_by_test_id(f"extension-{petition.pk}")
    expect(row).to_contain_text("需到省厅调取档案核实")
    screenshot(leader, "staff-extensions-waiting")
    row.locator("form:has(input[name=decision][value=approve]) button[type=submit]").click()

    expect(leader).to_have_url(f"{base_url}/petitions/extensions/")
    expect(leader.locator("main")).to_contain_text(petition.receipt_code_display)
    expect(leader.get_by_test_id(f"extension-{petition.pk}")).to_have_count(0)
    request.refresh_from_db()
    assert request.state == ExtensionState.APPROVED and request.decided_by == world.leader
    stored = Petition.objects.get(pk=petition.pk)
    # 60 + 20 days from acceptance, then the rest-day rule (the real clock may land on a Sunday).
    assert stored.accepted_on is not None and stored.extension_days == 20
    extended = deadline(stored.accepted_on, HANDLE_DAYS + 20, calendar=WorkCalendar()).date
    assert stored.handle_due == extended and extended >= due + timedelta(days=20)

    leader.goto(f"{base_url}/petitions/{petition.pk}/")
    expect(leader.get_by_test_id("extension")).to_contain_text(zh(ExtensionState.APPROVED.label))
    expect(leader.get_by_test_id("deadlines")).to_contain_text(stored.handle_due.isoformat())
    screenshot(leader, "staff-extension-approved")
