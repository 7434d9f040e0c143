"""Clerk pages: inbox, registration, the petition page with its timeline and actions, the
lead's and liaison's own list, statistics, reception days and notifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from youfu.accounts.models import User
from youfu.accounts.roles import Capability, Role
from youfu.accounts.scope import get_visible_or_404
from youfu.audit.services import SYSTEM_ACTOR
from youfu.core.errors import Conflict, YoufuError
from youfu.core.views import capability_required, form_error
from youfu.core.workdays import WorkCalendar
from youfu.petitions import forms as f
from youfu.petitions import services
from youfu.petitions.codes import normalize_code
from youfu.petitions.models import (
    OPEN_STATES,
    Attachment,
    DeadlineKind,
    Petition,
    ReceptionDay,
    State,
)
from youfu.petitions.selectors import (
    SOON_WORKING_DAYS,
    extensions_to_decide,
    get_petition,
    handling_units_for,
    latest_extension,
    leads_for,
    my_petitions,
    notifications_for,
    petitions_for,
    possible_repeats,
    reception_days_for,
    reception_days_for_intake,
    running_due,
    stored_person_keys,
    timeline,
    townships_for_routing,
)
from youfu.petitions.templatetags.petitions_menu import may_register
from youfu.petitions.validation import (
    PetitionData,
    clean_group_size,
    clean_petitioners,
    clean_text,
    invalid,
)
from youfu.regions.models import Region, RegionLevel

READ = Capability.READ_PERSONAL_DATA


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- urgency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Urgency:
    kind: str
    label: str
    due: date | None
    css: str  # "overdue" | "soon" | "ok" | ""
    working_days_left: int | None


def urgency(petition: Petition, calendar: WorkCalendar, today: date) -> Urgency:
    current = petition.current_due()
    if current is None or current[1] is None:
        return Urgency("", "", None, "", None)
    kind, due = current
    assert isinstance(due, date)
    left = calendar.working_days_between(today, due)
    css = "overdue" if due < today else "soon" if left <= SOON_WORKING_DAYS else "ok"
    return Urgency(str(kind), str(DeadlineKind(kind).label), due, css, left)


def _rows(petitions: Any) -> list[tuple[Petition, Urgency]]:
    calendar = WorkCalendar()
    today = timezone.localdate()
    return [(p, urgency(p, calendar, today)) for p in petitions]


# --- lists ---------------------------------------------------------------------------------


def _overdue() -> Q:
    return running_due(until=timezone.localdate() - timedelta(days=1))


def _due_soon() -> Q:
    today = timezone.localdate()
    return running_due(after=today, until=WorkCalendar().add_working_days(today, SOON_WORKING_DAYS).date)


# The home work list links here: ?due=overdue and ?due=soon.
DUE_FILTERS: dict[str, Callable[[], Q]] = {"overdue": _overdue, "soon": _due_soon}


@capability_required(READ)
def inbox_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    base = petitions_for(user)
    counts = dict(base.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    state = request.GET.get("state", "open")
    qs: QuerySet[Petition] = base
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES).order_by("received_on", "pk")
    elif state in State.values:
        qs = qs.filter(state=state)
    due = request.GET.get("due", "")
    if due in DUE_FILTERS:
        qs = qs.filter(DUE_FILTERS[due]()).order_by("received_on", "pk")
    query = (request.GET.get("q") or "").strip()
    if query:
        code, _shape = normalize_code(query)
        qs = qs.filter(Q(receipt_code=code) | Q(subject__icontains=query))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    tabs = [("open", _("open"), sum(n for s, n in counts.items() if s in OPEN_STATES))]
    tabs += [(s.value, str(s.label), counts.get(s.value, 0)) for s in State]
    return render(
        request,
        "petitions/inbox.html",
        {
            "tabs": tabs,
            "state": state,
            "due": due if due in DUE_FILTERS else "",
            "q": query,
            "page": page,
            "rows": _rows(page.object_list),
            "can_register": may_register(user),
            "unread": notifications_for(user).filter(read_at__isnull=True).count(),
        },
    )


@capability_required(READ)
def mine_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "petitions/mine.html", {"rows": _rows(my_petitions(user)[:500])})


@capability_required(Capability.APPROVE)
@require_http_methods(["GET", "POST"])
def extensions_view(request: HttpRequest) -> HttpResponse:
    """The leader's list of extension requests waiting for a decision (Art. 34), with approve
    and refuse on each row."""
    user = _user(request)
    if request.method == "POST":
        petition = get_petition(user, _int(request.POST.get("petition")))
        decision = request.POST.get("decision", "")
        form: forms.Form = (
            f.RefuseExtensionForm(request.POST)
            if decision == "refuse"
            else f.ApproveExtensionForm(request.POST)
        )
        try:
            if decision not in ("approve", "refuse"):
                raise Http404
            if not form.is_valid():
                messages.error(request, _("Give the reason for the refusal."))
            elif decision == "approve":
                services.do_approve_extension(petition, acting_user=user)
                messages.success(
                    request, _("Extension approved for %(code)s.") % {"code": petition.receipt_code_display}
                )
            else:
                services.do_refuse_extension(petition, reason=form.cleaned_data["reason"], acting_user=user)
                messages.success(
                    request, _("Extension refused for %(code)s.") % {"code": petition.receipt_code_display}
                )
        except YoufuError as exc:
            messages.error(request, str(exc.message))
        return redirect("petitions:extensions")
    calendar = WorkCalendar()
    today = timezone.localdate()
    rows = [(x, urgency(x.petition, calendar, today)) for x in extensions_to_decide(user)[:500]]
    return render(
        request,
        "petitions/extensions.html",
        {"rows": rows, "refuse_form": f.RefuseExtensionForm()},
    )


def _int(value: Any) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**62:
        raise Http404
    return number


# --- registering ---------------------------------------------------------------------------


def _regions_for_intake(user: User) -> QuerySet[Region]:
    qs: QuerySet[Region] = Region.objects.visible_to(user).exclude(level=RegionLevel.VILLAGE).order_by("code")
    return qs


def _register_form(request: HttpRequest, user: User) -> f.RegisterForm:
    return f.RegisterForm(
        request.POST or None,
        regions=_regions_for_intake(user),
        receptions=reception_days_for_intake(user),
        initial={"received_on": timezone.localdate(), "region": user.region_id, "channel": "letter"},
    )


@capability_required(Capability.WRITE_RECORDS)
def register_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = _register_form(request, user)
    candidates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            people = clean_petitioners(form.raw_petitioners())
            data = PetitionData(
                channel=d["channel"],
                received_on=d["received_on"],
                category=d["category"],
                subject=clean_text(d["subject"], "subject", max_length=200),
                content=clean_text(d["content"], "content", max_length=20000),
                region=d["region"],
                petitioners=people,
                group_size=clean_group_size(d["group_size"], people),
                referred_by=d["referred_by"],
                reception=d["reception"],
            )
            decision = request.POST.get("decision", "")
            repeat_of = None
            if decision.startswith("repeat:"):
                repeat_of = petitions_for(user).filter(pk=decision.split(":", 1)[1] or 0).first()
            elif decision != "new":
                candidates = possible_repeats(user, people, data.subject, on=data.received_on)
            if not candidates:
                petition = services.do_register_petition(data, acting_user=user, repeat_of=repeat_of)
                messages.success(
                    request,
                    _("Registered with receipt code %(code)s.") % {"code": petition.receipt_code_display},
                )
                return redirect("petitions:detail", petition_id=petition.pk)
        except YoufuError as exc:
            _place_error(form, exc)
    return render(request, "petitions/register.html", {"form": form, "candidates": candidates})


def _place_error(form: forms.Form, exc: YoufuError) -> None:
    # "petitioners.0.phone" → the form's "phone_0".
    remapped = {}
    for name, message in exc.fields.items():
        parts = name.split(".")
        remapped[f"{parts[2]}_{parts[1]}" if len(parts) == 3 else name] = message
    exc.fields = remapped
    form_error(form, exc)


# --- the petition page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    form_class: type[forms.Form]
    run: Callable[[Petition, dict[str, Any], User], Any]
    intake: bool = True  # a decision for the petition office, not for a liaison


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
    from youfu.registry.models import Beneficiary

    if number is None:
        return None
    found = Beneficiary.objects.visible_to(user).filter(pk=number).first()
    if found is None:
        raise invalid("beneficiary", gettext_noop("Unknown person."))
    return found


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
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
        Action(
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
        Action(
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
        Action(
            "route",
            f.RouteForm,
            lambda p, d, u: services.do_route_petition(p, region=d["region"], note=d["note"], acting_user=u),
        ),
        Action(
            "link_repeat",
            f.LinkRepeatForm,
            lambda p, d, u: services.do_link_repeat(p, original=_original(u, d["original"]), acting_user=u),
        ),
        Action(
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
        Action(
            "start",
            f.StartForm,
            lambda p, d, u: services.do_start_petition(p, started_on=d["started_on"], acting_user=u),
            intake=False,
        ),
        Action(
            "extend",
            f.ExtendForm,
            lambda p, d, u: services.do_request_extension(
                p, days=d["days"], reason=d["reason"], acting_user=u
            ),
            intake=False,
        ),
        Action(
            "extension_approve",
            f.ApproveExtensionForm,
            lambda p, d, u: services.do_approve_extension(p, acting_user=u),
            intake=False,
        ),
        Action(
            "extension_refuse",
            f.RefuseExtensionForm,
            lambda p, d, u: services.do_refuse_extension(p, reason=d["reason"], acting_user=u),
            intake=False,
        ),
        Action(
            "reply",
            f.ReplyForm,
            lambda p, d, u: services.do_reply_petition(
                p, replied_on=d["replied_on"], text=d["text"], acting_user=u
            ),
            intake=False,
        ),
        Action(
            "review_request",
            f.RequestForm,
            lambda p, d, u: services.do_request_review(
                p, requested_on=d["requested_on"], note=d["note"], acting_user=u
            ),
        ),
        Action(
            "review_reply",
            f.ReplyForm,
            lambda p, d, u: services.do_reply_review(
                p, replied_on=d["replied_on"], text=d["text"], acting_user=u
            ),
            intake=False,
        ),
        Action(
            "rereview_request",
            f.RequestForm,
            lambda p, d, u: services.do_request_rereview(
                p, requested_on=d["requested_on"], note=d["note"], acting_user=u
            ),
        ),
        Action(
            "rereview_reply",
            f.ReplyForm,
            lambda p, d, u: services.do_reply_rereview(
                p, replied_on=d["replied_on"], text=d["text"], acting_user=u
            ),
            intake=False,
        ),
        Action(
            "conclude",
            f.ConcludeForm,
            lambda p, d, u: services.do_conclude_petition(
                p, concluded_on=d["concluded_on"], note=d["note"], acting_user=u
            ),
        ),
        Action(
            "rate",
            f.RateForm,
            lambda p, d, u: services.do_rate_petition(
                p, rating=d["rating"], comment=d["comment"], acting_user=u
            ),
            intake=False,
        ),
        Action(
            "beneficiary",
            f.BeneficiaryForm,
            lambda p, d, u: services.do_link_beneficiary(
                p, beneficiary=_beneficiary(u, d["beneficiary"]), acting_user=u
            ),
            intake=False,
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

# The extension's actions in the transition table → the page's action names.
EXTENSION_PAGE_ACTIONS: dict[str, str] = {
    services.ExtensionAction.REQUEST: "extend",
    services.ExtensionAction.GRANT: "extend",
    services.ExtensionAction.APPROVE: "extension_approve",
    services.ExtensionAction.REFUSE: "extension_refuse",
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
    extension = [EXTENSION_PAGE_ACTIONS[a] for a in services.extension_actions(p, user)]
    if not user.can(Capability.WRITE_RECORDS):
        return extension  # a leader decides on extensions; casework is for the clerks
    names: list[str] = []
    state = p.state
    if state == State.REGISTERED:
        names += ["accept", "decline", "forward", "link_repeat"]
        if user.region is not None and user.region.level in (
            RegionLevel.COUNTY,
            RegionLevel.CITY,
            RegionLevel.PROVINCE,
        ):
            names.append("route")
    if state in services.REASSIGNABLE:
        names.append("assign")
    if state == State.ASSIGNED:
        names.append("start")
    names += extension
    if state in (State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED):
        names.append("reply")
    if state == State.REPLIED or (
        state == State.CONCLUDED and p.review_requested_on is None and p.replied_on
    ):
        names.append("review_request")
    if state == State.REVIEW_REQUESTED:
        names.append("review_reply")
    if state == State.REVIEW_REPLIED or (
        state == State.CONCLUDED and p.review_replied_on and p.rereview_requested_on is None
    ):
        names.append("rereview_request")
    if state == State.REREVIEW_REQUESTED:
        names.append("rereview_reply")
    if state in services.CONCLUDABLE:
        names.append("conclude")
    if state in services.RATEABLE:
        names.append("rate")
    names.append("beneficiary")
    if user.role == Role.DEPARTMENT_LIAISON:
        names = [n for n in names if not ACTIONS[n].intake]
    return names


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
    user = _user(request)
    petition = get_petition(user, petition_id)
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
    from youfu.registry.models import Beneficiary

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
    user = _user(request)
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
    user = _user(request)
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
    petition = get_petition(_user(request), petition_id)
    return render(
        request,
        "petitions/receipt.html",
        {"p": petition, "lookup_url": request.build_absolute_uri("/p/lookup/")},
    )


@capability_required(READ)
def reply_pdf_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    from youfu.petitions.pdf import KINDS, render_reply_pdf

    petition = get_petition(_user(request), petition_id)
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
    from youfu.petitions.stats import metric_labels, statistics

    form, start, end = _period(request)
    stats = statistics(petitions_for(_user(request)), start=start, end=end)
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
    from youfu.petitions.stats import statistics, to_xlsx

    _form, start, end = _period(request)
    stats = statistics(petitions_for(_user(request)), start=start, end=end)
    title = _("Petition statistics %(start)s – %(end)s") % {"start": start, "end": end}
    response = HttpResponse(
        to_xlsx(stats, title=title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="petitions-{start}-{end}.xlsx"'
    return response


# --- reception days ------------------------------------------------------------------------


def _manages_receptions(user: User) -> bool:
    return user.can(Capability.WRITE_RECORDS) and user.role != Role.DEPARTMENT_LIAISON


def _reception_leaders(region: Region | None) -> QuerySet[User] | None:
    return leads_for(region).filter(role=Role.LEADER) if region is not None else None


def _reception_day_fields(d: dict[str, Any]) -> dict[str, Any]:
    """The reception-day form's cleaned data as the services take it."""
    return {
        "on": d["date"],
        "time": d["time"],
        "place": d["place"],
        "leader": d["leader"],
        "leader_name": d["leader_name"],
        "leader_title": d["leader_title"],
        "topics": d["topics"],
    }


