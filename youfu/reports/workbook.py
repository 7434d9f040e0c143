"""The summary as an .xlsx workbook: one sheet per section and a 说明 sheet with the report's
text, each set up for A4 printing under the header bureaus file reports with (填报单位 / 填报日期 /
统计期间).

The figures and their labels are the page's (``views.sections``), in Chinese whatever the
request's language: the workbook is the report the bureau files upward. Amounts are numbers
(yuan, two decimals, a number format), never text, so a spreadsheet can add them up. The summary
lists no person, so a download is not an export of personal data and is not audited, as the
petition statistics and the pairing totals are not; the monthly archive records its own writing.

csvio's writer is write-only and has no page setup, merged title or print titles; the summary
is a few dozen cells, so this module writes an ordinary workbook and keeps csvio's one rule:
a text that a spreadsheet would run as a formula is written as text (``is_formula_like``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.styles import Alignment, Border, Font, Side  # type: ignore[import-untyped, unused-ignore]
from openpyxl.worksheet.page import PageMargins  # type: ignore[import-untyped, unused-ignore]

from youfu.accounts.models import User
from youfu.core.csvio import is_formula_like
from youfu.reports.readable import require_every_area
from youfu.reports.selectors import Summary
from youfu.reports.text import period_label, summary_text
from youfu.reports.views import sections

REPORT_LANGUAGE = "zh-hans"
TITLE = "优抚工作统计表"
# Each section's sheet, in the page's order (the keys are the API's section names).
SHEET_NAMES: dict[str, str] = {
    "registry": "登记",
    "payments": "发放",
    "relief": "临时救助",
    "medical": "医疗补助",
    "housing": "住房",
    "pairing": "结对帮扶",
    "visits": "走访慰问",
    "petitions": "信访",
    "needs_checks": "困难排查",
}
NOTES_SHEET = "说明"
HEADER = ("项目", "数值")
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
# The rows above the table: title, 填报单位, 填报日期, 统计期间, then the table's header, which
# every printed page repeats.
HEADER_ROWS = 5
WIDTHS = (46, 18)
NOTES = (
    "金额单位：元，保留两位小数；人数、件数、次数为整数。",
    "发放：银行确认已发放的金额，按批次所属月份统计，含随批次发放的临时救助和医疗补助。",
    "临时救助、医疗补助按审批日期统计，为审批数，不与发放金额重复相加。",
    "其他各项按记录本身的日期统计（登记、走访、受理、办结、解决等日期）。",
    "本表数据由系统根据业务记录生成，不含个人信息。",
)

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Row:
    label: str
    value: int | Decimal
    is_money: bool


def section_rows(s: Summary) -> dict[str, list[Row]]:
    """Each section's rows as the workbook writes them: the page's labels in Chinese, amounts
    as Decimal yuan (exact: the page's two-decimal strings)."""
    with translation.override(REPORT_LANGUAGE):
        return {
            section.key: [
                Row(
                    _label(str(figure.label), figure.is_money),
                    Decimal(str(figure.value)) if figure.is_money else int(figure.value),
                    figure.is_money,
                )
                for figure in section.figures
            ]
            for section in sections(s)
        }


def _label(label: str, is_money: bool) -> str:
    # The page's parts of the paid total (定期抚恤补助 …) name no unit: a printed table must.
    return f"{label}（元）" if is_money and "元" not in label else label


def header_lines(s: Summary, filed_on: date) -> list[str]:
    return [
        f"{TITLE}（{period_label(s.start, s.end)}）",
        f"填报单位：{s.region.name}",
        f"填报日期：{filed_on.isoformat()}",
        f"统计期间：{s.start.isoformat()} 至 {s.end.isoformat()}",
    ]


def _text(sheet: Any, row: int, column: int, value: str, **style: Any) -> Any:
    cell = sheet.cell(row=row, column=column, value=value)
    if is_formula_like(value):
        cell.data_type = "s"  # text, never a formula (youfu/core/csvio.py)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _page_setup(sheet: Any, *, title_rows: int) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.page_margins = PageMargins(left=0.7, right=0.7, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"1:{title_rows}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _header(sheet: Any, s: Summary, filed_on: date, section: str) -> None:
    lines = header_lines(s, filed_on)
    lines[0] = f"{lines[0]} · {section}"
    for index, line in enumerate(lines, start=1):
        font = Font(bold=True, size=14) if index == 1 else Font(size=11)
        align = Alignment(horizontal="center" if index == 1 else "left", vertical="center")
        _text(sheet, index, 1, line, font=font, alignment=align)
        sheet.merge_cells(start_row=index, start_column=1, end_row=index, end_column=len(HEADER))
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width


def _section_sheet(book: Any, s: Summary, filed_on: date, name: str, rows: list[Row]) -> None:
    sheet = book.create_sheet(name)
    _header(sheet, s, filed_on, name)
    for column, title in enumerate(HEADER, start=1):
        _text(
            sheet,
            HEADER_ROWS,
            column,
            title,
            font=Font(bold=True),
            border=_BOX,
            alignment=Alignment(horizontal="center"),
        )
    for offset, row in enumerate(rows, start=1):
        at = HEADER_ROWS + offset
        _text(sheet, at, 1, row.label, border=_BOX)
        cell = sheet.cell(row=at, column=2, value=row.value)
        cell.number_format = MONEY_FORMAT if row.is_money else COUNT_FORMAT
        cell.border = _BOX
    sheet.freeze_panes = f"A{HEADER_ROWS + 1}"
    _page_setup(sheet, title_rows=HEADER_ROWS)


def _notes_sheet(book: Any, s: Summary, filed_on: date) -> None:
    sheet = book.create_sheet(NOTES_SHEET)
    _header(sheet, s, filed_on, NOTES_SHEET)
    wrap = Alignment(wrap_text=True, vertical="top")
    lines = [summary_text(s), "", *NOTES, f"行政区划代码：{s.region.code}"]
    for offset, line in enumerate(lines, start=1):
        at = HEADER_ROWS + offset
        _text(sheet, at, 1, line, alignment=wrap)
        sheet.merge_cells(start_row=at, start_column=1, end_row=at, end_column=len(HEADER))
    # The text is a paragraph: a merged cell does not grow to fit, so give it the height.
    sheet.row_dimensions[HEADER_ROWS + 1].height = 15 * max(2, len(lines[0]) // 28 + 1)
    _page_setup(sheet, title_rows=4)


def summary_workbook(s: Summary, *, filed_on: date) -> bytes:
    """The workbook's bytes: the 说明 sheet (the report's text) first, then one sheet per section."""
    book = Workbook()
    book.remove(book.active)
    _notes_sheet(book, s, filed_on)
    rows = section_rows(s)
    for key, name in SHEET_NAMES.items():
        _section_sheet(book, s, filed_on, name, rows[key])
    book.properties.creator = "youfu"
    book.properties.title = header_lines(s, filed_on)[0]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_workbook_for(reader: User, s: Summary, *, filed_on: date) -> bytes:
    """The workbook of ``s``, read by ``reader`` (who read ``s``). The workbook is the bureau's
    report of every area under its 填报单位 header: a role that reads only some (a department
    liaison) is refused (403 ``partial_reader``), as the PDF refuses it, rather than given sheets
    of zeros for what it cannot see. Its figures are on the summary page."""
    require_every_area(reader)
    return summary_workbook(s, filed_on=filed_on)


def workbook_name(s: Summary) -> str:
    return f"summary-{s.region.code}-{s.start.isoformat()}-{s.end.isoformat()}.xlsx"
