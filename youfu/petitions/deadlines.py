"""The petition deadlines of the 信访工作条例 (2022), DESIGN.md §5.

Every deadline is derived from the dates of the steps taken, so recomputing after a
calendar change is the same function as computing at each step.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings

from youfu.core.workdays import WorkCalendar, deadline
from youfu.petitions.models import DUE_FIELDS, DeadlineKind, Petition

ACCEPT_DAYS = 15  # Art. 23
HANDLE_DAYS = 60  # Art. 34, extendable once by at most MAX_EXTENSION_DAYS
MAX_EXTENSION_DAYS = 30
REVIEW_REQUEST_DAYS = 30  # Art. 35
REVIEW_DAYS = 30
REREVIEW_REQUEST_DAYS = 30  # Art. 36
REREVIEW_DAYS = 30
MAX_REPRESENTATIVES = 5  # Art. 20


def working_day_kinds() -> frozenset[str]:
    """The deadline kinds a deployment counts in working days instead of calendar days."""
    return frozenset(getattr(settings, "YOUFU_PETITION_WORKING_DAY_DEADLINES", frozenset()))


def _periods(petition: Petition) -> list[tuple[str, date | None, int]]:
    return [
        (DeadlineKind.ACCEPT, petition.received_on, ACCEPT_DAYS),
        # An extension lengthens the period itself: 60 + n from acceptance, then the rest-day
        # rule; it never counts on from an already rolled date.
        (DeadlineKind.HANDLE, petition.accepted_on, HANDLE_DAYS + (petition.extension_days or 0)),
        (DeadlineKind.REVIEW_REQUEST, petition.replied_on, REVIEW_REQUEST_DAYS),
        (DeadlineKind.REVIEW, petition.review_requested_on, REVIEW_DAYS),
        (DeadlineKind.REREVIEW_REQUEST, petition.review_replied_on, REREVIEW_REQUEST_DAYS),
        (DeadlineKind.REREVIEW, petition.rereview_requested_on, REREVIEW_DAYS),
    ]


def compute(petition: Petition, calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """The deadline columns (and ``calendar_complete``) for the petition's current dates."""
    calendar = calendar or WorkCalendar()
    working = working_day_kinds()
    values: dict[str, Any] = {}
    complete = True
    for kind, start, days in _periods(petition):
        if start is None:
            values[DUE_FIELDS[kind]] = None
            continue
        due = deadline(start, days, working_days=kind in working, calendar=calendar)
        values[DUE_FIELDS[kind]] = due.date
        complete = complete and due.complete
    values["calendar_complete"] = complete
    return values
