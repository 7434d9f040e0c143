"""The pages of the reports asked of the job queue: the summary page's 生成报表 buttons post here,
a job's page shows its progress (htmx asks for it again every two seconds until it is done or
failed) and then the download, and the list shows the reader's recent jobs. A failed job, or one
whose file was removed, offers to generate the same report again (a new job).

Looking at a job applies the stale rule (``job_services.give_up_if_stale``): a job whose worker
stopped is failed, saying so, when its page is shown. These pages write, so they never read
from a replica: the progress they poll must be the primary's anyway."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from youfu.accounts.models import User
from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.roles import Capability
from youfu.core.views import capability_required
from youfu.reports import job_selectors, selectors
from youfu.reports.job_models import JobFormat, ReportJob
from youfu.reports.job_services import do_request_report_job, give_up_if_stale, give_up_stale_jobs
from youfu.reports.pdf import pdf_response
from youfu.reports.periods import parse_period
from youfu.reports.views import REGION_CODE_LENGTH, refused

READ = Capability.READ_PERSONAL_DATA


class JobForm(forms.Form):
    # The period as text: parse_period gives its own message for each way it can be wrong.
    from_ = forms.CharField(max_length=20, required=False)
    to = forms.CharField(max_length=20, required=False)
    region = forms.CharField(max_length=REGION_CODE_LENGTH, required=False)
    format = forms.ChoiceField(choices=JobFormat.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = self.fields.pop("from_")


def _summary_url(job: ReportJob) -> str:
    query = {"from": job.period_start.isoformat(), "to": job.period_end.isoformat(), "region": job.region_id}
    return f"{reverse('reports:summary')}?{urlencode(query)}"


def _job_context(job: ReportJob, user: User) -> dict[str, Any]:
    return {
        # A failed or expired job's 生成报表 again: for the one who asked (a new job of theirs).
        "may_ask_again": job.requested_by_id == user.pk,
        "job": job,
        "label": job_selectors.step_label(job),
        "error_text": job_selectors.error_text(job),
        "expired_text": job_selectors.expired_text(job),
        "summary_url": _summary_url(job),
    }


def _list(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = acting_user(request)
    give_up_stale_jobs(job_selectors.jobs_for(user))
    jobs = list(job_selectors.jobs_for(user)[: job_selectors.MAX_LISTED])
    return render(request, "reports/jobs.html", {"jobs": jobs, **extra}, status=status)


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def jobs_view(request: HttpRequest) -> HttpResponse:
    """GET: your recent report jobs. POST (the summary page's buttons): ask for one, then its page."""
    if request.method != "POST":
        return _list(request)
    user = acting_user(request)
    form = JobForm(request.POST)
    if not form.is_valid():
        return _list(request, 400, form=form)
    region = selectors.report_region(user, form.cleaned_data["region"].strip() or None)
    try:
        start, end = parse_period(form.cleaned_data["from"], form.cleaned_data["to"])
        job = do_request_report_job(
            acting_user=user, region=region, start=start, end=end, fmt=JobFormat(form.cleaned_data["format"])
        )
    except InvalidInput as exc:
        return _list(request, 400, error=exc)
    except PermissionDenied as exc:  # a role that reads only some areas: the file is the bureau's
        return refused(request, exc, _("My report jobs"))
    except Conflict as exc:
        return _list(request, 409, error=exc)
    return redirect("reports:job", job_id=job.pk)


@capability_required(READ)
@require_GET
def job_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job's page; to htmx (every two seconds while it runs), only its status."""
    job = job_selectors.get_job(acting_user(request), job_id)
    give_up_if_stale(job)
    partial = request.headers.get("HX-Request") == "true"
    template = "reports/_job_status.html" if partial else "reports/job.html"
    response = render(request, template, _job_context(job, acting_user(request)))
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@capability_required(READ)
@require_GET
def job_download_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """The finished job's file, checked against its SHA-256; before then (or a damaged file)
    the job's page with the reason (409)."""
    job = job_selectors.own_job(acting_user(request), job_id)
    try:
        data = job_selectors.job_bytes(job)
    except Conflict as exc:
        context = {**_job_context(job, acting_user(request)), "error": exc}
        return render(request, "reports/job.html", context, status=409)
    name = job_selectors.job_file_name(job)
    if job.format == JobFormat.XLSX:
        return xlsx_response(data, name)
    if job.format == JobFormat.PDF:
        return pdf_response(data, name)
    raise Http404  # pragma: no cover - the table's check constraint allows no other format
