"""Clerk pages: the inbox, the lead's and liaison's own list, the leader's extension
requests, notifications, and what the other petition pages share (the acting user, urgency).

The other pages: ``views_intake`` (registering), ``views_detail`` (the petition page with its
timeline and the actions the transition table allows), ``views_stats``, ``views_reception``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from youfu.core.authed import acting_user
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.views import capability_required
from youfu.core.workdays import WorkCalendar
from youfu.petitions import forms as f
from youfu.petitions import services
from youfu.petitions.codes import normalize_code
from youfu.petitions.models import (
    OPEN_STATES,
    DeadlineKind,
    Petition,
    State,
)
from youfu.petitions.reminders import do_mark_notifications_read
from youfu.petitions.selectors import (
    SOON_WORKING_DAYS,
    extensions_to_decide,
    get_petition,
    my_petitions,
    notifications_for,
    petitions_for,
    running_due,
)
from youfu.petitions.templatetags.petitions_menu import may_register

READ = Capability.READ_PERSONAL_DATA


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
    user = acting_user(request)
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
    user = acting_user(request)
    return render(request, "petitions/mine.html", {"rows": _rows(my_petitions(user)[:500])})


@capability_required(Capability.APPROVE)
@require_http_methods(["GET", "POST"])
def extensions_view(request: HttpRequest) -> HttpResponse:
    """The leader's list of extension requests waiting for a decision (Art. 34), with approve
    and refuse on each row."""
    user = acting_user(request)
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


# --- notifications -------------------------------------------------------------------------


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def notifications_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        do_mark_notifications_read(acting_user=user)
        return redirect("petitions:notifications")
    return render(request, "petitions/notifications.html", {"notices": notifications_for(user)[:200]})
