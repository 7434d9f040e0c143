"""The pairing pages: the list (filters, .xlsx), a new pairing, a pairing with its activities
(record one, end the pairing), a department's households and year, and the yearly totals.
Thin: forms check the input, services decide and write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from youfu.accounts.models import User
from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability, Role
from youfu.core.views import capability_required, form_error, positive_int
from youfu.outreach.pairing import exports, selectors, services
from youfu.outreach.pairing.forms import ActivityForm, EndForm, PairingForm
from youfu.outreach.pairing.models import ActivityKind
from youfu.outreach.pairing.rules import (
    KIND_RULES,
    may_manage_pairings,
    may_record_for,
    quarter_start,
    year_bounds,
)
from youfu.outreach.pairing.selectors import OPEN_FIRST, PairingFilters
from youfu.registry.search import people_to_pick
from youfu.registry.selectors import beneficiaries_for

READ = Capability.READ_PERSONAL_DATA
PAGE_SIZE = 50
EARLIEST_YEAR = 2000


def _filters(params: QueryDict) -> PairingFilters:
    state = params.get("state", "open")
    return PairingFilters(
        department=positive_int(params.get("department")),
        township=(params.get("township") or "").strip()[:12],
        state=state if state in selectors.STATES else "",
        quiet=params.get("quiet") == "1",
        deceased=params.get("deceased") == "1",
    )


def _year(params: QueryDict) -> int:
    today = timezone.localdate()
    year = positive_int(params.get("year"))
    return year if year is not None and EARLIEST_YEAR <= year <= today.year + 1 else today.year


# --- the list --------------------------------------------------------------------------------


@capability_required(READ)
@require_GET
def list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _filters(request.GET)
    page = Paginator(selectors.filtered_pairings(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outreach/pairing/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "departments": selectors.departments_in_use(user),
            "townships": selectors.townships_for(user),
            "may_pair": may_manage_pairings(user),
            "own_department": user.department if user.role == Role.DEPARTMENT_LIAISON else None,
            "quarter_start": quarter_start(timezone.localdate()),
        },
    )


@capability_required(READ)
@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _filters(request.GET)
    data = exports.pairings_xlsx(
        selectors.filtered_pairings(user, filters), filters=filters, acting_user=user
    )
    return xlsx_response(data, f"pairings-{timezone.localdate():%Y%m%d}.xlsx")


# --- a new pairing ---------------------------------------------------------------------------


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def new_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not may_manage_pairings(user):
        raise PermissionDenied
    departments = selectors.departments_to_pair(user)
    initial = {
        "started_on": timezone.localdate(),
        "beneficiary": positive_int(request.GET.get("beneficiary")),
    }
    form = PairingForm(request.POST or None, departments=departments, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pairing = services.do_start_pairing(
                department_id=data["department"].pk,
                beneficiary_id=data["beneficiary"],
                started_on=data["started_on"],
                note=data["note"],
                acting_user=user,
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Paired."))
            return redirect("outreach_pairing:detail", pairing_id=pairing.pk)
    chosen = positive_int(form["beneficiary"].value())
    person = beneficiaries_for(user).select_related("township").filter(pk=chosen).first() if chosen else None
    query = (request.GET.get("q") or "").strip()[:50]
    results = people_to_pick(user, query) if person is None else []
    context = {"form": form, "person": person, "query": query, "results": results}
    return render(request, "outreach/pairing/new.html", context)


# --- one pairing -----------------------------------------------------------------------------


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def detail_view(request: HttpRequest, pairing_id: int) -> HttpResponse:
    user = acting_user(request)
    pairing = selectors.get_pairing(user, pairing_id)
    action = request.POST.get("action", "")
    # A refused form stays on the page with its error, even when the pairing ended meanwhile.
    may_record = may_record_for(user, pairing) and (pairing.is_open or action == "activity")
    may_end = may_manage_pairings(user) and (pairing.is_open or action == "end")
    activity_form = ActivityForm(initial={"done_on": timezone.localdate()})
    end_form = EndForm(initial={"ended_on": timezone.localdate()})
    if request.method == "POST":
        if action == "activity":
            if not may_record_for(user, pairing):
                raise PermissionDenied
            activity_form = ActivityForm(request.POST)
            if activity_form.is_valid():
                data = activity_form.cleaned_data
                try:
                    services.do_record_activity(
                        pairing,
                        kind=data["kind"],
                        done_on=data["done_on"],
                        amount=data["amount"],
                        count=data["count"],
                        note=data["note"],
                        acting_user=user,
                    )
                except YoufuError as exc:
                    form_error(activity_form, exc)
                else:
                    messages.success(request, _("Activity recorded."))
                    return redirect("outreach_pairing:detail", pairing_id=pairing.pk)
        elif action == "end":
            if not may_manage_pairings(user):
                raise PermissionDenied
            end_form = EndForm(request.POST)
            if end_form.is_valid():
                try:
                    services.do_end_pairing(
                        pairing,
                        ended_on=end_form.cleaned_data["ended_on"],
                        reason=end_form.cleaned_data["reason"],
                        acting_user=user,
                    )
                except YoufuError as exc:
                    form_error(end_form, exc)
                else:
                    messages.success(request, _("Pairing ended."))
                    return redirect("outreach_pairing:detail", pairing_id=pairing.pk)
        else:
            raise Http404
    activities = list(selectors.activities_of(user, pairing))
    return render(
        request,
        "outreach/pairing/detail.html",
        {
            "pairing": pairing,
            "activities": activities,
            "activity_form": activity_form,
            "end_form": end_form,
            "may_record": may_record,
            "may_end": may_end,
            "action": action,
            "kind_rules": _kind_hints(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _kind_hints() -> list[tuple[str, str, str, str]]:
    """(kind, label, amount, number) for the activity form's help table."""
    out = []
    for kind in ActivityKind:
        rule = KIND_RULES[kind]
        amount = {"required": _("required"), "optional": _("optional"), "none": "—"}[rule.amount.value]
        out.append((kind.value, str(kind.label), amount, str(rule.count_label) or "—"))
    return out


