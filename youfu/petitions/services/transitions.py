"""The petition's state machine: one transition table, read by the services, the pages'
available actions and the API (through the services), and the engine that applies a row.

A row is (state, action) → the next state (``None``: the matter keeps its stage), who may
take it, the timeline step and audit event it writes, and the deadline it starts. Actions
that also move an extension request (Art. 34) name the extension's own table's actions:
that sub-machine has its own table, ``EXTENSION_TRANSITIONS``, of the same shape.

A transition is a compare-and-set ``UPDATE … WHERE state = <the state read>``: when the
row count is not 1, someone else moved the matter first and the call is a ``Conflict``
(409) that changes nothing. Every transition also writes a ``PetitionEvent`` row.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import SYSTEM_ACTOR, record_event
from youfu.core.errors import Conflict, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, Role
from youfu.core.workdays import WorkCalendar
from youfu.petitions import deadlines
from youfu.petitions.models import DUE_FIELDS, DeadlineKind, ExtensionState, Petition, PetitionEvent, State
from youfu.regions.models import RegionLevel

PUBLIC_ACTOR = "public"

# Columns whose values go into the audit record (no free text: texts are personal).
_AUDITED = (
    "state",
    "region_id",
    "channel",
    "category",
    "received_on",
    "group_size",
    "accepted_on",
    "declined_on",
    "earlier_case_id",
    "forwarded_on",
    "handling_unit_id",
    "lead_id",
    "assigned_on",
    "started_on",
    "extension_days",
    "extended_on",
    "replied_on",
    "review_requested_on",
    "review_replied_on",
    "rereview_requested_on",
    "rereview_replied_on",
    "concluded_on",
    "repeat_of_id",
    "beneficiary_id",
    "reception_id",
    "satisfaction",
    *DUE_FIELDS.values(),
    "calendar_complete",
)


def _snapshot(petition: Petition, fields: Iterable[str] = _AUDITED) -> dict[str, Any]:
    return {f: getattr(petition, f) for f in fields if f in _AUDITED}


# --- steps: what the timeline and the audit log call each move ------------------------------


@dataclass(frozen=True)
class Step:
    action: str  # "accept", "assign", … (the timeline's name)
    label: str  # for the 409 message: "accepted", "assigned", …
    event_type: EventType


ACCEPT = Step("accept", gettext_noop("accepted"), EventType.PETITION_ACCEPTED)
DECLINE = Step("decline", gettext_noop("declined"), EventType.PETITION_DECLINED)
FORWARD = Step("forward", gettext_noop("forwarded"), EventType.PETITION_FORWARDED)
ASSIGN = Step("assign", gettext_noop("assigned"), EventType.PETITION_ASSIGNED)
START = Step("start", gettext_noop("started"), EventType.PETITION_STARTED)
EXTEND = Step("extend", gettext_noop("extended"), EventType.PETITION_EXTENDED)
EXTENSION_REQUEST = Step(
    "extension_request", gettext_noop("sent for an extension"), EventType.PETITION_EXTENSION_REQUESTED
)
EXTENSION_REFUSE = Step(
    "extension_refuse", gettext_noop("refused an extension"), EventType.PETITION_EXTENSION_REFUSED
)
REPLY = Step("reply", gettext_noop("replied"), EventType.PETITION_REPLIED)
REVIEW_REQUEST = Step("review_request", gettext_noop("sent for review"), EventType.PETITION_REVIEW_REQUESTED)
REVIEW_REPLY = Step("review_reply", gettext_noop("answered on review"), EventType.PETITION_REVIEW_REPLIED)
REREVIEW_REQUEST = Step(
    "rereview_request", gettext_noop("sent for re-review"), EventType.PETITION_REREVIEW_REQUESTED
)
REREVIEW_REPLY = Step(
    "rereview_reply", gettext_noop("answered on re-review"), EventType.PETITION_REREVIEW_REPLIED
)
CONCLUDE = Step("conclude", gettext_noop("concluded"), EventType.PETITION_CONCLUDED)
LINK_REPEAT = Step("link_repeat", gettext_noop("linked as a repeat"), EventType.PETITION_LINKED_AS_REPEAT)
RATE = Step("rate", gettext_noop("rated"), EventType.PETITION_RATED)
RECOMPUTE = Step("recompute", gettext_noop("recomputed"), EventType.PETITION_DEADLINES_RECOMPUTED)
LINK_PERSON = Step("link_person", gettext_noop("linked"), EventType.PETITION_PERSON_LINKED)
ROUTE = Step("route", gettext_noop("routed"), EventType.PETITION_ROUTED)


# --- the extension's table (Art. 34: 经本机关负责人批准) -------------------------------------


class ExtensionAction(StrEnum):
    REQUEST = "request"  # a clerk asks
    GRANT = "grant"  # a leader extends: the head of the organ's approval itself
    APPROVE = "approve"
    REFUSE = "refuse"


@dataclass(frozen=True)
class ExtensionTransition:
    to_state: str
    capability: Capability  # who may take it
    step: Step  # the timeline row and the audit event


# The extension's one transition table: (its state, action) → next state and who may take it.
# ``None`` is "no extension in play": none asked yet, or the last request was refused (a
# refusal does not use up the one extension).
EXTENSION_TRANSITIONS: dict[tuple[str | None, str], ExtensionTransition] = {
    (None, ExtensionAction.REQUEST): ExtensionTransition(
        ExtensionState.PENDING, Capability.WRITE_RECORDS, EXTENSION_REQUEST
    ),
    (None, ExtensionAction.GRANT): ExtensionTransition(ExtensionState.APPROVED, Capability.APPROVE, EXTEND),
    (ExtensionState.PENDING, ExtensionAction.APPROVE): ExtensionTransition(
        ExtensionState.APPROVED, Capability.APPROVE, EXTEND
    ),
    (ExtensionState.PENDING, ExtensionAction.REFUSE): ExtensionTransition(
        ExtensionState.REFUSED, Capability.APPROVE, EXTENSION_REFUSE
    ),
}


def may_take_extension(action: str, user: User) -> bool:
    """Whether the extension table lets ``user`` take ``action`` from some state."""
    return any(user.can(t.capability) for (_s, a), t in EXTENSION_TRANSITIONS.items() if a == action)


# --- the petition's table ------------------------------------------------------------------


class Action(StrEnum):
    """What can be done with a petition; the pages' action names (the API's paths spell
    them with hyphens)."""

    ACCEPT = "accept"
    DECLINE = "decline"
    FORWARD = "forward"
    LINK_REPEAT = "link_repeat"
    ROUTE = "route"
    ASSIGN = "assign"
    START = "start"
    EXTEND = "extend"
    EXTENSION_APPROVE = "extension_approve"
    EXTENSION_REFUSE = "extension_refuse"
    REPLY = "reply"
    REVIEW_REQUEST = "review_request"
    REVIEW_REPLY = "review_reply"
    REREVIEW_REQUEST = "rereview_request"
    REREVIEW_REPLY = "rereview_reply"
    CONCLUDE = "conclude"
    RATE = "rate"
    BENEFICIARY = "beneficiary"


class Who(StrEnum):
    # The petition office's clerks: decisions on a matter (accept, decline, forward, assign,
    # conclude). A department liaison works on what is assigned to them, not on these.
    INTAKE = "intake"
    # Anyone who does casework on petitions, a department liaison included.
    CASEWORK = "casework"
    # The petition office's clerks above a township, who give a matter to a township.
    ROUTING = "routing"
    # The extension's table says who (its ``capability``).
    EXTENSION = "extension"


_ABOVE_TOWNSHIP = (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE)


def is_in_role(who: Who, user: User) -> bool:
    if who is Who.EXTENSION:
        raise ValueError("an extension row's roles are in EXTENSION_TRANSITIONS")
    if not user.can(Capability.WRITE_RECORDS):
        return False
    if who is Who.CASEWORK:
        return True
    if user.role == Role.DEPARTMENT_LIAISON:
        return False
    if who is Who.ROUTING:
        return user.region is not None and user.region.level in _ABOVE_TOWNSHIP
    return True


Guard = Callable[[Petition], bool]


def _always(_petition: Petition) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    to_state: str | None  # None: the matter keeps its stage
    who: Who
    step: Step
    starts: str | None = None  # the DeadlineKind whose period this move starts (or lengthens)
    guard: Guard = _always  # what else the petition's record must say
    # For a move that is also the extension request's: the extension table's actions it stands for.
    extension: tuple[ExtensionAction, ...] = ()


def _stage_open(requested: str, previous_reply: str) -> Guard:
    """Review and re-review: after the previous reply, and from a concluded file only when
    this stage was not asked for yet (a concluded file can be reopened once per stage)."""

    def guard(p: Petition) -> bool:
        if getattr(p, previous_reply) is None:
            return False
        return p.state != State.CONCLUDED or getattr(p, requested) is None

    return guard


EXTENDABLE = frozenset({State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS})
REASSIGNABLE = frozenset({State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED})
REPLYABLE = frozenset({State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED})
CONCLUDABLE = frozenset({State.REPLIED, State.REVIEW_REPLIED, State.REREVIEW_REPLIED})
RATEABLE = frozenset({*CONCLUDABLE, State.CONCLUDED})

# (action, from states, row): written in the order the page offers the actions.
_ROWS: list[tuple[Action, Iterable[str], Transition]] = [
    (Action.ACCEPT, [State.REGISTERED], Transition(State.ACCEPTED, Who.INTAKE, ACCEPT, DeadlineKind.HANDLE)),
    (Action.DECLINE, [State.REGISTERED], Transition(State.DECLINED, Who.INTAKE, DECLINE)),
    (Action.FORWARD, [State.REGISTERED], Transition(State.FORWARDED, Who.INTAKE, FORWARD)),
    (Action.LINK_REPEAT, [State.REGISTERED], Transition(State.REPEAT, Who.INTAKE, LINK_REPEAT)),
    (Action.ROUTE, [State.REGISTERED], Transition(None, Who.ROUTING, ROUTE)),
    # A first assignment moves the matter to "assigned"; a reassignment keeps its stage.
    (Action.ASSIGN, [State.ACCEPTED, State.ASSIGNED], Transition(State.ASSIGNED, Who.INTAKE, ASSIGN)),
    (Action.ASSIGN, [State.IN_PROGRESS, State.EXTENDED], Transition(None, Who.INTAKE, ASSIGN)),
    (Action.START, [State.ASSIGNED], Transition(State.IN_PROGRESS, Who.CASEWORK, START)),
    # A clerk's request waits for a leader (the matter keeps its stage until approved); a
    # leader's own request is the approval.
    (
        Action.EXTEND,
        EXTENDABLE,
        Transition(
            State.EXTENDED,
            Who.EXTENSION,
            EXTEND,
            DeadlineKind.HANDLE,
            extension=(ExtensionAction.REQUEST, ExtensionAction.GRANT),
        ),
    ),
    (
        Action.EXTENSION_APPROVE,
        EXTENDABLE,
        Transition(
            State.EXTENDED, Who.EXTENSION, EXTEND, DeadlineKind.HANDLE, extension=(ExtensionAction.APPROVE,)
        ),
    ),
    # A waiting request can be refused whatever became of the matter meanwhile.
    (
        Action.EXTENSION_REFUSE,
        list(State),
        Transition(None, Who.EXTENSION, EXTENSION_REFUSE, extension=(ExtensionAction.REFUSE,)),
    ),
    (Action.REPLY, REPLYABLE, Transition(State.REPLIED, Who.CASEWORK, REPLY, DeadlineKind.REVIEW_REQUEST)),
    (
        Action.REVIEW_REQUEST,
        [State.REPLIED, State.CONCLUDED],
        Transition(
            State.REVIEW_REQUESTED,
            Who.INTAKE,
            REVIEW_REQUEST,
            DeadlineKind.REVIEW,
            _stage_open("review_requested_on", "replied_on"),
        ),
    ),
    (
        Action.REVIEW_REPLY,
        [State.REVIEW_REQUESTED],
        Transition(State.REVIEW_REPLIED, Who.CASEWORK, REVIEW_REPLY, DeadlineKind.REREVIEW_REQUEST),
    ),
    (
        Action.REREVIEW_REQUEST,
        [State.REVIEW_REPLIED, State.CONCLUDED],
        Transition(
            State.REREVIEW_REQUESTED,
            Who.INTAKE,
            REREVIEW_REQUEST,
            DeadlineKind.REREVIEW,
            _stage_open("rereview_requested_on", "review_replied_on"),
        ),
    ),
    (
        Action.REREVIEW_REPLY,
        [State.REREVIEW_REQUESTED],
        Transition(State.REREVIEW_REPLIED, Who.CASEWORK, REREVIEW_REPLY),
    ),
    (Action.CONCLUDE, CONCLUDABLE, Transition(State.CONCLUDED, Who.INTAKE, CONCLUDE)),
    (Action.RATE, RATEABLE, Transition(None, Who.CASEWORK, RATE)),
    (Action.BENEFICIARY, list(State), Transition(None, Who.CASEWORK, LINK_PERSON)),
]

# The petition's one transition table: (its state, action) → the row.
PETITION_TRANSITIONS: dict[tuple[str, Action], Transition] = {
    (State(state), action): row for action, states, row in _ROWS for state in states
}


def from_states(action: Action) -> frozenset[str]:
    return frozenset(s for (s, a) in PETITION_TRANSITIONS if a == action)


def may_take(action: Action, user: User) -> bool:
    """Whether ``user``'s role may take ``action`` from some state (else: 403)."""
    rows = [t for (_s, a), t in PETITION_TRANSITIONS.items() if a == action]
    for row in rows:
        if row.who is Who.EXTENSION:
            if any(may_take_extension(x, user) for x in row.extension):
                return True
        elif is_in_role(row.who, user):
            return True
    return False


