"""临时救助 pages: the list (filters, .xlsx export), the application form (a person found by the
registry's search), a grant with its chain's history and the actions the user may take now,
and the leader's settings. Views parse the form and call a service; a refusal re-renders
the page with the service's message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from youfu.accounts.models import User
from youfu.audit.services import record_view
from youfu.benefits.money import yuan
from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required, form_error, positive_int
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import Beneficiary
from youfu.registry.search import people_to_pick
from youfu.relief.grants import forms as f
from youfu.relief.grants import selectors, services
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import GrantState, ReliefDocument, ReliefGrant

READ = Capability.READ_PERSONAL_DATA
PAGE_SIZE = 50


def _townships(user: User) -> list[tuple[str, str]]:
    qs = Region.objects.visible_to(user).filter(level=RegionLevel.TOWNSHIP).order_by("code")
    return [(r.code, r.name) for r in qs]


def _filters(request: HttpRequest, user: User) -> tuple[f.FilterForm, selectors.GrantFilters]:
    form = f.FilterForm(request.GET or None, townships=_townships(user), years=selectors.years(user))
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    return form, selectors.GrantFilters(
        state=data.get("state") or "",
        next_step=data.get("next_step") or "",
        reason=data.get("reason") or "",
        township=data.get("township") or "",
        year=data.get("year"),
        beneficiary=positive_int(request.GET.get("beneficiary")),
        waiting=request.GET.get("waiting") == "1",
    )


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@capability_required(READ)
def list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form, filters = _filters(request, user)
    page = Paginator(selectors.filtered(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "relief/grants/list.html",
        {
            "form": form,
            "page": page,
            "query": _query(request),
            "waiting": filters.waiting,
            "waiting_count": selectors.waiting_for(user).count(),
            "can_apply": t.refusal(None, t.Action.APPLY, user) is None,
            "can_set": user.can(Capability.APPROVE),
        },
    )


@capability_required(READ)
@require_http_methods(["GET"])
def export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _form, filters = _filters(request, user)
    data = services.do_export_grants(selectors.filtered(user, filters), acting_user=user)
    return xlsx_response(data, f"relief-{timezone.localdate():%Y%m%d}.xlsx")


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["GET", "POST"])
def new_view(request: HttpRequest) -> HttpResponse:
    """Find the person (the registry's search), then fill in the application."""
    user = acting_user(request)
    if t.refusal(None, t.Action.APPLY, user) is not None:
        raise Http404
    person_id = positive_int(request.POST.get("person") or request.GET.get("person"))
    person: Beneficiary | None = None
    if person_id is not None:
        person = Beneficiary.objects.visible_to(user).filter(pk=person_id).first()
        if person is None:
            raise Http404
    query = (request.GET.get("q") or "").strip()[:50]
    form = f.ApplicationForm(
        request.POST or None,
        request.FILES or None,
        initial={"applied_on": timezone.localdate()},
    )
    if request.method == "POST" and person is not None and form.is_valid():
        try:
            grant = services.do_apply(
                person, form.application(), documents=form.cleaned_data["documents"], acting_user=user
            )
        except YoufuError as exc:
            form_error(form, exc, "amount")
        else:
            messages.success(request, _("Application %(id)s entered.") % {"id": grant.pk})
            return redirect("relief_grants:detail", relief_id=grant.pk)
    results = people_to_pick(user, query) if person is None else []
    version = services.settings_in_force(services.county_code(person.region_id)) if person else None
    return render(
        request,
        "relief/grants/new.html",
        {
            "person": person,
            "query": query,
            "results": results,
            "form": form,
            "entry_step": t.ENTRY_STEP[user.role],
            "settings": version,
            "ineligible": services.eligibility_refusal(person, version) if person and version else None,
            "year_total": yuan(services.year_total_fen(person, timezone.localdate().year) if person else 0),
        },
    )


ACTION_LABELS = {
    t.Action.APPROVE: gettext_lazy("Approve"),
    t.Action.RETURN: gettext_lazy("Return"),
    t.Action.RESUBMIT: gettext_lazy("Correct and resubmit"),
    t.Action.CANCEL: gettext_lazy("Cancel the grant"),
}


def _action_form(action: str, grant: ReliefGrant, data: Any = None, files: Any = None) -> Any:
    if action == t.Action.APPROVE:
        return f.ApproveForm(data)
    if action == t.Action.RESUBMIT:
        initial = {
            "reason": grant.reason,
            "amount": yuan(grant.amount_fen),
            "applied_on": grant.applied_on,
            "note": grant.note,
        }
        return f.ApplicationForm(data, files, initial=initial)
    return f.ReasonForm(data)


def _take(action: str, grant: ReliefGrant, form: Any, user: User) -> None:
    match action:
        case t.Action.APPROVE:
            services.do_approve(grant, note=form.cleaned_data["note"].strip(), acting_user=user)
        case t.Action.RETURN:
            services.do_return(grant, reason=form.cleaned_data["reason"], acting_user=user)
        case t.Action.CANCEL:
            services.do_cancel(grant, reason=form.cleaned_data["reason"], acting_user=user)
        case t.Action.RESUBMIT:
            services.do_resubmit(
                grant, form.application(), documents=form.cleaned_data["documents"], acting_user=user
            )


DONE_MESSAGES = {
    t.Action.APPROVE: gettext_lazy("Approved."),
    t.Action.RETURN: gettext_lazy("Returned to the submitter."),
    t.Action.CANCEL: gettext_lazy("Cancelled."),
    t.Action.RESUBMIT: gettext_lazy("Resubmitted: the approval starts again."),
}


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def detail_view(request: HttpRequest, relief_id: int) -> HttpResponse:
    user = acting_user(request)
    grant = selectors.get_grant(user, relief_id)
    if request.method == "GET":
        record_view(user, grant, region=grant.region_id)
    posted = request.POST.get("action", "") if request.method == "POST" else ""
    if posted and posted not in ACTION_LABELS:
        raise Http404
    if posted:
        form = _action_form(posted, grant, request.POST, request.FILES)
        if form.is_valid():
            try:
                _take(posted, grant, form, user)
            except YoufuError as exc:
                form_error(form, exc, "note" if posted == t.Action.APPROVE else "reason")
            else:
                messages.success(request, str(DONE_MESSAGES[t.Action(posted)]))
                return redirect("relief_grants:detail", relief_id=grant.pk)
        grant = selectors.get_grant(user, relief_id)
    allowed = t.actions_for(grant, user)
    action_forms = [
        (str(a), ACTION_LABELS[a], form if posted == a else _action_form(a, grant))
        for a in allowed
        if a in ACTION_LABELS
    ]
    if posted and posted not in allowed:
        # Refused (someone moved it first, or the user may not): show the reason with the form.
        action_forms.append((posted, ACTION_LABELS[t.Action(posted)], form))
    return render(
        request,
        "relief/grants/detail.html",
        {
            "g": grant,
            "chain": t.chain(grant.entry_step, grant.needs_leader),
            "steps": selectors.history(grant),
            "documents": grant.documents.all(),
            "documents_form": f.DocumentsForm()
            if grant.state in (GrantState.PENDING, GrantState.RETURNED)
            else None,
            "can_write": user.can(Capability.WRITE_RECORDS),
            "action_forms": action_forms,
            "open_action": posted,
            "one_off_status": selectors.one_off_label(grant),
        },
        status=400 if posted else 200,
    )


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["POST"])
def documents_view(request: HttpRequest, relief_id: int) -> HttpResponse:
    user = acting_user(request)
    grant = selectors.get_grant(user, relief_id)
    form = f.DocumentsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request, " ".join(str(e) for e in form.errors.get("documents", [])) or _("Choose a file.")
        )
    else:
        try:
            services.do_add_documents(grant, form.cleaned_data["documents"], acting_user=user)
        except YoufuError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Documents added."))
    return redirect("relief_grants:detail", relief_id=grant.pk)


