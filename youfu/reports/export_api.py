"""/api/v1/reports: the summary as a workbook or a PDF (directly, or made by the job queue:
``job_api.py``), and the archive of monthly reports.

No ``from __future__ import annotations`` here: django-ninja reads the annotations. Scoped and
for the roles that read personal data, as the summary: a region outside the caller's scope is a
404, a bad period a 400 with the period's code, a role that reads only some areas (a department
liaison) a 403 ``partial_reader`` (each file is the bureau's report of every area), an archived
file that no longer matches its SHA-256 a 409 (``archive_damaged``), never sent; a PDF on a
server where WeasyPrint cannot load a 503 (``pdf_unavailable``)."""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from youfu.core.authed import acting_user
from youfu.core.bounds import RegionCode
from youfu.core.csvio import XLSX_CONTENT_TYPE, xlsx_response
from youfu.core.errors import also_answers
from youfu.core.pagination import PageNumberPagination
from youfu.core.replica import reads_from_replica
from youfu.reports import archive_selectors, selectors
from youfu.reports.archive_models import ArchivedReport
from youfu.reports.archive_services import archive_name, archived_bytes
from youfu.reports.job_api import router as job_router
from youfu.reports.pdf import PDF_CONTENT_TYPE, pdf_name, pdf_response, summary_pdf_for
from youfu.reports.periods import parse_period
from youfu.reports.selectors import Summary
from youfu.reports.workbook import summary_workbook_for, workbook_name

router = Router(tags=["reports"])
router.add_router("", job_router)  # /reports/jobs: youfu/reports/job_api.py

XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "The workbook (.xlsx): a 说明 sheet and one sheet per section, set up for A4.",
            "content": {XLSX_CONTENT_TYPE: {}},
        }
    }
}

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The PDF (A4): the report's text, every section and the dashboard's charts.",
            "content": {PDF_CONTENT_TYPE: {}},
        },
        503: {
            "description": "PDF output is not available on this server (``pdf_unavailable``).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    }
}


class WorkbookQuery(Schema):
    # The summary's query (``youfu/reports/api.py`` ``SummaryQuery``, which imports this router).
    from_: str = Field("", alias="from", max_length=20, description="YYYY-MM-DD, the first day")
    to: str = Field("", max_length=20, description="YYYY-MM-DD, the last day (included)")
    region: RegionCode = Field("", description="a region in your scope; your own when left out")


class ArchiveOut(Schema):
    id: int
    region: str
    region_name: str
    period_start: date
    period_end: date
    generated_at: datetime
    size: int
    sha256: str
    download: str

    @staticmethod
    def resolve_region(obj: ArchivedReport) -> str:
        return str(obj.region_id)

    @staticmethod
    def resolve_region_name(obj: ArchivedReport) -> str:
        return obj.region.name

    @staticmethod
    def resolve_download(obj: ArchivedReport) -> str:
        return f"/api/v1/reports/archive/{obj.pk}.xlsx"


def _summary(request: HttpRequest, query: WorkbookQuery) -> Summary:
    user = acting_user(request)
    selectors.require_reader(user)
    start, end = parse_period(query.from_, query.to)
    region = selectors.report_region(user, query.region.strip() or None)
    return selectors.summary(user, start, end, region)


@router.get("/summary.xlsx", response={200: None}, openapi_extra=XLSX_RESPONSE)
@decorate_view(reads_from_replica)
def get_summary_xlsx(request: HttpRequest, query: Query[WorkbookQuery]) -> HttpResponse:
    """The summary of ``from``–``to`` for ``region`` as the workbook: the same figures as
    ``/reports/summary``, headed 填报单位 / 填报日期 / 统计期间. It lists no person. It is the
    bureau's report of every area: a role that reads only some (a department liaison) gets a 403
    ``partial_reader``, as for the PDF; its figures are in ``/reports/summary``."""
    found = _summary(request, query)
    data = summary_workbook_for(acting_user(request), found, filed_on=timezone.localdate())
    return xlsx_response(data, workbook_name(found))


@router.get("/summary.pdf", response={200: None}, openapi_extra=PDF_RESPONSE)
@decorate_view(reads_from_replica)
def get_summary_pdf(request: HttpRequest, query: Query[WorkbookQuery]) -> HttpResponse:
    """The same summary as an A4 PDF, with the dashboard's charts drawn as SVG (those of the
    year the period ends in name the year). It lists no person. A region with many people is
    better asked of the job queue (``POST /reports/jobs``)."""
    found = _summary(request, query)
    data = summary_pdf_for(acting_user(request), found, filed_on=timezone.localdate())
    return pdf_response(data, pdf_name(found))


@router.get("/archive", response=list[ArchiveOut])
@decorate_view(reads_from_replica)
@paginate(PageNumberPagination)
def list_archives(request: HttpRequest) -> QuerySet[ArchivedReport]:
    """The archived monthly reports in your scope, the newest month first. Each is the county's
    whole report: a role that reads only some areas (a department liaison) gets a 403
    ``partial_reader``."""
    return archive_selectors.archives_for(acting_user(request))


@router.get(
    "/archive/{archive_id}.xlsx", response={200: None}, openapi_extra={**XLSX_RESPONSE, **also_answers(409)}
)
def download_archive(request: HttpRequest, archive_id: int) -> Any:
    """The archived workbook exactly as it was generated, after checking its SHA-256; 403
    ``partial_reader`` for a role that reads only some areas."""
    report = archive_selectors.get_archive(acting_user(request), archive_id)
    return xlsx_response(archived_bytes(report), archive_name(report))
