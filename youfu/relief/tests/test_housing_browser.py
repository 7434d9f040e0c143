"""Housing through Debian's chromium: a township clerk surveys a home from the person's page with a
photo, opens a case from the list of C/D homes without one, a leader approves the budget, the clerk
records a payment. Marked ``browser`` (run with ``pytest -m browser``); screenshots land in
``artifacts/screenshots/housing-*.png``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from youfu.registry.tests.factories import register
from youfu.relief.housing.models import HousingCase, HousingSurvey
from youfu.relief.tests.factories_housing import gps_exif
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot


@pytest.mark.browser
def test_survey_case_approval_and_payment(
    world: World, pages: NewPage, base_url: str, tmp_path: Path
) -> None:
    person = register(world.township_clerk, world.village_a, name="柳湾张三")
    today = timezone.localdate().isoformat()
    photo = tmp_path / "house.jpg"
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (150, 120, 90)).save(out, format="JPEG", exif=gps_exif())
    photo.write_bytes(out.getvalue())

    clerk = pages(world.township_clerk)
    clerk.goto(f"{base_url}/registry/{person.pk}/")
    clerk.get_by_test_id("housing").get_by_role("link", name="登记房屋调查").click()
    clerk.locator("input[name=grade][value=D]").check()
    clerk.fill("input[name=surveyed_on]", today)
    clerk.fill("textarea[name=note]", "土坯房，墙体倾斜")
    clerk.set_input_files("input[name=photos]", str(photo))
    clerk.get_by_test_id("survey-form").locator("button[type=submit]").click()
    expect(clerk.get_by_test_id("grade")).to_contain_text("D级")
    expect(clerk.get_by_test_id("photos").locator("img")).to_have_count(1)
    screenshot(clerk, "housing-survey")
    survey = HousingSurvey.objects.get()  # scope: test
    assert b"Exif" not in Path(survey.photos.get().file.path).read_bytes()

    clerk.goto(f"{base_url}/housing/unserved/")
    expect(clerk.get_by_test_id("unserved")).to_contain_text("柳湾张三")
    screenshot(clerk, "housing-unserved")
    clerk.get_by_test_id("unserved").get_by_role("link", name="立项").click()
    clerk.locator("input[name=kind][value=new]").check()
    clerk.fill("input[name=budget]", "45000")
    clerk.get_by_test_id("case-form").locator("button[type=submit]").click()
    expect(clerk.get_by_test_id("state")).to_contain_text("等待审批")
    case_url = clerk.url

    leader = pages(world.leader)
    expect(leader.locator("main")).to_contain_text("待审批的住房改造预算")
    leader.goto(case_url)
    leader.locator("details[data-action=approve] summary").click()
    leader.locator("details[data-action=approve] button[type=submit]").click()
    expect(leader.get_by_test_id("budget")).to_contain_text("45,000.00")

    clerk.goto(case_url)
    clerk.locator("details[data-action=disburse] summary").click()
    clerk.fill("details[data-action=disburse] input[name=amount]", "30000")
    clerk.fill("details[data-action=disburse] input[name=paid_on]", today)
    clerk.locator("details[data-action=disburse] button[type=submit]").click()
    expect(clerk.get_by_test_id("paid")).to_contain_text("30,000.00")
    screenshot(clerk, "housing-case")
    case = HousingCase.objects.get()  # scope: test
    assert case.state == "approved" and case.paid_fen == 3_000_000

    clerk.goto(f"{base_url}/registry/{person.pk}/")
    expect(clerk.get_by_test_id("housing-paid")).to_contain_text("30,000.00")
    screenshot(clerk, "housing-person-card")
