from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from youfu.accounts.models import ApiToken, User
from youfu.accounts.roles import Capability
from youfu.core.commands import REQUIRES_ACTOR
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.messages import Message


def acting_user_for_command(username: str | None, *, allow_bootstrap: bool) -> User | None:
    """The user named by ``--as``; ``None`` (the "system" actor) only to bootstrap an
    empty database with the commands that allow it."""
    if not username:
        if allow_bootstrap and not User.objects.exists():
            return None
        raise InvalidInput(REQUIRES_ACTOR, code="acting_user_required")
    user = User.objects.select_related("region").filter(username=username).first()
    if user is None or not user.is_active:
        raise InvalidInput(
            Message(gettext_noop("No active user named %(username)s."), {"username": username}),
            code="unknown_acting_user",
        )
    return user


def users_for(admin: User) -> QuerySet[User]:
    if not admin.can(Capability.MANAGE_USERS):
        raise PermissionDenied()
    qs: QuerySet[User] = User.objects.visible_to(admin).select_related("region", "department")
    return qs


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
