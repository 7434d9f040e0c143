"""A report asked of the job queue: the summary of a period for a region, written as .xlsx or PDF
by a queue worker (``youfu/reports/job_services.py``) while the page shows how far it got.

A region with many people takes a while to count and a PDF to draw; a request would hold a web
worker that long and a proxy would give up on it. So such a report is a row: who asked, for which
region, period and format, where it stands (one transition table, ``JOB_TRANSITIONS``, read by the
services, the pages and the API), how many of its steps are done and which is under way, and when
done the file, stored under ``YOUFU_HOME`` with a random name, its size and SHA-256 as the archive
keeps them; when failed, why (a code and a message, rendered in the reader's language).

``updated_at`` is the worker's heartbeat: every move and every step writes it. A running job
whose heartbeat is older than ``YOUFU_REPORT_JOB_STALE_SECONDS`` lost its worker (killed,
restarted, the machine rebooted) and is failed as ``stale``. A done job's file is kept
``YOUFU_REPORT_JOB_KEEP_DAYS`` and then removed, the job ``expired``; the monthly archive is not
a job and is kept for ever.

The row names a region, a period and a user, never a person, and the file is the summary (no
person either): ``personal_data`` is off in its scope, so that the county's system admin may see
that jobs ran and why one failed. Only the user who asked downloads the file
(``job_selectors``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from youfu.audit.events import EventType
from youfu.core.roles import Capability
from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["JOB_TRANSITIONS", "JobAction", "JobFormat", "JobState", "JobTransition", "ReportJob"]


class JobState(models.TextChoices):
    QUEUED = "queued", _("waiting for the queue")
    RUNNING = "running", _("being generated")
    DONE = "done", _("ready")
    # Not the payments' "failed" (发放失败): a report that could not be generated.
    FAILED = "failed", pgettext_lazy("report job", "failed")
    EXPIRED = "expired", pgettext_lazy("report job", "file removed")


class JobFormat(models.TextChoices):
    XLSX = "xlsx", _("workbook (.xlsx)")
    PDF = "pdf", _("PDF")


class JobAction(StrEnum):
    REQUEST = "request"
    START = "start"
    FINISH = "finish"
    FAIL = "fail"
    GIVE_UP = "give_up"  # running without a step for too long: its worker is gone
    EXPIRE = "expire"  # the file kept long enough: removed


@dataclass(frozen=True)
class JobTransition:
    to_state: JobState
    # Who moves it: a user with this capability, or None for the queue worker (the system).
    capability: Capability | None
    event: EventType | None


# The one table of a job's life: (state, action) → where it goes, who moves it, what the audit
# log records. A request makes the row; the worker starts it, finishes it or fails it; the system
# gives up a running job whose worker stopped (the stale rule) and removes a done job's file once
# kept long enough (retention). Nothing leaves failed or expired (ask again for another).
JOB_TRANSITIONS: dict[tuple[JobState | None, JobAction], JobTransition] = {
    (None, JobAction.REQUEST): JobTransition(
        JobState.QUEUED, Capability.READ_PERSONAL_DATA, EventType.REPORT_JOB_REQUESTED
    ),
    (JobState.QUEUED, JobAction.START): JobTransition(JobState.RUNNING, None, None),
    (JobState.RUNNING, JobAction.FINISH): JobTransition(JobState.DONE, None, EventType.REPORT_JOB_DONE),
    (JobState.QUEUED, JobAction.FAIL): JobTransition(JobState.FAILED, None, EventType.REPORT_JOB_FAILED),
    (JobState.RUNNING, JobAction.FAIL): JobTransition(JobState.FAILED, None, EventType.REPORT_JOB_FAILED),
    (JobState.RUNNING, JobAction.GIVE_UP): JobTransition(JobState.FAILED, None, EventType.REPORT_JOB_STALE),
    (JobState.DONE, JobAction.EXPIRE): JobTransition(JobState.EXPIRED, None, EventType.REPORT_JOB_EXPIRED),
}
FINAL_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.EXPIRED})


def _job_path(instance: ReportJob, filename: str) -> str:
    # The stored name is random; the name a download gets is made from the region and period.
    return f"reports/jobs/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{instance.format}"


class ReportJob(models.Model):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    format = models.CharField(_("format"), max_length=4, choices=JobFormat.choices)
    state = models.CharField(_("state"), max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField()
    step = models.CharField(max_length=20, blank=True)  # the step under way (``job_services.STEPS``)
    file = models.FileField(upload_to=_job_path, max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # Why it failed: a stable code, the English message (a msgid) and its parameters.
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last move or step (the worker's heartbeat; see the module's text).
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="region__code", personal_data=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_job_by_user"),
            # The queue's sweeps: running jobs without a heartbeat, done jobs past retention.
            models.Index(fields=["state", "updated_at"], name="report_job_state_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="report_job_period"
            ),
            models.CheckConstraint(
                condition=models.Q(steps_done__lte=models.F("steps_total")), name="report_job_progress"
            ),
            models.CheckConstraint(condition=models.Q(state__in=JobState.values), name="report_job_state"),
            models.CheckConstraint(condition=models.Q(format__in=JobFormat.values), name="report_job_format"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period_start}–{self.period_end} {self.format} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES
