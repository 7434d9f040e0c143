"""Account recovery in chromium: the admin asks on the leader's user page for a new second
factor (the leader lost their phone); a second leader approves it on *Roles to approve*, the row
changing in place (htmx), and the leader's device is gone. Marked ``browser`` (run with
``pytest -m browser``); screenshots in ``artifacts/screenshots/recovery-*.png``."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from youfu.accounts.models import AccountRecovery, RecoveryState
from youfu.core.roles import Role
from youfu.testing import World, enrol_totp, make_user
from youfu.testing_browser import NewPage, screenshot

pytestmark = pytest.mark.browser


def test_the_admin_asks_and_a_second_leader_approves_in_place(
    world: World, pages: NewPage, base_url: str
) -> None:
    enrol_totp(world.leader)
    leader2 = make_user("leader2", Role.LEADER, world.county)
    admin = pages(world.admin)
    admin.goto(f"{base_url}/accounts/users/{world.leader.pk}/")
    form = admin.locator("form", has=admin.get_by_test_id("reset-second-factor"))
    form.locator("textarea[name=reason]").fill("手机丢失，本人来电")
    form.get_by_test_id("reset-second-factor").click()
    expect(admin.get_by_test_id("pending-recovery")).to_contain_text("等待领导审批")
    screenshot(admin, "recovery-asked")
    recovery = AccountRecovery.objects.get(user=world.leader)
    assert recovery.state == RecoveryState.PENDING
    assert TOTPDevice.objects.filter(user=world.leader).exists()

    leader = pages(leader2)
    leader.goto(f"{base_url}/accounts/approvals/")
    row = leader.get_by_test_id(f"recovery-{recovery.pk}")
    expect(row).to_contain_text("手机丢失")
    screenshot(leader, "recovery-to-approve")
    url = leader.url
    row.get_by_test_id("approve-recovery").click()
    row = leader.get_by_test_id(f"recovery-{recovery.pk}")
    expect(row).to_have_attribute("data-state", "approved")
    expect(row.get_by_test_id("recovery-done")).to_contain_text("leader")
    assert leader.url == url  # the row changed in place
    assert not TOTPDevice.objects.filter(user=world.leader).exists()
