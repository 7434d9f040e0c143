"""``{% load benefits %}{% benefits_nav %}``: the benefits pages' own menu. (A person's payments
reach the registry's person page as a section, ``benefits/sections.py``, never by a tag there.)"""

from __future__ import annotations

from typing import Any

from django import template

from youfu.accounts.models import User
from youfu.benefits.services.common import reads_payments
from youfu.core.roles import Capability

register = template.Library()


@register.inclusion_tag("benefits/_nav.html", takes_context=True)
def benefits_nav(context: dict[str, Any]) -> dict[str, Any]:
    """The benefits pages' own menu: only the pages the viewer's role may open (the system
    admin keeps the standards but reads no payments)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    payments = bool(user is not None and user.is_authenticated and user.can(Capability.READ_PERSONAL_DATA))
    settings = bool(user is not None and user.is_authenticated and user.can(Capability.MANAGE_SETTINGS))
    return {
        "payments": payments,
        "reconciliation": payments and isinstance(user, User) and reads_payments(user),
        "standards": payments or settings,
    }
