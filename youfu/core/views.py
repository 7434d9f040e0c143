from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views import defaults

from youfu.core.errors import YoufuError
from youfu.core.sections import nav_group_for


def capability_required(
    capability: Any,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Login, then the role's capability; otherwise 403 (the page exists for someone else)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.can(capability):
                raise DjangoPermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def form_error(form: forms.Form, exc: YoufuError, default_field: str | None = None) -> None:
    """Put a service's error onto the form: field errors where the field exists."""
    placed = False
    for name, message in exc.fields.items():
        name = name.split(".")[0]  # "documents.0": the first upload of the field "documents"
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(default_field if default_field in form.fields else None, str(exc.message))


def positive_int(value: Any) -> int | None:
    """A record's number from a query string or a form field, or None for anything else (text,
    zero, a negative or a number no database key reaches)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """youfu's answer to a failed CSRF check (``CSRF_FAILURE_VIEW``): a 403 page in the site's
    layout and the visitor's language that says what to do, instead of Django's stock page
    and its DEBUG hint. The reason is not shown: ``django.security.csrf`` logs it already.

    The layout follows the address (``YOUFU_CSRF_FAILURE_LAYOUTS``, prefix → template), so a
    petitioner on the public pages stays in the public pages' layout."""
    layout = "base.html"
    for prefix, template in getattr(settings, "YOUFU_CSRF_FAILURE_LAYOUTS", {}).items():
        if request.path.startswith(prefix):
            layout = template
            break
    # The same address, opened afresh, brings a new form and token. Leading slashes are
    # folded so that the link can never read as another host ("//host/...").
    again = "/" + request.path.lstrip("/")
    return render(request, "core/csrf_failure.html", {"layout": layout, "again_url": again}, status=403)


# SQLite's own OperationalError also means a bad statement ("no such column"): only these say
# the database itself cannot be used just now (a writer holding the lock past the timeout, the
# file gone or unreadable, the disk full).
SQLITE_UNAVAILABLE = ("database is locked", "unable to open", "disk i/o error", "database or disk is full")
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached or used just now (a server restarting
    or down, a connection cut, SQLite's lock waited on too long), rather than a fault of the
    request or of youfu."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return any(text in str(cause).lower() for text in SQLITE_UNAVAILABLE)
    return True


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """youfu's ``handler403``: the page says why when a service refused with its reason (the
    reconciliation to a role that reads no payments), in the reader's language; a role that
    may not open the page at all reads the general sentence."""
    reason = exception.message if isinstance(exception, YoufuError) else None
    return render(request, "403.html", {"reason": reason}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """youfu's ``handler500``. A database that cannot be reached is a 503 that says so and asks to
    try again — the API's error envelope, or a page of its own: the site's layout would ask the
    database again for the menu — and recovers by itself: a connection is checked before a
    request reuses it, and a broken one is replaced.
    Anything else is Django's plain 500. Neither shows the error; the server's log has it."""
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        body = {
            "error": {
                "code": "database_unavailable",
                "message": gettext("youfu cannot reach its database just now: try again in a minute."),
                "fields": {},
            }
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), status=503, content_type="application/json"
        )
    else:
        again = "/" + request.path.lstrip("/") if request.method == "GET" else ""
        response = HttpResponse(render_to_string("core/unavailable.html", {"again_url": again}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def area_view(request: HttpRequest, key: str) -> HttpResponse:
    """A line of work that several apps share (see ``register_nav_group``): the pages of it the user
    may open, each with what it is for. 404 for an unknown group or one the user has nothing in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    found = nav_group_for(request.user, key)
    if found is None or not found[1]:
        raise Http404
    group, entries = found
    return render(request, "core/area.html", {"group": group, "entries": entries})
