"""Giving a rejected file back: the original with an error column beside every bad row,
stored for the uploader for a week."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.csvio import decode_text, neutralize
from youfu.core.errors import NotFound
from youfu.core.imports import ImportRejected, RowError
from youfu.registry.importing.read import csv_dialect, csv_encoding, detect_kind
from youfu.registry.importing.results import SheetLayout

if TYPE_CHECKING:
    from youfu.accounts.models import User

ERROR_HEADER = "错误/Errors"
REPORTS_DIR = "import-reports"
REPORT_LIFETIME = timedelta(days=7)
# Above this many rows openpyxl takes too long to rewrite a workbook (about 90 s for
# 100,000): the error column is then streamed into the sheet's XML instead.
STREAM_ANNOTATION_ROWS = 5000
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


# --- the annotated copy of a rejected file ----------------------------------------------------


def _messages_by_row(errors: Iterable[RowError]) -> dict[int, list[RowError]]:
    by_row: dict[int, list[RowError]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    return by_row


def _header_note(by_row: dict[int, list[RowError]], layout: SheetLayout) -> str:
    """The error column's header, with the errors of the file as a whole (a missing column)."""
    errors = [e for row, es in sorted(by_row.items()) if row <= layout.header_row for e in es]
    return ERROR_HEADER + ("\n" + _error_text(errors) if errors else "")


def _error_text(errors: list[RowError]) -> str:
    return "\n".join(
        f"{e.column}: {e.message.bilingual()}" if e.column else e.message.bilingual() for e in errors
    )


def annotated_copy(data: bytes, filename: str, rejected: ImportRejected) -> tuple[bytes, str]:
    """The original file with one more column, 错误/Errors, beside every bad row.

    An .xlsx comes back as the same workbook (formatting kept, the bad cells shaded);
    a .csv as the same text in its own encoding.
    """
    layout = getattr(rejected, "layout", None) or SheetLayout(kind=detect_kind(data, filename))
    by_row = _messages_by_row(rejected.errors)
    if layout.kind == "xlsx":
        if layout.rows > STREAM_ANNOTATION_ROWS:
            streamed = _annotated_xlsx_stream(data, layout, by_row)
            if streamed is not None:
                return streamed, "xlsx"
        return _annotated_xlsx(data, layout, by_row), "xlsx"
    return _annotated_csv(data, layout, by_row), "csv"


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROW = re.compile(r'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_CELL_COLUMN = re.compile(r'<c r="([A-Z]{1,3})\d')
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+\d+):([A-Z]+)(\d+)"\s*/>')


