"""What the needs checks show on other apps' pages (registered in ``wiring.register``): the
findings card of a person's page and the home page's work items."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.outreach.needs.models import CheckOutcome, FindingState, HouseholdCheck
from youfu.outreach.needs.selectors import findings_for, person_findings
from youfu.registry.models import Beneficiary

PERSON_CARD_ROWS = 20


def person_findings_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The findings of the person and of their household, open ones first; left out when none."""
    user = request.user
    if not isinstance(user, User) or not user.can(Capability.READ_PERSONAL_DATA):
        return None
    rows = person_findings(user, person)
    total = rows.count()
    if total == 0:
        return None
    return render_to_string(
        "outreach/needs/_person_section.html",
        {
            "person": person,
            "rows": list(rows[:PERSON_CARD_ROWS]),
            "more": max(0, total - PERSON_CARD_ROWS),
            "today": timezone.localdate(),
        },
        request=request,
    )


def my_findings_work(user: User) -> Iterable[WorkItem]:
    """For an owner: the findings they follow up, the overdue ones as urgent."""
    if not user.can(Capability.WRITE_RECORDS):
        return []
    today = timezone.localdate()
    counts = (
        findings_for(user, state=FindingState.OPEN, owner=user.username)
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            waiting=Count("pk", filter=Q(due_on__gte=today)),
        )
    )
    url = reverse("outreach_needs:findings")
    return [
        WorkItem(
            _("my findings overdue"),
            counts["overdue"],
            f"{url}?state=open&owner={user.username}&overdue=1",
            urgent=True,
        ),
        WorkItem(_("my open findings"), counts["waiting"], f"{url}?state=open&owner={user.username}"),
    ]


def unchecked_households_work(user: User) -> Iterable[WorkItem]:
    """For the clerks of the area: households not yet checked in each open round, in their scope;
    urgent once the round's due date has passed."""
    if not user.can(Capability.WRITE_RECORDS):
        return []
    today = timezone.localdate()
    rows = (
        HouseholdCheck.objects.visible_to(user)
        .filter(round__closed_at__isnull=True, outcome=CheckOutcome.NOT_YET)
        .values("round_id", "round__name")
        .annotate(n=Count("pk"), due=Min("round__due_on"))
        .order_by("due", "round_id")
    )
    return [
        WorkItem(
            _("households not yet checked in %(name)s") % {"name": row["round__name"]},
            row["n"],
            reverse("outreach_needs:round", kwargs={"round_id": row["round_id"]}) + "?state=unchecked",
            urgent=row["due"] < today,
            hint=_("due %(date)s") % {"date": row["due"].isoformat()},
        )
        for row in rows
    ]


def needs_work(user: User) -> Iterable[WorkItem]:
    """The home work list's needs-check items: the user's own findings, then the rounds' households."""
    return [*my_findings_work(user), *unchecked_households_work(user)]
