"""Log-in flows driven through Debian's chromium with Playwright (``make test-browser``).

Every test here is marked ``browser``; run them with ``pytest -m browser``. Chromium comes
from Debian (``apt-get install chromium fonts-noto-cjk``), never from ``playwright install``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from youfu.accounts.models import User
from youfu.accounts.tests.factories import approved_user
from youfu.core.roles import Role
from youfu.testing import PASSWORD, World, make_world
from youfu.testing_browser import SCREENSHOTS
from youfu.testing_browser import enrol as _enrol
from youfu.testing_browser import enter_password as _enter_password
from youfu.testing_browser import log_in as _log_in
from youfu.testing_browser import step_now as _step_now
from youfu.testing_browser import submit as _submit
from youfu.testing_browser import totp_code as _code

# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def world(transactional_db: None, live_server: Any) -> World:
    # Overrides the root conftest's ``world``: the live server thread only sees committed rows.
    return make_world()


# --- helpers ---------------------------------------------------------------------------------


def _wrong_code(secret: str) -> str:
    now = _step_now()
    taken = {_code(secret, s) for s in range(now - 3, now + 4)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in taken)


# --- tests -----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("username", ["admin", "clerk", "township", "leader", "auditor"])
def test_it_logs_in_each_demo_role_and_screenshots_home(
    world: World, page: Page, base_url: str, username: str
) -> None:
    user = User.objects.select_related("region").get(username=username)
    with translation.override("zh-hans"):
        role_name = str(user.get_role_display())
    assert user.region is not None

    _log_in(page, base_url, user)

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("role")).to_have_text(role_name)
    expect(page.get_by_test_id("region")).to_contain_text(user.region.name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"home-{username}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.is_file()
    assert shot.stat().st_size > 0


@pytest.mark.browser
def test_it_switches_to_english(world: World, page: Page, base_url: str) -> None:
    _log_in(page, base_url, world.county_clerk)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # The select submits its form on change; set_language redirects back to the page.
    page.select_option("select[name=language]", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_test_id("role")).to_be_visible()


@pytest.mark.browser
def test_it_locks_out_after_five_failures(world: World, page: Page, base_url: str) -> None:
    clerk = world.county_clerk
    login_url = f"{base_url}/accounts/login/"
    errors = page.locator("main .errorlist")

    _enter_password(page, base_url, clerk.username, "wrong-password-1")
    expect(page).to_have_url(login_url)
    expect(errors).to_be_visible()
    plain_failure = errors.inner_text()
    for attempt in range(2, 6):
        _enter_password(page, base_url, clerk.username, f"wrong-password-{attempt}")
        expect(page).to_have_url(login_url)

    _enter_password(page, base_url, clerk.username, PASSWORD)

    expect(page).to_have_url(login_url)
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(errors).to_be_visible()
    expect(errors).not_to_have_text(plain_failure)  # a lock message, not "wrong password"
    clerk.refresh_from_db()
    assert clerk.locked_until is not None
    assert clerk.is_locked()


@pytest.mark.browser
def test_it_requires_two_factor_on_second_login_for_leader(world: World, page: Page, base_url: str) -> None:
    leader = world.leader
    _enter_password(page, base_url, leader.username)
    secret, enrolled_step = _enrol(page, base_url)

    page.locator("header form[action='/accounts/logout/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/accounts/login/")

    _enter_password(page, base_url, leader.username)
    otp_url = f"{base_url}/accounts/login/otp/"
    expect(page).to_have_url(otp_url)

    page.fill("input[name=otp]", _wrong_code(secret))
    _submit(page)
    expect(page).to_have_url(otp_url)
    expect(page.locator("main .errorlist")).to_be_visible()

    # django_otp throttles a device for 1 s after a failed code, and refuses a code whose
    # step is not later than the last one used (the enrolment's); the next step's code is
    # within the one-step tolerance.
    time.sleep(1.2)
    page.fill("input[name=otp]", _code(secret, max(_step_now(), enrolled_step + 1)))
    _submit(page)
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_test_id("role")).to_be_visible()


@pytest.mark.browser
def test_a_new_account_chooses_its_own_password_first(world: World, page: Page, base_url: str) -> None:
    # The admin's password is one-time: the new clerk is taken to choose theirs, then home.
    user = approved_user(
        "wang",
        role=Role.COUNTY_CLERK,
        region=world.county,
        admin=world.admin,
        leader=world.leader,
        one_time_password=True,
    )
    assert user.must_change_password
    _enter_password(page, base_url, "wang")
    choose_url = f"{base_url}/accounts/password/"
    expect(page).to_have_url(choose_url)
    page.goto(f"{base_url}/registry/")
    expect(page).to_have_url(choose_url)

    page.fill("input[name=current]", PASSWORD)
    page.fill("input[name=new]", "wang-own-choice-9")
    page.fill("input[name=repeat]", "wang-own-choice-9")
    _submit(page)

    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_test_id("role")).to_be_visible()
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("wang-own-choice-9")