# --- a department ----------------------------------------------------------------------------


@capability_required(READ)
@require_GET
def department_view(request: HttpRequest, department_id: int) -> HttpResponse:
    """A department's households and its year: a liaison's own page."""
    user = acting_user(request)
    department = selectors.department_for(user, department_id)
    year = _year(request.GET)
    first, last = year_bounds(year)
    pairings = selectors.with_activity_stats(
        selectors.pairings_for(user).filter(department=department).filter(selectors.active_in(first, last))
    ).order_by(OPEN_FIRST, "beneficiary__township_id", "beneficiary__name", "pk")
    activities = (
        selectors.activities_for(user)
        .filter(pairing__department=department, done_on__range=(first, last))
        .select_related("pairing__beneficiary", "recorded_by")
        .order_by("-done_on", "-pk")
    )
    found = selectors.summary(user, year, department=department.pk)
    totals = found.departments[0].totals if found.departments else found.county
    return render(
        request,
        "outreach/pairing/department.html",
        {
            "department": department,
            "year": year,
            "years": _years(),
            "pairings": pairings,
            "activities": activities[:500],
            "activity_total": activities.count(),
            "totals": totals,
            "kinds": _kind_totals(totals),
            "quiet_since": quarter_start(timezone.localdate()),
        },
    )


def _years() -> list[int]:
    today = timezone.localdate()
    return list(range(today.year, today.year - 6, -1))


def _kind_totals(totals: selectors.Totals) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "label": label,
            "amount_label": amount_label,
            "count_label": count_label,
            "totals": totals.by_kind[code],
        }
        for code, label, amount_label, count_label in selectors.kind_columns()
    ]


# --- yearly totals ---------------------------------------------------------------------------


@capability_required(READ)
@require_GET
def summary_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year = _year(request.GET)
    found = selectors.summary(user, year)
    return render(
        request,
        "outreach/pairing/summary.html",
        {
            "year": year,
            "years": _years(),
            "columns": selectors.kind_columns(),
            "rows": [(row.department, _kind_totals(row.totals), row.totals) for row in found.departments],
            "county": (_kind_totals(found.county), found.county),
            "county_wide": _county_wide(user),
        },
    )


def _county_wide(user: User) -> bool:
    """Whether the total row is the county's (a liaison's and a township clerk's are their own)."""
    return (
        user.role != Role.DEPARTMENT_LIAISON
        and user.region is not None
        and user.region.level in ("county", "city", "province")
    )


@capability_required(READ)
@require_GET
def summary_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year = _year(request.GET)
    return xlsx_response(exports.summary_xlsx(selectors.summary(user, year)), f"pairing-summary-{year}.xlsx")
