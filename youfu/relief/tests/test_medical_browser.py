"""A medical claim through Debian's chromium: the clerk finds the person, types the figures and
sees the subsidy and what is left of the year's cap before saving (htmx), saves; the leader
approves it on its page. Marked ``browser`` (``pytest -m browser``); screenshots in
``artifacts/screenshots/medical-*.png``."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from youfu.relief.medical.models import ClaimState, MedicalClaim
from youfu.relief.tests.factories_medical import claim, disabled_veteran, eligible_person
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot


@pytest.mark.browser
def test_a_claim_previewed_entered_and_approved(world: World, pages: NewPage, base_url: str) -> None:
    who = eligible_person(world, name="赵六")
    # 18,000.00 of the 2025 cap already taken
    claim(world, who, total="20000", admitted=date(2025, 1, 5), discharged=date(2025, 1, 9))
    disabled_veteran(world, level=2, name="孙八")

    clerk = pages(world.township_clerk, height=1000)
    clerk.goto(f"{base_url}/medical/claims/new/")
    clerk.fill("input[name=q]", "赵六")
    clerk.get_by_test_id("person-picker").get_by_role("button").click()
    clerk.get_by_role("link", name="选择").first.click()
    clerk.fill("input[name=hospital]", "县人民医院")
    clerk.fill("input[name=admitted_on]", "2025-03-01")
    clerk.fill("input[name=discharged_on]", "2025-03-10")
    clerk.fill("input[name=total_cost]", "5000")
    clerk.fill("input[name=insurance_paid]", "1000")
    clerk.fill("input[name=serious_illness_paid]", "0")
    clerk.fill("input[name=other_paid]", "0")
    clerk.locator("input[name=other_paid]").blur()
    # 90% × 5,000.00 − 1,000.00 = 3,500.00, but only 2,000.00 is left of the 2025 cap
    expect(clerk.get_by_test_id("preview-computed")).to_contain_text("3,500.00")
    expect(clerk.get_by_test_id("preview-left")).to_contain_text("2,000.00")
    expect(clerk.get_by_test_id("preview-subsidy")).to_contain_text("2,000.00")
    screenshot(clerk, "medical-claim-form")
    clerk.get_by_role("button", name="录入申请").click()
    expect(clerk.get_by_test_id("claim-state")).to_contain_text("待领导审批")
    expect(clerk.get_by_test_id("claim-subsidy")).to_contain_text("2,000.00")
    entered = MedicalClaim.objects.filter(beneficiary=who).latest("pk")  # scope: test

    leader = pages(world.leader, height=1000)
    leader.goto(f"{base_url}/")
    expect(leader.locator("main")).to_contain_text("待审批的医疗补助申请")
    leader.goto(f"{base_url}/medical/claims/{entered.pk}/")
    screenshot(leader, "medical-claim-detail")
    leader.get_by_test_id("approve").click()
    expect(leader.get_by_test_id("claim-state")).to_contain_text("已批准")
    entered.refresh_from_db()
    assert entered.state == ClaimState.APPROVED

    clerk.goto(f"{base_url}/medical/premiums/?covered=no")
    expect(clerk.get_by_test_id("premiums")).to_contain_text("孙八")
    screenshot(clerk, "medical-premiums")
    clerk.goto(f"{base_url}/registry/{who.pk}/")
    expect(clerk.get_by_test_id("medical")).to_contain_text("2,000.00")
    screenshot(clerk, "medical-person-card")
