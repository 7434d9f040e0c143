"""The reports on the job queue (huey finds this module at the app level): each month's archive,
the reports asked of the queue (the task lives beside its services, ``job_services``, which
enqueue it; importing it here registers it with the worker), and the two rules that keep the
jobs honest: a running job whose worker stopped is failed, a done job's file is removed once kept
long enough."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from youfu.audit.context import audit_context
from youfu.core.nightly import ran, register_nightly
from youfu.reports.archive_services import archive_closed_month
from youfu.reports.job_services import expire_job_files, give_up_stale_jobs, run_report_job, send_waiting_jobs
from youfu.reports.tally import ends_to_count, recount

__all__ = [
    "archive_last_month",
    "expire_report_job_files",
    "give_up_stale_report_jobs",
    "recount_dashboard_tally",
    "run_report_job",
    "send_waiting_report_jobs",
]


# huey's crontab runs on UTC: 01:00 UTC is 09:00 in Asia/Shanghai, on the 1st once the month has
# closed; the run on the 2nd archives what a failed or missed run of the 1st left (a month
# already archived is not written again).
@db_periodic_task(crontab(day="1,2", hour="1", minute="0"))
def archive_last_month() -> int:
    """Every county's summary of the month that closed; returns how many were archived now."""
    with audit_context(ip=None, channel="task"):
        return sum(result.created for result in archive_closed_month())


# Every five minutes: a job left running by a worker that was killed is failed within
# YOUFU_REPORT_JOB_STALE_SECONDS and five minutes (its page and the API do it at once when asked).
@db_periodic_task(crontab(minute="*/5"))
def give_up_stale_report_jobs() -> int:
    """Fails the running jobs without a step for longer than YOUFU_REPORT_JOB_STALE_SECONDS."""
    with audit_context(ip=None, channel="task"):
        return give_up_stale_jobs()


# 19:30 UTC is 03:30 in Asia/Shanghai, when nobody works, after the nightly backup (02:00).
@db_periodic_task(crontab(hour="19", minute="30"))
def expire_report_job_files() -> int:
    """Removes the files of the jobs done more than YOUFU_REPORT_JOB_KEEP_DAYS ago."""
    with audit_context(ip=None, channel="task"):
        removed = expire_job_files()
    ran("report-files")
    return removed


register_nightly("report-files", expire_report_job_files)


# Every minute, and as soon as the worker starts: a report asked while the queue was down (or
# lost by a Redis restarted without its data) is sent now, not left waiting for ever.
@db_periodic_task(crontab(minute="*"))
def send_waiting_report_jobs() -> int:
    """Sends the queued report jobs that are not on the queue."""
    return send_waiting_jobs()


def _every_tally_period(moment: datetime) -> bool:
    minutes = settings.YOUFU_DASHBOARD_TALLY_MINUTES
    return minutes > 0 and (moment.hour * 60 + moment.minute) % minutes == 0


# Every YOUFU_DASHBOARD_TALLY_MINUTES (10): the dashboard's heavy figures, counted ahead for this
# year and the last one (youfu/reports/tally.py). The lock keeps two workers (several consumers on
# Redis) from counting at once.
@db_periodic_task(_every_tally_period)
@lock_task("youfu-dashboard-tally")
def recount_dashboard_tally() -> int:
    """Counts the dashboard's heavy figures ahead; returns how many years were counted."""
    ends = ends_to_count()
    for end in ends:
        recount(end)
    return len(ends)
