"""A medical claim's state machine: one table, read by the services, the pages' buttons and
the API (through the services).

    pending ──approve (leader, not the clerk who entered it)──▶ approved ──pay (the batch)──▶ paid
       └────refuse (leader, with a reason)──▶ refused

A move is a compare-and-set ``UPDATE … WHERE state = <from>``: when another leader moved the
claim first, the row count is 0 and the call is a 409 that changes nothing. A zero subsidy
is approved like any other claim and has nothing to pay: it stays ``approved``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.core.errors import Conflict
from youfu.core.messages import Message
from youfu.core.roles import Capability
from youfu.relief.medical.models import ClaimState, MedicalClaim

if TYPE_CHECKING:
    from youfu.accounts.models import User


class Action(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    PAY = "pay"


@dataclass(frozen=True)
class Transition:
    to_state: ClaimState
    capability: Capability | None  # None: the system (a batch's confirmed payment)
    event: EventType | None


CLAIM_TRANSITIONS: dict[tuple[str, Action], Transition] = {
    (ClaimState.PENDING, Action.APPROVE): Transition(
        ClaimState.APPROVED, Capability.APPROVE, EventType.MEDICAL_CLAIM_APPROVED
    ),
    (ClaimState.PENDING, Action.REFUSE): Transition(
        ClaimState.REFUSED, Capability.APPROVE, EventType.MEDICAL_CLAIM_REFUSED
    ),
    (ClaimState.APPROVED, Action.PAY): Transition(ClaimState.PAID, None, None),
}


def available_actions(claim: MedicalClaim, user: User) -> list[Action]:
    """What ``user`` may do with ``claim`` now (the detail page's buttons)."""
    return [
        action
        for (state, action), t in CLAIM_TRANSITIONS.items()
        if state == claim.state
        and t.capability is not None
        and user.can(t.capability)
        and claim.entered_by_id != user.pk
    ]


def move(claim: MedicalClaim, action: Action, **fields: Any) -> Transition:
    """Compare-and-set along the table; a 409 when the claim is no longer where it was."""
    transition = CLAIM_TRANSITIONS.get((claim.state, action))
    changed = 0
    if transition is not None:
        claims = MedicalClaim.objects.filter(pk=claim.pk, state=claim.state)
        changed = claims.update(state=transition.to_state, **fields)
    if transition is None or not changed:
        claim.refresh_from_db(fields=["state"])
        raise Conflict(
            Message(
                gettext_noop("This claim is %(state)s: only a claim waiting for a leader can be decided."),
                {"state": claim.get_state_display()},
            ),
            code="claim_state",
        )
    claim.state = transition.to_state
    for name, value in fields.items():
        setattr(claim, name, value)
    return transition
