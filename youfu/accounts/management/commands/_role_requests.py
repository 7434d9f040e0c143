"""What the role-request commands share (not a command: the name starts with an underscore)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import RoleRequest, User
from youfu.accounts.selectors import role_requests_for
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


def waiting_request(actor: User, request_id: int) -> RoleRequest:
    """The request of the actor's region with this number (refused as the API refuses it)."""
    found = role_requests_for(actor).filter(pk=request_id).first()
    if found is None:
        raise InvalidInput(
            Message(gettext_noop("No role request no. %(id)s in your region."), {"id": request_id}),
            code="unknown_role_request",
        )
    return found


def described(request: RoleRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "username": request.user.username,
        "role": request.role,
        "region": request.region_id,
        "department": request.department.name if request.department is not None else None,
        "state": request.state,
        "requested_by": request.requested_by.username if request.requested_by_id else None,
        "requested_at": request.requested_at.isoformat(timespec="seconds") if request.requested_at else None,
    }


def decided(request: RoleRequest) -> dict[str, Any]:
    request.refresh_from_db()
    return {"ok": True, **described(request), "reason": request.reason or ""}
