"""Reads of the monthly archive, in the user's scope: a county's archive is its county readers',
and a region outside the scope is not there (404). Each archived file is the county's whole
report, so a role that reads only some areas (a department liaison) is refused (403
``partial_reader``) rather than shown an empty archive: none would be unseen, not none."""

from __future__ import annotations

from django.db.models import QuerySet

from youfu.accounts.models import User
from youfu.core.scope import get_visible_or_404
from youfu.reports.archive_models import ArchivedReport
from youfu.reports.readable import require_every_area
from youfu.reports.selectors import require_reader

MAX_LISTED = 600  # fifty years of months for one county, more than a county's clerks keep here


def archives_for(user: User) -> QuerySet[ArchivedReport]:
    require_reader(user)
    require_every_area(user)
    return (
        ArchivedReport.objects.visible_to(user)
        .select_related("region")
        .order_by("-period_start", "region_id", "pk")
    )


def get_archive(user: User, archive_id: int) -> ArchivedReport:
    require_reader(user)
    require_every_area(user)
    return get_visible_or_404(ArchivedReport.objects.select_related("region"), user, pk=archive_id)
