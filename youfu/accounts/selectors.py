from __future__ import annotations

from django.db.models import QuerySet

from youfu.accounts.models import ApiToken, User
from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability


def users_for(admin: User) -> QuerySet[User]:
    if not admin.can(Capability.MANAGE_USERS):
        raise PermissionDenied()
    qs: QuerySet[User] = User.objects.visible_to(admin).select_related("region", "department")
    return qs


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
