"""The registry's pages: the searchable list, a person's page, and the forms that change a
record. Views validate and call a service; every read goes through the region scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from youfu.audit.services import record_view
from youfu.core.authed import acting_user
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.replica import reads_from_replica
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.sections import person_sections
from youfu.core.views import capability_required, form_error
from youfu.regions.models import Region
from youfu.registry import exporting
from youfu.registry.forms import (
    LifeEventForm,
    PersonCreateForm,
    PersonEditForm,
    QualificationForm,
    RegionChoices,
    SearchForm,
)
from youfu.registry.models import Beneficiary, LifeEvent, LifeEventKind, Qualification
from youfu.registry.search import search_beneficiaries
from youfu.registry.selectors import beneficiaries_for
from youfu.registry.services import (
    do_add_qualification,
    do_record_life_event,
    do_register_beneficiary,
    do_update_beneficiary,
    reveal_id_number,
)

if TYPE_CHECKING:
    pass

PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _person(request: HttpRequest, beneficiary_id: int) -> Beneficiary:
    return get_visible_or_404(
        Beneficiary.objects.select_related("township", "region", "household"),
        acting_user(request),
        pk=beneficiary_id,
    )


# --- list and export --------------------------------------------------------------------


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def beneficiary_list_view(request: HttpRequest) -> HttpResponse:
    """One search box and the filters; htmx asks for the results table alone as you type.
    A fixed number of queries whatever the page holds (pinned in test_people_list)."""
    user = acting_user(request)
    form = SearchForm(request.GET or None, regions=RegionChoices(user))
    query, filters = form.search()
    people = (
        search_beneficiaries(user, query, filters)
        .select_related("township", "region")
        .prefetch_related("qualifications")
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "can_write": user.can(Capability.WRITE_REGISTRY),
    }
    template = "registry/_results.html" if _is_htmx(request) else "registry/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
@reads_from_replica
def export_view(request: HttpRequest) -> HttpResponseBase:
    """The list's current search and filters as .xlsx or .csv (?format=); audited."""
    user = acting_user(request)
    form = SearchForm(request.GET or None, regions=RegionChoices(user))
    query, filters = form.search()
    fmt = request.GET.get("format", "xlsx")
    try:
        return exporting.export_response(user, exporting.ExportRequest(query, filters), fmt)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        params = request.GET.copy()
        params.pop("format", None)
        return redirect(f"{reverse('registry:list')}?{params.urlencode()}")


# --- a person's page --------------------------------------------------------------------


def _history(events: list[LifeEvent], region_names: dict[str, str]) -> list[tuple[LifeEvent, str]]:
    def place(code: Any) -> str:
        return f"{region_names[code]} ({code})" if code in region_names else str(code)

    described = []
    for event in events:
        d = event.details
        match event.kind:
            case LifeEventKind.DEATH:
                payee = getattr(event, "payee", None)
                text = (
                    _("Payee: %(name)s, %(bank)s %(account)s")
                    % {"name": payee.name, "bank": payee.bank_name, "account": payee.bank_account_masked}
                    if payee
                    else ""
                )
            case LifeEventKind.MOVE:
                text = _("From %(from)s to %(to)s") % {"from": place(d.get("from")), "to": place(d.get("to"))}
                if d.get("left_county"):
                    text += " · " + _("left the county: qualifications ended")
            case LifeEventKind.LEVEL_CHANGE:
                text = _("Level %(old)s → %(new)s") % {"old": d.get("old_level"), "new": d.get("new_level")}
            case LifeEventKind.SUSPENSION | LifeEventKind.CANCELLATION:
                text = d.get("reason") or ""
            case LifeEventKind.SUSPENSION_END:
                text = _("Suspended since %(date)s") % {"date": d.get("suspended_from")}
            case LifeEventKind.BANK_CHANGE:
                text = f"{d.get('bank_name', '')} {d.get('old') or '—'} → {d.get('new') or '—'}"
            case LifeEventKind.PHONE_CHANGE:
                text = f"{d.get('old') or '—'} → {d.get('new') or '—'}"
            case _:
                text = ""
        described.append((event, text))
    return described


