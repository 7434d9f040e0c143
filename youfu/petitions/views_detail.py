"""The petition page: its record, timeline and deadlines, and the actions the transition
table allows the user now; attachments, the receipt and the reply as PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from youfu.accounts.models import User
from youfu.audit.services import SYSTEM_ACTOR, record_view
from youfu.core.authed import acting_user
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required, form_error
from youfu.core.workdays import WorkCalendar
from youfu.petitions import forms as f
from youfu.petitions import services
from youfu.petitions.models import (
    Attachment,
    DeadlineKind,
    Petition,
    State,
)
from youfu.petitions.pdf import KINDS, render_reply_pdf
from youfu.petitions.selectors import (
    get_petition,
    handling_units_for,
    latest_extension,
    leads_for,
    petitions_for,
    possible_repeats,
    stored_person_keys,
    timeline,
    townships_for_routing,
)
from youfu.petitions.validation import (
    invalid,
)
from youfu.petitions.views import READ, urgency
from youfu.registry.models import Beneficiary

# --- the petition page ---------------------------------------------------------------------


@dataclass(frozen=True)
class PageAction:
    """How the page runs an action the transition table allows: its form and its service."""

    name: str
    form_class: type[forms.Form]
    run: Callable[[Petition, dict[str, Any], User], Any]


def _earlier(user: User, number: int | None) -> Petition | None:
    if number is None:
        return None
    found = petitions_for(user).filter(pk=number).first()
    if found is None:
        raise invalid("earlier_case", gettext_noop("Unknown petition %(id)s."), {"id": number})
    return found


def _original(user: User, number: int) -> Petition:
    found = petitions_for(user).filter(pk=number).first()
    if found is None:
        raise invalid("original", gettext_noop("Unknown petition %(id)s."), {"id": number})
    return found


def _beneficiary(user: User, number: int | None) -> Any:
    if number is None:
        return None
    found = Beneficiary.objects.visible_to(user).filter(pk=number).first()
    if found is None:
        raise invalid("beneficiary", gettext_noop("Unknown person."))
    return found


def _stage_actions(name: str, stage: services.Stage) -> tuple[PageAction, PageAction]:
    """Review and re-review: the same two actions at each stage."""
    return (
        PageAction(
            f"{name}_request",
            f.RequestForm,
            lambda p, d, u: services.do_request_stage(
                stage, p, requested_on=d["requested_on"], note=d["note"], acting_user=u
            ),
        ),
        PageAction(
            f"{name}_reply",
            f.ReplyForm,
            lambda p, d, u: services.do_reply_stage(
                stage, p, replied_on=d["replied_on"], text=d["text"], acting_user=u
            ),
        ),
    )


ACTIONS: dict[str, PageAction] = {
    a.name: a
    for a in (
        PageAction(
            "accept",
            f.AcceptForm,
            lambda p, d, u: services.do_accept_petition(
                p,
                accepted_on=d["accepted_on"],
                handling_unit=d["handling_unit"],
                lead=d["lead"],
                note=d["note"],
                acting_user=u,
            ),
        ),
        PageAction(
            "decline",
            f.DeclineForm,
            lambda p, d, u: services.do_decline_petition(
                p,
                declined_on=d["declined_on"],
                reason=d["reason"],
                notice_text=d["notice_text"],
                earlier_case=_earlier(u, d["earlier_case"]),
                acting_user=u,
            ),
        ),
        PageAction(
            "forward",
            f.ForwardForm,
            lambda p, d, u: services.do_forward_petition(
                p,
                forwarded_on=d["forwarded_on"],
                forwarded_to=d["forwarded_to"],
                note=d["note"],
                acting_user=u,
            ),
        ),
        PageAction(
            "route",
            f.RouteForm,
            lambda p, d, u: services.do_route_petition(p, region=d["region"], note=d["note"], acting_user=u),
        ),
        PageAction(
            "link_repeat",
            f.LinkRepeatForm,
            lambda p, d, u: services.do_link_repeat(p, original=_original(u, d["original"]), acting_user=u),
        ),
        PageAction(
            "assign",
            f.AssignForm,
            lambda p, d, u: services.do_assign_petition(
                p,
                handling_unit=d["handling_unit"],
                lead=d["lead"],
                assigned_on=d["assigned_on"],
                note=d["note"],
                acting_user=u,
            ),
        ),
        PageAction(
            "start",
            f.StartForm,
            lambda p, d, u: services.do_start_petition(p, started_on=d["started_on"], acting_user=u),
        ),
        PageAction(
            "extend",
            f.ExtendForm,
            lambda p, d, u: services.do_request_extension(
                p, days=d["days"], reason=d["reason"], acting_user=u
            ),
        ),
        PageAction(
            "extension_approve",
            f.ApproveExtensionForm,
            lambda p, d, u: services.do_approve_extension(p, acting_user=u),
        ),
        PageAction(
            "extension_refuse",
            f.RefuseExtensionForm,
            lambda p, d, u: services.do_refuse_extension(p, reason=d["reason"], acting_user=u),
        ),
        PageAction(
            "reply",
            f.ReplyForm,
            lambda p, d, u: services.do_reply_petition(
                p, replied_on=d["replied_on"], text=d["text"], acting_user=u
            ),
        ),
        *(a for name, stage in services.STAGES.items() for a in _stage_actions(name, stage)),
        PageAction(
            "conclude",
            f.ConcludeForm,
            lambda p, d, u: services.do_conclude_petition(
                p, concluded_on=d["concluded_on"], note=d["note"], acting_user=u
            ),
        ),
        PageAction(
            "rate",
            f.RateForm,
            lambda p, d, u: services.do_rate_petition(
                p, rating=d["rating"], comment=d["comment"], acting_user=u
            ),
        ),
        PageAction(
            "beneficiary",
            f.BeneficiaryForm,
            lambda p, d, u: services.do_link_beneficiary(
                p, beneficiary=_beneficiary(u, d["beneficiary"]), acting_user=u
            ),
        ),
    )
}

ACTION_LABELS = {
    "accept": lambda: _("Accept"),
    "decline": lambda: _("Decline"),
    "forward": lambda: _("Forward"),
    "route": lambda: _("Give to a township"),
    "link_repeat": lambda: _("Link as a repeat"),
    "assign": lambda: _("Assign or reassign"),
    "start": lambda: _("Start work"),
    "extend": lambda: _("Request an extension"),
    "extension_approve": lambda: _("Approve the extension"),
    "extension_refuse": lambda: _("Refuse the extension"),
    "reply": lambda: _("Reply"),
    "review_request": lambda: _("Review requested"),
    "review_reply": lambda: _("Review reply"),
    "rereview_request": lambda: _("Re-review requested"),
    "rereview_reply": lambda: _("Re-review reply"),
    "conclude": lambda: _("Conclude"),
    "rate": lambda: _("Record satisfaction"),
    "beneficiary": lambda: _("Link to a registered person"),
}


EVENT_LABELS = {
    "register": lambda: _("Registered"),
    "repeat_received": lambda: _("A repeat of this matter was received"),
    "recompute": lambda: _("Deadlines recomputed after a calendar change"),
    "link_person": lambda: _("Linked to a registered person"),
    "extension_request": lambda: _("Extension requested"),
    "extend": lambda: _("Extension approved: the deadline was extended"),
    "extension_refuse": lambda: _("Extension refused"),
}


def action_label(name: str, user: User) -> str:
    if name == "extend" and user.can(Capability.APPROVE):
        # A leader's extension is the head of the organ's approval: it applies at once.
        return _("Extend the deadline (approved at once)")
    return str(ACTION_LABELS[name]())


def actor_display(actor: User | None, actor_name: str) -> str:
    """Who took a step, as people know them: the full name (the username when none is
    recorded); the online form and the system's own tasks by what they are."""
    if actor is not None:
        return actor.full_name or actor.username
    if actor_name == services.PUBLIC_ACTOR:
        return _("the petitioner (online)")
    if actor_name == SYSTEM_ACTOR:
        return _("the system")
    return actor_name


