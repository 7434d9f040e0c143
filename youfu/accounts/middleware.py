from __future__ import annotations

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
