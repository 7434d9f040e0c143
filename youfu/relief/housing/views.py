"""The housing pages: surveys, cases (with the actions the transition table allows the user),
the homes graded C or D that no case serves, and their .xlsx exports. Thin: forms parse, the
services decide; a service's refusal re-renders the form with its message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from youfu.accounts.models import User
from youfu.benefits.money import to_fen
from youfu.core.authed import acting_user
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.views import capability_required, form_error, positive_int
from youfu.regions.models import Region, RegionLevel
from youfu.regions.selectors import regions_for
from youfu.registry.models import Beneficiary
from youfu.registry.selectors import of_home
from youfu.relief.housing import exports, selectors, services
from youfu.relief.housing import forms as f
from youfu.relief.housing.models import CaseKind, CaseState, Grade, HousingCase
from youfu.relief.housing.transitions import ACTION_LABELS, Action, actions_for, is_clerk

READ = Capability.READ_PERSONAL_DATA
PAGE_SIZE = 50


def _townships(user: User) -> QuerySet[Region]:
    return regions_for(user).filter(level=RegionLevel.TOWNSHIP).order_by("code")


def _choice(value: Any, allowed: Any) -> str:
    return value if isinstance(value, str) and value in allowed else ""


def _year(value: Any) -> int | None:
    number = positive_int(value)
    return number if number is not None and 1900 <= number <= 2100 else None


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(filters: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


# --- surveys ------------------------------------------------------------------------------


def _survey_filters(request: HttpRequest, user: User) -> dict[str, Any]:
    townships = set(_townships(user).values_list("code", flat=True))
    return {
        "grade": _choice(request.GET.get("grade"), Grade.values),
        "township": _choice(request.GET.get("township"), townships),
        "year": _year(request.GET.get("year")),
    }


@capability_required(READ)
@require_GET
def surveys_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _survey_filters(request, user)
    qs = (
        selectors.surveys_for(user, **filters)
        .annotate(photo_count=Count("photos"))
        .order_by("-surveyed_on", "-pk")
    )
    return render(
        request,
        "relief/housing/surveys.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "query": _query(filters),
            "grades": Grade.choices,
            "townships": _townships(user),
            "can_enter": is_clerk(user),
        },
    )


@capability_required(READ)
@require_GET
def surveys_export_view(request: HttpRequest) -> FileResponse:
    user = acting_user(request)
    filters = _survey_filters(request, user)
    qs = (
        selectors.surveys_for(user, **filters)
        .select_related("beneficiary__region")
        .annotate(photo_count=Count("photos"))
    )
    return exports.xlsx_response(
        user,
        what="surveys",
        filters=filters,
        header=exports.SURVEY_HEADER,
        rows=exports.survey_rows(qs.iterator()),
    )


def _person_from(request: HttpRequest, user: User, form: forms.Form) -> Beneficiary | None:
    """The person a form names (its hidden number), in the user's scope."""
    raw = form.data.get("beneficiary") if form.is_bound else request.GET.get("beneficiary")
    number = positive_int(raw)
    if number is None:
        return None
    found: Beneficiary | None = Beneficiary.objects.visible_to(user).filter(pk=number).first()
    return found


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["GET", "POST"])
def survey_new_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not is_clerk(user):
        raise Http404
    form = f.SurveyForm(request.POST or None, request.FILES or None)
    if not form.is_bound:
        form.initial = {"beneficiary": request.GET.get("beneficiary")}
    person = _person_from(request, user, form)
    if request.method == "POST" and form.is_valid():
        if person is None:
            form.add_error(None, _("Choose the person from their page in the registry."))
        else:
            try:
                survey = services.do_record_survey(
                    person,
                    grade=form.cleaned_data["grade"],
                    surveyed_on=form.cleaned_data["surveyed_on"],
                    note=form.cleaned_data["note"],
                    photos=form.cleaned_data["photos"],
                    acting_user=user,
                )
            except YoufuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Survey recorded."))
                return redirect("relief_housing:survey", survey.pk)
    return render(request, "relief/housing/survey_form.html", {"form": form, "person": person})


@capability_required(READ)
@require_GET
def survey_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    user = acting_user(request)
    survey = selectors.get_survey(user, survey_id)
    home_cases = selectors.cases_for(user).filter(of_home(survey.beneficiary))
    return render(
        request,
        "relief/housing/survey.html",
        {
            "survey": survey,
            "photos": survey.photos.all(),
            "cases": home_cases[:20],
            "can_enter": is_clerk(user),
            "photo_form": f.PhotoForm(),
        },
    )


@capability_required(Capability.WRITE_RECORDS)
@require_POST
def photo_upload_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    user = acting_user(request)
    survey = selectors.get_survey(user, survey_id)
    form = f.PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a JPEG or PNG photo."))
    else:
        try:
            services.do_add_photo(survey, form.cleaned_data["file"], acting_user=user)
        except YoufuError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Photo added."))
    return redirect("relief_housing:survey", survey.pk)


@capability_required(READ)
@require_GET
def photo_view(request: HttpRequest, survey_id: int, photo_id: int) -> FileResponse:
    user = acting_user(request)
    photo = selectors.get_photo(user, selectors.get_survey(user, survey_id), photo_id)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- cases --------------------------------------------------------------------------------


def _case_filters(request: HttpRequest, user: User) -> dict[str, Any]:
    townships = set(_townships(user).values_list("code", flat=True))
    return {
        "state": _choice(request.GET.get("state"), CaseState.values),
        "kind": _choice(request.GET.get("kind"), CaseKind.values),
        "township": _choice(request.GET.get("township"), townships),
        "waiting": request.GET.get("waiting") == "1",
    }


