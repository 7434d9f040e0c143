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

from youfu.accounts.tests.walking import STAFF, Access, Write, acl, api, page
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
WEIGHTS = {
    "accepted_on_time": 3,
    "concluded_on_time": 3,
    "satisfaction": 2,
    "annual_confirmation": 1,
    "findings_on_time": 1,
    "visit_coverage": 1,
    "housing_served": 1,
}
WRITES: dict[tuple[str, str], Write] = {
    ("POST", "reports/appraisal/weights/"): page(lambda w: {**WEIGHTS, "note": "走查"}),
    ("PUT", "api/v1/reports/appraisal/weights"): api(lambda w: {"weights": WEIGHTS, "note": "走查"}),
}
JOB = {"from": "2026-11-01", "to": "2026-11-30", "format": "xlsx"}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "reports/jobs/"): page(lambda w: {**JOB, "region": w.township_a.code}),
    ("POST", "api/v1/reports/jobs"): api(lambda w: {**JOB, "region": w.township_a.code}),
}
READ_ONLY: set[str] = {"reports/appraisal/<str:township>/"}

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "reports/summary/": acl(get=STAFF),
    "reports/dashboard/": acl(get="cltv"),
    "reports/summary.xlsx": acl(get="cltv"),
    "reports/summary.pdf": acl(get="cltv"),
    "reports/jobs/": acl(get=STAFF, post="clt"),
    "reports/jobs/<int:job_id>/": acl(get="t"),
    "reports/jobs/<int:job_id>/download": acl(get="t"),  # the requester's own
    "reports/archive/": acl(get="cltv"),
    "reports/archive/<int:archive_id>.xlsx": acl(get="clt"),
    "reports/appraisal/": acl(get="clt"),
    "reports/appraisal/weights/": acl(get="clt", post="l"),  # the county's leader
    "reports/appraisal/<str:township>/": acl(get="clt"),
    "api/v1/reports/summary": acl(get=STAFF),
    "api/v1/reports/appraisal": acl(get="clt"),
    "api/v1/reports/appraisal/weights": acl(get="clt", put="l"),
    "api/v1/reports/summary.xlsx": acl(get="cltv"),  # the bureau's files: not a liaison's
    "api/v1/reports/summary.pdf": acl(get="cltv"),
    "api/v1/reports/archive": acl(get="cltv"),
    "api/v1/reports/archive/<archive_id>.xlsx": acl(get="clt"),
    "api/v1/reports/jobs": acl(get="acdltv", post="clt"),
    "api/v1/reports/jobs/<job_id>": acl(get="at"),
    "api/v1/reports/jobs/<job_id>/download": acl(get="t"),
    "api/v1/reports/dashboard": acl(get="cltv"),
}

_NOVEMBER = "from=2026-11-01&to=2026-11-30"
QUERIES = {
    "api/v1/reports/summary": _NOVEMBER,
    "api/v1/reports/summary.xlsx": _NOVEMBER,
    "api/v1/reports/summary.pdf": _NOVEMBER,
    "api/v1/reports/appraisal": "year=2026",
    "api/v1/reports/dashboard": "year=2026",
}
_NO_FILE = "the sample job is done on paper only: it has no file to download (test_jobs.py downloads one)"
NO_WITNESS = {
    "GET /reports/jobs/<int:job_id>/download": _NO_FILE,
    "GET /api/v1/reports/jobs/<job_id>/download": _NO_FILE,
}
