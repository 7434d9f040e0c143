"""The public pages at /p/ driven through Debian's chromium with Playwright: every public
form is filled and submitted as a petitioner would, and the page that follows is checked.

Every test here is marked ``browser``; run them with ``pytest -m browser`` (set-up as in
``youfu/accounts/tests/test_browser.py``). Screenshots land in ``artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from youfu.petitions.codes import format_code, new_code
from youfu.petitions.models import Petition, Satisfaction, State
from youfu.petitions.services import do_conclude_petition, do_reply_petition
from youfu.petitions.tests.factories import accepted, petitioner
from youfu.testing import World, make_world
from youfu.testing_browser import SCREENSHOTS
from youfu.testing_browser import submit as _submit

PHONE = "13900004321"


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    # Overrides the package conftest's frozen 2025 clock: chromium keeps its own, real clock,
    # and would drop a CSRF cookie whose expiry the frozen server dated in the past.
    yield


@pytest.fixture
def world(transactional_db: None, live_server: Any) -> World:
    # The live server thread only sees committed rows.
    return make_world()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"public-{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.is_file() and shot.stat().st_size > 0


def _zh(text: Any) -> str:
    """The zh-Hans text of a msgid or of a lazy label."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def _look_up(page: Page, base_url: str, code: str, tail: str) -> None:
    page.goto(f"{base_url}/p/lookup/")
    page.fill("input[name=receipt_code]", code)
    page.fill("input[name=phone_tail]", tail)
    _submit(page)


def _recent(world: World) -> Petition:
    """An assigned petition received today (by the real clock the browser lives in)."""
    today = timezone.localdate()
    return accepted(world, received_on=today, petitioners=[petitioner("柳湾张三", PHONE)])


@pytest.mark.browser
def test_it_submits_a_petition_online_and_shows_the_receipt(world: World, page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/p/submit/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("input[name=name]", "赵六")
    page.fill("input[name=phone]", "13812345678")
    page.select_option("select[name=category]", "pension")
    page.fill("input[name=subject]", "养老保险接续问题")
    page.fill("textarea[name=content]", "退役后养老保险未接续，请求帮助办理。")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "scan.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}],
    )
    _shot(page, "submit-form")
    _submit(page)

    expect(page).to_have_url(f"{base_url}/p/receipt/")
    expect(page.locator("h1")).to_have_text(_zh("Your petition was received"))
    petition = Petition.objects.get()
    expect(page.get_by_test_id("receipt-code")).to_have_text(petition.receipt_code_display)
    assert petition.channel == "online" and petition.subject == "养老保险接续问题"
    assert petition.attachments.count() == 1
    _shot(page, "receipt")


@pytest.mark.browser
def test_it_looks_up_a_petition_with_its_code_and_phone_tail(world: World, page: Page, base_url: str) -> None:
    p = _recent(world)

    _look_up(page, base_url, p.receipt_code_display.lower(), PHONE[-4:])

    expect(page).to_have_url(f"{base_url}/p/status/")
    expect(page.get_by_test_id("state")).to_have_text(_zh(State.ASSIGNED.label))
    expect(page.locator("main")).to_contain_text(p.receipt_code_display)
    expect(page.locator("main")).not_to_contain_text("柳湾张三")  # no names on the public page
    _shot(page, "status")


@pytest.mark.browser
def test_a_wrong_phone_tail_answers_like_an_unknown_code(world: World, page: Page, base_url: str) -> None:
    p = _recent(world)

    _look_up(page, base_url, p.receipt_code_display, "0000")

    expect(page).to_have_url(f"{base_url}/p/lookup/")
    refused = page.get_by_test_id("refused")
    expect(refused).to_have_text(_zh("No matter matches this receipt code and phone number."))
    expect(page.locator("input[name=phone_tail]")).to_have_value("")  # what was typed is not echoed
    _shot(page, "lookup-no-match")
    wrong_tail = page.locator("main").inner_text()

    _look_up(page, base_url, format_code(new_code()), "1234")
    expect(refused).to_be_visible()
    assert page.locator("main").inner_text() == wrong_tail


@pytest.mark.browser
def test_it_rates_a_concluded_petition(world: World, page: Page, base_url: str) -> None:
    p = _recent(world)
    today = timezone.localdate()
    do_reply_petition(p, replied_on=today, text="经核实，已予补发。", acting_user=world.township_clerk)
    do_conclude_petition(p, concluded_on=today, acting_user=world.township_clerk)
    _look_up(page, base_url, p.receipt_code_display, PHONE[-4:])
    expect(page).to_have_url(f"{base_url}/p/status/")
    expect(page.get_by_test_id("state")).to_have_text(_zh(State.CONCLUDED.label))
    expect(page.get_by_test_id("reply")).to_have_text("经核实，已予补发。")

    page.check("input[name=rating][value=basically_satisfied]")
    page.fill("textarea[name=comment]", "办理及时，金额已到账。")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(f"{base_url}/p/status/")
    expect(page.locator("main")).to_contain_text(
        _zh("Thank you: your assessment was recorded. You may change it.")
    )
    p.refresh_from_db()
    assert (
        p.satisfaction == Satisfaction.BASICALLY_SATISFIED
        and p.satisfaction_comment == "办理及时，金额已到账。"
    )
    _shot(page, "satisfaction")


@pytest.mark.browser
def test_a_failed_csrf_check_shows_youfus_page(world: World, page: Page, base_url: str) -> None:
    p = _recent(world)
    page.goto(f"{base_url}/p/lookup/")
    page.context.clear_cookies()  # as when the browser dropped the cookie or the page is stale
    page.fill("input[name=receipt_code]", p.receipt_code_display)
    page.fill("input[name=phone_tail]", PHONE[-4:])
    with page.expect_response(f"{base_url}/p/lookup/") as answer:
        _submit(page)

    assert answer.value.status == 403
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text(_zh("The form could not be sent"))
    expect(page.locator("main")).not_to_contain_text("DEBUG")
    _shot(page, "csrf-failure")

    # Its link opens the form afresh, and the lookup then goes through.
    page.get_by_test_id("reload").click()
    expect(page).to_have_url(f"{base_url}/p/lookup/")
    page.fill("input[name=receipt_code]", p.receipt_code_display)
    page.fill("input[name=phone_tail]", PHONE[-4:])
    _submit(page)
    expect(page).to_have_url(f"{base_url}/p/status/")
