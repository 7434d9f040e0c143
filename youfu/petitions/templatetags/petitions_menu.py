"""``{% load petitions_menu %}{% petitions_menu as menu %}``: what the petitions menu offers
the viewer. Each role sees only the pages it may use (a leader does not register petitions;
a leader decides on extensions)."""

from __future__ import annotations

from typing import Any

from django import template

from youfu.accounts.models import User
from youfu.core.roles import Capability, Role

register = template.Library()


def may_register(user: object) -> bool:
    """Registering is the petition office's work; a department liaison works on what is assigned."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.can(Capability.WRITE_RECORDS)
        and user.role != Role.DEPARTMENT_LIAISON
    )


@register.simple_tag(takes_context=True)
def petitions_menu(context: dict[str, Any]) -> dict[str, bool]:
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = isinstance(user, User) and user.is_authenticated
    return {
        "register": may_register(user),
        "extensions": signed_in and isinstance(user, User) and user.can(Capability.APPROVE),
    }