@capability_required(READ)
@require_http_methods(["GET"])
def document_view(request: HttpRequest, relief_id: int, relief_document_id: int) -> FileResponse:
    user = acting_user(request)
    grant = selectors.get_grant(user, relief_id)
    document: ReliefDocument = get_visible_or_404(
        ReliefDocument.objects.filter(grant=grant), user, pk=relief_document_id
    )
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """The settings in force and their history; a leader changes them here."""
    user = acting_user(request)
    current = selectors.settings_for(user)
    may_set = user.can(Capability.APPROVE)
    initial = {
        "case_cap": yuan(current.case_cap_fen),
        "year_cap": yuan(current.year_cap_fen),
        "leader_above": yuan(current.leader_above_fen),
        "categories": list(current.categories),
    }
    form = f.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_set:
            raise Http404
        if form.is_valid():
            try:
                version = services.do_set_relief_settings(acting_user=user, **form.changes())
            except YoufuError as exc:
                form_error(form, exc)
            else:
                if version.pk == current.pk:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(
                        request, _("Settings version %(n)d is in force.") % {"n": version.number}
                    )
                return redirect("relief_grants:settings")
    return render(
        request,
        "relief/grants/settings.html",
        {
            "current": current,
            "categories": services.category_names(current.categories),
            "history": list(selectors.settings_history(user)[:50]) or [current],
            "form": form if may_set else None,
        },
        status=400 if request.method == "POST" else 200,
    )
