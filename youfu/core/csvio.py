"""Reading the CSV files clerks really have: UTF-8, UTF-8 with BOM, or GBK (Excel's default in China)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
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
