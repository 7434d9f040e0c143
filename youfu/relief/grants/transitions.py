"""The relief grant's state machine: one transition table, read by the services, the detail
page's available actions and the API (through the services).

A row is (state, action) → the next state, who may take it, and the audit event it writes.
Approving is the one move whose next state depends on the grant: the chain is the list of
steps from the grant's entry step up (township → county), with the leader's step at the end
when the amount is above the leader line; approving a step moves the grant to the chain's
next step, or to ``approved`` after its last one.

A move is a compare-and-set ``UPDATE … WHERE state = <read> AND next_step = <read>``: when the
row count is not 1, someone else moved the grant first and the call is a ``Conflict`` (409)
that changes nothing. Every move also writes a ``ReliefStep`` row and an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.errors import Conflict, PermissionDenied, YoufuError
from youfu.core.messages import Message
from youfu.core.roles import Role
from youfu.relief.grants.models import ChainStep, GrantState, ReliefGrant, ReliefStep

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the services' transition engine: it moves and reads the steps of a grant the calling service"
    " has already fetched in the user's scope"
)


class Action(StrEnum):
    APPLY = "apply"
    APPROVE = "approve"
    RETURN = "return"
    RESUBMIT = "resubmit"
    CANCEL = "cancel"
    PAY = "pay"


class Who(StrEnum):
    ENTRY = "entry"  # a village assistant, a township clerk or a county clerk: each has an entry step
    STEP = "step"  # the holder of the grant's next step, not its submitter nor an earlier step's
    SUBMITTER = "submitter"  # the user who entered (and may correct) the application
    COUNTY = "county"  # a county clerk or a leader of the grant's county
    SYSTEM = "system"  # the monthly batches, when the bank confirms the transfer


@dataclass(frozen=True)
class Transition:
    to_state: str | None  # None: the chain's next step, or approved after its last one
    who: tuple[Who, ...]  # any of them may take it
    event_type: EventType
    label: str  # for the 409 message: "approved", "returned", …


_DONE = {
    Action.APPLY: gettext_noop("applied for"),
    Action.APPROVE: gettext_noop("approved"),
    Action.RETURN: gettext_noop("returned"),
    Action.RESUBMIT: gettext_noop("resubmitted"),
    Action.CANCEL: gettext_noop("cancelled"),
    Action.PAY: gettext_noop("paid"),
}

# The grant's one transition table. ``None`` as the state: no grant yet.
RELIEF_TRANSITIONS: dict[tuple[str | None, Action], Transition] = {
    (None, Action.APPLY): Transition(
        GrantState.PENDING, (Who.ENTRY,), EventType.RELIEF_APPLIED, _DONE[Action.APPLY]
    ),
    (GrantState.PENDING, Action.APPROVE): Transition(
        None, (Who.STEP,), EventType.RELIEF_STEP_APPROVED, _DONE[Action.APPROVE]
    ),
    (GrantState.PENDING, Action.RETURN): Transition(
        GrantState.RETURNED, (Who.STEP,), EventType.RELIEF_RETURNED, _DONE[Action.RETURN]
    ),
    (GrantState.RETURNED, Action.RESUBMIT): Transition(
        GrantState.PENDING, (Who.SUBMITTER,), EventType.RELIEF_RESUBMITTED, _DONE[Action.RESUBMIT]
    ),
    # A returned application its submitter does not correct is withdrawn, not left to linger.
    (GrantState.RETURNED, Action.CANCEL): Transition(
        GrantState.CANCELLED, (Who.SUBMITTER, Who.COUNTY), EventType.RELIEF_CANCELLED, _DONE[Action.CANCEL]
    ),
    # An approved grant can be cancelled until the bank has paid it.
    (GrantState.APPROVED, Action.CANCEL): Transition(
        GrantState.CANCELLED, (Who.COUNTY,), EventType.RELIEF_CANCELLED, _DONE[Action.CANCEL]
    ),
    (GrantState.APPROVED, Action.PAY): Transition(
        GrantState.PAID, (Who.SYSTEM,), EventType.RELIEF_PAID, _DONE[Action.PAY]
    ),
}


def from_states(action: Action) -> frozenset[str]:
    return frozenset(s for (s, a) in RELIEF_TRANSITIONS if a == action and s is not None)


# --- the chain -----------------------------------------------------------------------------

# Where an application enters: the step above its submitter. A county clerk's own entry
# goes to the county step, which another county clerk or a leader takes (``holds_step``).
ENTRY_STEP: dict[str, ChainStep] = {
    Role.VILLAGE_ASSISTANT: ChainStep.TOWNSHIP,
    Role.TOWNSHIP_CLERK: ChainStep.COUNTY,
    Role.COUNTY_CLERK: ChainStep.COUNTY,
}
# The role that holds each step.
STEP_ROLE: dict[ChainStep, Role] = {
    ChainStep.TOWNSHIP: Role.TOWNSHIP_CLERK,
    ChainStep.COUNTY: Role.COUNTY_CLERK,
    ChainStep.LEADER: Role.LEADER,
}
_ORDER = [ChainStep.TOWNSHIP, ChainStep.COUNTY, ChainStep.LEADER]


def chain(entry_step: str, needs_leader: bool) -> list[ChainStep]:
    """The steps a grant climbs: from its entry step through the county, then the leader's
    when its amount is above the leader line."""
    steps = _ORDER[_ORDER.index(ChainStep(entry_step)) : _ORDER.index(ChainStep.COUNTY) + 1]
    return [*steps, ChainStep.LEADER] if needs_leader else steps


def step_after(grant: ReliefGrant) -> ChainStep | None:
    steps = chain(grant.entry_step, grant.needs_leader)
    index = steps.index(ChainStep(grant.next_step))
    return steps[index + 1] if index + 1 < len(steps) else None


def county_own_entry(grant: ReliefGrant) -> bool:
    """A county clerk's own application: nobody sits between them and the county step."""
    return bool(grant.submitted_by.role == Role.COUNTY_CLERK)