@capability_required(READ)
def receptions_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_create = _manages_receptions(user)
    region = user.region
    form = f.ReceptionDayForm(request.POST or None, leaders=_reception_leaders(region))
    if request.method == "POST" and can_create and form.is_valid() and region is not None:
        d = form.cleaned_data
        try:
            services.do_create_reception_day(
                region=region,
                **_reception_day_fields(d),
                acting_user=user,
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The reception day was added."))
            return redirect("petitions:receptions")
    today = timezone.localdate()
    days = reception_days_for(user)
    return render(
        request,
        "petitions/receptions.html",
        {
            "upcoming": days.filter(date__gte=today).order_by("date", "pk"),
            "past": days.filter(date__lt=today)[:50],
            "form": form if can_create else None,
        },
    )


def _reception_page(
    request: HttpRequest,
    day: ReceptionDay,
    *,
    edit_form: f.ReceptionDayForm | None = None,
    cancel_form: f.CancelReceptionDayForm | None = None,
) -> HttpResponse:
    user = _user(request)
    is_past = day.date < timezone.localdate()
    # Only a coming day that is still on can be changed: the rest is history.
    can_change = _manages_receptions(user) and not day.is_cancelled and not is_past
    if can_change:
        edit_form = edit_form or f.ReceptionDayForm(
            initial={
                "date": day.date,
                "time": day.time,
                "place": day.place,
                "leader": day.leader_id,
                "leader_name": day.leader_name,
                "leader_title": day.leader_title,
                "topics": day.topics,
            },
            leaders=_reception_leaders(day.region),
        )
        cancel_form = cancel_form or f.CancelReceptionDayForm()
    # The form that was sent (and came back with errors) stays open.
    opened = ""
    if edit_form is not None and edit_form.is_bound:
        opened = "edit"
    elif cancel_form is not None and cancel_form.is_bound:
        opened = "cancel"
    return render(
        request,
        "petitions/reception_detail.html",
        {
            "day": day,
            "is_past": is_past,
            "rows": _rows(petitions_for(user).filter(reception=day)),
            "edit_form": edit_form if can_change else None,
            "cancel_form": cancel_form if can_change else None,
            "open_form": opened,
        },
    )


def _managed_reception(request: HttpRequest, reception_id: int) -> ReceptionDay:
    """The day, if the user's region holds it (else 404) and the user may change days (else 403)."""
    user = _user(request)
    day = get_visible_or_404(
        ReceptionDay.objects.select_related("region", "cancelled_by"), user, pk=reception_id
    )
    if not _manages_receptions(user):
        raise DjangoPermissionDenied
    return day


def _refused(request: HttpRequest, exc: Conflict, day: ReceptionDay) -> HttpResponse:
    messages.error(request, str(exc.message))
    return redirect("petitions:reception_detail", reception_id=day.pk)


@capability_required(READ)
def reception_detail_view(request: HttpRequest, reception_id: int) -> HttpResponse:
    day = get_visible_or_404(
        ReceptionDay.objects.select_related("region", "cancelled_by"), _user(request), pk=reception_id
    )
    return _reception_page(request, day)


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["POST"])
def reception_edit_view(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = _user(request)
    day = _managed_reception(request, reception_id)
    form = f.ReceptionDayForm(request.POST, leaders=_reception_leaders(day.region))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.do_update_reception_day(
                day,
                **_reception_day_fields(d),
                acting_user=user,
            )
        except Conflict as exc:
            return _refused(request, exc, day)
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The reception day was changed."))
            return redirect("petitions:reception_detail", reception_id=day.pk)
    return _reception_page(request, day, edit_form=form)


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["POST"])
def reception_cancel_view(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = _user(request)
    day = _managed_reception(request, reception_id)
    form = f.CancelReceptionDayForm(request.POST)
    if form.is_valid():
        try:
            services.do_cancel_reception_day(day, reason=form.cleaned_data["reason"], acting_user=user)
        except Conflict as exc:
            return _refused(request, exc, day)
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The reception day was cancelled."))
            return redirect("petitions:reception_detail", reception_id=day.pk)
    return _reception_page(request, day, cancel_form=form)


# --- notifications -------------------------------------------------------------------------


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def notifications_view(request: HttpRequest) -> HttpResponse:
    from youfu.petitions.reminders import do_mark_notifications_read

    user = _user(request)
    if request.method == "POST":
        do_mark_notifications_read(acting_user=user)
        return redirect("petitions:notifications")
    return render(request, "petitions/notifications.html", {"notices": notifications_for(user)[:200]})