def _sheet_entry(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip entry of the named sheet, through the workbook and its relationships."""
    from xml.etree import ElementTree

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 - the user's own file
    rid = next(
        (
            node.get(f"{{{_REL_NS}}}id")
            for node in workbook.iter(f"{{{_MAIN_NS}}}sheet")
            if node.get("name") == sheet
        ),
        None,
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    target = next(
        (n.get("Target") for n in rels.iter(f"{{{_PACKAGE_REL_NS}}}Relationship") if n.get("Id") == rid),
        None,
    )
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _annotated_xlsx_stream(
    data: bytes, layout: SheetLayout, by_row: dict[int, list[RowError]]
) -> bytes | None:
    """The same workbook with the error cells written straight into the sheet's XML: seconds
    where openpyxl takes minutes for 100,000 rows (the bad cells are not shaded here). None
    when the sheet is not laid out as expected; the caller then takes the slow way."""
    from xml.sax.saxutils import escape

    from openpyxl.utils import (  # type: ignore[import-untyped, unused-ignore]
        column_index_from_string,
        get_column_letter,
    )

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entry = _sheet_entry(archive, layout.sheet)
            if entry is None or entry not in archive.namelist():
                return None
            xml = archive.read(entry).decode("utf-8")
            dimension = _DIMENSION.search(xml)
            if dimension is not None:
                last_column = column_index_from_string(dimension[2])
            else:  # openpyxl's write-only mode writes none: the widest cell reference then
                last_column = max(map(column_index_from_string, set(_CELL_COLUMN.findall(xml))), default=0)
            letter = get_column_letter(last_column + 1)
            notes = {row: _error_text(es) for row, es in by_row.items() if row > layout.header_row}
            notes[layout.header_row] = _header_note(by_row, layout)
            parts: list[str] = []
            done: set[int] = set()
            position = 0
            for match in _ROW.finditer(xml):
                number = int(match[1])
                if number not in notes:
                    continue
                cell = (
                    f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{escape(notes[number])}</t></is></c>"
                )
                if match[2]:  # <row .../>: an empty row
                    parts += [xml[position : match.start()], match[0][:-2], ">", cell, "</row>"]
                    position = match.end()
                else:
                    end = xml.index("</row>", match.end())
                    parts += [xml[position:end], cell]
                    position = end
                done.add(number)
            if done != set(notes):
                return None  # rows without an r attribute, or prefixed element names
            parts.append(xml[position:])
            xml = "".join(parts)
            if dimension is not None:
                last_row = max(int(dimension[3]), *done)
                xml = xml.replace(dimension[0], f'<dimension ref="{dimension[1]}:{letter}{last_row}"/>', 1)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
                for info in archive.infolist():
                    content = xml.encode("utf-8") if info.filename == entry else archive.read(info)
                    copy.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
            return out.getvalue()
    except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, SyntaxError):
        return None


def _annotated_xlsx(data: bytes, layout: SheetLayout, by_row: dict[int, list[RowError]]) -> bytes:
    import openpyxl  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import (  # type: ignore[import-untyped, unused-ignore]
        Alignment,
        Font,
        PatternFill,
    )

    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[layout.sheet] if layout.sheet in book.sheetnames else book.worksheets[0]
    column = ws.max_column + 1
    shade = PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
    red = Font(color="FF9C0006")
    wrap = Alignment(wrap_text=True, vertical="top")
    head = ws.cell(row=layout.header_row, column=column)
    head.value = _header_note(by_row, layout)
    head.font = Font(bold=True, color="FF9C0006")
    head.alignment = wrap
    for row, errors in by_row.items():
        if row <= layout.header_row:
            continue
        cell = ws.cell(row=row, column=column)
        cell.value = _error_text(errors)
        cell.data_type = "s"  # a message may quote a cell that began with "=": text, never a formula
        cell.font = red
        cell.alignment = wrap
        for e in errors:
            col = layout.columns.get(e.column)
            if col:
                ws.cell(row=row, column=col).fill = shade
    letter = openpyxl.utils.get_column_letter(column)
    ws.column_dimensions[letter].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _annotated_csv(data: bytes, layout: SheetLayout, by_row: dict[int, list[RowError]]) -> bytes:
    text = decode_text(data)
    newline = "\r\n" if "\r\n" in text[:65536] else "\n"
    dialect = csv_dialect(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    width = max((len(r) for r in rows), default=0)
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect, lineterminator=newline)
    for number, row in enumerate(rows, start=1):
        padded = row + [""] * (width - len(row))
        if number == layout.header_row:
            note = _header_note(by_row, layout)
        elif number > layout.header_row and number in by_row:
            note = _error_text(by_row[number])
        else:
            note = ""
        # The clerk's own cells go back as they were; the added note is neutralised, since a
        # message may quote a cell (a formula-like value at its start would run).
        writer.writerow([*padded, neutralize(note)])
    encoding = csv_encoding(data)
    return out.getvalue().encode(encoding)


# --- storing it for the uploader --------------------------------------------------------------


def _reports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / REPORTS_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_error_report(data: bytes, filename: str, rejected: ImportRejected, *, acting_user: User) -> str:
    """Write the annotated copy under MEDIA_ROOT/import-reports/<token>.<ext> and return the
    token. Only ``acting_user`` can fetch it (``open_error_report``); it holds full ID
    numbers, so it is kept private and removed after a week."""
    content, ext = annotated_copy(data, filename, rejected)
    directory = _reports_dir()
    _remove_old_reports(directory)
    token = secrets.token_hex(16)
    path = directory / f"{token}.{ext}"
    path.write_bytes(content)
    path.chmod(0o600)
    meta = directory / f"{token}.json"
    meta.write_text(
        json.dumps({"user": acting_user.pk, "filename": filename, "ext": ext, "created": time.time()}),
        encoding="utf-8",
    )
    meta.chmod(0o600)
    return token


def _remove_old_reports(directory: Path) -> None:
    cutoff = time.time() - REPORT_LIFETIME.total_seconds()
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


@dataclass(frozen=True)
class ErrorReport:
    path: Path
    download_name: str
    content_type: str


def open_error_report(token: str, *, acting_user: User) -> ErrorReport:
    """The annotated file for its uploader; ``NotFound`` for anyone else. The download is
    audited: the file holds personal data."""
    if not _TOKEN.match(token or ""):
        raise NotFound()
    directory = Path(settings.MEDIA_ROOT) / REPORTS_DIR
    try:
        meta = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound() from None
    if meta.get("user") != acting_user.pk or meta.get("ext") not in ("xlsx", "csv"):
        raise NotFound()
    path = directory / f"{token}.{meta['ext']}"
    if not path.exists():
        raise NotFound()
    stem = Path(str(meta.get("filename") or "import")).stem or "import"
    record_event(
        EventType.PERSONAL_DATA_EXPORTED,
        actor=acting_user,
        object_type="registry.import_report",
        object_id=token,
        extra={"file": meta.get("filename", ""), "kind": "import_errors"},
    )
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if meta["ext"] == "xlsx"
        else "text/csv"
    )
    return ErrorReport(path, f"{stem}-错误.{meta['ext']}", content_type)