def holds_step(user: User, step: str, grant: ReliefGrant) -> bool:
    """Whether ``user``'s role and place hold ``step`` of ``grant``: the township clerk of the
    person's township, a county clerk or a leader of the person's county. The county step of a
    county clerk's own application is held by the other county clerks and by the leaders."""
    roles = {STEP_ROLE[ChainStep(step)]}
    if step == ChainStep.COUNTY and county_own_entry(grant):
        roles.add(Role.LEADER)
    if not user.is_active or user.region is None or user.role not in roles:
        return False
    if step == ChainStep.TOWNSHIP:
        return user.region_id == grant.township_id
    return user.region.level == "county" and user.region.contains(grant.region_id)


def _in_county(user: User, grant: ReliefGrant) -> bool:
    return (
        user.role in (Role.COUNTY_CLERK, Role.LEADER)
        and user.region is not None
        and user.region.level == "county"
        and user.region.contains(grant.region_id)
    )


def round_actors(grant: ReliefGrant) -> set[int]:
    """The users who took part in the grant's current round: its submitter and the steps
    approved so far (each later step must be someone else)."""
    approved = ReliefStep.objects.filter(  # scope: the steps of a grant the caller already holds
        grant=grant, round=grant.round, action=Action.APPROVE
    ).values_list("actor_id", flat=True)
    return {grant.submitted_by_id, *(a for a in approved if a is not None)}


# --- who may take a row --------------------------------------------------------------------

SAME_USER = gettext_noop(
    "You entered or already approved this application: another user must approve the %(step)s step."
)
WRONG_STEP = gettext_noop(
    "This application waits for the %(step)s step: only %(who)s may approve or return it now."
)
_STEP_HOLDER = {
    ChainStep.TOWNSHIP: gettext_noop("the township clerk of the person's township"),
    ChainStep.COUNTY: gettext_noop("a county clerk (for a county clerk's own application, also a leader)"),
    ChainStep.LEADER: gettext_noop("a leader"),
}
NOT_NOW = gettext_noop("This application is %(state)s: it cannot be %(action)s now.")
NOT_YOURS = gettext_noop("Only the user who entered this application may correct and resubmit it.")
CANCEL_WHO = gettext_noop("Only a county clerk or a leader may cancel an approved grant.")
ENTRY_WHO = gettext_noop("Relief applications are entered by village assistants, township and county clerks.")


def refusal(grant: ReliefGrant | None, action: Action, user: User) -> YoufuError | None:
    """Why ``user`` may not take ``action`` on ``grant`` now (``None`` as the grant: a new
    application), or ``None`` when the table lets them: 409 for a state with no such row, 403
    for a user the row does not name."""
    state = None if grant is None else grant.state
    row = RELIEF_TRANSITIONS.get((state, action))
    if row is None:
        return Conflict(
            Message(
                NOT_NOW,
                {"state": GrantState(state).label if state else "", "action": Message(_DONE[action])},
            ),
            code="invalid_transition",
        )
    problems: list[YoufuError] = []
    for who in row.who:
        problem = _who_refusal(who, grant, user)
        if problem is None:
            return None
        problems.append(problem)
    return problems[0]


