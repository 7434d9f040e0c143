"""What temporary relief shows on other pages: the person card (the person's grants and this
year's total against the cap) and the home work list (what waits for the user's step)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.registry.models import Beneficiary
from youfu.relief.grants import selectors
from youfu.relief.grants import transitions as t


def person_relief_card(request: HttpRequest, person: Beneficiary) -> str | None:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    relief = selectors.person_relief(user, person)
    can_apply = t.refusal(None, t.Action.APPLY, user) is None and user.can(Capability.WRITE_RECORDS)
    if relief is None and not can_apply:
        return None
    return render_to_string(
        "relief/grants/_person_section.html",
        {"relief": relief, "person": person, "can_apply": can_apply},
        request=request,
    )


def relief_work(user: User) -> Iterable[WorkItem]:
    """Applications waiting for the user's step, and the user's own returned for correction."""
    if not user.can(Capability.READ_PERSONAL_DATA):
        return []
    url = reverse("relief_grants:list")
    items = []
    if t.waiting_for(user):
        items.append(
            WorkItem(
                _("Relief applications waiting for my approval"),
                selectors.waiting_for(user).count(),
                f"{url}?waiting=1",
                urgent=True,
            )
        )
    if user.can(Capability.WRITE_RECORDS):
        items.append(
            WorkItem(
                _("Relief applications returned to me"),
                selectors.returned_to(user).count(),
                f"{url}?state=returned",
                hint=_("correct and resubmit, or cancel"),
            )
        )
    return items
