"""Petition statistics for a period, as a page and as a spreadsheet."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.views import capability_required
from youfu.petitions import forms as f
from youfu.petitions.selectors import (
    petitions_for,
)
from youfu.petitions.stats import metric_labels, statistics, to_xlsx
from youfu.petitions.views import READ

# --- statistics ----------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[f.StatsForm, date, date]:
    today = timezone.localdate()
    form = f.StatsForm(request.GET or None, initial={"start": date(today.year, 1, 1), "end": today})
    start, end = date(today.year, 1, 1), today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    return form, start, end


@capability_required(READ)
def stats_view(request: HttpRequest) -> HttpResponse:
    form, start, end = _period(request)
    stats = statistics(petitions_for(acting_user(request)), start=start, end=end)
    labels = metric_labels()

    def table(rows: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
        return [(row["label"], [row[key] for key, _label in labels]) for row in [*rows, stats["total"]]]

    return render(
        request,
        "petitions/stats.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "labels": labels,
            "tables": [
                (_("By month"), table(stats["by_month"])),
                (_("By channel"), table(stats["by_channel"])),
                (_("By category"), table(stats["by_category"])),
                (_("By township"), table(stats["by_township"])),
            ],
            "query": request.GET.urlencode(),
        },
    )


@capability_required(READ)
def stats_export_view(request: HttpRequest) -> HttpResponse:
    _form, start, end = _period(request)
    stats = statistics(petitions_for(acting_user(request)), start=start, end=end)
    title = _("Petition statistics %(start)s – %(end)s") % {"start": start, "end": end}
    return xlsx_response(to_xlsx(stats, title=title), f"petitions-{start}-{end}.xlsx")
