"""The medical pages: claims (list, export, the form with its preview, detail with the leader's
decision), premiums (covered and missing, recorded in the list), outpatient subsidies, the
yearly totals per township and the leaders' settings. Views parse and call a service; every
read goes through the region scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from youfu.accounts.models import User
from youfu.audit.services import record_view
from youfu.benefits.money import yuan
from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required, form_error
from youfu.registry.models import Beneficiary
from youfu.registry.search import search_beneficiaries
from youfu.relief.medical import selectors
from youfu.relief.medical.forms import (
    ClaimForm,
    OutpatientForm,
    PremiumForm,
    RefuseForm,
    SettingsForm,
    report,
)
from youfu.relief.medical.models import ClaimState, MedicalClaim
from youfu.relief.medical.rules import Computation
from youfu.relief.medical.services import (
    county_code,
    do_approve_claim,
    do_change_medical_settings,
    do_enter_claim,
    do_export_claims,
    do_export_outpatient,
    do_export_premiums,
    do_record_outpatient,
    do_record_premium,
    do_refuse_claim,
    export_totals,
    holds_eligible_benefit,
    preview_claim,
    settings_history,
    settings_in_force,
)
from youfu.relief.medical.services.transitions import Action, available_actions

READ = Capability.READ_PERSONAL_DATA
WRITE = Capability.WRITE_RECORDS
PAGE_SIZE = 50
PICKER_ROWS = 20


# --- helpers ------------------------------------------------------------------------------


def _year(value: str | None, default: int | None = None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


def _query(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for name in ("page", *drop):
        params.pop(name, None)
    return params.urlencode()


def _person(user: User, value: Any) -> Beneficiary:
    person: Beneficiary = get_visible_or_404(Beneficiary, user, pk=value)
    return person


def _picker(request: HttpRequest, user: User, template: str, title: str) -> HttpResponse:
    """The first step of a form about a person: find them by name, ID number or phone."""
    q = (request.GET.get("q") or "").strip()[:50]
    people = list(search_beneficiaries(user, q).select_related("township")[:PICKER_ROWS]) if q else []
    return render(request, template, {"q": q, "people": people, "title": title, "picking": True})


def _year_usage(person: Beneficiary, year: int, cap_fen: int) -> dict[str, Any]:
    used = selectors.cap_used_fen(person.pk, year)
    return {"year": year, "used": yuan(used), "left": yuan(max(0, cap_fen - used)), "cap": yuan(cap_fen)}


def _figures(figures: Computation, year: int) -> dict[str, Any]:
    return {
        "year": year,
        "target": (Decimal(figures.target_bp) / 100).quantize(Decimal("0.01")),
        "year_cap": yuan(figures.year_cap_fen),
        "computed": yuan(figures.computed_fen),
        "used": yuan(figures.used_fen),
        "cap_left": yuan(figures.cap_left_fen),
        "subsidy": yuan(figures.subsidy_fen),
        "capped": figures.capped,
    }


# --- claims -------------------------------------------------------------------------------


@capability_required(READ)
@require_GET
def claims_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    state = request.GET.get("state", "")
    state = state if state in ClaimState.values else ""
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")[:12]
    claims = selectors.claims_for(user, state=state, year=year, township=township)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "relief/medical/claims.html",
        {
            "page": page,
            "state": state,
            "year": year or "",
            "township": township,
            "states": ClaimState.choices,
            "townships": selectors.townships_for(user),
            "query": _query(request),
            "can_enter": user.can(WRITE),
        },
    )


@capability_required(READ)
@require_GET
def claims_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    state = request.GET.get("state", "")
    state = state if state in ClaimState.values else ""
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")[:12]
    claims = selectors.claims_for(user, state=state, year=year, township=township)
    filters = {"state": state, "year": year, "township": township}
    return xlsx_response(do_export_claims(claims, acting_user=user, filters=filters), "medical-claims.xlsx")


@capability_required(WRITE)
@require_http_methods(["GET", "POST"])
def claim_new_view(request: HttpRequest) -> HttpResponse:
    """Step 1 finds the person; step 2 is the form, with the subsidy computed as it is typed
    (htmx asks ``claim_preview``) and what is left of the year's cap."""
    user = acting_user(request)
    person_id = request.POST.get("beneficiary") or request.GET.get("person")
    if not person_id:
        return _picker(request, user, "relief/medical/claim_form.html", _("New medical claim"))
    person = _person(user, person_id)
    rule = settings_in_force(county_code(person.region_id))
    if request.method == "POST":
        form = ClaimForm(request.POST)
        if form.is_valid():
            try:
                claim = do_enter_claim(person, form.cleaned_data["claim"], acting_user=user)
            except YoufuError as exc:
                report(form, exc)
            else:
                messages.success(
                    request,
                    _("Claim no. %(id)s entered: subsidy %(amount)s yuan, waiting for a leader.")
                    % {"id": claim.pk, "amount": f"{claim.subsidy:,.2f}"},
                )
                return redirect("relief_medical:claim_detail", claim_id=claim.pk)
    else:
        form = ClaimForm(initial={"beneficiary": person.pk})
    today = timezone.localdate()
    return render(
        request,
        "relief/medical/claim_form.html",
        {
            "form": form,
            "person": person,
            "rule": rule,
            "usage": _year_usage(person, today.year, rule.year_cap_fen),
            "eligible": holds_eligible_benefit(person, today, rule.categories),
            "title": _("New medical claim"),
        },
    )


