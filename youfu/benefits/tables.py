"""Reading the spreadsheets clerks and banks send: .xlsx, or CSV in UTF-8 (with or without
BOM) or GBK. Headers are matched after NFKC folding, so 年标准（元） is 年标准(元)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from youfu.core.csvio import decode_text, parse_csv
from youfu.core.errors import InvalidInput
from youfu.core.imports import check_text_table, check_workbook
from youfu.core.messages import Message
from youfu.core.text import normalize_text


@dataclass(frozen=True)
class TableRow:
    number: int  # the row number a spreadsheet shows (header = 1)
    values: dict[str, Any]


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _cells(data: bytes) -> list[list[Any]]:
    if is_xlsx(data):
        from python_calamine import CalamineWorkbook

        check_workbook(data)  # before calamine, which would abort the process on a vast sheet
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return [list(r) for r in workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)]
        except Exception:  # calamine raises its own error types for damaged files
            raise InvalidInput(Message(gettext_noop("The file is not a readable .xlsx workbook."))) from None
    check_text_table(data)
    return parse_csv(decode_text(data))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


def read_table(data: bytes, required: Sequence[str]) -> tuple[list[str], list[TableRow]]:
    """The header and the non-empty rows; a missing required column rejects the file."""
    cells = _cells(data)
    if not cells:
        raise InvalidInput(Message(gettext_noop("The file is empty.")))
    header = [normalize_text(h) for h in cells[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(
            Message(gettext_noop("Missing column(s): %(columns)s."), {"columns": ", ".join(missing)}),
            code="missing_columns",
        )
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        if all(_blank(v) for v in raw):
            continue
        values = {}
        for i, name in enumerate(header):
            value = raw[i] if i < len(raw) else None
            values[name] = value.strip().strip("\u3000").strip() if isinstance(value, str) else value
        rows.append(TableRow(number, values))
    return header, rows


def cell_text(value: Any) -> str:
    """A cell as text; whole numbers that a spreadsheet stored as floats lose the ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(value)
