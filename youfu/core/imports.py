"""The shape every all-or-nothing import shares: row-level errors, rejected as a whole."""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (header = 1)
    column: str
    message: Message

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            # The request's language in the API, both on the command line (message_zh and
            # message_en carry each language either way).
            "message": self.message.for_output(),
            "message_zh": self.message.zh,
            "message_en": self.message.en,
        }

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message.bilingual()}"


class ImportRejected(InvalidInput):
    """One bad row rejects the whole file; nothing is written."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__(
            Message(
                gettext_noop("The file was rejected: %(count)d error(s); nothing was imported."),
                {"count": len(self.errors)},
            )
        )

    def envelope(self) -> dict[str, Any]:
        body = super().envelope()
        body["error"]["rows"] = [e.as_dict() for e in self.errors]
        return body


# --- bounded reading ---------------------------------------------------------------------------
#
# calamine (Rust) allocates a sheet as one dense block from A1 to the furthest cell it meets, and
# reserves the shared-string table at the size the file declares: a 5 KB workbook with one cell
# at XFD1048576 asks for 512 GiB and the allocator aborts the whole server process, which no
# ``except`` can catch. So every workbook is measured here, from the zip's entries, before
# calamine sees it; a file beyond these bounds is refused with a clear message. The bounds are
# far above a real bureau's files (a province's registry of 300,000 rows of 25 columns fits).

MAX_IMPORT_BYTES = 64 * 1024 * 1024  # an uploaded file
MAX_SHEET_ROWS = 500_000  # Excel allows 1,048,576; split a province's registry by prefecture
MAX_SHEET_COLUMNS = 500  # Excel allows 16,384; no import of youfu has more than 40
MAX_SHEET_CELLS = 8_000_000  # rows × columns of the sheet's area, empty cells included
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024  # all the workbook's parts, unpacked
MAX_ZIP_ENTRIES = 10_000
_CHUNK = 1024 * 1024
_MAX_TAG_BYTES = 1024 * 1024

# Excel, WPS and openpyxl write every cell as <c r="A1" ...>: the fast measure reads those
# references. Any other element starting with "<c" that is not one of these known ones, or a
# namespace prefix, sends the text to the exact walk below.
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_OTHER_C_ELEMENTS = (b"<col", b"<cfRule", b"<conditionalFormatting", b"<customSheetView")
_MERGE_REF = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([A-Za-z]+)([0-9]+)(?::([A-Za-z]+)([0-9]+))?[\"']"
)
# The exact walk, for the rare writer that leaves out cell references (a cell then follows
# the one before it, and a row the row before it, as calamine reads them).
_ELEMENT = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(\s[^>]*)?/?>")
_REF_ATTR = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]*)([0-9]*)[\"']")
_COUNT_ATTR = re.compile(rb"\b(?:count|uniqueCount)\s*=\s*[\"']([0-9]+)[\"']")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _too_large() -> InvalidInput:
    return InvalidInput(
        Message(
            gettext_noop(
                "The file is too large: at most %(rows)s rows, %(columns)d columns and %(cells)s "
                "cells (rows × columns, empty cells included) can be imported. Delete the empty rows "
                "and columns below and beside the data (or copy the data into a new workbook) "
                "and try again."
            ),
            {"rows": f"{MAX_SHEET_ROWS:,}", "columns": MAX_SHEET_COLUMNS, "cells": f"{MAX_SHEET_CELLS:,}"},
        ),
        code="file_too_large",
    )


def _damaged() -> InvalidInput:
    return InvalidInput(
        Message(gettext_noop("The workbook cannot be read; open it in Excel and save it again.")),
        code="unsupported_file",
    )


class _SheetExtent:
    """The furthest row and column a sheet's cells and merged ranges reach."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        # Where the walk stands, for cells and rows written without a reference.
        self._row = 0
        self._column = 0

    def reach(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows = row
        if column > self.columns:
            self.columns = column
        if (
            self.rows > MAX_SHEET_ROWS
            or self.columns > MAX_SHEET_COLUMNS
            or self.rows * max(self.columns, 1) > MAX_SHEET_CELLS
        ):
            raise _too_large()

    def scan(self, text: bytes) -> None:
        """Complete tags only: ``text`` ends before a ``<`` whose tag may go on."""
        rows = _CELL_ROW.findall(text)
        cells = text.count(b"<c")
        if cells != len(rows):
            cells -= sum(text.count(other) for other in _OTHER_C_ELEMENTS)
        if cells == len(rows) and b":c" not in text:
            if rows:
                digits = max(set(rows), key=lambda r: (len(r), r))
                letters = max(set(_CELL_COLUMN.findall(text)), key=lambda c: (len(c), c))
                self.reach(int(digits), _column_number(letters))
                # A later cell without a reference follows these: never before them.
                self._row = max(self._row, self.rows)
                self._column = max(self._column, self.columns)
        else:
            self._walk(text)
        if b"mergeCell" in text:
            for c0, r0, c1, r1 in _MERGE_REF.findall(text):
                self.reach(int(r0), _column_number(c0))
                if c1:
                    self.reach(int(r1), _column_number(c1))

    def _walk(self, text: bytes) -> None:
        for m in _ELEMENT.finditer(text):
            closing, name, attrs = m.group(1), m.group(2), m.group(3) or b""
            if closing:
                continue
            ref = _REF_ATTR.search(attrs)
            if name == b"row":
                self._row = int(ref.group(2)) if ref and ref.group(2) else self._row + 1
                self._column = 0
            else:
                if ref and ref.group(1):
                    self._column = _column_number(ref.group(1))
                    if ref.group(2):
                        self._row = int(ref.group(2))
                else:
                    self._column += 1
                self.reach(max(self._row, 1), self._column)


def _check_counts(text: bytes) -> None:
    # Declared sizes a reader reserves memory for (the shared strings' count and uniqueCount).
    if b"ount" not in text:
        return
    for count in _COUNT_ATTR.findall(text):
        if len(count) > 12 or int(count) > MAX_SHEET_CELLS:
            raise _too_large()


def _drain(archive: zipfile.ZipFile, info: zipfile.ZipInfo, extent: _SheetExtent | None) -> None:
    """Unpack one part, never more than it declares (the part is opened as one byte longer
    than declared, so a zip bomb that lies about its size shows itself), and measure it."""
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    seen = 0
    pending = b""
    with archive.open(probe) as part:
        while chunk := part.read(_CHUNK):
            seen += len(chunk)
            if seen > info.file_size:
                raise _damaged()
            pending += chunk
            # Scan complete tags only: the text up to the last "<" (its tag may go on).
            cut = pending.rfind(b"<")
            if cut <= 0:
                continue
            _measure(pending[:cut], extent)
            pending = pending[cut:]
            if len(pending) > _MAX_TAG_BYTES:
                raise _damaged()
    if pending:
        _measure(pending, extent)


def _measure(text: bytes, extent: _SheetExtent | None) -> None:
    _check_counts(text)
    if extent is not None:
        extent.scan(text)


def check_import_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            Message(
                gettext_noop("The file is larger than %(size)d MB; split it into smaller files."),
                {"size": MAX_IMPORT_BYTES // (1024 * 1024)},
            ),
            code="file_too_large",
        )


def check_workbook(data: bytes) -> None:
    """Refuse an .xlsx that would take more memory than a real file of its kind, before any
    reader allocates for it: too many or too large parts (a zip bomb), a sheet whose cells or
    merged ranges reach beyond ``MAX_SHEET_COLUMNS`` / ``MAX_SHEET_CELLS``, a shared-string
    table that declares more strings than that. Every importer calls this before calamine."""
    check_import_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename.lower() for i in infos}
            # Only .xlsx is measured here: calamine would also read a binary .xlsb or an .ods
            # given as bytes, whose sheets this check cannot see into.
            if (
                "xl/workbook.xml" not in names
                or "xl/workbook.bin" in names
                or "content.xml" in names
                or any(n.startswith("xl/worksheets/") and n.endswith(".bin") for n in names)
            ):
                raise InvalidInput(
                    Message(gettext_noop("The file is not an .xlsx workbook.")), code="unsupported_file"
                )
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
                raise _too_large()
            for info in infos:
                name = info.filename.lower()
                is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
                _drain(archive, info, _SheetExtent() if is_sheet else None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, zlib.error):
        raise _damaged() from None


def check_text_table(data: bytes) -> None:
    """A CSV file's bound: its size, and at most ``MAX_SHEET_CELLS`` fields (each separator
    and line break may start one), so a file of commas cannot fill the memory either."""
    check_import_size(data)
    if data.count(b",") + data.count(b"\t") + data.count(b"\n") > MAX_SHEET_CELLS:
        raise _too_large()
