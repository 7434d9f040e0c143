"""Reading the CSV files clerks really have: UTF-8, UTF-8 with BOM, or GBK (Excel's default in China),
and writing every .csv and .xlsx export so that no cell runs as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

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


def read_csv(data: bytes, required: Sequence[str]) -> list[CsvRow]:
    """Parse ``data`` into rows keyed by header; refuse a file missing a required column."""
    check_text_table(data)
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text))
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
