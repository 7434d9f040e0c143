"""What housing shows on other apps' pages: the person page's card and the home work list."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.benefits.money import yuan
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.registry.models import Beneficiary, PersonStatus
from youfu.registry.selectors import of_home
from youfu.relief.housing import selectors
from youfu.relief.housing.models import OPEN_STATES
from youfu.relief.housing.transitions import is_clerk

PERSON_CARD_ROWS = 10


def person_housing_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The latest survey of the person's home (the household's, when they share one), the home's
    cases and the money paid on them; left out when there is none and the user cannot add one."""
    user = request.user
    if not isinstance(user, User) or not user.can(Capability.READ_PERSONAL_DATA):
        return None
    home = of_home(person)
    latest = selectors.surveys_for(user).filter(home).order_by("-surveyed_on", "-pk").first()
    cases = selectors.cases_for(user).filter(home).order_by("-opened_on", "-pk")
    can_enter = is_clerk(user) and person.status == PersonStatus.ALIVE
    if latest is None and not cases.exists() and not can_enter:
        return None
    paid = cases.aggregate(total=Sum("paid_fen"))["total"] or 0
    return render_to_string(
        "relief/housing/_person_section.html",
        {
            "person": person,
            "latest": latest,
            "cases": list(cases[:PERSON_CARD_ROWS]),
            "paid_yuan": yuan(paid),
            "open_case": cases.filter(state__in=OPEN_STATES).exists(),
            "can_enter": can_enter,
        },
        request=request,
    )


def housing_work(user: User) -> Iterable[WorkItem]:
    """Leaders: budgets waiting for their decision. Clerks: C/D homes in their area with no case."""
    items = []
    if user.can(Capability.APPROVE):
        items.append(
            WorkItem(
                _("housing budgets to approve"),
                selectors.budgets_to_decide(user).count(),
                reverse("relief_housing:cases") + "?waiting=1",
                urgent=True,
            )
        )
    if is_clerk(user):
        items.append(
            WorkItem(
                _("C/D homes without a housing case"),
                selectors.unserved_for(user).count(),
                reverse("relief_housing:unserved"),
                # 应享未享's line for the same rule counts its open findings as of its last
                # refresh; a finding judged not to apply leaves that count, not this one.
                hint=_(
                    "counted now from the latest surveys, "
                    "including homes whose finding was judged not to apply"
                ),
            )
        )
    return items
