from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from youfu.audit.context import audit_context

# Paths a user who still owes the second factor may reach.
_TWO_FACTOR_EXEMPT = ("/accounts/login", "/accounts/logout", "/static/", "/i18n/", "/api/", "/p/")


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it,
    # and a deployment behind one configures that proxy to overwrite REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Every audit event written while serving a request records its IP and channel."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with audit_context(ip=client_ip(request), channel=channel):
            return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A user whose role requires two-factor and who has not given it gets no page but
    the enrolment or verification step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "requires_two_factor", False)
            and not user.is_verified()
            and not request.path.startswith(_TWO_FACTOR_EXEMPT)
        ):
            return redirect("accounts:login_otp")
        return self.get_response(request)


# Paths a user who still holds a password someone else set may reach. The API is not here
# because its session authentication refuses such a user itself (``VerifiedSession``), while
# a bearer token is no session and is not affected.
_PASSWORD_CHANGE_EXEMPT = (
    "/accounts/password/",
    "/accounts/login",
    "/accounts/logout",
    "/static/",
    "/i18n/",
    "/api/",
    "/p/",
)


class PasswordChangeRequiredMiddleware:
    """A user signed in with a password someone else set (a new account, an admin's reset)
    gets no page but the one where they choose their own: the one who set it may know it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_PASSWORD_CHANGE_EXEMPT)
        ):
            return redirect("accounts:password_choose")
        return self.get_response(request)


# A signed-in session's idle timeout (SESSION_COOKIE_AGE) is renewed at most this often.
RENEW_EVERY_SECONDS = 60
RENEWED = "_youfu_renewed"


class IdleSessionRenewalMiddleware:
    """Renews a session's idle timeout as it is used, at most once a minute: the session is
    marked changed when its last renewal is a minute old or more, and Django's session
    middleware then saves it and sends the cookie again, both good for SESSION_COOKIE_AGE more.
    In place of SESSION_SAVE_EVERY_REQUEST, which wrote the session row and committed on every
    request, a page's reads included (the load bench, bench/README.md). A session still times
    out SESSION_COOKIE_AGE after its last renewal: at most a minute before the last request.
    Sits right after SessionMiddleware, so that its mark is seen on the way out; a request
    without a session (a visitor, a bearer token) is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(RENEWED, 0)) >= RENEW_EVERY_SECONDS:
            session[RENEWED] = now
        return response
