"""What the browser tests share: Debian's chromium driven by Playwright, and logging in as a
role (TOTP enrolment included). The ``browser`` and ``page`` fixtures live in ``youfu/conftest.py``.

Chromium comes from Debian (``apt-get install chromium fonts-noto-cjk``), never from
``playwright install``.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any, Protocol

from django.utils import translation
from django_otp.oath import hotp
from playwright.sync_api import Browser, BrowserContext, Page, expect

import youfu
from youfu.accounts.models import User
from youfu.testing import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(youfu.__file__).resolve().parent.parent / "artifacts" / "screenshots"
TOTP_STEP = 30
TIMEOUT_MS = 10_000


def new_context(browser: Browser, height: int = 800) -> BrowserContext:
    # zh-CN makes chromium send Accept-Language: zh-CN, which Django maps to zh-hans, the
    # site's default; a headless chromium would otherwise ask for en-US.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    return context


class NewPage(Protocol):
    """The ``pages`` fixture: a page in a browser context of its own (its own session, as on
    another desk), logged in as ``user`` when one is given."""

    def __call__(self, user: User | None = None, *, height: int = 900) -> Page: ...


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot of ``page`` in ``artifacts/screenshots/<name>.png``, checked written."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.is_file() and path.stat().st_size > 0
    return path


def zh(text: Any) -> str:
    """The zh-Hans text of a msgid or of a lazy label, as the pages show it."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def totp_key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def step_now() -> int:
    return int(time.time()) // TOTP_STEP


def totp_code(secret: str, step: int) -> str:
    """The TOTP code of ``step`` (the same as django_otp's ``TOTP(key).token()`` at that step)."""
    return f"{hotp(totp_key(secret), step):06d}"


def submit(page: Page) -> None:
    # The header holds the language and log-out forms; the page's own form is in <main>.
    page.locator("main form button[type=submit]").click()


def enter_password(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit(page)


def enrol(page: Page, base_url: str) -> tuple[str, int]:
    """On the enrolment page: read the key, answer with the current code, land on home."""
    expect(page).to_have_url(f"{base_url}/accounts/login/enrol/")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    assert secret
    step = step_now()
    page.fill("input[name=otp]", totp_code(secret, step))
    submit(page)
    expect(page).to_have_url(f"{base_url}/")
    return secret, step


def log_in(page: Page, base_url: str, user: User) -> None:
    enter_password(page, base_url, user.username)
    if user.requires_two_factor:
        enrol(page, base_url)
    expect(page).to_have_url(f"{base_url}/")
