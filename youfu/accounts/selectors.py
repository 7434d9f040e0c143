from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from youfu.accounts.models import (
    AccountRecovery,
    ApiToken,
    RecoveryState,
    RoleRequest,
    RoleRequestState,
    User,
)
from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability


def users_for(admin: User) -> QuerySet[User]:
    if not admin.can(Capability.MANAGE_USERS):
        raise PermissionDenied()
    # The role each account waits for (at most one), as ``pending_requests``.
    pending = RoleRequest.objects.filter(state=RoleRequestState.PENDING).select_related("region").order_by()
    # And the recovery each waits for (at most one), as ``pending_recoveries``.
    recovering = AccountRecovery.objects.filter(state=RecoveryState.PENDING).order_by()
    qs: QuerySet[User] = (
        User.objects.visible_to(admin)
        .select_related("region", "department")
        .prefetch_related(
            Prefetch("role_requests", queryset=pending, to_attr="pending_requests"),
            Prefetch("recoveries", queryset=recovering, to_attr="pending_recoveries"),
        )
    )
    return qs


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def role_requests_for(user: User) -> QuerySet[RoleRequest]:
    """The role requests of the user's region: for the admin who asks and the leader who decides."""
    if not (user.can(Capability.MANAGE_USERS) or user.can(Capability.APPROVE)):
        raise PermissionDenied()
    qs: QuerySet[RoleRequest] = RoleRequest.objects.visible_to(user).select_related(
        "user", "region", "department", "from_region", "requested_by", "decided_by"
    )
    return qs


def role_requests_to_decide(user: User) -> QuerySet[RoleRequest]:
    """What waits for this leader: pending, neither asked by them nor for their own account."""
    if not user.can(Capability.APPROVE):
        return RoleRequest.objects.none()
    return (
        role_requests_for(user)
        .filter(state=RoleRequestState.PENDING)
        .exclude(Q(requested_by=user) | Q(user=user))
        .order_by("requested_at", "pk")
    )


def pending_request_of(user: User) -> RoleRequest | None:
    return (
        RoleRequest.objects.filter(user=user, state=RoleRequestState.PENDING)
        .select_related("region", "department", "requested_by")
        .first()
    )


def recoveries_for(user: User) -> QuerySet[AccountRecovery]:
    """The account recoveries of the user's region: for the admin who asks and the leader who
    decides."""
    if not (user.can(Capability.MANAGE_USERS) or user.can(Capability.APPROVE)):
        raise PermissionDenied()
    qs: QuerySet[AccountRecovery] = (
        AccountRecovery.objects.visible_to(user)
        .select_related("user", "region", "requested_by", "decided_by")
        .defer("password_hash")
    )
    return qs


def recoveries_to_decide(user: User) -> QuerySet[AccountRecovery]:
    """What waits for this leader: pending, neither asked by them nor for their own account."""
    if not user.can(Capability.APPROVE):
        return AccountRecovery.objects.none()
    return (
        recoveries_for(user)
        .filter(state=RecoveryState.PENDING)
        .exclude(Q(requested_by=user) | Q(user=user))
        .order_by("requested_at", "pk")
    )


def pending_recovery_of(user: User) -> AccountRecovery | None:
    return (
        AccountRecovery.objects.filter(user=user, state=RecoveryState.PENDING)
        .select_related("requested_by")
        .defer("password_hash")
        .first()
    )