def _who_refusal(who: Who, grant: ReliefGrant | None, user: User) -> YoufuError | None:
    if who is Who.ENTRY:
        return None if user.role in ENTRY_STEP and user.is_active else PermissionDenied(Message(ENTRY_WHO))
    assert grant is not None
    if who is Who.STEP:
        step = ChainStep(grant.next_step)
        if not holds_step(user, step, grant):
            return PermissionDenied(
                Message(WRONG_STEP, {"step": step.label, "who": Message(_STEP_HOLDER[step])}),
                code="wrong_step",
            )
        if user.pk in round_actors(grant):
            return PermissionDenied(Message(SAME_USER, {"step": step.label}), code="same_user")
        return None
    if who is Who.SUBMITTER:
        return None if user.pk == grant.submitted_by_id else PermissionDenied(Message(NOT_YOURS))
    if who is Who.COUNTY:
        return None if _in_county(user, grant) else PermissionDenied(Message(CANCEL_WHO))
    return PermissionDenied()  # Who.SYSTEM: no user takes it


def require(grant: ReliefGrant | None, action: Action, user: User) -> Transition:
    problem = refusal(grant, action, user)
    if problem is not None:
        raise problem
    return RELIEF_TRANSITIONS[(None if grant is None else grant.state, action)]


def actions_for(grant: ReliefGrant, user: User) -> list[Action]:
    """What ``user`` may do with ``grant`` now, read from the table."""
    return [
        action
        for (state, action) in RELIEF_TRANSITIONS
        if state == grant.state and refusal(grant, action, user) is None
    ]


def waiting_for(user: User) -> list[ChainStep]:
    """The steps whose queue ``user``'s role holds."""
    return [step for step, role in STEP_ROLE.items() if user.role == role]


# --- the engine ----------------------------------------------------------------------------

# Columns whose values go into the audit record (no free text: notes are personal).
AUDITED = (
    "state",
    "next_step",
    "entry_step",
    "needs_leader",
    "round",
    "amount_fen",
    "reason",
    "applied_on",
    "settings_version_id",
    "one_off_id",
    "approved_on",
    "paid_on",
)


def snapshot(grant: ReliefGrant) -> dict[str, Any]:
    values = {f: getattr(grant, f) for f in AUDITED}
    values["relief_reason"] = values.pop("reason")  # a code, not the free-text "reason" the log masks
    return values


def move(
    grant: ReliefGrant,
    action: Action,
    *,
    acting_user: User,
    changes: dict[str, Any],
    note: str = "",
    step: str = "",
    event_type: EventType | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> ReliefGrant:
    """Apply the table's row for ``action`` with ``changes`` (the new ``state`` and
    ``next_step`` among them) as a compare-and-set update. Call inside ``atomic``."""
    row = RELIEF_TRANSITIONS[(grant.state, action)]
    from_state, from_next = grant.state, grant.next_step
    changes = {**changes, "updated_at": timezone.now()}
    updated = ReliefGrant.objects.filter(  # scope: the caller checked the grant is visible
        pk=grant.pk, state=from_state, next_step=from_next
    ).update(**changes)
    if updated != 1:
        grant.refresh_from_db()
        raise Conflict(
            Message(NOT_NOW, {"state": GrantState(grant.state).label, "action": Message(row.label)}),
            code="invalid_transition",
        )
    before = snapshot(grant)
    for name, value in changes.items():
        setattr(grant, name, value)
    after = snapshot(grant)
    old = {k: v for k, v in before.items() if after[k] != v}
    record_step(grant, action, acting_user=acting_user, step=step, from_state=from_state, note=note)
    record_event(
        event_type or row.event_type,
        actor=acting_user,
        region=grant.region_id,
        obj=grant,
        old=old,
        new={k: after[k] for k in old},
        extra={
            "beneficiary": grant.beneficiary_id,
            **(audit_extra or {}),
            **({"note": note} if note else {}),
        },
    )
    return grant


def record_step(
    grant: ReliefGrant, action: Action, *, acting_user: User | None, step: str, from_state: str, note: str
) -> ReliefStep:
    return ReliefStep.objects.create(
        grant=grant,
        round=grant.round,
        action=action,
        step=step,
        actor=acting_user,
        actor_name=acting_user.username if acting_user else "system",
        from_state=from_state,
        to_state=grant.state,
        note=note,
    )
