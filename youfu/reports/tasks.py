"""The reports on the job queue (huey finds this module at the app level): each month's archive,
and the reports asked of the queue (the task lives beside its services, ``job_services``, which
enqueue it; importing it here registers it with the worker)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from youfu.audit.context import audit_context
from youfu.reports.archive_services import archive_closed_month
from youfu.reports.job_services import run_report_job

__all__ = ["archive_last_month", "run_report_job"]


# huey's crontab runs on UTC: 01:00 UTC is 09:00 in Asia/Shanghai, on the 1st once the month has
# closed; the run on the 2nd archives what a failed or missed run of the 1st left (a month
# already archived is not written again).
@db_periodic_task(crontab(day="1,2", hour="1", minute="0"))
def archive_last_month() -> int:
    """Every county's summary of the month that closed; returns how many were archived now."""
    with audit_context(ip=None, channel="task"):
        return sum(result.created for result in archive_closed_month())