@capability_required(WRITE)
@require_POST
def claim_preview_view(request: HttpRequest) -> HttpResponse:
    """The figures the claim would have if it were saved now (htmx, from the form); writes nothing."""
    user = acting_user(request)
    person = _person(user, request.POST.get("beneficiary"))
    form = ClaimForm(request.POST)
    figures = None
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data["claim"]
        figures = _figures(preview_claim(person, data), data.year)
    elif any(form.data.get(k) for k in ("total_cost", "admitted_on", "discharged_on")):
        errors = [str(e) for e in form.non_field_errors()]
    return render(request, "relief/medical/_preview.html", {"figures": figures, "errors": errors})


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def claim_detail_view(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = acting_user(request)
    claim: MedicalClaim = get_visible_or_404(selectors.claims_for(user), user, pk=claim_id)
    if request.method == "GET":
        record_view(user, claim, region=claim.beneficiary.region_id)
    refuse_form = RefuseForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == Action.APPROVE:
                do_approve_claim(claim, acting_user=user)
                messages.success(request, _("Claim no. %(id)s approved.") % {"id": claim.pk})
                return redirect("relief_medical:claim_detail", claim_id=claim.pk)
            if action == Action.REFUSE:
                refuse_form = RefuseForm(request.POST)
                if refuse_form.is_valid():
                    do_refuse_claim(claim, acting_user=user, reason=refuse_form.cleaned_data["reason"])
                    messages.success(request, _("Claim no. %(id)s refused.") % {"id": claim.pk})
                    return redirect("relief_medical:claim_detail", claim_id=claim.pk)
            else:
                messages.error(request, _("Choose approve or refuse."))
        except YoufuError as exc:
            messages.error(request, str(exc.message))
            claim.refresh_from_db()
    same_year = (
        selectors.claims_for(user, year=claim.year)
        .filter(beneficiary=claim.beneficiary)
        .order_by("entered_at", "pk")
    )
    return render(
        request,
        "relief/medical/claim_detail.html",
        {
            "claim": claim,
            "actions": [str(a) for a in available_actions(claim, user)],
            "refuse_form": refuse_form,
            "same_year": same_year,
            "own_entry": claim.entered_by_id == user.pk and claim.state == ClaimState.PENDING,
        },
    )


# --- premiums -----------------------------------------------------------------------------


def _premium_filters(request: HttpRequest) -> tuple[int, bool | None, str]:
    year = _year(request.GET.get("year"), timezone.localdate().year) or timezone.localdate().year
    covered = {"yes": True, "no": False}.get(request.GET.get("covered", ""))
    return year, covered, request.GET.get("township", "")[:12]


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def premiums_view(request: HttpRequest) -> HttpResponse:
    """Who should have a premium paid for the year (disabled veterans of levels 1–6), covered
    or missing; a clerk records a missing one on its row."""
    user = acting_user(request)
    if request.method == "POST":
        if not user.can(WRITE):
            raise DjangoPermissionDenied
        form = PremiumForm(request.POST)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        if form.is_valid():
            person = _person(user, form.cleaned_data["beneficiary"])
            try:
                do_record_premium(
                    person, form.cleaned_data["year"], form.cleaned_data["amount_fen"], acting_user=user
                )
            except YoufuError as exc:
                messages.error(request, f"{person.name}: {exc.message}")
            else:
                messages.success(
                    request,
                    _("Premium recorded for %(name)s, %(year)s.")
                    % {"name": person.name, "year": form.cleaned_data["year"]},
                )
        else:
            messages.error(request, "; ".join(f"{e}" for errors in form.errors.values() for e in errors))
        return redirect(back or reverse("relief_medical:premiums"))
    year, covered, township = _premium_filters(request)
    people = selectors.premium_people_for(user, year, covered=covered)
    if township:
        people = people.filter(township_id=township)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    amounts = selectors.premium_amounts([p.pk for p in page.object_list], year)
    rows = [(p, amounts.get(p.pk)) for p in page.object_list]
    return render(
        request,
        "relief/medical/premiums.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "covered": request.GET.get("covered", ""),
            "township": township,
            "townships": selectors.townships_for(user),
            "query": _query(request),
            "counts": {
                "all": selectors.premium_people_for(user, year).count(),
                "missing": selectors.premium_people_for(user, year, covered=False).count(),
            },
            "can_record": user.can(WRITE),
            "here": request.get_full_path(),
        },
    )


