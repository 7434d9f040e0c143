"""/api/v1/reports/jobs: the summary as a file made by the job queue, for a region too large to
make it within a request.

No ``from __future__ import annotations`` here: django-ninja reads the annotations. ``POST`` answers
202 with the job; ``GET /jobs/{id}`` tells how far it got (``progress`` of ``total`` steps, the
step under way as ``label``) and, once done, where to download it. The query's rules are the
summary's: a bad period is a 400 with the period's code, a region outside the caller's scope a
404. A job is its requester's (and visible to the county's system admin, without its file):
anyone else gets a 404.

A running job that made no progress for ``YOUFU_REPORT_JOB_STALE_SECONDS`` lost its worker: it
is failed (``error.code`` ``stale``) by the queue every five minutes and as soon as it is asked
for here. A done job's file is removed ``YOUFU_REPORT_JOB_KEEP_DAYS`` after it was made (``state``
``expired``; its download a 409 ``job_expired``). Either way, ``POST /reports/jobs`` with the same
``from``, ``to``, ``region`` and ``format`` generates it again."""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from youfu.core.authed import acting_user
from youfu.core.bounds import RegionCode
from youfu.core.csvio import XLSX_CONTENT_TYPE, xlsx_response
from youfu.core.errors import also_answers
from youfu.core.pagination import PageNumberPagination
from youfu.reports import job_selectors, selectors
from youfu.reports.job_models import JobFormat, JobState, ReportJob
from youfu.reports.job_services import do_request_report_job, give_up_if_stale, give_up_stale_jobs
from youfu.reports.pdf import PDF_CONTENT_TYPE, pdf_response
from youfu.reports.periods import parse_period

router = Router(tags=["reports"])

DOWNLOAD_RESPONSE = {
    "responses": {
        200: {
            "description": "The job's file, exactly as generated: a workbook or a PDF.",
            "content": {XLSX_CONTENT_TYPE: {}, PDF_CONTENT_TYPE: {}},
        }
    }
}


class JobIn(Schema):
    # Text rather than dates: a malformed or missing date gets the period's own message.
    from_: str = Field("", alias="from", max_length=20, description="YYYY-MM-DD, the first day")
    to: str = Field("", max_length=20, description="YYYY-MM-DD, the last day (included)")
    region: RegionCode = Field("", description="a region in your scope; your own when left out")
    format: Literal["xlsx", "pdf"] = Field(..., description="xlsx (the workbook) or pdf (with charts)")


class JobErrorOut(Schema):
    code: str
    message: str = Field(..., description="in the request's language")


class JobOut(Schema):
    # Read from the row by the resolvers below; ``from`` (a Python keyword) by its field's name.
    model_config = ConfigDict(populate_by_name=True)

    id: int
    state: str = Field(
        ..., description="queued, running, done, failed or expired (done, its file removed since)"
    )
    state_label: str
    format: str
    region: str
    region_name: str
    from_: date = Field(..., alias="from")
    to: date
    progress: int = Field(..., description="steps done")
    total: int = Field(..., description="steps in all")
    label: str = Field(..., description="the step under way, while running")
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime = Field(
        ..., description="the last step or move: a running job silent for too long is failed as stale"
    )
    size: int
    sha256: str
    error: JobErrorOut | None = Field(
        ..., description="why it failed (``stale``: its worker stopped; ask for it again)"
    )
    download: str | None = Field(..., description="the file, once done (for the user who asked)")

    @staticmethod
    def resolve_state_label(obj: ReportJob) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_region(obj: ReportJob) -> str:
        return str(obj.region_id)

    @staticmethod
    def resolve_region_name(obj: ReportJob) -> str:
        return obj.region.name

    @staticmethod
    def resolve_from_(obj: ReportJob) -> date:
        return obj.period_start

    @staticmethod
    def resolve_to(obj: ReportJob) -> date:
        return obj.period_end

    @staticmethod
    def resolve_progress(obj: ReportJob) -> int:
        return obj.steps_done

    @staticmethod
    def resolve_total(obj: ReportJob) -> int:
        return obj.steps_total

    @staticmethod
    def resolve_label(obj: ReportJob) -> str:
        return job_selectors.step_label(obj)

    @staticmethod
    def resolve_requested_by(obj: ReportJob) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_error(obj: ReportJob) -> dict[str, str] | None:
        if obj.state != JobState.FAILED:
            return None
        return {"code": obj.error_code, "message": job_selectors.error_text(obj)}

    @staticmethod
    def resolve_download(obj: ReportJob, context: dict[str, Any]) -> str | None:
        asked = obj.requested_by_id == context["request"].user.pk
        return f"/api/v1/reports/jobs/{obj.pk}/download" if obj.state == JobState.DONE and asked else None


@router.post("/jobs", response={202: JobOut}, by_alias=True)
def create_job(request: HttpRequest, body: JobIn) -> Status[ReportJob]:
    """Ask the job queue for the summary of ``from``–``to`` for ``region`` as ``format``; poll
    ``GET /reports/jobs/{id}`` until ``state`` is done, then download it. At most four of your
    jobs wait or run at once (409 ``too_many_jobs``)."""
    user = acting_user(request)
    selectors.require_reader(user)
    start, end = parse_period(body.from_, body.to)
    region = selectors.report_region(user, body.region.strip() or None)
    job = do_request_report_job(
        acting_user=user, region=region, start=start, end=end, fmt=JobFormat(body.format)
    )
    # Re-read: a queue in immediate mode (tests, ``YOUFU_HUEY_IMMEDIATE``) has already run it.
    return Status(202, job_selectors.get_job(user, job.pk))


@router.get("/jobs", response=list[JobOut], by_alias=True)
@paginate(PageNumberPagination)
def list_jobs(request: HttpRequest) -> QuerySet[ReportJob]:
    """Your report jobs, the newest first (the county's system admin: every job of the scope)."""
    user = acting_user(request)
    give_up_stale_jobs(job_selectors.jobs_for(user))
    return job_selectors.jobs_for(user)


@router.get("/jobs/{job_id}", response=JobOut, by_alias=True)
def get_job(request: HttpRequest, job_id: int) -> ReportJob:
    """Where the job stands: its state, ``progress`` of ``total`` steps and the step under way,
    why it failed, or where to download it."""
    job = job_selectors.get_job(acting_user(request), job_id)
    give_up_if_stale(job)
    return job


@router.get(
    "/jobs/{job_id}/download", response={200: None}, openapi_extra={**DOWNLOAD_RESPONSE, **also_answers(409)}
)
def download_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The finished job's file, after checking its SHA-256; 409 ``job_not_ready`` before it is
    done, ``job_expired`` once its file was removed."""
    job = job_selectors.own_job(acting_user(request), job_id)
    data = job_selectors.job_bytes(job)
    name = job_selectors.job_file_name(job)
    return xlsx_response(data, name) if job.format == JobFormat.XLSX else pdf_response(data, name)
