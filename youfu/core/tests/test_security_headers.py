"""The browser-side defences: a Content-Security-Policy that allows no inline script, no
framing, HSTS behind TLS, and Django's deployment check clean in production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

from youfu.testing import World, log_in

ROOT = Path(__file__).resolve().parents[2]  # the youfu package

# An inline script: a <script> without src, or an on…= event attribute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/p/"])
def test_pages_carry_a_policy_that_allows_no_inline_script(client: Client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_a_signed_in_page_has_no_inline_script(client: Client, world: World) -> None:
    client.force_login(world.county_clerk)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_no_template_has_an_inline_script() -> None:
    """Every template, not only the pages above: the policy would block an inline script
    in the browser, so the page would silently lose the behaviour."""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in ROOT.rglob("templates/**/*.html")
        for match in INLINE_SCRIPT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found


def test_the_detector_finds_inline_scripts() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<button onclick="x()">')
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>')
    assert not INLINE_SCRIPT.search('<select data-autosubmit name="language">')


def _deploy_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOUFU_")}
    return {
        **env,
        "YOUFU_HOME": str(tmp_path),
        "YOUFU_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_SETTINGS_MODULE": "youfu.settings",
        **extra,
    }


def test_deployment_check_is_clean_in_production_settings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=_deploy_env(tmp_path, YOUFU_SECURE_COOKIES="1"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_behind_tls_browsers_are_told_to_keep_to_https(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_deploy_env(tmp_path, YOUFU_SECURE_COOKIES="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == [str(365 * 24 * 3600), "True", "True", "True"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/p/", "/"])
def test_every_layout_names_the_site_icon_it_ships(client: Client, world: World, url: str) -> None:
    # A browser asks for the site's icon on its own: without one every first page logged a 404.
    if url == "/":
        log_in(client, world.county_clerk)
    html = client.get(url).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon is not None, url
    assert icon.group(1) == static("youfu/favicon.svg")
    assert finders.find("youfu/favicon.svg")
