"""The housing case's state machine: one transition table, read by the services (may this move
happen?), the case page (which buttons to show) and, through the services, the API.

A row is (state, action) → the next state, who may take it, the audit event and a guard on the
case's record. Budgets are the maker-checker part: a clerk proposes (on opening the case, or later
with ``budget``), a leader who did not propose it approves or refuses; until then the budget in
force stays. A move is a compare-and-set ``UPDATE … WHERE state = <read> AND proposed_fen <read>``:
when nothing is updated someone moved the case first, and the call is a 409 that changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.core.errors import Conflict, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, Role
from youfu.relief.housing.models import CaseState, HousingCase


class Action(StrEnum):
    APPROVE = "approve"  # a leader approves the budget waiting
    REFUSE = "refuse"  # a leader refuses it (the first one: the case is refused)
    BUDGET = "budget"  # a clerk proposes a new budget
    DISBURSE = "disburse"  # a clerk records money paid
    COMPLETE = "complete"  # a clerk records the work done


# What the page's buttons and the 409 messages call each action (msgids: translated when shown).
ACTION_LABELS = {
    Action.APPROVE: gettext_noop("Approve the budget"),
    Action.REFUSE: gettext_noop("Refuse the budget"),
    Action.BUDGET: gettext_noop("Propose a new budget"),
    Action.DISBURSE: gettext_noop("Record a payment"),
    Action.COMPLETE: gettext_noop("Record completion"),
}


class Who(StrEnum):
    CLERK = "clerk"  # the bureau's and townships' clerks and village assistants
    LEADER = "leader"


def is_clerk(user: User) -> bool:
    # A department liaison does casework only on what is assigned to their department.
    return user.can(Capability.WRITE_RECORDS) and user.role != Role.DEPARTMENT_LIAISON


def is_in_role(who: Who, user: User) -> bool:
    return is_clerk(user) if who is Who.CLERK else user.can(Capability.APPROVE)


Guard = Callable[[HousingCase], "str | None"]  # the reason it may not move now, or None

WAITING = gettext_noop("No budget is waiting for a decision on this case.")
NOT_WHILE_WAITING = gettext_noop("A budget of this case is waiting for a leader: decide it first.")


def _budget_waiting(case: HousingCase) -> str | None:
    return None if case.proposed_fen is not None else WAITING


def _none_waiting(case: HousingCase) -> str | None:
    return NOT_WHILE_WAITING if case.proposed_fen is not None else None


def _always(_case: HousingCase) -> str | None:
    return None


@dataclass(frozen=True)
class Transition:
    to_state: CaseState
    who: Who
    event: EventType
    guard: Guard = _always


_APPROVE = Transition(CaseState.APPROVED, Who.LEADER, EventType.HOUSING_CASE_APPROVED, _budget_waiting)

# The case's one transition table: (its state, action) → the row.
CASE_TRANSITIONS: dict[tuple[str, Action], Transition] = {
    (CaseState.PENDING, Action.APPROVE): _APPROVE,
    (CaseState.PENDING, Action.REFUSE): Transition(
        CaseState.REFUSED, Who.LEADER, EventType.HOUSING_CASE_REFUSED, _budget_waiting
    ),
    # A change of an approved budget: the old one stays in force until a leader decides.
    (CaseState.APPROVED, Action.APPROVE): _APPROVE,
    (CaseState.APPROVED, Action.REFUSE): Transition(
        CaseState.APPROVED, Who.LEADER, EventType.HOUSING_CASE_REFUSED, _budget_waiting
    ),
    (CaseState.APPROVED, Action.BUDGET): Transition(
        CaseState.APPROVED, Who.CLERK, EventType.HOUSING_BUDGET_CHANGED, _none_waiting
    ),
    (CaseState.APPROVED, Action.DISBURSE): Transition(
        CaseState.APPROVED, Who.CLERK, EventType.HOUSING_DISBURSED
    ),
    (CaseState.APPROVED, Action.COMPLETE): Transition(
        CaseState.COMPLETED, Who.CLERK, EventType.HOUSING_COMPLETED, _none_waiting
    ),
    # The last instalment (尾款) is often paid after the work is inspected.
    (CaseState.COMPLETED, Action.DISBURSE): Transition(
        CaseState.COMPLETED, Who.CLERK, EventType.HOUSING_DISBURSED
    ),
}


def may_take(action: Action, user: User) -> bool:
    """Whether ``user``'s role may take ``action`` from some state (else: 403)."""
    return any(is_in_role(t.who, user) for (_s, a), t in CASE_TRANSITIONS.items() if a == action)


def require_role(action: Action, user: User) -> None:
    if not may_take(action, user):
        raise PermissionDenied()


NOT_NOW = gettext_noop("This housing case is %(state)s: %(action)s is not possible now.")


def row_for(case: HousingCase, action: Action) -> Transition:
    """The table's row for ``action`` from the case's state; 409 when there is none or its guard
    refuses."""
    row = CASE_TRANSITIONS.get((case.state, action))
    if row is None:
        raise Conflict(
            Message(
                NOT_NOW, {"state": CaseState(case.state).label, "action": Message(ACTION_LABELS[action])}
            ),
            code="invalid_transition",
        )
    reason = row.guard(case)
    if reason is not None:
        raise Conflict(Message(reason), code="invalid_transition")
    return row


def actions_for(case: HousingCase, user: User) -> list[Action]:
    """What ``user`` may do with ``case`` now, read from the table (a leader never decides on a
    budget they proposed themselves)."""
    names = []
    for (state, action), row in CASE_TRANSITIONS.items():
        if state != case.state or row.guard(case) is not None or not is_in_role(row.who, user):
            continue
        if row.who is Who.LEADER and _proposed_by(case) == user.pk:
            continue
        names.append(action)
    return names


def _proposed_by(case: HousingCase) -> int | None:
    waiting = case.budgets.filter(state="pending").values_list("proposed_by_id", flat=True).first()
    return waiting


def move(case: HousingCase, action: Action, **changes: Any) -> Transition:
    """Take the table's row: compare-and-set on the state and the budget waiting that were read.
    Call inside ``atomic`` with the case locked; the caller writes the audit record."""
    row = row_for(case, action)
    updated = HousingCase.objects.filter(  # scope: the caller fetched the case in scope
        pk=case.pk, state=case.state, proposed_fen=case.proposed_fen
    ).update(state=row.to_state, **changes)
    if updated != 1:
        case.refresh_from_db()
        raise Conflict(Message(gettext_noop("The case was changed meanwhile: reload it.")), code="stale")
    case.state = row.to_state
    for name, value in changes.items():
        setattr(case, name, value)
    return row
