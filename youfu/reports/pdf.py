"""The summary as an A4 PDF: the report's text, every section's figures and the dashboard's charts
drawn as SVG (``youfu/reports/charts.py``), under the same 填报单位 / 填报日期 / 统计期间 header as the
workbook, in the Noto CJK fonts (Debian's fonts-noto-cjk).

weasyprint is imported inside ``render_pdf``, as for the petitions' replies: it needs Pango (a
system library) when it runs, and the rest of the application must work on a machine without
it. Where it cannot load, a PDF is refused with ``PdfUnavailable`` (503, ``pdf_unavailable``):
the pages and the API say so, and the workbook is still there.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.errors import YoufuError
from youfu.core.messages import Message
from youfu.reports.charts import Chart, chart_year, summary_charts
from youfu.reports.dashboard import Dashboard, dashboard
from youfu.reports.readable import require_every_area
from youfu.reports.selectors import Summary
from youfu.reports.text import summary_text
from youfu.reports.workbook import REPORT_LANGUAGE, SHEET_NAMES, header_lines, section_rows

PDF_CONTENT_TYPE = "application/pdf"


class PdfUnavailable(YoufuError):
    """WeasyPrint or the system libraries it needs (Pango) cannot be loaded on this server."""

    status = 503
    code = "pdf_unavailable"

    def __init__(self) -> None:
        super().__init__(
            Message(
                gettext_noop(
                    "PDF output is not available on this server (WeasyPrint or Pango is missing); "
                    "download the workbook (.xlsx) instead."
                )
            )
        )


def summary_html(s: Summary, charts: list[Chart], *, filed_on: date) -> str:
    """The PDF's HTML: what WeasyPrint lays out, with the charts' ``<svg>`` inline."""
    rows = section_rows(s)
    title, *meta = header_lines(s, filed_on)
    with translation.override(REPORT_LANGUAGE):
        return render_to_string(
            "reports/summary_pdf.html",
            {
                "title": title,
                "meta": meta,
                "text": summary_text(s),
                "sections": [(name, rows[key]) for key, name in SHEET_NAMES.items()],
                "charts": charts,
            },
        )


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML  # type: ignore[import-untyped, unused-ignore]  # needs Pango at run time
    except (ImportError, OSError):  # OSError: Pango's library is not installed
        raise PdfUnavailable from None
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def summary_pdf(s: Summary, d: Dashboard, *, filed_on: date) -> bytes:
    """The PDF's bytes; ``d`` is the dashboard of the year the period ends in (``chart_year``),
    for the same region and reader as ``s``."""
    return render_pdf(summary_html(s, summary_charts(s, d), filed_on=filed_on))


def summary_pdf_for(reader: User, s: Summary, *, filed_on: date) -> bytes:
    """The PDF of ``s`` with its charts, read by ``reader`` (who read ``s``) from the dashboard.
    The dashboard reads every area at once: a role that reads only some (a department liaison)
    is refused, as on the dashboard (403 ``partial_reader``)."""
    require_every_area(reader)
    return summary_pdf(s, dashboard(reader, chart_year(s), s.region), filed_on=filed_on)


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A PDF as a download that no cache keeps, as the workbook is sent."""
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


def pdf_name(s: Summary) -> str:
    return f"summary-{s.region.code}-{s.start.isoformat()}-{s.end.isoformat()}.pdf"
