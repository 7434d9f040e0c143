"""What reports shows on other apps' pages (registered in ``ReportsConfig.ready``): the
dashboard's card in a leader's home work list. Home has no place for a whole chart panel, so the
card is a link with one figure, read with two queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Role
from youfu.core.sections import WorkItem
from youfu.reports import selectors


def dashboard_work(user: User) -> Iterable[WorkItem]:
    """For leaders: the dashboard of the current year, with the people on the registry."""
    if user.role != Role.LEADER or not user.region_id:
        return []
    year = timezone.localdate().year
    region = selectors.report_region(user, None)
    # The registry's figure alone (the summary's definition), not the whole dashboard.
    persons = selectors.registry_figures(user, region, date(year, 1, 1), date(year, 12, 31)).persons
    return [
        WorkItem(
            _("people on the registry — open the %(year)d dashboard") % {"year": year},
            persons,
            reverse("reports:dashboard") + f"?year={year}",
            hint=_("payments by month, townships, categories, petitions, care"),
        )
    ]
