"""Reads of the reports asked of the job queue, and when a summary's downloads go through it.
(The stale rule a page applies when it shows a job is a write: ``job_services.give_up_if_stale``.)

A reader sees their own jobs, in their scope (a job whose region has left it is not there: 404);
the county's system admin sees every job of the scope, to know that the queue works and why a job
failed, but downloads none (the summary is for the roles that read personal data). Any other user
gets a 404 for a job, whoever asked for it."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.errors import Conflict
from youfu.core.messages import Message
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary
from youfu.reports.job_models import JobState, ReportJob
from youfu.reports.job_services import STEP_LABELS
from youfu.reports.selectors import require_reader

MAX_LISTED = 50  # a reader's recent jobs on the page

NOT_READY = Message(gettext_noop("This report is not ready: only a finished job has a file to download."))
EXPIRED = Message(
    gettext_noop(
        "This report's file was removed %(days)s days after it was generated, as every report"
        " job's file is. Generate the report again."
    )
)
DAMAGED = Message(
    gettext_noop("The report's file does not match what was generated (size or SHA-256): it was not sent.")
)


def jobs_for(user: User) -> QuerySet[ReportJob]:
    """The jobs ``user`` may see, the newest first."""
    jobs = ReportJob.objects.visible_to(user)
    if not user.can(Capability.MANAGE_USERS):
        require_reader(user)
        jobs = jobs.filter(requested_by=user)
    return jobs.select_related("region", "requested_by").order_by("-created_at", "-pk")


def get_job(user: User, job_id: int) -> ReportJob:
    return get_visible_or_404(jobs_for(user), user, pk=job_id)


def own_job(user: User, job_id: int) -> ReportJob:
    """A job ``user`` asked for (to download its file): anyone else's is a 404."""
    require_reader(user)
    return get_visible_or_404(
        ReportJob.objects.filter(requested_by=user).select_related("region"), user, pk=job_id
    )


def job_bytes(job: ReportJob) -> bytes:
    """The finished job's file, after checking it is the one generated; a job not done, or a file
    missing or changed, is refused rather than sent."""
    if job.state == JobState.EXPIRED:
        raise Conflict(_expired(), code="job_expired")
    if job.state != JobState.DONE:
        raise Conflict(NOT_READY, code="job_not_ready")
    try:
        with job.file.open("rb") as handle:
            data: bytes = handle.read(job.size + 1)
    except (OSError, ValueError):
        raise Conflict(DAMAGED, code="job_file_damaged") from None
    if len(data) != job.size or hashlib.sha256(data).hexdigest() != job.sha256:
        raise Conflict(DAMAGED, code="job_file_damaged")
    return data


def job_file_name(job: ReportJob) -> str:
    return f"summary-{job.region_id}-{job.period_start.isoformat()}-{job.period_end.isoformat()}.{job.format}"


def step_label(job: ReportJob) -> str:
    """What the job is doing now, in the request's language ("" when it is not running)."""
    return str(STEP_LABELS.get(job.step, "")) if job.state == JobState.RUNNING else ""


def error_text(job: ReportJob) -> str:
    """Why the job failed, in the request's language."""
    if job.state != JobState.FAILED or not job.error_message:
        return ""
    return Message(job.error_message, job.error_params or {}).render()


def expired_text(job: ReportJob) -> str:
    """That the job's file was removed, in the request's language ("" for any other state)."""
    if job.state != JobState.EXPIRED:
        return ""
    return _expired().render()


def _expired() -> Message:
    return Message(EXPIRED.msgid, {"days": settings.YOUFU_REPORT_JOB_KEEP_DAYS})


def persons_in(user: User, region: Region) -> int:
    """The people on the registry in ``region`` (any status): what a summary's cost grows with."""
    return (
        Beneficiary.objects.visible_to(user)
        .filter(region__code__startswith=region.scope_prefix)
        .order_by()
        .count()
    )


def runs_as_job(user: User, region: Region) -> bool:
    """Whether the summary's downloads of ``region`` go through the job queue: more people than
    ``YOUFU_REPORT_INLINE_MAX_PERSONS`` on its registry."""
    return persons_in(user, region) > settings.YOUFU_REPORT_INLINE_MAX_PERSONS
