"""Reading the file: cells from an .xlsx or .csv, merged cells filled, the header row found
and its columns mapped to keys (aliases included)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from youfu.core.csvio import decode_text, parse_csv
from youfu.core.errors import InvalidInput
from youfu.core.imports import RowError, check_text_table, check_workbook
from youfu.core.messages import Message
from youfu.core.text import compact, normalize_text
from youfu.registry.columns import HEADER_OF, IGNORED, key_for_header
from youfu.registry.importing.results import REQUIRED_KEYS, rejected

if TYPE_CHECKING:
    pass

HEADER_SCAN_ROWS = 30
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- reading the file ------------------------------------------------------------------------


@dataclass
class Grid:
    """A sheet's cells; ``rows[i]`` is spreadsheet row ``i + 1``."""

    kind: str
    sheet: str
    rows: list[list[Any]]
    encoding: str = "utf-8"
    other_sheets: list[str] = field(default_factory=list)


def detect_kind(data: bytes, filename: str) -> str:
    """By content first: an .xlsx is a zip; an old .xls (or an encrypted workbook) is _OLE."""
    if not data.strip():
        raise InvalidInput(Message(gettext_noop("The file is empty.")), code="empty_file")
    if data[:2] == b"PK":
        return "xlsx"
    if data[:8] == _OLE:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "This is an old .xls workbook or a password-protected one; "
                    "save it as .xlsx without a password."
                )
            ),
            code="unsupported_file",
        )
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise InvalidInput(
            Message(gettext_noop("The file is named like a workbook but is not one.")),
            code="unsupported_file",
        )
    return "csv"


def _xlsx_grid(data: bytes) -> Grid:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            is_workbook = "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        is_workbook = False
    if not is_workbook:
        raise InvalidInput(
            Message(gettext_noop("The file is not an .xlsx workbook.")), code="unsupported_file"
        )
    check_workbook(data)  # before calamine, which would abort the process on a vast sheet
    unreadable = InvalidInput(
        Message(gettext_noop("The workbook cannot be read; open it in Excel and save it again.")),
        code="unsupported_file",
    )
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises its own error types for broken workbooks
        raise unreadable from None
    sheets: list[Grid] = []
    for meta in book.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        # A sheet is parsed only now: its XML may be broken although the workbook opened.
        try:
            sheet = book.get_sheet_by_name(meta.name)
            rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)  # lists of lists: no copy
            merged = sheet.merged_cell_ranges
        except Exception:  # calamine's XmlError and its kin
            raise unreadable from None
        if merged is None:
            merged = _merged_ranges_by_openpyxl(data, meta.name)
        _fill_merged(rows, merged)
        sheets.append(Grid("xlsx", meta.name, rows))
    if not sheets:
        raise InvalidInput(Message(gettext_noop("The workbook has no visible sheet.")), code="empty_file")
    # The first sheet with a header row holds the registry.
    chosen = next((g for g in sheets if _header_row_index(g.rows) is not None), sheets[0])
    # Another sheet with a header row may hold more people: say that it was not read.
    chosen.other_sheets = [
        g.sheet for g in sheets if g is not chosen and _header_row_index(g.rows) is not None
    ]
    return chosen