@capability_required(READ)
@require_GET
def premiums_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year, covered, township = _premium_filters(request)
    people = selectors.premium_people_for(user, year, covered=covered)
    if township:
        people = people.filter(township_id=township)
    data = do_export_premiums(
        people, year, acting_user=user, filters={"year": year, "covered": covered, "township": township}
    )
    return xlsx_response(data, f"medical-premiums-{year}.xlsx")


# --- outpatient subsidies -----------------------------------------------------------------


@capability_required(READ)
@require_GET
def outpatient_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")[:12]
    subsidies = selectors.outpatient_for(user, year=year, township=township)
    page = Paginator(subsidies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "relief/medical/outpatient.html",
        {
            "page": page,
            "year": year or "",
            "township": township,
            "townships": selectors.townships_for(user),
            "query": _query(request),
            "can_record": user.can(WRITE),
        },
    )


@capability_required(READ)
@require_GET
def outpatient_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")[:12]
    subsidies = selectors.outpatient_for(user, year=year, township=township)
    data = do_export_outpatient(subsidies, acting_user=user, filters={"year": year, "township": township})
    return xlsx_response(data, "outpatient-subsidies.xlsx")


@capability_required(WRITE)
@require_http_methods(["GET", "POST"])
def outpatient_new_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    person_id = request.POST.get("beneficiary") or request.GET.get("person")
    if not person_id:
        return _picker(
            request, user, "relief/medical/outpatient_form.html", _("Record an outpatient subsidy")
        )
    person = _person(user, person_id)
    if request.method == "POST":
        form = OutpatientForm(request.POST)
        if form.is_valid():
            try:
                do_record_outpatient(person, form.cleaned_data["outpatient"], acting_user=user)
            except YoufuError as exc:
                report(form, exc)
            else:
                messages.success(
                    request, _("Outpatient subsidy recorded for %(name)s.") % {"name": person.name}
                )
                return redirect("relief_medical:outpatient")
    else:
        form = OutpatientForm(initial={"beneficiary": person.pk})
    return render(
        request,
        "relief/medical/outpatient_form.html",
        {"form": form, "person": person, "title": _("Record an outpatient subsidy")},
    )


# --- totals and settings ------------------------------------------------------------------


@capability_required(READ)
@require_GET
def totals_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year = _year(request.GET.get("year"), timezone.localdate().year) or timezone.localdate().year
    rows, total = selectors.totals_by_township(user, year)
    return render(request, "relief/medical/totals.html", {"rows": rows, "total": total, "year": year})


@capability_required(READ)
@require_GET
def totals_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    year = _year(request.GET.get("year"), timezone.localdate().year) or timezone.localdate().year
    rows, _total = selectors.totals_by_township(user, year)
    return xlsx_response(export_totals(rows, year), f"medical-totals-{year}.xlsx")


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """The target, the yearly cap and who may claim, with their history; a leader changes them
    here (the change is itself the approval)."""
    user = acting_user(request)
    county = county_code(user.region_id)
    rule = settings_in_force(county)
    may_change = user.can(Capability.APPROVE)
    if request.method == "POST":
        if not may_change:
            raise DjangoPermissionDenied
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                do_change_medical_settings(
                    acting_user=user,
                    target_bp=form.cleaned_data["target_bp"],
                    year_cap_fen=form.cleaned_data["year_cap_fen"],
                    categories=form.cleaned_data["categories_clean"],
                )
            except YoufuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The medical top-up settings were saved."))
                return redirect("relief_medical:settings")
    else:
        form = SettingsForm(
            initial={
                "target": f"{rule.target_percent:.2f}",
                "year_cap": f"{rule.year_cap:.2f}",
                "categories": list(rule.categories),
            }
        )
    return render(
        request,
        "relief/medical/settings.html",
        {"rule": rule, "form": form, "may_change": may_change, "history": settings_history(county)[:50]},
    )