@capability_required(READ)
@require_GET
def cases_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _case_filters(request, user)
    qs = selectors.cases_for(user, **filters)
    return render(
        request,
        "relief/housing/cases.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "query": _query({**filters, "waiting": "1" if filters["waiting"] else ""}),
            "states": CaseState.choices,
            "kinds": CaseKind.choices,
            "townships": _townships(user),
            "can_enter": is_clerk(user),
        },
    )


@capability_required(READ)
@require_GET
def cases_export_view(request: HttpRequest) -> FileResponse:
    user = acting_user(request)
    filters = _case_filters(request, user)
    qs = selectors.cases_for(user, **filters).select_related("beneficiary__region")
    return exports.xlsx_response(
        user, what="cases", filters=filters, header=exports.CASE_HEADER, rows=exports.case_rows(qs.iterator())
    )


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["GET", "POST"])
def case_new_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not is_clerk(user):
        raise Http404
    form = f.CaseForm(request.POST or None)
    if not form.is_bound:
        form.initial = {"beneficiary": request.GET.get("beneficiary")}
    person = _person_from(request, user, form)
    if request.method == "POST" and form.is_valid():
        if person is None:
            form.add_error(None, _("Choose the person from their page in the registry."))
        else:
            try:
                case = services.do_open_case(
                    person,
                    kind=form.cleaned_data["kind"],
                    budget_fen=form.budget_fen(),
                    note=form.cleaned_data["note"],
                    acting_user=user,
                )
            except YoufuError as exc:
                form_error(form, exc, "budget")
            else:
                messages.success(request, _("Housing case opened: the budget waits for a leader's approval."))
                return redirect("relief_housing:case", case.pk)
    surveys = selectors.surveys_for(user).filter(of_home(person))[:5] if person else []
    return render(
        request, "relief/housing/case_form.html", {"form": form, "person": person, "surveys": surveys}
    )


_ACTION_FORMS: dict[Action, type[forms.Form]] = {
    Action.APPROVE: f.ApproveForm,
    Action.REFUSE: f.RefuseForm,
    Action.BUDGET: f.BudgetForm,
    Action.DISBURSE: f.DisburseForm,
    Action.COMPLETE: f.CompleteForm,
}


def _act(case: HousingCase, action: Action, data: dict[str, Any], user: User) -> None:
    if action is Action.APPROVE:
        services.do_approve_budget(case, note=data["note"], acting_user=user)
    elif action is Action.REFUSE:
        services.do_refuse_budget(case, reason=data["reason"], acting_user=user)
    elif action is Action.BUDGET:
        services.do_propose_budget(
            case, budget_fen=to_fen(data["budget"]), reason=data["reason"], acting_user=user
        )
    elif action is Action.DISBURSE:
        services.do_disburse(
            case,
            amount_fen=to_fen(data["amount"]),
            paid_on=data["paid_on"],
            note=data["note"],
            acting_user=user,
        )
    else:
        services.do_complete(case, completed_on=data["completed_on"], acting_user=user)


DONE = {
    Action.APPROVE: _("Budget approved."),
    Action.REFUSE: _("Budget refused."),
    Action.BUDGET: _("New budget proposed: it waits for a leader's approval."),
    Action.DISBURSE: _("Payment recorded."),
    Action.COMPLETE: _("Completion recorded."),
}


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def case_view(request: HttpRequest, housing_case_id: int) -> HttpResponse:
    user = acting_user(request)
    case = selectors.get_case(user, housing_case_id)
    bound: tuple[Action, forms.Form] | None = None
    if request.method == "POST":
        try:
            action = Action(request.POST.get("action", ""))
        except ValueError:
            raise Http404 from None
        form = _ACTION_FORMS[action](request.POST)
        bound = (action, form)
        if form.is_valid():
            try:
                _act(case, action, form.cleaned_data, user)
            except YoufuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, str(DONE[action]))
                return redirect("relief_housing:case", case.pk)
        case = selectors.get_case(user, housing_case_id)
    allowed = actions_for(case, user)
    action_forms = [
        (a.value, _(ACTION_LABELS[a]), bound[1] if bound and bound[0] is a else _ACTION_FORMS[a]())
        for a in allowed
    ]
    if bound and bound[0] not in allowed:
        # The case moved meanwhile: say why the form did not go through.
        messages.error(
            request, "; ".join(str(e) for e in bound[1].non_field_errors()) or _("Not possible now.")
        )
    return render(
        request,
        "relief/housing/case.html",
        {
            "case": case,
            "budgets": case.budgets.select_related("proposed_by", "decided_by"),
            "disbursements": case.disbursements.select_related("entered_by"),
            "left_fen": case.budget_fen - case.paid_fen,
            "action_forms": action_forms,
            "open_action": bound[0].value if bound else "",
        },
    )


# --- the homes no case serves ---------------------------------------------------------------


def _unserved_filters(request: HttpRequest, user: User) -> dict[str, Any]:
    townships = set(_townships(user).values_list("code", flat=True))
    return {"township": _choice(request.GET.get("township"), townships)}


@capability_required(READ)
@require_GET
def unserved_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _unserved_filters(request, user)
    return render(
        request,
        "relief/housing/unserved.html",
        {
            "page": _page(request, selectors.unserved_for(user, **filters)),
            "filters": filters,
            "query": _query(filters),
            "townships": _townships(user),
            "can_enter": is_clerk(user),
        },
    )


@capability_required(READ)
@require_GET
def unserved_export_view(request: HttpRequest) -> FileResponse:
    user = acting_user(request)
    filters = _unserved_filters(request, user)
    qs = selectors.unserved_for(user, **filters)
    return exports.xlsx_response(
        user,
        what="unserved",
        filters=filters,
        header=exports.UNSERVED_HEADER,
        rows=exports.unserved_rows(qs.iterator()),
    )