def _merged_ranges_by_openpyxl(data: bytes, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Only when calamine cannot tell (it can for .xlsx): the slow, complete reader."""
    import openpyxl  # type: ignore[import-untyped, unused-ignore]

    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet]
    return [((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1)) for r in ws.merged_cells.ranges]


def _fill_merged(rows: list[list[Any]], merged: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A merged range means every cell in it holds the top-left value (a township written once
    for a block of people, a name spanning a person's two qualification rows)."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if r != r0 or c != c0:
                    row[c] = value


def csv_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def csv_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text[:4096].splitlines()[0] if text.strip() else ""
    if "\t" in first and "," not in first:
        return csv.excel_tab
    return csv.excel


def _csv_grid(data: bytes) -> Grid:
    check_text_table(data)
    text = decode_text(data)
    rows: list[list[Any]] = list(parse_csv(text, csv_dialect(text)))
    return Grid("csv", "", rows, encoding=csv_encoding(data))


def read_grid(data: bytes, filename: str) -> Grid:
    kind = detect_kind(data, filename)
    return _xlsx_grid(data) if kind == "xlsx" else _csv_grid(data)


def _header_text(value: Any) -> str:
    """A header as written (what the report names), only trimmed."""
    return value.strip() if isinstance(value, str) else ""


def _row_keys(row: Sequence[Any]) -> list[str | None]:
    return [key_for_header(normalize_text(v)) if _header_text(v) else None for v in row]


def _is_column_numbers(row: Sequence[Any]) -> bool:
    """The row of column numbers (1, 2, 3, …) that official forms put under the header."""
    numbers: list[int] = []
    for value in row:
        text = compact(value) if value is not None else ""
        if not text:
            continue
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not text.isdigit():
            return False
        numbers.append(int(text))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _header_row_index(rows: list[list[Any]]) -> int | None:
    """The first row, among the top ones, that names at least the name and ID number columns
    (title rows, a unit's name and a date often sit above it)."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = set(_row_keys(row)) - {None}
        if {"name", "id_number"} <= keys and len(keys) >= 3:
            return index
    return None


@dataclass
class Header:
    row: int  # 0-based index of the (last) header row
    first_data: int  # 0-based index of the first data row
    columns: dict[str, int]  # field key → 0-based column
    texts: dict[str, str]  # field key → header text as in the file
    layout_columns: dict[str, int]  # header text → 1-based column
    notes: list[RowError]


def find_header(rows: list[list[Any]]) -> Header:
    index = _header_row_index(rows)
    if index is None:
        raise rejected(
            [
                RowError(
                    1,
                    "",
                    Message(
                        gettext_noop(
                            "No header row found: none of the first %(n)d rows names the columns "
                            "姓名 and 公民身份号码."
                        ),
                        {"n": HEADER_SCAN_ROWS},
                    ),
                )
            ]
        )
    top = rows[index]
    texts = [_header_text(v) for v in top]
    keys = _row_keys(top)
    first_data = index + 1
    # A two-row header: a group label ("伤残情况") over its columns (性质, 等级).
    if index + 1 < len(rows):
        below = rows[index + 1]
        below_keys = _row_keys(below)
        added = [c for c, k in enumerate(below_keys) if k is not None and (c >= len(keys) or keys[c] is None)]
        if added:
            width = max(len(keys), len(below_keys))
            keys += [None] * (width - len(keys))
            texts += [""] * (width - len(texts))
            for c in added:
                keys[c] = below_keys[c]
                texts[c] = _header_text(below[c])
            index += 1
            first_data = index + 1
    if first_data < len(rows) and _is_column_numbers(rows[first_data]):
        first_data += 1
    columns: dict[str, int] = {}
    header_texts: dict[str, str] = {}
    layout: dict[str, int] = {}
    notes: list[RowError] = []
    row_number = index + 1
    for c, (key, text) in enumerate(zip(keys, texts, strict=False)):
        if not text:
            continue
        layout.setdefault(text, c + 1)
        if key is None:
            ignored = "".join(text.split()) in IGNORED
            notes.append(
                RowError(
                    row_number,
                    text,
                    Message(gettext_noop("This column holds no registry data and is ignored."))
                    if ignored
                    else Message(gettext_noop("This column is not imported.")),
                )
            )
        elif key in columns:
            notes.append(
                RowError(
                    row_number,
                    text,
                    Message(
                        gettext_noop("This column repeats %(other)s and is not imported."),
                        {"other": header_texts[key]},
                    ),
                )
            )
        else:
            columns[key] = c
            header_texts[key] = text
    missing = [k for k in REQUIRED_KEYS if k not in columns]
    if missing:
        raise rejected(
            [
                RowError(row_number, HEADER_OF[k], Message(gettext_noop("This column is missing.")))
                for k in missing
            ],
            warnings=notes,
        )
    return Header(index, first_data, columns, header_texts, layout, notes)
