"""The route walk's tables for the reports' routes (see youfu/accounts/tests/walking.py).

``/reports/summary/`` and ``/api/v1/reports/summary`` take no path parameter and write nothing:
the walk requests them as township B's clerk, who must see none of township A's names in B's
summary; the region a report is asked for comes in the query (``?region=``), and a township-A
region asked by that clerk is a 404 (``test_api.py``, ``test_pages.py``, ``test_summary.py``).
``/reports/dashboard/`` and ``/api/v1/reports/dashboard`` are the same: no path parameter, no
write, the region in the query (``test_dashboard.py`` proves the 404 and that B's clerk sees B)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import Write
from youfu.reports.archive_services import archive_period, previous_month
from youfu.testing import World

SAMPLES: dict[str, Callable[[World], Any]] = {
    # /reports/appraisal/<township>/: one township's appraisal explained (reads only).
    "township": lambda w: w.township_a.code,
    # /reports/archive/<archive_id>.xlsx (and the API's): an archived month of township A (the
    # task archives counties; the archive is scoped by its region's code all the same).
    "archive_id": lambda w: archive_period(w.township_a, *previous_month(date(2026, 12, 1))).report.pk,
}
WRITES: dict[tuple[str, str], Write] = {}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {}
READ_ONLY: set[str] = {"reports/appraisal/<str:township>/"}