def _state_label(value: str) -> str:
    return str(State(value).label) if value in State.values else value


def labelled_timeline(petition: Petition) -> list[dict[str, Any]]:
    rows = []
    for e in timeline(petition):
        title = EVENT_LABELS.get(e.action) or ACTION_LABELS.get(e.action)
        rows.append(
            {
                "at": e.at,
                "on": e.on,
                "actor": actor_display(e.actor, e.actor_name),
                "title": title() if title else e.action,
                "moved": e.from_state != e.to_state,
                "from": _state_label(e.from_state),
                "to": _state_label(e.to_state),
                "note": e.note,
            }
        )
    return rows


def available_actions(p: Petition, user: User) -> list[str]:
    """The actions the page offers: the transition table's, for this petition and user."""
    return [str(a) for a in services.petition_actions(p, user)]


def _make_form(name: str, p: Petition, data: Any = None) -> forms.Form:
    action = ACTIONS[name]
    today = timezone.localdate()
    initial: dict[str, Any] = {
        field: today for field in action.form_class.base_fields if field.endswith("_on")
    }
    kwargs: dict[str, Any] = {"prefix": name, "initial": initial}
    if issubclass(action.form_class, f.UnitAndLead):
        kwargs["units"] = handling_units_for(p.region)
        kwargs["leads"] = leads_for(p.region)
        if p.handling_unit_id:
            initial.update(handling_unit=p.handling_unit_id, lead=p.lead_id)
    if name == "beneficiary":
        initial["beneficiary"] = p.beneficiary_id
    if name == "route":
        kwargs["regions"] = townships_for_routing(p)
    return action.form_class(data, **kwargs)


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def detail_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    user = acting_user(request)
    petition = get_petition(user, petition_id)
    if request.method == "GET":
        record_view(user, petition, region=petition.region_id)
    names = available_actions(petition, user)
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in names:
            messages.error(request, _("This action is not possible at this stage."))
            return redirect("petitions:detail", petition_id=petition.pk)
        form = _make_form(name, petition, request.POST)
        bound[name] = form
        if form.is_valid():
            try:
                ACTIONS[name].run(petition, form.cleaned_data, user)
            except YoufuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Saved: %(action)s.") % {"action": action_label(name, user)})
                return redirect("petitions:detail", petition_id=petition.pk)
    action_forms = [(n, action_label(n, user), bound.get(n) or _make_form(n, petition)) for n in names]
    candidates = []
    if petition.state == State.REGISTERED:
        candidates = possible_repeats(
            user,
            subject=petition.subject,
            keys=stored_person_keys(petition),
            on=petition.received_on,
            exclude_pk=petition.pk,
        )
    calendar = WorkCalendar()
    return render(
        request,
        "petitions/detail.html",
        {
            "p": petition,
            "petitioners": petition.petitioners.all(),
            "attachments": petition.attachments.all(),
            "events": labelled_timeline(petition),
            "repeats": petition.repeats.order_by("received_on"),
            "urgency": urgency(petition, calendar, timezone.localdate()),
            "deadlines": _deadline_rows(petition),
            "action_forms": action_forms,
            "open_action": next(iter(bound), ""),
            "candidates": candidates,
            "attachment_form": f.AttachmentForm(),
            "can_write": user.can(Capability.WRITE_RECORDS),
            "registered_matches": _registered_matches(petition, user),
            "extension": latest_extension(petition),
        },
    )


