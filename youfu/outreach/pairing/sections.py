"""What pairing shows on other apps' pages (registered in ``wiring.register``): the person
page's card, and the home page's work list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability, Role
from youfu.core.sections import WorkItem
from youfu.outreach.pairing.models import PairingActivity
from youfu.outreach.pairing.rules import may_manage_pairings, quarter_start
from youfu.outreach.pairing.selectors import (
    OPEN_FIRST,
    activities_for,
    open_with_deceased,
    pairings_for,
    quiet_since,
    with_activity_stats,
)
from youfu.registry.models import Beneficiary

ACTIVITIES_PER_PAIRING = 5


def person_pairings_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The departments paired with the person, each with its latest activities; a county clerk
    also gets the link to pair another department. Left out when there is nothing to show."""
    user = request.user
    if not isinstance(user, User) or not user.can(Capability.READ_PERSONAL_DATA):
        return None
    pairings = list(
        with_activity_stats(pairings_for(user).filter(beneficiary_id=person.pk)).order_by(
            OPEN_FIRST, "-started_on"
        )
    )
    may_pair = may_manage_pairings(user) and person.status != "deceased"
    if not pairings and not may_pair:
        return None
    recent: dict[int, list[PairingActivity]] = {p.pk: [] for p in pairings}
    for activity in (
        activities_for(user)
        .filter(pairing__in=recent)
        .select_related("recorded_by")
        .order_by("-done_on", "-pk")
    ):
        if len(recent[activity.pairing_id]) < ACTIVITIES_PER_PAIRING:
            recent[activity.pairing_id].append(activity)
    return render_to_string(
        "outreach/pairing/_person_card.html",
        {
            "person": person,
            "rows": [(p, recent[p.pk]) for p in pairings],
            "may_pair": may_pair,
        },
        request=request,
    )


def pairing_work(user: User) -> Iterable[WorkItem]:
    """A liaison: their department's households, what it recorded this year, and the pairings
    with no activity yet this quarter. A county clerk: the quiet pairings, and open pairings of
    people who have died (to end)."""
    if not user.can(Capability.READ_PERSONAL_DATA):
        return []
    today = timezone.localdate()
    base = reverse("outreach_pairing:list")
    since = quarter_start(today)
    items: list[WorkItem] = []
    if user.role == Role.DEPARTMENT_LIAISON and user.department_id:
        mine = pairings_for(user).filter(department_id=user.department_id).order_by()
        page = reverse("outreach_pairing:department", args=[user.department_id])
        items += [
            WorkItem(
                _("pairings with no activity since %(date)s") % {"date": since.isoformat()},
                mine.filter(quiet_since(since)).count(),
                f"{base}?state=open&quiet=1",
                urgent=True,
            ),
            WorkItem(
                _("households paired with your department"), mine.filter(ended_on__isnull=True).count(), page
            ),
            WorkItem(
                _("activities recorded in %(year)d") % {"year": today.year},
                _this_year(user, user.department_id, today).count(),
                page,
            ),
        ]
    elif may_manage_pairings(user):
        mine = pairings_for(user).order_by()
        items += [
            WorkItem(
                _("open pairings of people who have died"),
                mine.filter(open_with_deceased()).count(),
                f"{base}?state=open&deceased=1",
                urgent=True,
            ),
            WorkItem(
                _("pairings with no activity since %(date)s") % {"date": since.isoformat()},
                mine.filter(quiet_since(since)).count(),
                f"{base}?state=open&quiet=1",
            ),
        ]
    return items


def _this_year(user: User, department_id: int, today: date) -> QuerySet[PairingActivity]:
    return activities_for(user).filter(
        pairing__department_id=department_id, done_on__gte=date(today.year, 1, 1), done_on__lte=today
    )
