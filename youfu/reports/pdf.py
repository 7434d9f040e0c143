"""The summary as an A4 PDF: the report's text and every section's figures, under the same
填报单位 / 填报日期 / 统计期间 header as the workbook, in the Noto CJK fonts (Debian's
fonts-noto-cjk).

weasyprint is imported inside the function, as for the petitions' replies: it needs Pango (a
system library) when it runs, and the rest of the application must work on a machine without
it. No charts yet: the dashboard's server-side SVG charts are not written.
"""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string
from django.utils import translation

from youfu.reports.selectors import Summary
from youfu.reports.text import summary_text
from youfu.reports.workbook import REPORT_LANGUAGE, SHEET_NAMES, header_lines, section_rows


def summary_pdf(s: Summary, *, filed_on: date) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped, unused-ignore]  # needs Pango at run time

    rows = section_rows(s)
    title, *meta = header_lines(s, filed_on)
    with translation.override(REPORT_LANGUAGE):
        html = render_to_string(
            "reports/summary_pdf.html",
            {
                "title": title,
                "meta": meta,
                "text": summary_text(s),
                "sections": [(name, rows[key]) for key, name in SHEET_NAMES.items()],
            },
        )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
