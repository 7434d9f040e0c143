"""Reading the CSV files clerks really have: UTF-8, UTF-8 with BOM, or GBK (Excel's default in China),
and writing every .csv and .xlsx export so that no cell runs as a formula."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
from youfu.core.imports import check_text_table
from youfu.core.messages import Message

ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a strict superset of GBK


def decode_text(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        Message(gettext_noop("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8)."))
    )


def normalize_cell(value: str | None) -> str:
    """Strip ordinary and ideographic spaces that spreadsheets leave around values."""
    return (value or "").strip().strip("\u3000").strip()


@dataclass(frozen=True)
class CsvRow:
    number: int  # the row number a spreadsheet shows: header is 1, first data row 2
    values: dict[str, str]


def parse_csv(text: str, dialect: type[csv.Dialect] | csv.Dialect = csv.excel) -> list[list[str]]:
    """Every row of a CSV text, whatever its line ends (\\r\\n, \\n, or the old \\r alone). A text the
    csv module cannot split (a field beyond its 128 KB limit) is refused, not a crash."""
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "The file cannot be read as CSV (a field is far too long, or its quotes do not "
                    "close); open it in a spreadsheet and save it again as CSV (UTF-8)."
                )
            ),
            code="unsupported_file",
        ) from None


def read_csv(data: bytes, required: Sequence[str]) -> list[CsvRow]:
    """Parse ``data`` into rows keyed by header; refuse a file missing a required column."""
    check_text_table(data)
    reader = iter(parse_csv(decode_text(data)))
    try:
        header = [normalize_cell(h) for h in next(reader)]
    except StopIteration:
        raise InvalidInput(Message(gettext_noop("The file is empty."))) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(
            Message(
                gettext_noop("Missing column(s): %(columns)s."),
                {"columns": ", ".join(missing)},
            ),
            code="missing_columns",
        )
    return list(_rows(reader, header))


def _rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[CsvRow]:
    for offset, raw in enumerate(reader, start=2):
        if not any(normalize_cell(v) for v in raw):
            continue
        values = {name: normalize_cell(raw[i]) if i < len(raw) else "" for i, name in enumerate(header)}
        yield CsvRow(number=offset, values=values)


# --- writing: exports are data, never code ------------------------------------------------------
#
# A cell whose text begins with = + - @ (or a tab or carriage return, which some spreadsheets
# skip before reading a formula) is run as a formula when the file is opened: =HYPERLINK(...)
# in a note would be a live link in the bureau's spreadsheet. Every .csv and .xlsx export
# writes its cells through this writer:
# - in a CSV, such a text gets a leading apostrophe ('=HYPERLINK(...)), which spreadsheets show
#   as text (OWASP's advice for CSV injection);
# - in an .xlsx, such a text is written as a text cell (never a formula), its value unchanged.
# Numbers stay numbers: an amount is never text, and a text that is a plain number (-12.50)
# cannot run anything, so the bank's file keeps its amounts as the bank expects them.

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(value)


def neutralize(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


class SafeCsvWriter:
    """``csv.writer`` whose every text cell goes through ``neutralize``."""

    def __init__(self, target: Any, *args: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(target, *args, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralize(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_cells(sheet: Any, row: Iterable[Any]) -> list[Any]:
    """A row for openpyxl's ``sheet.append``: a text that looks like a formula becomes a text
    cell (openpyxl would otherwise store any text starting with = as a formula)."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]

    out: list[Any] = []
    for value in row:
        if is_formula_like(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


# --- .xlsx workbooks: one writer for every export ------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, header included
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"  # a time of day's column (``number_formats``); dates show yyyy-mm-dd


def local_datetime(value: datetime | None) -> datetime | None:
    """A stored (aware) time as a date cell: the local wall-clock time, without a zone (Excel's
    cells have none)."""
    return None if value is None else timezone.localtime(value).replace(tzinfo=None)


@dataclass(frozen=True)
class XlsxSheet:
    """One sheet of an export: a bold header row (frozen while scrolling), then the rows.

    ``heading``: a larger bold title row above the header (a register that is printed and filed);
    ``widths``: column widths in characters; ``text_columns``: 0-based columns always written as
    text (a phone or an account number stays digits as typed, never a number or a formula);
    ``number_formats``: a column's Excel number format (``{5: "0.00"}``); ``totals``: given the
    number of data rows, a bold last row (the column formats apply to it too).
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    heading: str = ""
    widths: Sequence[float] = ()
    text_columns: frozenset[int] = frozenset()
    number_formats: Mapping[int, str] = field(default_factory=dict)
    totals: Callable[[int], Sequence[Any]] | None = None


def write_xlsx(sheets: Sequence[XlsxSheet], target: IO[bytes] | str | os.PathLike[str]) -> list[int]:
    """A write-only workbook of ``sheets`` (rows go out as they come) saved to ``target``; every
    cell goes through ``xlsx_cells``. Returns each sheet's number of data rows; a sheet longer
    than Excel can open is refused."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    workbook = Workbook(write_only=True)
    counts = [_write_sheet(workbook, sheet) for sheet in sheets]
    workbook.save(target)
    return counts


def xlsx_bytes(*sheets: XlsxSheet) -> tuple[bytes, int]:
    """The workbook as bytes, and its number of data rows (all sheets)."""
    out = io.BytesIO()
    counts = write_xlsx(sheets, out)
    return out.getvalue(), sum(counts)


def xlsx_spooled(*sheets: XlsxSheet) -> tuple[IO[bytes], int]:
    """The workbook in a temporary file (a large export stays out of memory), rewound, and its
    number of data rows; hand the file to ``xlsx_file_response``, which closes it."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- the response closes it
    try:
        counts = write_xlsx(sheets, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, sum(counts)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A workbook as a download that no cache keeps: exports hold personal data."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


def xlsx_file_response(spool: IO[bytes], filename: str) -> FileResponse:
    """A workbook from ``xlsx_spooled`` sent from disk (the response closes the file)."""
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def _write_sheet(workbook: Any, spec: XlsxSheet) -> int:
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    sheet = workbook.create_sheet(spec.title[:31])  # Excel's limit on a sheet's name
    for index, width in enumerate(spec.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)

    def styled(values: Iterable[Any], font: Any = None) -> list[Any]:
        out: list[Any] = []
        for index, value in enumerate(values):
            fmt = spec.number_formats.get(index)
            text = index in spec.text_columns and value is not None and value != ""
            if font is None and not fmt and not text:
                out.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=str(value) if text else value)
            if text or is_formula_like(value):
                cell.data_type = "s"  # text, even one that begins with "=" (never a formula)
            if text:
                cell.number_format = "@"
            elif fmt:
                cell.number_format = fmt
            if font is not None:
                cell.font = font
            out.append(cell)
        return xlsx_cells(sheet, out)

    header_row = 2 if spec.heading else 1
    # set before the first row: a write-only sheet writes its view (the frozen pane) with it
    sheet.freeze_panes = f"A{header_row + 1}"
    if spec.heading:
        sheet.append([_styled_cell(sheet, spec.heading, Font(bold=True, size=14))])
    sheet.append([_styled_cell(sheet, title, bold) for title in spec.header])
    count = 0
    for row in spec.rows:
        count += 1
        if count + header_row > XLSX_MAX_ROWS:
            raise InvalidInput(
                Message(gettext_noop("Too many rows for an Excel workbook; export as CSV instead.")),
                code="too_many_rows",
            )
        sheet.append(styled(row))
    if spec.totals is not None:
        sheet.append(styled(spec.totals(count), bold))
    return count


def _styled_cell(sheet: Any, value: Any, font: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]

    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
    cell.font = font
    return cell
