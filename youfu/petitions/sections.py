"""What petitions shows on other apps' pages (registered in ``PetitionsConfig.ready``): the
petitions card of a registered person's page and the home page's work list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.core.workdays import WorkCalendar
from youfu.petitions.models import Petitioner
from youfu.petitions.selectors import (
    SOON_WORKING_DAYS,
    extensions_to_decide,
    petitions_for,
    running_due,
)
from youfu.registry.models import Beneficiary

PERSON_CARD_ROWS = 20


def _can(user: User | AnonymousUser, capability: Capability) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.can(capability)


def person_petitions_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The matters linked to the person, as the petitions app links them: the person link
    (``Petition.beneficiary``) or a petitioner with the person's ID number (blind index).
    Only what the viewer's scope holds; nothing (the card is left out) when there is none."""
    user = request.user
    if not isinstance(user, User) or not _can(user, Capability.READ_PERSONAL_DATA):
        return None
    linked = Q(beneficiary_id=person.pk)
    if person.id_number_index:
        # The petitions of a petitioner with the number first (by its index; scoped below with
        # the petitions): "linked, or a petitioner's number" joined with OR across the two
        # tables would read every petition (35 ms at 100,000, on every person page).
        by_number = Petitioner.objects.filter(  # scope: narrowed by petitions_for(user) below
            id_number_index=person.id_number_index
        ).values_list("petition_id", flat=True)
        linked |= Q(pk__in=list(by_number))
    rows = petitions_for(user).filter(linked).order_by("-received_on", "-pk")
    total = rows.count()
    if total == 0:
        return None
    return render_to_string(
        "petitions/_person_section.html",
        {"rows": list(rows[:PERSON_CARD_ROWS]), "total": total, "more": max(0, total - PERSON_CARD_ROWS)},
        request=request,
    )


def deadlines_work(user: User) -> Iterable[WorkItem]:
    """For the clerks who handle petitions: matters whose running deadline has passed, and
    those due within the next 3 working days, in their scope."""
    if not _can(user, Capability.WRITE_RECORDS):
        return []
    today = timezone.localdate()
    horizon = WorkCalendar().add_working_days(today, SOON_WORKING_DAYS).date
    mine = petitions_for(user).order_by()
    overdue = mine.filter(running_due(until=today - timedelta(days=1))).count()
    soon = mine.filter(running_due(after=today, until=horizon)).count()
    inbox = reverse("petitions:inbox")
    return [
        WorkItem(_("petitions overdue"), overdue, f"{inbox}?due=overdue", urgent=True),
        WorkItem(
            _("petitions due within %(n)d working days") % {"n": SOON_WORKING_DAYS},
            soon,
            f"{inbox}?due=soon",
            hint=_("by %(date)s") % {"date": horizon.isoformat()},
        ),
    ]


def extensions_work(user: User) -> Iterable[WorkItem]:
    """For leaders: extension requests waiting for their approval (Art. 34)."""
    if not _can(user, Capability.APPROVE):
        return []
    return [
        WorkItem(
            _("extension requests to approve"),
            extensions_to_decide(user).count(),
            reverse("petitions:extensions"),
            urgent=True,
        )
    ]