def _registered_matches(petition: Petition, user: User) -> list[Any]:
    """Registered people with a petitioner's ID number, offered for linking."""
    indexes, _phones = stored_person_keys(petition)
    if not indexes or petition.beneficiary_id is not None:
        return []
    return list(Beneficiary.objects.visible_to(user).filter(id_number_index__in=indexes)[:5])


def _deadline_rows(p: Petition) -> list[tuple[str, date | None, date | None]]:
    """(label, due, the date the step was taken) for each deadline."""
    return [
        (str(DeadlineKind.ACCEPT.label), p.accept_due, p.accepted_on or p.declined_on or p.forwarded_on),
        (str(DeadlineKind.HANDLE.label), p.handle_due, p.replied_on),
        (str(DeadlineKind.REVIEW_REQUEST.label), p.review_request_due, p.review_requested_on),
        (str(DeadlineKind.REVIEW.label), p.review_due, p.review_replied_on),
        (str(DeadlineKind.REREVIEW_REQUEST.label), p.rereview_request_due, p.rereview_requested_on),
        (str(DeadlineKind.REREVIEW.label), p.rereview_due, p.rereview_replied_on),
    ]


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["POST"])
def attachment_upload_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    user = acting_user(request)
    petition = get_petition(user, petition_id)
    form = f.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.do_add_attachment(petition, form.cleaned_data["file"], acting_user=user)
        except YoufuError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The file was added."))
    else:
        messages.error(request, _("Choose a file."))
    return redirect("petitions:detail", petition_id=petition.pk)


@capability_required(READ)
def attachment_view(request: HttpRequest, petition_id: int, attachment_id: int) -> FileResponse:
    user = acting_user(request)
    petition = get_petition(user, petition_id)
    attachment = get_visible_or_404(Attachment.objects.filter(petition=petition), user, pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


@capability_required(READ)
def receipt_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_petition(acting_user(request), petition_id)
    return render(
        request,
        "petitions/receipt.html",
        {"p": petition, "lookup_url": request.build_absolute_uri("/p/lookup/")},
    )


@capability_required(READ)
def reply_pdf_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_petition(acting_user(request), petition_id)
    kind = request.GET.get("kind", "reply")
    replied = {"reply": petition.replied_on, "review": petition.review_replied_on}
    replied["rereview"] = petition.rereview_replied_on
    if kind not in KINDS or replied[kind] is None:
        raise Http404
    try:
        pdf = render_reply_pdf(petition, kind)
    except OSError:  # Pango missing on this machine
        return HttpResponse(_("PDF generation is not available on this server."), status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reply-{petition.pk}-{kind}.pdf"'
    return response
