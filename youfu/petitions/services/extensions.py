"""Extending the conclusion period (Art. 34: 经本机关负责人批准): a clerk asks, a leader
approves or refuses; a leader's own request applies at once."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability
from youfu.petitions import deadlines
from youfu.petitions.models import (
    LIVE_EXTENSION_STATES,
    Extension,
    ExtensionState,
    Petition,
)
from youfu.petitions.services._common import (
    _require_visible,
    _today,
)
from youfu.petitions.services.transitions import (
    EXTENSION_TRANSITIONS,
    Action,
    ExtensionAction,
    ExtensionTransition,
    _conflict,
    _transition,
    actions_for,
    from_states,
    may_take_extension,
    move,
)
from youfu.petitions.validation import invalid


def live_extension(petition: Petition) -> Extension | None:
    """The request waiting or approved (at most one), or None."""
    return (
        Extension.objects.filter(petition_id=petition.pk, state__in=LIVE_EXTENSION_STATES)
        .select_related("requested_by", "decided_by")
        .first()
    )


def petition_actions(petition: Petition, user: User) -> list[Action]:
    """What ``user`` may do with the petition now, read from the petition's transition table
    and, for the extension's moves, from the extension's own."""
    _live, state = _extension_state(petition)
    return actions_for(petition, user, state)


EXTENSION_PENDING = gettext_noop("An extension request is already waiting for a leader's decision.")


def _extension_state(petition: Petition) -> tuple[Extension | None, str | None]:
    live = live_extension(petition)
    if live is not None:
        return live, live.state
    # Extended before approvals were recorded, had the migration not seen it: still the one.
    return None, ExtensionState.APPROVED if petition.extension_days is not None else None


def _require_extension_role(action: str, actor: User) -> None:
    """403 for a user the action is not for, whatever the extension's state (the table says who)."""
    if not may_take_extension(action, actor):
        raise PermissionDenied()


def _extension_transition(state: str | None, action: str, actor: User) -> ExtensionTransition:
    """The table's row for ``action`` from ``state``: 403 for a user the action is not for,
    409 when the extension is not in a state that allows it."""
    _require_extension_role(action, actor)
    transition = EXTENSION_TRANSITIONS.get((state, action))
    if transition is not None:
        return transition
    if action in (ExtensionAction.REQUEST, ExtensionAction.GRANT):
        if state == ExtensionState.PENDING:
            raise Conflict(Message(EXTENSION_PENDING), code="extension_pending")
        raise Conflict(
            Message(gettext_noop("The deadline was already extended once; it cannot be extended again.")),
            code="already_extended",
        )
    raise Conflict(
        Message(gettext_noop("No extension request is waiting for a decision.")),
        code="no_pending_extension",
    )


DEADLINE_PASSED = gettext_noop("The conclusion deadline (%(due)s) has passed; it can no longer be extended.")


def _check_still_in_time(petition: Petition, *, deciding: bool) -> None:
    # The extension must be in force before the period ends: an overdue matter stays overdue.
    if petition.handle_due is None or _today() <= petition.handle_due:
        return
    message = Message(DEADLINE_PASSED, {"due": petition.handle_due})
    if deciding:
        raise Conflict(message, code="deadline_passed")
    raise InvalidInput(message, code="deadline_passed", fields={"days": message})


def _decide_extension(extension: Extension, from_state: str, changes: dict[str, Any]) -> None:
    """Compare-and-set on the request: only the decision that finds it still waiting wins."""
    updated = Extension.objects.filter(pk=extension.pk, state=from_state).update(**changes)
    if updated != 1:
        raise Conflict(
            Message(gettext_noop("The extension request was decided meanwhile; please reload.")),
            code="extension_decided",
        )
    for name, value in changes.items():
        setattr(extension, name, value)


def _apply_extension(
    petition: Petition, extension: Extension, *, from_state: str | None, acting_user: User, action: Action
) -> None:
    """The approved extension lengthens the period (60 + n days from acceptance)."""
    today = _today()
    move(
        petition,
        action,
        acting_user=acting_user,
        changes={
            "extension_days": extension.days,
            "extension_reason": extension.reason,
            "extended_on": today,
        },
        on=today,
        note=extension.reason,
        audit_extra={
            "extension": extension.pk,
            "requested_by": extension.requested_by_id,
            "extension_state": [from_state, ExtensionState.APPROVED],
        },
    )