def _extension_moves(row: Transition, extension_state: str | None, user: User) -> list[ExtensionAction]:
    return [
        x
        for x in row.extension
        if (t := EXTENSION_TRANSITIONS.get((extension_state, x))) is not None and user.can(t.capability)
    ]


def actions_for(petition: Petition, user: User, extension_state: str | None) -> list[Action]:
    """What ``user`` may do with ``petition`` now, read from the tables (``extension_state``:
    the extension request's state, ``None`` when none is in play)."""
    names: list[Action] = []
    for (state, action), row in PETITION_TRANSITIONS.items():
        if state != petition.state or not row.guard(petition):
            continue
        if row.who is Who.EXTENSION:
            if not _extension_moves(row, extension_state, user):
                continue
        elif not is_in_role(row.who, user):
            continue
        names.append(action)
    return names


def require_role(action: Action, actor: User) -> None:
    if not may_take(action, actor):
        raise PermissionDenied()


NOT_NOW = gettext_noop("This petition is %(state)s: it cannot be %(action)s now.")


def _conflict(petition: Petition, step: Step) -> Conflict:
    return Conflict(
        Message(NOT_NOW, {"state": State(petition.state).label, "action": Message(step.label)}),
        code="invalid_transition",
    )


def row_for(petition: Petition, action: Action) -> Transition:
    """The table's row for ``action`` from the petition's state; 409 when there is none or
    the petition's record does not allow it."""
    row = PETITION_TRANSITIONS.get((petition.state, action))
    if row is None or not row.guard(petition):
        any_row = next(t for (_s, a), t in PETITION_TRANSITIONS.items() if a == action)
        raise _conflict(petition, any_row.step)
    return row


