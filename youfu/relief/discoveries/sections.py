"""What 应享未享 shows on other apps' pages: the person card (the person's open findings) and the
home work list (open findings per rule, for the clerks of the region)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.registry.models import Beneficiary
from youfu.relief.discoveries import selectors
from youfu.relief.discoveries.models import Rule
from youfu.relief.discoveries.present import action, evidence_text

PERSON_CARD_ROWS = 10


def person_discoveries_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The person's open findings, each with its evidence and the link to act; left out when none."""
    user = request.user
    if not isinstance(user, User) or not user.can(Capability.READ_PERSONAL_DATA):
        return None
    found = list(selectors.open_for_person(user, person)[:PERSON_CARD_ROWS])
    if not found:
        return None
    year = timezone.localdate().year
    rows = [
        {"finding": f, "rule": Rule(f.rule).label, "evidence": evidence_text(f, year), "action": action(f)}
        for f in found
    ]
    return render_to_string(
        "relief/discoveries/_person_section.html",
        {"rows": rows, "can_act": user.can(Capability.WRITE_RECORDS)},
        request=request,
    )


def open_findings_work(user: User) -> Iterable[WorkItem]:
    """For the clerks: the open findings of their region, one line per rule, as of the last
    refresh (a home graded C or D counts here until the refresh after its case opens, and no longer
    once a clerk judged the finding not to apply; housing's own line counts the homes live)."""
    if not user.can(Capability.WRITE_RECORDS) or not user.can(Capability.READ_PERSONAL_DATA):
        return []
    counts = selectors.open_counts(user)
    url = reverse("relief_discoveries:list")
    # The counts are the findings still open as of the last refresh (nightly, or "refresh now"),
    # not the live state of the areas they point at: say so, with the refresh's time.
    refresh = selectors.last_refresh_for(user)
    when = date_format(localtime(refresh.at), "Y-m-d H:i") if refresh is not None else ""
    hint = _("open findings as of the refresh of %(when)s") % {"when": when} if when else ""
    return [WorkItem(rule.label, counts[rule.value], f"{url}?rule={rule.value}", hint=hint) for rule in Rule]
