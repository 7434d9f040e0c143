"""A finding's state machine, in one table that the services, the finding page's forms and the
API (through the services) all read.

A finding is ``open`` until it is solved with a written solution; while open, its owner may be
changed and progress notes added. Nothing moves a solved finding: solving it again is a 409.
A move is a compare-and-set ``UPDATE … WHERE state = <the state read>``: when another request
moved the finding first, the row count is 0 and the call is a ``Conflict`` that changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.core.errors import Conflict
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.outreach.needs.models import Finding, FindingState


@dataclass(frozen=True)
class FindingAction:
    name: str
    label: str | Promise
    from_states: frozenset[str]
    to_state: str
    capability: Capability
    event: EventType


_OPEN = frozenset({FindingState.OPEN.value})

FINDING_ACTIONS: dict[str, FindingAction] = {
    action.name: action
    for action in (
        FindingAction(
            "solve",
            _("Record the solution"),
            _OPEN,
            FindingState.SOLVED,
            Capability.WRITE_RECORDS,
            EventType.NEEDS_FINDING_SOLVED,
        ),
        FindingAction(
            "note",
            _("Add a progress note"),
            _OPEN,
            FindingState.OPEN,
            Capability.WRITE_RECORDS,
            EventType.NEEDS_FINDING_NOTE_ADDED,
        ),
        FindingAction(
            "reassign",
            _("Give it to another owner"),
            _OPEN,
            FindingState.OPEN,
            Capability.WRITE_RECORDS,
            EventType.NEEDS_FINDING_REASSIGNED,
        ),
    )
}


def actions_for(finding: Finding, user: User) -> list[FindingAction]:
    """What ``user`` may do with ``finding`` now, in the table's order."""
    return [a for a in FINDING_ACTIONS.values() if finding.state in a.from_states and user.can(a.capability)]


def begin(finding: Finding, name: str, actor: User) -> FindingAction:
    """The table's row for ``name``: the actor's role, then the finding's state (409)."""
    action = FINDING_ACTIONS[name]
    require(actor, action.capability)
    if finding.state not in action.from_states:
        raise Conflict(
            Message(gettext_noop("This finding is solved already; nothing more can be done with it.")),
            code="finding_solved",
        )
    return action


def move(finding: Finding, action: FindingAction, changes: dict[str, Any]) -> None:
    """Apply ``changes`` (and the row's next state) if the finding is still in the state read."""
    values = {**changes, "state": action.to_state}
    updated = Finding.objects.filter(  # scope: the finding was fetched in the actor's scope
        pk=finding.pk, state=finding.state
    ).update(**values)
    if updated != 1:
        raise Conflict(
            Message(gettext_noop("Someone else changed this finding at the same time; open it again.")),
            code="finding_changed",
        )
    for key, value in values.items():
        setattr(finding, key, value)
