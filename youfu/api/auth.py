"""API authentication: bearer tokens for scripts, the session (with CSRF) for the pages' htmx."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from youfu.accounts.services import user_for_token
from youfu.audit.context import audit_context


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


class VerifiedSession(SessionAuth):
    """The browser session, only once the second factor (where required) was given and the
    user chose their own password (not one someone else set, ``must_change_password``)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        if getattr(user, "requires_two_factor", False) and not user.is_verified():
            return None
        if getattr(user, "must_change_password", False):
            return None
        return user


API_AUTH = [BearerToken(), VerifiedSession()]

__all__ = ["API_AUTH", "audit_context"]
