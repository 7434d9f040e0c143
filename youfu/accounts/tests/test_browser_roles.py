"""Separation of duties in chromium: the admin creates a township clerk, whose role waits; the
leader approves it on *Roles to approve*, the row changing in place (htmx: the confirmation is
only in the row the server sends back) without leaving the page. Marked ``browser`` (run with
``pytest -m browser``); screenshots in ``artifacts/screenshots/roles-*.png``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from youfu.accounts.models import RoleRequest, User
from youfu.core.roles import Role
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

pytestmark = pytest.mark.browser

STRONG = "river-stone-2026"


def test_the_admin_asks_and_the_leader_approves_in_place(world: World, pages: NewPage, base_url: str) -> None:
    admin = pages(world.admin)
    admin.goto(f"{base_url}/accounts/users/")
    admin.fill("input[name=username]", "zhao")
    admin.fill("input[name=full_name]", "赵六")
    admin.select_option("select[name=role]", "township_clerk")
    admin.fill("input[name=region]", world.township_a.code)
    admin.fill("input[name=password]", STRONG)
    admin.locator("main form button[type=submit]").click()
    expect(admin.locator("main")).to_contain_text("等待领导审批")
    expect(admin.get_by_test_id("pending-role")).to_be_visible()
    screenshot(admin, "roles-asked")

    request = RoleRequest.objects.get(user__username="zhao")
    leader = pages(world.leader)
    leader.goto(f"{base_url}/accounts/approvals/")
    row = leader.get_by_test_id(f"role-request-{request.pk}")
    expect(row).to_contain_text("zhao")
    screenshot(leader, "roles-to-approve")
    url = leader.url
    row.get_by_test_id("approve").click()
    row = leader.get_by_test_id(f"role-request-{request.pk}")
    expect(row).to_have_attribute("data-state", "approved")
    expect(row.get_by_test_id("role-done")).to_contain_text("zhao")
    assert leader.url == url  # the row changed in place
    assert User.objects.get(username="zhao").role == Role.TOWNSHIP_CLERK
