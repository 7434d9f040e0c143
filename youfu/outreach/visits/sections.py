"""What visits shows on other apps' pages: the person card (visits received) and the home
work list (campaigns running now with people still to visit in the user's area)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.outreach.visits.selectors import open_campaigns_waiting, visits_of
from youfu.registry.models import Beneficiary

PERSON_CARD_ROWS = 20


def person_visits_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The visits the person received, in the viewer's scope; no card when there is none."""
    user = request.user
    if not isinstance(user, User) or not user.can(Capability.READ_PERSONAL_DATA):
        return None
    visits = visits_of(person, user)
    rows = list(visits[: PERSON_CARD_ROWS + 1])
    if not rows:
        return None
    total = len(rows) if len(rows) <= PERSON_CARD_ROWS else visits.count()
    return render_to_string(
        "outreach/visits/_person_card.html",
        {"rows": rows[:PERSON_CARD_ROWS], "more": total - min(total, PERSON_CARD_ROWS)},
        request=request,
    )


def visits_work(user: User) -> Iterable[WorkItem]:
    """For those who record visits: each running campaign with targets still to visit."""
    if not user.can(Capability.WRITE_RECORDS):
        return []
    today = timezone.localdate()
    return [
        WorkItem(
            _("not yet visited in %(campaign)s") % {"campaign": name},
            waiting,
            f"{reverse('outreach_visits:campaign', args=[campaign_id])}?list=not_visited",
            hint=_("until %(date)s") % {"date": ends_on.isoformat()},
        )
        for campaign_id, name, waiting, ends_on in open_campaigns_waiting(user, today)
    ]
