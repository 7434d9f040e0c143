"""The admin's working-day calendar page: which years are covered, and importing a
year's State Council notice through the same service as ``youfu import-calendar``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from youfu.core.authed import acting_user
from youfu.core.errors import YoufuError
from youfu.core.forms import CalendarImportForm
from youfu.core.imports import ImportRejected
from youfu.core.roles import Capability
from youfu.core.selectors import calendar_coverage, calendar_days, incomplete_years_ahead
from youfu.core.views import capability_required
from youfu.core.workdays import COLUMNS, import_calendar


def settings_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Only for the role that manages settings (the county admin)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return capability_required(Capability.MANAGE_SETTINGS)(view)(request, *args, **kwargs)

    return wrapper


def _shown_year(request: HttpRequest, years: list[int], default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if year in years else default


@settings_page
@require_http_methods(["GET", "POST"])
def calendar_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    posted = request.method == "POST"
    form = CalendarImportForm(request.POST if posted else None, request.FILES if posted else None)
    rejected: YoufuError | None = None
    filename = ""
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        filename = upload.name or ""
        try:
            result = import_calendar(upload.read(), acting_user=acting_user(request), filename=filename)
        except YoufuError as exc:
            # Nothing was written: the reasons go on the page, in both languages.
            rejected = exc
        else:
            messages.success(
                request,
                _(
                    "Imported %(rows)d days for %(years)s: %(added)d added, %(changed)d changed, "
                    "%(removed)d removed; %(recomputed)d petition deadline(s) recomputed."
                )
                % {
                    "rows": result.rows,
                    "years": ", ".join(str(y) for y in result.years),
                    "added": result.added,
                    "changed": result.changed,
                    "removed": result.removed,
                    "recomputed": result.recomputed,
                },
            )
            return redirect(f"{request.path}?year={result.years[0]}")
    coverage = calendar_coverage(today)
    year = _shown_year(request, [c.year for c in coverage], today.year)
    return render(
        request,
        "core/calendar.html",
        {
            "form": form,
            "columns": COLUMNS,
            "coverage": coverage,
            "ahead": incomplete_years_ahead(coverage, today),
            "year": year,
            "days": calendar_days(year),
            "rejected": rejected,
            "errors": rejected.errors if isinstance(rejected, ImportRejected) else [],
            "filename": filename,
        },
    )