# --- the engine ----------------------------------------------------------------------------


def move(
    petition: Petition,
    action: Action,
    *,
    acting_user: User | None,
    changes: dict[str, Any],
    on: date | None,
    note: str = "",
    audit_extra: dict[str, Any] | None = None,
    step: Step | None = None,
) -> Petition:
    """Take the table's row for ``action`` from the petition's state. Call inside ``atomic``."""
    row = row_for(petition, action)
    return _transition(
        petition,
        step or row.step,
        acting_user=acting_user,
        allowed_from=from_states(action),
        to_state=row.to_state,
        changes=changes,
        on=on,
        note=note,
        audit_extra=audit_extra,
    )


def _transition(
    petition: Petition,
    step: Step,
    *,
    acting_user: User | None,
    allowed_from: Iterable[str],
    to_state: str | None,
    changes: dict[str, Any],
    on: date | None,
    note: str = "",
    calendar: WorkCalendar | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Petition:
    """Move ``petition`` from its current state (one of ``allowed_from``) to ``to_state``
    (``None``: stay) with ``changes``, recomputing deadlines. Call inside ``atomic``."""
    if petition.state not in set(allowed_from):
        raise _conflict(petition, step)
    from_state = petition.state
    target = to_state or from_state
    draft = copy.copy(petition)
    for name, value in changes.items():
        setattr(draft, name, value)
    changes = {**changes, **deadlines.compute(draft, calendar)}
    updated = Petition.objects.filter(pk=petition.pk, state=from_state).update(state=target, **changes)
    if updated != 1:
        # Someone moved the matter since we read it.
        petition.refresh_from_db()
        raise _conflict(petition, step)
    before = _snapshot(petition)
    for name, value in changes.items():
        setattr(petition, name, value)
    petition.state = target
    after = _snapshot(petition)
    old = {k: v for k, v in before.items() if after.get(k) != v}
    new = {k: after[k] for k in old}
    PetitionEvent.objects.create(
        petition=petition,
        on=on,
        actor=acting_user,
        actor_name=acting_user.username
        if acting_user
        else (SYSTEM_ACTOR if step is RECOMPUTE else PUBLIC_ACTOR),
        action=step.action,
        from_state=from_state,
        to_state=target,
        note=note,
    )
    record_event(
        step.event_type,
        actor=acting_user,
        region=petition.region_id,
        obj=petition,
        old=old,
        new=new,
        extra=audit_extra,
    )
    return petition
