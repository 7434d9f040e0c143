"""Reports asked of the job queue: a reader asks (``do_request_report_job``), a queue worker writes
the file step by step (``run_report_job``), the page and the API show how far it got.

Every move follows ``JOB_TRANSITIONS`` (``job_models.py``) as a compare-and-set ``UPDATE … WHERE
state = <from>`` with its audit record in the same transaction; the progress of a running job is
an update of its own row (``WHERE state = running``), outside any transaction so that the page
sees each step as it is done.

The worker reads as the user who asked, as they read now: the region must still be in their scope
and their role must still read every area's records, or the job fails saying so (the file is the
bureau's report, as the workbook and the PDF are: a role that reads only some areas, a department
liaison, is refused with ``partial_reader``). The summary is assembled
section by section from the selectors ``selectors.summary`` itself calls (a test holds the two to
the same figures), so that each section is a step the page can show; a PDF then reads the
dashboard of the year the period ends in and draws its charts. The file is made in memory (a
summary is a few dozen figures), stored under ``YOUFU_HOME`` only once whole, and removed again
if the job cannot be marked done: a failed job leaves no file, never half of one.

Two rules of the system, each a row of the table too, run by the queue's periodic tasks
(``tasks.py``): a running job whose heartbeat (``updated_at``, written at every step) is older
than ``YOUFU_REPORT_JOB_STALE_SECONDS`` lost its worker — killed, restarted, the machine rebooted
— and is failed as ``stale`` (``give_up_stale_jobs``; the pages and the API apply the same rule
when someone looks at a job, so nobody waits for the next sweep); a done job's file is removed
``YOUFU_REPORT_JOB_KEEP_DAYS`` after it was made and the job marked ``expired``
(``expire_job_files``). Either way the user asks again for a new job. The worker that was given
up on, should it still be alive, stops at its next step, and its file, should it get that far,
is not kept.

A job asked while the queue cannot be reached (Redis down) is not failed: it waits, queued, and
``send_waiting_jobs`` — every minute on the queue, the first time as its worker starts — sends
every queued job that is not on the queue, which also finds those a Redis restarted without its
data has lost. The request is answered 202 either way.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from huey.contrib.djhuey import HUEY, db_task

from youfu.accounts.models import User
from youfu.audit.context import audit_context
from youfu.audit.services import record_event
from youfu.core.errors import Conflict, YoufuError
from youfu.core.messages import Message
from youfu.core.roles import require
from youfu.regions.models import Region
from youfu.reports import selectors
from youfu.reports.charts import chart_year, summary_charts
from youfu.reports.dashboard import Dashboard, dashboard
from youfu.reports.job_models import JOB_TRANSITIONS, JobAction, JobFormat, JobState, ReportJob
from youfu.reports.pdf import render_pdf, summary_html
from youfu.reports.readable import require_every_area
from youfu.reports.selectors import Summary
from youfu.reports.workbook import summary_workbook

logger = logging.getLogger(__name__)

# A job still queued this long after it was asked, and not on the queue, is sent again: the queue
# could not be reached when it was asked, or lost it (a Redis restarted without its data). Long
# enough for the request's own sending, right after its commit, to have been done; were it not,
# the job would be sent twice and made once.
RESEND_AFTER = timedelta(seconds=2)

# A reader's jobs waiting or running at once: enough for a county's and a township's report in
# both formats; more is a click repeated, and each one holds a worker.
MAX_OPEN_JOBS = 4

# The summary's sections, each a step: the selectors ``selectors.summary`` calls, in its order.
SECTIONS: dict[str, Callable[[User, Region, date, date], Any]] = {
    "registry": selectors.registry_figures,
    "payments": selectors.payment_figures,
    "relief": selectors.relief_figures,
    "medical": selectors.medical_figures,
    "housing": selectors.housing_figures,
    "pairing": selectors.pairing_figures,
    "visits": selectors.visit_figures,
    "petitions": selectors.petition_figures,
    "needs_checks": selectors.needs_figures,
}
STEP_LABELS: dict[str, str | Promise] = {
    "registry": _("Registry"),
    "payments": _("Payments confirmed by the banks"),
    "relief": _("Temporary relief"),
    "medical": _("Medical top-ups"),
    "housing": _("Housing"),
    "pairing": _("Pairing support"),
    "visits": _("Visits"),
    "petitions": _("Petitions"),
    "needs_checks": _("Needs checks"),
    "dashboard": _("the year's figures for the charts"),
    "charts": _("drawing the charts"),
    "write": _("writing the file"),
    "store": _("storing the file"),
}

FAILED_UNEXPECTEDLY = Message(
    gettext_noop("The report could not be generated (the error is in the server's log). Ask for it again.")
)
OUT_OF_SCOPE = Message(
    gettext_noop("The region is no longer in your scope, or your role no longer reads reports.")
)
TOO_MANY = Message(
    gettext_noop("You have %(n)s reports waiting or being generated: wait for one to finish."),
)
STALE = Message(
    gettext_noop(
        "The report made no progress for %(minutes)s minutes: the worker generating it was stopped"
        " (a restart of the server or of the job queue). Nothing was kept; generate it again."
    )
)


class _GivenUp(Exception):
    """The job is no longer running (given up as stale meanwhile): the worker stops."""


def steps_for(fmt: str) -> list[str]:
    """The steps of a job in ``fmt``, in the order the worker takes them."""
    drawing = ["dashboard", "charts"] if fmt == JobFormat.PDF else []
    return [*SECTIONS, *drawing, "write", "store"]


# --- asking ------------------------------------------------------------------------------------


def do_request_report_job(
    *, acting_user: User, region: Region, start: date, end: date, fmt: JobFormat
) -> ReportJob:
    """``acting_user`` asks for the summary of ``region`` (checked in their scope by the caller)
    over [start, end] in ``fmt``; the queue gets it once the row is committed."""
    row = JOB_TRANSITIONS[(None, JobAction.REQUEST)]
    assert row.capability is not None and row.event is not None  # a user's move, audited
    require(acting_user, row.capability)
    require_every_area(acting_user)
    # A job whose worker died is not waiting any more: it must not hold one of the four places.
    give_up_stale_jobs(ReportJob.objects.filter(requested_by=acting_user))
    waiting = ReportJob.objects.filter(
        requested_by=acting_user, state__in=[JobState.QUEUED, JobState.RUNNING]
    ).count()
    if waiting >= MAX_OPEN_JOBS:
        raise Conflict(Message(TOO_MANY.msgid, {"n": waiting}), code="too_many_jobs")
    with transaction.atomic():
        job = ReportJob.objects.create(
            requested_by=acting_user,
            region=region,
            period_start=start,
            period_end=end,
            format=fmt,
            state=row.to_state,
            steps_total=len(steps_for(fmt)),
        )
        record_event(
            row.event,
            actor=acting_user,
            region=region.pk,
            obj=job,
            new={
                "state": job.state,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "format": fmt.value,
            },
        )
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    """After commit: onto the queue. A queue that cannot be reached leaves the job waiting, as
    the reader was told it is: ``send_waiting_jobs`` sends it once the queue is back. The
    request is answered either way (never a 500 for a queue that is down)."""
    try:
        run_report_job(job_id)
    except Exception as exc:  # whatever the queue's client raises: the job waits for the queue
        logger.warning(
            "report job %s: the queue could not be reached (%s); it waits", job_id, type(exc).__name__
        )


def send_waiting_jobs(*, now: datetime | None = None) -> int:
    """Send again the queued jobs asked more than ``RESEND_AFTER`` ago that are not on the queue
    (never sent, or lost by it); how many. Run by the queue every minute, the first time as the
    worker starts. A job sent twice is made once: the second delivery finds it started
    (``run_job``)."""
    cutoff = (now or timezone.now()) - RESEND_AFTER
    waiting = list(
        ReportJob.objects.filter(state=JobState.QUEUED, updated_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not waiting:
        return 0
    name = run_report_job.task_class.__name__  # what huey names the task's messages
    on_queue = {task.args[0] for task in HUEY.pending() if task.name == name and task.args}
    sent = 0
    for job_id in waiting:
        if job_id not in on_queue:
            run_report_job(job_id)
            sent += 1
    if sent:
        logger.warning("report jobs: %d waiting job(s) sent to the queue again", sent)
    return sent


# --- the worker --------------------------------------------------------------------------------


@db_task()
def run_report_job(job_id: int) -> str:
    """The queue's task (registered by ``youfu/reports/tasks.py``): returns the job's state."""
    with audit_context(ip=None, channel="task"):
        return run_job(job_id)


def run_job(job_id: int) -> str:
    """Start the job if it is still waiting (a second delivery of the task finds it started and
    does nothing), write its file step by step, and finish or fail it."""
    job = ReportJob.objects.select_related("region", "requested_by").filter(pk=job_id).first()
    if job is None or not _move(job, JobAction.START, started_at=timezone.now()):
        return job.state if job is not None else "missing"
    try:
        _store(job, _generate(job))
    except _GivenUp:
        job.refresh_from_db(fields=["state"])
    except YoufuError as exc:
        _fail(job, exc.code, exc.message)
    except Http404:
        _fail(job, "not_found", OUT_OF_SCOPE)
    except Exception:
        logger.exception("report job %s failed", job.pk)
        _fail(job, "failed", FAILED_UNEXPECTEDLY)
    return job.state


def assemble_summary(job: ReportJob, step: Callable[[str], None] = lambda key: None) -> Summary:
    """The summary ``selectors.summary`` gives, one section at a time, ``step`` called before
    each (the job's progress)."""
    reader = job.requested_by
    selectors.require_reader(reader)
    require_every_area(reader)
    where = selectors.report_region(reader, job.region.code)
    figures: dict[str, Any] = {}
    for key, figures_of in SECTIONS.items():
        step(key)
        figures[key] = figures_of(reader, where, job.period_start, job.period_end)
    return Summary(region=where, start=job.period_start, end=job.period_end, **figures)


def _generate(job: ReportJob) -> bytes:
    def step(key: str) -> None:
        _progress(job, key)

    s = assemble_summary(job, step)
    filed_on = timezone.localdate()
    if job.format == JobFormat.XLSX:
        step("write")
        return summary_workbook(s, filed_on=filed_on)
    step("dashboard")
    d: Dashboard = dashboard(job.requested_by, chart_year(s), s.region)
    step("charts")
    html = summary_html(s, summary_charts(s, d), filed_on=filed_on)
    step("write")
    return render_pdf(html)


def _progress(job: ReportJob, key: str) -> None:
    """The step under way, and how many are done before it; seen by the page at once. It is the
    heartbeat too: a job given up on meanwhile (no longer running) stops here."""
    done = steps_for(job.format).index(key)
    now = timezone.now()
    beat = ReportJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        steps_done=done, step=key, updated_at=now
    )
    if not beat:
        raise _GivenUp
    job.steps_done, job.step, job.updated_at = done, key, now