def do_request_extension(petition: Petition, *, days: int, reason: str, acting_user: User) -> Extension:
    """Ask to extend the conclusion period once, by at most 30 days, with a reason the
    petitioner is told. A clerk's request waits for a leader; a leader's own request is the
    head of the organ's approval and applies at once. The bounds and the one-extension
    rule are checked now, when the request is made."""
    action = ExtensionAction.GRANT if acting_user.can(Capability.APPROVE) else ExtensionAction.REQUEST
    _require_extension_role(action, acting_user)
    _require_visible(petition, acting_user)
    _live, state = _extension_state(petition)
    transition = _extension_transition(state, action, acting_user)
    if petition.state not in from_states(Action.EXTEND):
        raise _conflict(petition, transition.step)
    if not 1 <= days <= deadlines.MAX_EXTENSION_DAYS:
        raise invalid(
            "days",
            gettext_noop("An extension is 1 to %(n)d days."),
            {"n": deadlines.MAX_EXTENSION_DAYS},
            code="extension_too_long",
        )
    if not reason.strip():
        raise invalid("reason", gettext_noop("Give the reason; the petitioner is told it."))
    _check_still_in_time(petition, deciding=False)
    today = _today()
    granted = transition.to_state == ExtensionState.APPROVED
    with transaction.atomic():
        try:
            with transaction.atomic():
                extension = Extension.objects.create(
                    petition=petition,
                    state=transition.to_state,
                    days=days,
                    reason=reason.strip(),
                    requested_on=today,
                    requested_by=acting_user,
                    decided_on=today if granted else None,
                    decided_by=acting_user if granted else None,
                )
        except IntegrityError:
            # Another request was made at the same moment: the unique constraint kept one.
            raise Conflict(Message(EXTENSION_PENDING), code="extension_pending") from None
        if granted:
            _apply_extension(
                petition, extension, from_state=None, acting_user=acting_user, action=Action.EXTEND
            )
        else:
            _transition(
                petition,
                transition.step,
                acting_user=acting_user,
                allowed_from=from_states(Action.EXTEND),
                to_state=None,
                changes={},
                on=today,
                note=_extension_note(extension),
                audit_extra={"extension": extension.pk, "days": days, "extension_state": [None, "pending"]},
            )
    return extension


def _extension_note(extension: Extension) -> str:
    return f"+{extension.days}: {extension.reason}"


def _pending_extension(
    petition: Petition, action: str, acting_user: User
) -> tuple[Extension, ExtensionTransition]:
    _require_extension_role(action, acting_user)
    _require_visible(petition, acting_user)
    live, state = _extension_state(petition)
    transition = _extension_transition(state, action, acting_user)
    assert live is not None  # only a waiting request has a decision in the table
    return live, transition


def do_approve_extension(petition: Petition, *, acting_user: User) -> Extension:
    """A leader approves the waiting request: the conclusion period grows by its days."""
    extension, transition = _pending_extension(petition, ExtensionAction.APPROVE, acting_user)
    if petition.state not in from_states(Action.EXTENSION_APPROVE):
        raise _conflict(petition, transition.step)
    _check_still_in_time(petition, deciding=True)
    with transaction.atomic():
        _decide_extension(
            extension,
            ExtensionState.PENDING,
            {"state": transition.to_state, "decided_by": acting_user, "decided_on": _today()},
        )
        _apply_extension(
            petition,
            extension,
            from_state=ExtensionState.PENDING,
            acting_user=acting_user,
            action=Action.EXTENSION_APPROVE,
        )
    return extension


def do_refuse_extension(petition: Petition, *, reason: str, acting_user: User) -> Extension:
    """A leader refuses the waiting request; the deadline stays, and the one extension is not
    used up: a new request may follow."""
    extension, transition = _pending_extension(petition, ExtensionAction.REFUSE, acting_user)
    if not reason.strip():
        raise invalid("reason", gettext_noop("Give the reason for the refusal."))
    today = _today()
    with transaction.atomic():
        _decide_extension(
            extension,
            ExtensionState.PENDING,
            {
                "state": transition.to_state,
                "decided_by": acting_user,
                "decided_on": today,
                "refusal_reason": reason.strip(),
            },
        )
        move(
            petition,
            Action.EXTENSION_REFUSE,
            acting_user=acting_user,
            changes={},
            on=today,
            note=reason.strip(),
            audit_extra={"extension": extension.pk, "extension_state": ["pending", "refused"]},
        )
    return extension


def do_extend_petition(petition: Petition, *, days: int, reason: str, acting_user: User) -> Petition:
    """``do_request_extension`` for callers that want the petition back (a leader's call
    extends at once; a clerk's waits for approval)."""
    do_request_extension(petition, days=days, reason=reason, acting_user=acting_user)
    return petition
