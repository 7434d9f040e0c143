"""What the account-recovery commands share (not a command: the name starts with an underscore)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import AccountRecovery, User
from youfu.accounts.selectors import recoveries_for
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


def waiting_recovery(actor: User, recovery_id: int) -> AccountRecovery:
    """The recovery of the actor's region with this number (refused as the API refuses it)."""
    found = recoveries_for(actor).filter(pk=recovery_id).first()
    if found is None:
        raise InvalidInput(
            Message(gettext_noop("No account recovery no. %(id)s in your region."), {"id": recovery_id}),
            code="unknown_recovery",
        )
    return found


def described(recovery: AccountRecovery) -> dict[str, Any]:
    return {
        "id": recovery.pk,
        "username": recovery.user.username,
        "kind": recovery.kind,
        "region": recovery.region_id,
        "reason": recovery.reason,
        "state": recovery.state,
        "requested_by": recovery.requested_by.username if recovery.requested_by_id else None,
        "requested_at": recovery.requested_at.isoformat(timespec="seconds")
        if recovery.requested_at
        else None,
    }


def decided(recovery: AccountRecovery) -> dict[str, Any]:
    recovery.refresh_from_db(fields=["state", "decided_by", "decided_at", "decision_reason"])
    return {"ok": True, **described(recovery), "decision_reason": recovery.decision_reason or ""}
