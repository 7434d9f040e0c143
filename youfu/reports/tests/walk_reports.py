"""The route walk's tables for the reports' routes (see youfu/accounts/tests/walking.py).

``/reports/summary/`` and ``/api/v1/reports/summary`` take no path parameter and write nothing:
the walk requests them as township B's clerk, who must see none of township A's names in B's
summary; the region a report is asked for comes in the query (``?region=``), and a township-A
region asked by that clerk is a 404 (``test_api.py``, ``test_pages.py``, ``test_summary.py``).
``/reports/dashboard/`` and ``/api/v1/reports/dashboard`` are the same: no path parameter, no
write, the region in the query (``test_dashboard.py`` proves the 404 and that B's clerk sees B).
A report job (``/reports/jobs/<job_id>/``, its download and the API's) is its requester's: a
township-A clerk's job is a 404 to anyone else; asking for one of township A's region (the page's
POST and ``POST /api/v1/reports/jobs``) is a 404 and makes no job (``test_jobs.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import Write, api, page
from youfu.reports.archive_services import archive_period, previous_month
from youfu.reports.job_models import JobState, ReportJob
from youfu.testing import World

SAMPLES: dict[str, Callable[[World], Any]] = {
    # /reports/appraisal/<township>/: one township's appraisal explained (reads only).
    "township": lambda w: w.township_a.code,
    # /reports/archive/<archive_id>.xlsx (and the API's): an archived month of township A (the
    # task archives counties; the archive is scoped by its region's code all the same).
    "archive_id": lambda w: archive_period(w.township_a, *previous_month(date(2026, 12, 1))).report.pk,
    # /reports/jobs/<job_id>/ (its download, and the API's): a finished job of township A's clerk.
    "job_id": lambda w: (
        ReportJob.objects.get_or_create(
            requested_by=w.township_clerk,
            region=w.township_a,
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            format="xlsx",
            defaults={"state": JobState.DONE, "steps_done": 11, "steps_total": 11},
        )[0].pk
    ),
}
WRITES: dict[tuple[str, str], Write] = {}
JOB = {"from": "2026-11-01", "to": "2026-11-30", "format": "xlsx"}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "reports/jobs/"): page(lambda w: {**JOB, "region": w.township_a.code}),
    ("POST", "api/v1/reports/jobs"): api(lambda w: {**JOB, "region": w.township_a.code}),
}
READ_ONLY: set[str] = {"reports/appraisal/<str:township>/"}