def _detail_context(request: HttpRequest, person: Beneficiary) -> dict[str, Any]:
    user = acting_user(request)
    qualifications = list(
        Qualification.objects.visible_to(user)
        .filter(beneficiary=person)
        .prefetch_related("suspensions")
        .order_by("approved_on")
    )
    events = list(
        LifeEvent.objects.visible_to(user)
        .filter(beneficiary=person)
        .select_related("recorded_by", "qualification", "payee")
    )
    codes = {e.details.get(k) for e in events if e.kind == LifeEventKind.MOVE for k in ("from", "to")}
    region_names = dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))
    household = []
    if person.household_id:
        household = list(
            beneficiaries_for(user)
            .filter(household_id=person.household_id)
            .exclude(pk=person.pk)
            .select_related("region")
        )
    return {
        "person": person,
        "qualifications": qualifications,
        "history": _history(events, region_names),
        "household": household,
        "can_write": user.can(Capability.WRITE_REGISTRY),
        "can_reveal": user.can(Capability.REVEAL_ID_NUMBER),
        "sections": person_sections(request, person),
    }


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def beneficiary_detail_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    person = _person(request, beneficiary_id)
    record_view(acting_user(request), person, region=person.region_id)
    return render(request, "registry/detail.html", _detail_context(request, person))


@capability_required(Capability.REVEAL_ID_NUMBER)
@require_POST
def reveal_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    """The full ID number, audited. htmx swaps it into the page; without JavaScript the
    form post shows the person's page with the number."""
    person = _person(request, beneficiary_id)
    number = reveal_id_number(person, acting_user=acting_user(request))
    if _is_htmx(request):
        response = render(request, "registry/_id_number.html", {"person": person, "number": number})
    else:
        context = {**_detail_context(request, person), "revealed": number}
        response = render(request, "registry/detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- forms ------------------------------------------------------------------------------


@capability_required(Capability.WRITE_REGISTRY)
def beneficiary_create_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = PersonCreateForm(request.POST or None, regions=RegionChoices(user))
    if request.method == "POST" and form.is_valid():
        assert form.person is not None and form.qualification is not None
        try:
            person = do_register_beneficiary(form.person, [form.qualification], acting_user=user)
        except (InvalidInput, Conflict) as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": person.name})
            return redirect("registry:detail", beneficiary_id=person.pk)
    return render(
        request,
        "registry/create.html",
        {"form": form, "person_fields": PersonCreateForm.person_fields},
    )


@capability_required(Capability.WRITE_REGISTRY)
def beneficiary_edit_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    person = _person(request, beneficiary_id)
    form = PersonEditForm(request.POST or None, beneficiary=person)
    if request.method == "POST" and form.is_valid():
        try:
            do_update_beneficiary(person, acting_user=acting_user(request), **form.changes)
        except (InvalidInput, Conflict) as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("registry:detail", beneficiary_id=person.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "person": person,
            "title": _("Edit contact details"),
            "submit": _("Save"),
            "hint": _("Bank account changes are recorded as a life event."),
        },
    )


@capability_required(Capability.WRITE_REGISTRY)
def add_qualification_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    person = _person(request, beneficiary_id)
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assert form.qualification is not None
        try:
            do_add_qualification(person, form.qualification, acting_user=acting_user(request))
        except (InvalidInput, Conflict) as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The qualification was added."))
            return redirect("registry:detail", beneficiary_id=person.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "person": person, "title": _("Add a qualification"), "submit": _("Add")},
    )


@capability_required(Capability.WRITE_REGISTRY)
def life_event_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    user = acting_user(request)
    person = _person(request, beneficiary_id)
    form = LifeEventForm(request.POST or None, beneficiary=person, user=user, regions=RegionChoices(user))
    if request.method == "POST" and form.is_valid():
        event = form.event
        assert event is not None
        try:
            do_record_life_event(
                person, event.kind, event.effective_on, acting_user=user, **event.service_arguments()
            )
        except (InvalidInput, Conflict) as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The life event was recorded."))
            return redirect("registry:detail", beneficiary_id=person.pk)
    return render(request, "registry/life_event.html", {"form": form, "person": person})
