"""A failed CSRF check answers youfu's own 403 page (settings.CSRF_FAILURE_VIEW) in the
site's layout and language, never Django's stock page with its DEBUG hint."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from youfu.core.views import csrf_failure
from youfu.testing import World

pytestmark = pytest.mark.django_db


def test_a_staff_form_gets_the_staff_layout_in_chinese(world: World) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "clerk", "password": "x"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and 'class="top"' in html  # base.html's header
    assert "表单未能提交" in html and 'href="/accounts/login/"' in html
    assert "DEBUG" not in html and "CSRF验证失败" not in html  # Django's stock page


def test_english_when_the_browser_asks_for_it(world: World) -> None:
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()


def test_the_link_never_leaves_the_site() -> None:
    request = RequestFactory().post("/accounts/login/")
    request.path = "//evil.example/accounts/login/"
    response = csrf_failure(request, reason="x")
    assert response.status_code == 403
    assert 'href="/evil.example/accounts/login/"' in response.content.decode()
