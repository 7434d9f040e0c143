"""The dashboard page: the year's charts, drawn in the browser by ECharts (served by youfu,
``static/reports/vendor/echarts/``), each over a table of its numbers that shows without script
and when printed. The figures are counted once a page: the page carries them, as
``/api/v1/reports/dashboard`` gives them, for its script (which used to ask the API for them
again, counting every figure twice)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from youfu.benefits.money import money
from youfu.core.authed import acting_user
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.replica import reads_from_replica
from youfu.core.roles import Capability
from youfu.core.views import capability_required
from youfu.petitions.models import State
from youfu.registry.categories import Category
from youfu.reports import selectors
from youfu.reports.appraisal import parse_year
from youfu.reports.dashboard import URGENCIES, dashboard, dashboard_data
from youfu.reports.readable import require_every_area
from youfu.reports.views import refused

REGION_CODE_LENGTH = 12
API_URL = "/api/v1/reports/dashboard"  # youfu/reports/dashboard_api.py

URGENCY_LABELS = {
    "overdue": _("overdue"),
    "soon": _("due within 3 working days"),
    "later": _("due later"),
    "none": _("no deadline running"),
}


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
@reads_from_replica
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        require_every_area(user)  # a liaison's charts would be zeros for what it cannot see
    except PermissionDenied as exc:
        return refused(request, exc, _("Dashboard"))
    raw = request.GET.get("year", str(timezone.localdate().year))[:10]
    code = request.GET.get("region", "").strip()
    if len(code) > REGION_CODE_LENGTH:
        raise Http404
    region = selectors.report_region(user, code or None)
    context: dict[str, Any] = {
        "raw_year": raw,
        "region": region,
        "regions": selectors.regions_to_choose(user),
    }
    try:
        year = parse_year(raw)
    except InvalidInput as exc:
        context["error"] = exc
        return render(request, "reports/dashboard.html", context, status=400)
    d = dashboard(user, year, region)
    months = [
        {
            "month": m.month,
            "paid": money(m.paid_fen),
            "persons_paid": m.persons_paid,
            "prev_paid": money(m.prev_paid_fen),
            "prev_persons_paid": m.prev_persons_paid,
        }
        for m in d.months
    ]
    c = d.care
    context.update(
        year=year,
        dashboard=d,
        months=months,
        paid_total=money(sum(m.paid_fen for m in d.months)),
        prev_paid_total=money(sum(m.prev_paid_fen for m in d.months)),
        categories=[(code, Category(code).label, n) for code, n in d.by_category.items()],
        # The states some petition of the year is in, in the order a petition goes through them.
        states=[
            (s.value, s.label, d.petitions_by_state[s.value])
            for s in State
            if s.value in d.petitions_by_state
        ],
        urgencies=[(key, URGENCY_LABELS[key], d.petitions_by_urgency[key]) for key in URGENCIES],
        homes_served=c.homes_cd - c.homes_unserved,
        visits_todo=c.visit_targets - c.visited,
        relief_amount=money(c.relief_amount_fen),
        api_url=API_URL + "?" + urlencode({"year": str(year), "region": region.code}),
        figures=json.dumps(dashboard_data(d), ensure_ascii=False),
        tally_minutes=settings.YOUFU_DASHBOARD_TALLY_MINUTES,
    )
    return render(request, "reports/dashboard.html", context)
