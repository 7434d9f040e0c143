"""The reconciliation page's check against the full recomputation, in Debian's chromium: a county
clerk runs it on the open batch and reads that they agree; a leader runs it after a change
written behind the services' back and reads the difference, named.

Marked ``browser``: ``pytest -m browser -p no:xdist youfu/benefits/tests/test_browser_reconcile.py``.
Screenshots land in ``artifacts/screenshots/reconcile-*.png``.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from youfu.benefits.money import add_months
from youfu.benefits.services import do_create_batch, do_update_benefit_settings
from youfu.benefits.tests.helpers import pay_month, person, setup_county
from youfu.registry.categories import Category
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.mark.browser
def test_the_check_against_the_full_recomputation(world: World, pages: NewPage, base_url: str) -> None:
    month = timezone.localdate().replace(day=1)
    earlier = add_months(month, -2)
    setup_county(world)
    do_update_benefit_settings(acting_user=world.admin, payments_start=earlier)
    person(world, WAR, name="甲")
    person(world, WAR, name="乙", bank_account="6230000000000000002")
    pay_month(world, earlier.strftime("%Y-%m"))
    pay_month(world, add_months(month, -1).strftime("%Y-%m"))
    batch = do_create_batch(month, acting_user=world.county_clerk)

    page = pages(world.county_clerk, height=900)
    page.goto(f"{base_url}/benefits/reconciliation/")
    page.get_by_test_id("run-full-check").click()
    result = page.get_by_test_id("full-result")
    expect(result).to_contain_text(batch.period_label)
    expect(result).to_contain_text("两者一致")
    screenshot(page, "reconcile-agree")

    with connection.cursor() as cursor:  # a death written by raw SQL: no service, no mark
        cursor.execute(
            "UPDATE registry_beneficiary SET death_date = %s, status = 'deceased' WHERE name = %s",
            [earlier.replace(day=10).isoformat(), "乙"],
        )
    page = pages(world.leader, height=900)
    page.goto(f"{base_url}/benefits/reconciliation/")
    page.get_by_test_id("run-full-check").click()
    expect(page.get_by_test_id("full-result")).to_contain_text("处不一致")
    differences = page.get_by_test_id("full-differences")
    expect(differences).to_contain_text("乙")
    expect(differences).to_contain_text("追缴")
    screenshot(page, "reconcile-differ")
