"""The signed-in user of a request, typed.

Django types ``request.user`` as ``AbstractBaseUser | AnonymousUser``; every page and API
handler behind ``login_required`` or the API's auth really has a :class:`User`. Views and
API handlers get that user in one way only, :func:`acting_user`, which checks what it
claims instead of casting; functions that receive an already signed-in request (section
renderers, helpers of a view) take an :class:`AuthedRequest`.

It lives in core so that every app's pages can use it, the ones below accounts included
(regions, audit); the user model is found through ``get_user_model``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from youfu.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request whose user is signed in (what ``login_required`` and the API's auth let through)."""

    user: User


def acting_user(request: HttpRequest) -> User:
    """The signed-in user acting in this request.

    A view that forgot ``login_required`` answers 403 here rather than acting as nobody.
    """
    user = request.user
    if not isinstance(user, get_user_model()) or not user.is_authenticated:
        raise PermissionDenied
    return user
