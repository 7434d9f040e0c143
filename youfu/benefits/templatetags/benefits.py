"""``{% load benefits %}{% person_payments person %}``: the payments section of a person's
page (the registry's person page includes it): entitlements explained for the last twelve
months and the bank transfers, region-scoped for the viewing user."""

from __future__ import annotations

from typing import Any

from django import template

from youfu.accounts.roles import Capability
from youfu.registry.models import Beneficiary

register = template.Library()


@register.inclusion_tag("benefits/_nav.html", takes_context=True)
def benefits_nav(context: dict[str, Any]) -> dict[str, Any]:
    """The benefits pages' own menu: only the pages the viewer's role may open (the system
    admin keeps the standards but reads no payments)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    payments = bool(user is not None and user.is_authenticated and user.can(Capability.READ_PERSONAL_DATA))
    settings = bool(user is not None and user.is_authenticated and user.can(Capability.MANAGE_SETTINGS))
    return {"payments": payments, "standards": payments or settings}


@register.inclusion_tag("benefits/_person_payments.html", takes_context=True)
def person_payments(context: dict[str, Any], person: Any) -> dict[str, Any]:
    from youfu.benefits.views import person_payments_context

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.can(Capability.READ_PERSONAL_DATA):
        return {"hidden": True}
    if not Beneficiary.objects.visible_to(user).filter(pk=person.pk).exists():
        return {"hidden": True}
    return person_payments_context(person, user)
