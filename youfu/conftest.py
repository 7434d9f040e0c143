from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from youfu.accounts.models import User
from youfu.testing import World, make_world
from youfu.testing_browser import CHROMIUM, CHROMIUM_ARGS, NewPage, log_in, new_context


@pytest.fixture(autouse=True)
def _fast_hashing(settings: LazySettings) -> None:
    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings: LazySettings, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("files")


@pytest.fixture(autouse=True)
def _audit_anchors_of_the_test(settings: LazySettings, tmp_path_factory: pytest.TempPathFactory) -> None:
    # The nightly check appends the chain's head to this file; each test's chain is its own.
    settings.YOUFU_AUDIT_ANCHOR_FILE = str(tmp_path_factory.mktemp("anchors") / "audit-anchors.jsonl")


@pytest.fixture(autouse=True, scope="session")
def _a_queue_of_each_test_process(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test process (an xdist worker) queues into a file of its own. Sharing the one in
    YOUFU_HOME, a worker saw the other's queued tasks (a report job of the same id in its own
    database taken for its own) and the other's locks (a nightly backup's lock, held by the other
    worker's test, refused as TaskLockedException)."""
    from huey.contrib.djhuey import HUEY

    if "filename" in HUEY.storage_kwargs:  # the embedded SQLite queue (no YOUFU_REDIS_URL)
        HUEY.storage_kwargs["filename"] = str(tmp_path_factory.mktemp("queue") / "queue.sqlite3")
        HUEY.storage = HUEY.create_storage()


@pytest.fixture
def world(db: None) -> World:
    return make_world()


# --- browser tests (``-m browser``): Debian's chromium through Playwright ----------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = (
            f"!!! BROWSER TESTS NOT RUN: {CHROMIUM} is missing. Install it with "
            "`apt-get install --no-install-recommends chromium fonts-noto-cjk` !!!"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API runs an asyncio event loop in the test thread; without this the ORM
    # calls made from a browser test (building data, reading it back) are refused. Only while a
    # browser runs: other tests keep Django's async-safety check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def pages(browser: Browser, base_url: str) -> Iterator[NewPage]:
    """A new page per role, each in its own browser context: maker and checker keep their own
    sessions, as on separate desks. Logged in (TOTP enrolment included) when given a user."""
    contexts: list[BrowserContext] = []

    def new_page(user: User | None = None, *, height: int = 900) -> Page:
        context = new_context(browser, height=height)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            log_in(page, base_url, user)
        return page

    try:
        yield new_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def base_url(transactional_db: None, live_server: Any) -> str:
    # The live server answers from its own thread, which only sees committed rows: a test that
    # opens it runs on a transactional database, so the ``world`` it builds is committed.
    return str(live_server.url)
