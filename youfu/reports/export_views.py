"""The summary as a workbook or PDF download, and the archive of monthly reports: its list and
each report's download, exactly as archived."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.replica import reads_from_replica
from youfu.core.roles import Capability
from youfu.core.views import capability_required
from youfu.reports import archive_selectors, selectors
from youfu.reports.archive_services import archive_name, archived_bytes
from youfu.reports.pdf import PdfUnavailable, pdf_name, pdf_response, summary_pdf_for
from youfu.reports.periods import parse_period
from youfu.reports.selectors import Summary
from youfu.reports.views import REGION_CODE_LENGTH, refused
from youfu.reports.workbook import summary_workbook_for, workbook_name

READ = Capability.READ_PERSONAL_DATA


def _summary_or_page(request: HttpRequest) -> Summary | HttpResponse:
    """The summary the page's download asks for, or the summary page itself with the period's
    error (400)."""
    user = acting_user(request)
    today = timezone.localdate()
    raw_from = request.GET.get("from", date(today.year, 1, 1).isoformat())
    raw_to = request.GET.get("to", today.isoformat())
    code = request.GET.get("region", "").strip()
    if len(code) > REGION_CODE_LENGTH:
        raise Http404
    region = selectors.report_region(user, code or None)
    try:
        start, end = parse_period(raw_from, raw_to)
    except InvalidInput as exc:
        context = {
            "raw_from": raw_from[:20],
            "raw_to": raw_to[:20],
            "region": region,
            "regions": selectors.regions_to_choose(user),
            "error": exc,
        }
        return render(request, "reports/summary.html", context, status=400)
    return selectors.summary(user, start, end, region)


@capability_required(READ)
@require_GET
@reads_from_replica
def summary_xlsx_view(request: HttpRequest) -> HttpResponse:
    """The summary page's figures as the workbook, for the same period and region; a bad period
    is the page itself with its error (400)."""
    found = _summary_or_page(request)
    if isinstance(found, HttpResponse):
        return found
    try:
        data = summary_workbook_for(acting_user(request), found, filed_on=timezone.localdate())
    except PermissionDenied as exc:  # a role that reads only some areas: the workbook is the bureau's
        return refused(request, exc, _("Summary report"))
    return xlsx_response(data, workbook_name(found))


@capability_required(READ)
@require_GET
@reads_from_replica
def summary_pdf_view(request: HttpRequest) -> HttpResponse:
    """The same as an A4 PDF with the dashboard's charts; where WeasyPrint cannot load, a page
    that says so and points to the workbook (503), never a server error."""
    found = _summary_or_page(request)
    if isinstance(found, HttpResponse):
        return found
    try:
        data = summary_pdf_for(acting_user(request), found, filed_on=timezone.localdate())
    except PermissionDenied as exc:  # a role that reads only some areas: the charts read all
        return refused(request, exc, _("Summary report"))
    except PdfUnavailable as exc:
        query = urlencode(
            {"from": found.start.isoformat(), "to": found.end.isoformat(), "region": found.region.code}
        )
        context = {"error": exc, "xlsx_url": f"{reverse('reports:summary_xlsx')}?{query}"}
        return render(request, "reports/pdf_unavailable.html", context, status=exc.status)
    return pdf_response(data, pdf_name(found))


@capability_required(READ)
@require_GET
@reads_from_replica
def archive_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        reports = list(archive_selectors.archives_for(user)[: archive_selectors.MAX_LISTED])
    except PermissionDenied as exc:  # the archive holds the bureau's whole reports
        return refused(request, exc, _("Archived monthly reports"))
    return render(request, "reports/archive.html", {"reports": reports})


@capability_required(READ)
@require_GET
def archive_download_view(request: HttpRequest, archive_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        report = archive_selectors.get_archive(user, archive_id)
    except PermissionDenied as exc:
        return refused(request, exc, _("Archived monthly reports"))
    try:
        data = archived_bytes(report)
    except Conflict as exc:
        return render(request, "reports/archive.html", {"reports": [report], "error": exc}, status=409)
    return xlsx_response(data, archive_name(report))