def _store(job: ReportJob, data: bytes) -> None:
    """The file under its random name, then the job done; whatever goes wrong on the way (a full
    disk, a job failed meanwhile) leaves no file behind."""
    _progress(job, "store")
    storage = job.file.storage
    name = job.file.field.generate_filename(job, f"summary.{job.format}")
    try:
        stored = storage.save(name, ContentFile(data), max_length=job.file.field.max_length)
        with transaction.atomic():
            moved = _move(
                job,
                JobAction.FINISH,
                file=stored,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                steps_done=job.steps_total,
                step="",
                finished_at=timezone.now(),
            )
    except BaseException:
        storage.delete(name)
        raise
    if not moved:  # failed meanwhile, by someone else: its file goes
        storage.delete(stored)


def _fail(job: ReportJob, code: str, message: Message) -> None:
    """Failed, with the reason (a code and a message the pages render in the reader's language);
    a job already done or failed stays as it is."""
    params = {key: str(value) for key, value in message.params.items()}
    with transaction.atomic():
        _move(
            job,
            JobAction.FAIL,
            error_code=code[:40],
            error_message=message.msgid[:500],
            error_params=params,
            step="",
            finished_at=timezone.now(),
        )


def _move(
    job: ReportJob,
    action: JobAction,
    *,
    unless_changed: Q | None = None,
    audit_new: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Compare-and-set along ``JOB_TRANSITIONS``, with the row's audit record; False (and no
    change) when the job is no longer where the table starts from, or no longer matches
    ``unless_changed`` (a rule's condition, checked in the same ``UPDATE``). Every move is a
    heartbeat (``updated_at``)."""
    before = JobState(job.state)
    row = JOB_TRANSITIONS.get((before, action))
    if row is None:
        return False
    fields.setdefault("updated_at", fields.get("finished_at") or timezone.now())
    still = ReportJob.objects.filter(pk=job.pk, state=before)
    if unless_changed is not None:
        still = still.filter(unless_changed)
    changed = still.update(state=row.to_state, **fields)
    if not changed:
        job.refresh_from_db(fields=["state"])
        return False
    job.state = row.to_state
    for name, value in fields.items():
        setattr(job, name, value)
    if row.event is not None:
        new: dict[str, Any] = {"state": job.state}
        if job.state == JobState.DONE:
            new |= {"size": job.size, "sha256": job.sha256}
        if job.state == JobState.FAILED:
            new["error_code"] = job.error_code
        new |= audit_new or {}
        record_event(
            row.event,
            actor=None,
            region=job.region_id,
            obj=job,
            old={"state": before.value},
            new=new,
            extra={"requested_by": job.requested_by_id},
        )
    return True


# --- the system's rules: a worker that stopped, a file kept long enough ------------------------


def stale_cutoff(now: datetime | None = None) -> datetime | None:
    """A running job whose heartbeat is older than this lost its worker; None: the rule is off."""
    seconds = settings.YOUFU_REPORT_JOB_STALE_SECONDS
    if seconds <= 0:
        return None
    return (now or timezone.now()) - timedelta(seconds=seconds)


def give_up_if_stale(job: ReportJob, *, now: datetime | None = None) -> bool:
    """The stale rule for one job someone looks at (its page, the API): failed, saying why, if
    it is running with no heartbeat since the cutoff. No query for any other job."""
    cutoff = stale_cutoff(now)
    if cutoff is None or job.state != JobState.RUNNING or job.updated_at >= cutoff:
        return False
    return _give_up(job, cutoff, now or timezone.now())


def give_up_stale_jobs(jobs: QuerySet[ReportJob] | None = None, *, now: datetime | None = None) -> int:
    """The stale rule over ``jobs`` (every job: the periodic task; one user's: their list, their
    next request); how many were failed now."""
    cutoff = stale_cutoff(now)
    if cutoff is None:
        return 0
    found = (jobs if jobs is not None else ReportJob.objects.all()).filter(
        state=JobState.RUNNING, updated_at__lt=cutoff
    )
    at = now or timezone.now()
    return sum(_give_up(job, cutoff, at) for job in found.order_by("pk"))


def _give_up(job: ReportJob, cutoff: datetime, now: datetime) -> bool:
    """Failed as stale, unless its worker wrote a step since it was read (the cutoff is checked
    again in the update itself: a live job is never failed by a race)."""
    seconds = settings.YOUFU_REPORT_JOB_STALE_SECONDS
    minutes = max(1, round(seconds / 60))
    last = job.updated_at
    with transaction.atomic():
        return _move(
            job,
            JobAction.GIVE_UP,
            unless_changed=Q(updated_at__lt=cutoff),
            audit_new={"last_progress": last.isoformat(), "stale_seconds": seconds},
            error_code="stale",
            error_message=STALE.msgid,
            error_params={"minutes": str(minutes)},
            step="",
            finished_at=now,
            updated_at=now,
        )


def expire_job_files(*, now: datetime | None = None) -> int:
    """Removes the files of the done jobs made more than ``YOUFU_REPORT_JOB_KEEP_DAYS`` ago (a
    done job's ``updated_at`` is when it was finished; nothing writes it after) and marks them
    expired; how many. Only jobs' files: the monthly archive is another table and is kept for
    ever."""
    days = settings.YOUFU_REPORT_JOB_KEEP_DAYS
    if days <= 0:
        return 0
    at = now or timezone.now()
    cutoff = at - timedelta(days=days)
    expired = 0
    for job in ReportJob.objects.filter(state=JobState.DONE, updated_at__lt=cutoff).order_by("pk"):
        name, storage = job.file.name, job.file.storage
        with transaction.atomic():
            moved = _move(
                job,
                JobAction.EXPIRE,
                unless_changed=Q(updated_at__lt=cutoff),
                audit_new={"kept_days": days, "sha256": job.sha256},
                file="",
                updated_at=at,
            )
            if moved and name:
                # The row first: a file removed under a job still marked done would be a
                # damaged download; a file left by a failed removal is only disk space.
                transaction.on_commit(partial(_remove_file, storage, name, job.pk))
        expired += moved
    return expired


def _remove_file(storage: Storage, name: str, job_id: int) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.exception("report job %s: its expired file could not be removed", job_id)
