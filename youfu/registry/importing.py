"""Importing the registry from the spreadsheets clerks really have (.xlsx or .csv).

One row is one qualification; rows sharing an ID number are one person. All or nothing:
every row is validated (and checked against the database) before anything is written,
and one bad row rejects the file with every problem named by row, column and reason; the
rejected file can be given back with an error column (``store_error_report``).

Set-based, because a province imports hundreds of thousands of rows: the workbook is read
by calamine (Rust), existing people are found by their blind index in chunks, and the new
people, qualifications and assessments are inserted in one transaction (``_insert``) with
one REGISTRY_IMPORTED audit event, which also names the people an update changed (ids and
field names, never values). A dry run, or a file refused as a whole, writes nothing but its
REGISTRY_IMPORT_CHECKED event (the file, its row count and the outcome).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import json
import operator
import re
import secrets
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.roles import Capability
from youfu.accounts.services import require
from youfu.audit.events import EventType
from youfu.audit.services import diff, record_event
from youfu.core.crypto import decrypt, encrypt
from youfu.core.csvio import decode_text, neutralize
from youfu.core.errors import Conflict, InvalidInput, NotFound
from youfu.core.imports import ImportRejected, RowError, check_text_table, check_workbook
from youfu.core.messages import Message
from youfu.core.text import compact, normalize_text
from youfu.regions.models import RegionLevel
from youfu.regions.selectors import regions_for
from youfu.registry.categories import CHINESE_CAUSE, CHINESE_NAMES, Category
from youfu.registry.columns import HEADER_OF, IGNORED, key_for_header
from youfu.registry.models import Beneficiary, DisabilityAssessment, Qualification
from youfu.registry.services import (
    id_number_index,
    mask_account,
    name_keys,
    person_columns,
    qualification_columns,
    snapshot,
)
from youfu.registry.validation import (
    Invalid,
    PersonData,
    QualificationData,
    RegionLookup,
    clean_person,
    clean_qualification,
    parse_date,
)

if TYPE_CHECKING:
    from youfu.accounts.models import User

# Columns without which no row can be valid: the file is refused before reading its rows.
REQUIRED_KEYS = ("name", "id_number", "residence", "township", "category", "approved_on")
DATE_KEYS = frozenset({"birth_date", "approved_on", "enlisted_on", "discharged_on"})
# Person fields that rows of the same person must agree on (when both rows give them).
PERSON_KEYS = (
    "name",
    "sex",
    "ethnicity",
    "residence",
    "township",
    "village",
    "phone",
    "bank_name",
    "bank_account",
)

HEADER_SCAN_ROWS = 30
CHUNK = 500  # ids per IN (...): well under SQLite's 999 variables
BATCH = 2000
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # the page and the API refuse larger files
SQLITE_IMPORT_CACHE_KIB = 64 * 1024
ERROR_HEADER = "错误/Errors"
REPORTS_DIR = "import-reports"
REPORT_LIFETIME = timedelta(days=7)
# Above this many rows openpyxl takes too long to rewrite a workbook (about 90 s for
# 100,000): the error column is then streamed into the sheet's XML instead.
STREAM_ANNOTATION_ROWS = 5000
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HAN_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·\s]+$")


# --- results and rejection -----------------------------------------------------------------


@dataclass
class RegistryImportResult:
    filename: str = ""
    rows: int = 0
    persons_created: int = 0
    qualifications_created: int = 0
    persons_updated: int = 0
    dry_run: bool = False
    warnings: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "persons_created": self.persons_created,
            "qualifications_created": self.qualifications_created,
            "persons_updated": self.persons_updated,
            "errors": [],
            "warnings": [w.as_dict() for w in self.warnings],
        }


@dataclass(frozen=True)
class SheetLayout:
    """Where the data sits in the file, so the error report can annotate the original."""

    kind: str  # "xlsx" | "csv"
    sheet: str = ""
    header_row: int = 1  # spreadsheet row number
    columns: dict[str, int] = field(default_factory=dict)  # header text → 1-based column
    encoding: str = "utf-8"
    rows: int = 0  # rows in the sheet


class RegistryImportRejected(ImportRejected):
    """An ``ImportRejected`` that also carries the warnings and what the annotated copy needs."""

    def __init__(
        self,
        errors: list[RowError],
        *,
        warnings: list[RowError] | None = None,
        rows: int = 0,
        layout: SheetLayout | None = None,
    ) -> None:
        super().__init__(errors)
        self.warnings = warnings or []
        self.rows = rows
        self.layout = layout

    def envelope(self) -> dict[str, Any]:
        body = super().envelope()
        body["error"]["warnings"] = [w.as_dict() for w in self.warnings]
        return body

    def as_dict(self) -> dict[str, Any]:
        """The same shape as a successful import's ``as_dict``, with ``ok`` false."""
        return {
            "ok": False,
            "rows": self.rows,
            "persons_created": 0,
            "qualifications_created": 0,
            "persons_updated": 0,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


# The columns that describe a qualification rather than the person.
QUALIFICATION_KEYS = frozenset(
    {
        "category",
        "disability_cause",
        "disability_level",
        "approved_on",
        "enlisted_on",
        "discharged_on",
        "service_years",
    }
)


def _rejected(
    errors: list[RowError], *, warnings: list[RowError] | None = None, layout: SheetLayout | None = None
) -> RegistryImportRejected:
    return RegistryImportRejected(errors, warnings=warnings, layout=layout)


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
    """By content first: an .xlsx is a zip; an old .xls (or an encrypted workbook) is OLE."""
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
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises its own error types for broken workbooks
        raise InvalidInput(
            Message(gettext_noop("The workbook cannot be read; open it in Excel and save it again.")),
            code="unsupported_file",
        ) from None
    sheets: list[Grid] = []
    for meta in book.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)  # lists of lists: no copy
        merged = sheet.merged_cell_ranges
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


def _csv_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text[:4096].splitlines()[0] if text.strip() else ""
    if "\t" in first and "," not in first:
        return csv.excel_tab
    return csv.excel


def _csv_grid(data: bytes) -> Grid:
    check_text_table(data)
    text = decode_text(data)
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), _csv_dialect(text))]
    return Grid("csv", "", rows, encoding=_csv_encoding(data))


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
        raise _rejected(
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
        raise _rejected(
            [
                RowError(row_number, HEADER_OF[k], Message(gettext_noop("This column is missing.")))
                for k in missing
            ],
            warnings=notes,
        )
    return Header(index, first_data, columns, header_texts, layout, notes)


# --- cells ------------------------------------------------------------------------------------


class _CellError(ValueError):
    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.en)


_LOST_DIGITS = Message(
    gettext_noop(
        "Excel turned this ID number into a number and it has lost digits; "
        "format the column as text and type the number again."
    )
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _id_cell(value: Any) -> Any:
    if _is_number(value):
        if float(value).is_integer() and len(str(int(value))) == 15:
            return str(int(value))  # an old 15-digit number: the validator explains
        raise _CellError(_LOST_DIGITS)
    return value


def _name_cell(value: Any) -> str:
    text = normalize_text(value)
    # 张　三: spaces that align two-character names are not part of the name.
    return "".join(text.split()) if _HAN_NAME.match(text) else text


def _region_cell(value: Any) -> str:
    if _is_number(value) and float(value).is_integer():
        return str(int(value))  # a code typed as a number
    return compact(value)


def _number_cell(value: Any) -> Any:
    return value


def _text_cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number Excel stored as a number
    return value


_CELL: dict[str, Callable[[Any], Any]] = {
    "id_number": _id_cell,
    "name": _name_cell,
    "township": _region_cell,
    "village": _region_cell,
    "bank_account": _number_cell,  # the validator refuses a number (digits may be lost)
    "disability_level": _number_cell,
    "service_years": _number_cell,
}


def _converter(key: str) -> Callable[[Any], Any]:
    """What a spreadsheet cell means for the validators, and the refusals only a cell can
    tell (a number where Excel lost digits); the validators normalize text themselves."""
    if key in DATE_KEYS:
        return _date_cell
    return _CELL.get(key, _text_cell)


@functools.lru_cache(maxsize=65536)
def _date_text(text: str) -> date | None:
    """Dates written as text repeat (a month of enlistment, a day of approval): parse each once."""
    try:
        return parse_date(text)
    except Invalid as exc:
        raise _CellError(exc.message) from None


def _date_cell(value: Any) -> Any:
    if type(value) is str:
        return _date_text(value)
    if isinstance(value, (clock_time, timedelta)):
        raise _CellError(Message(gettext_noop("This is a time, not a date.")))
    if not _is_number(value):
        return value
    number = float(value)
    if 1800 <= number < 2200:
        # Excel stored 2019.08 (typed as a month) or 1979 (a year) as a number, not as a
        # date: read it as a year and month when that is unambiguous.
        text = repr(number)
        year, _, fraction = text.partition(".")
        if fraction in ("", "0"):
            raise _CellError(
                Message(
                    gettext_noop("%(value)s is a year alone; write the date like 2019-08-01."),
                    {"value": year},
                )
            )
        if len(fraction) == 2 and 1 <= int(fraction) <= 12:
            return date(int(year), int(fraction), 1)
        if len(fraction) == 1 and fraction != "1":
            return date(int(year), int(fraction), 1)
        raise _CellError(
            Message(
                gettext_noop(
                    "Excel turned %(value)s into a number, so the month is unclear; "
                    "format the column as text and write it like 2019-10."
                ),
                {"value": text},
            )
        )
    return value


# --- validating rows --------------------------------------------------------------------------


@dataclass
class _PersonPlan:
    first_row: int
    person: PersonData
    given: set[str]
    index: str  # blind index of the ID number
    qualifications: list[tuple[int, QualificationData]] = field(default_factory=list)
    existing_pk: int | None = None


@dataclass
class _Plan:
    rows: int = 0
    persons: dict[str, _PersonPlan] = field(default_factory=dict)  # ID number → plan
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


def _lookup_for(user: User) -> RegionLookup:
    regions = list(regions_for(user))
    region = user.region
    if region is not None and region.level == RegionLevel.VILLAGE and region.parent is not None:
        # A village assistant names the township too; the region check below keeps the
        # rows inside their village.
        regions.append(region.parent)
    return RegionLookup(regions)


def _validate_rows(grid: Grid, header: Header, user: User, plan: _Plan) -> None:
    lookup = _lookup_for(user)
    today = timezone.localdate()
    texts = header.texts
    user_region = user.region

    def column(key: str) -> str:
        return texts.get(key) or HEADER_OF.get(key, key)

    keys = list(header.columns)
    values_of = operator.itemgetter(*header.columns.values())  # a tuple: REQUIRED_KEYS are several
    need = max(header.columns.values()) + 1
    converters = [_converter(key) for key in keys]
    # Text in most columns goes to the validators as it is; they normalize it themselves.
    text_converters = [None if convert is _text_cell else convert for convert in converters]
    cells = list(zip(keys, converters, text_converters, strict=True))
    prefix = user_region.scope_prefix if user_region is not None else None
    seen_categories: dict[tuple[str, str], int] = {}
    by_name_birth: dict[tuple[str, date], tuple[str, int]] = {}
    for index in range(header.first_data, len(grid.rows)):
        row = grid.rows[index]
        if len(row) < need:
            row = [*row, *([None] * (need - len(row)))]
        values = values_of(row)
        number = index + 1
        raw: dict[str, Any] = {}
        given: set[str] = set()
        row_errors: list[RowError] = []
        for (key, convert, convert_text), value in zip(
            cells, values if len(keys) > 1 else (values,), strict=True
        ):
            if type(value) is str:
                # isspace() knows U+3000, the ideographic space.
                if not value or value.isspace():
                    raw[key] = None
                    continue
                if convert_text is None:
                    raw[key] = value
                    given.add(key)
                    continue
            elif value is None:
                raw[key] = None
                continue
            given.add(key)
            try:
                raw[key] = convert(value)
            except _CellError as exc:
                row_errors.append(RowError(number, column(key), exc.message))
                raw[key] = None
        if not given:
            continue
        plan.rows += 1
        # A cell already refused above is not refused again as "required".
        bad_keys = {key for key in given if raw[key] is None}
        person, person_errors = clean_person(raw, lookup, today=today)
        # A row with every qualification column empty registers the person alone (an
        # export writes such a row for a person who holds no qualification).
        person_only = not (given & QUALIFICATION_KEYS)
        qualification, qualification_errors = (
            (None, []) if person_only else clean_qualification(raw, today=today)
        )
        for key, message in (*person_errors, *qualification_errors):
            if key not in bad_keys:
                row_errors.append(RowError(number, column(key), message))
        if person is not None and prefix is not None and not person.region.code.startswith(prefix):
            key = "village" if person.village else "township"
            row_errors.append(
                RowError(
                    number,
                    column(key),
                    Message(
                        gettext_noop("%(region)s lies outside your region."), {"region": person.region.name}
                    ),
                )
            )
        if row_errors or person is None or (qualification is None and not person_only):
            plan.errors += row_errors
            continue
        id_value = person.id_number.value
        existing = plan.persons.get(id_value)
        if existing is None:
            existing = _PersonPlan(number, person, given, id_number_index(id_value))
            plan.persons[id_value] = existing
            twin = by_name_birth.get((person.name, person.birth_date))
            if twin is not None and twin[0] != id_value:
                plan.warnings.append(
                    RowError(
                        number,
                        column("name"),
                        Message(
                            gettext_noop(
                                "Possible duplicate: row %(row)d has the same name and birth date "
                                "with another ID number."
                            ),
                            {"row": twin[1]},
                        ),
                    )
                )
            else:
                by_name_birth[(person.name, person.birth_date)] = (id_value, number)
        else:
            disagreements = _disagreements(existing, person, given)
            if disagreements:
                plan.errors += [
                    RowError(
                        number,
                        column(key),
                        Message(
                            gettext_noop(
                                "Row %(row)d has the same ID number with a different %(column)s; "
                                "a person's rows must agree."
                            ),
                            {"row": existing.first_row, "column": column(key)},
                        ),
                    )
                    for key in disagreements
                ]
                continue
            _merge(existing, person, given)
        if qualification is None:
            continue
        first = seen_categories.get((id_value, qualification.category))
        if first is not None:
            plan.errors.append(
                RowError(
                    number,
                    column("category"),
                    Message(
                        gettext_noop("Row %(row)d already gives this person the category %(category)s."),
                        {"row": first, "category": CHINESE_NAMES[qualification.category]},
                    ),
                )
            )
            continue
        seen_categories[(id_value, qualification.category)] = number
        existing.qualifications.append((number, qualification))


def _person_value(person: PersonData, key: str) -> Any:
    if key == "township":
        return person.township.code
    if key == "village":
        return person.village.code if person.village else ""
    return getattr(person, key)


def _disagreements(plan: _PersonPlan, person: PersonData, given: set[str]) -> list[str]:
    return [
        key
        for key in PERSON_KEYS
        if key in given
        and key in plan.given
        and _person_value(plan.person, key) != _person_value(person, key)
    ]


def _merge(plan: _PersonPlan, person: PersonData, given: set[str]) -> None:
    """A later row may fill what the first row of the person left empty."""
    for key in ("ethnicity", "phone", "bank_name", "bank_account", "notes"):
        if key in given and key not in plan.given:
            setattr(plan.person, key, getattr(person, key))
            plan.given.add(key)
    if "village" in given and "village" not in plan.given:
        plan.person.village = person.village
        plan.given.add("village")


# --- against the database ---------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Update:
    beneficiary: Beneficiary
    changes: dict[str, str]
    new_qualifications: list[QualificationData]


def _check_database(plan: _Plan, user: User, *, update: bool, column: dict[str, str]) -> list[_Update]:
    """Who is already registered (one query per chunk of blind indexes), and what --update does."""
    id_col = column.get("id_number") or HEADER_OF["id_number"]
    cat_col = column.get("category") or HEADER_OF["category"]
    by_index = {p.index: p for p in plan.persons.values()}
    registered: dict[str, int] = {}
    for chunk in _chunks(list(by_index)):
        registered.update(
            Beneficiary.objects.filter(id_number_index__in=chunk).values_list("id_number_index", "pk")
        )
    visible: dict[int, Beneficiary] = {}
    for pk_chunk in _chunks(sorted(registered.values())):
        visible.update(
            (b.pk, b) for b in Beneficiary.objects.visible_to(user).filter(pk__in=pk_chunk).order_by()
        )
    held: dict[int, dict[str, Qualification]] = {}
    if update and visible:
        for pk_chunk in _chunks(sorted(visible)):
            for q in Qualification.objects.filter(beneficiary_id__in=pk_chunk).order_by():
                held.setdefault(q.beneficiary_id, {})[q.category] = q
    updates: list[_Update] = []
    for index, pk in registered.items():
        person_plan = by_index[index]
        row = person_plan.first_row
        beneficiary = visible.get(pk)
        if beneficiary is None:
            # Registered where this user does not see: say no more than that the row cannot be
            # imported here (never where the person lives, nor that they are registered at all).
            plan.errors.append(
                RowError(
                    row,
                    id_col,
                    Message(
                        gettext_noop(
                            "This person cannot be imported here; "
                            "the county's registry clerk can tell you why."
                        )
                    ),
                )
            )
            continue
        if not update:
            plan.errors.append(
                RowError(
                    row,
                    id_col,
                    Message(
                        gettext_noop(
                            "A person with this ID number is already registered; "
                            "import with the update option to change their phone and bank details."
                        )
                    ),
                )
            )
            continue
        person_plan.existing_pk = pk
        updates.append(_planned_update(plan, person_plan, beneficiary, held.get(pk, {}), column, cat_col))
    return updates


def _planned_update(
    plan: _Plan,
    person_plan: _PersonPlan,
    beneficiary: Beneficiary,
    held: dict[str, Qualification],
    column: dict[str, str],
    cat_col: str,
) -> _Update:
    person = person_plan.person
    if person.name != beneficiary.name:
        plan.warnings.append(
            RowError(
                person_plan.first_row,
                column.get("name") or HEADER_OF["name"],
                Message(
                    gettext_noop(
                        "Registered as %(name)s; an import does not change the name "
                        "(only the phone and bank details)."
                    ),
                    {"name": beneficiary.name},
                ),
            )
        )
    changes: dict[str, str] = {}
    if "phone" in person_plan.given and person.phone != beneficiary.phone:
        changes["phone"] = person.phone
    if "bank_name" in person_plan.given and person.bank_name != beneficiary.bank_name:
        changes["bank_name"] = person.bank_name
    if "bank_account" in person_plan.given and person.bank_account != decrypt(
        beneficiary.bank_account_encrypted
    ):
        changes["bank_account"] = person.bank_account
    new: list[QualificationData] = []
    for row, q in person_plan.qualifications:
        current = held.get(q.category)
        if current is None:
            new.append(q)
            continue
        if (current.disability_cause, current.disability_level, current.approved_on) != (
            q.disability_cause,
            q.disability_level,
            q.approved_on,
        ):
            plan.warnings.append(
                RowError(
                    row,
                    cat_col,
                    Message(
                        gettext_noop(
                            "This qualification is registered with other details (%(details)s); "
                            "an import does not change it: record a life event instead."
                        ),
                        {"details": _describe(current)},
                    ),
                )
            )
    return _Update(beneficiary, changes, new)


def _describe(q: Qualification) -> str:
    parts = [CHINESE_NAMES.get(Category(q.category), q.category)]
    if q.disability_cause:
        parts.append(CHINESE_CAUSE.get(q.disability_cause, q.disability_cause))  # type: ignore[call-overload]
    if q.disability_level:
        parts.append(f"{q.disability_level}级")
    parts.append(q.approved_on.isoformat())
    return " ".join(parts)


def _duplicate_warnings(plan: _Plan, user: User, column: dict[str, str]) -> None:
    """Same name and birth date as someone registered (in the user's region) with another
    ID number: perhaps the same person with a mistyped number. For a clerk to review."""
    new = [p for p in plan.persons.values() if p.existing_pk is None]
    wanted: dict[tuple[str, date], list[_PersonPlan]] = {}
    for p in new:
        wanted.setdefault((p.person.name, p.person.birth_date), []).append(p)
    names = sorted({name for name, _ in wanted})
    name_col = column.get("name") or HEADER_OF["name"]
    for chunk in _chunks(names):
        rows = (
            Beneficiary.objects.visible_to(user)
            .filter(name__in=chunk)
            .order_by()
            .values_list("name", "birth_date", "id_number_index", "id_number_masked")
        )
        for name, born, index, masked in rows:
            for p in wanted.get((name, born), []):
                if p.index != index:
                    plan.warnings.append(
                        RowError(
                            p.first_row,
                            name_col,
                            Message(
                                gettext_noop(
                                    "Possible duplicate: %(name)s, born %(born)s, is registered "
                                    "with ID number %(masked)s."
                                ),
                                {"name": name, "born": born.isoformat(), "masked": masked},
                            ),
                        )
                    )


# --- writing ----------------------------------------------------------------------------------


class _NameKeys(dict[str, tuple[str, str]]):
    """``services.name_keys`` once per distinct name, and per character where that gives the
    very same answer: pypinyin reads a character differently only inside a phrase of its
    dictionary, so a name none of whose substrings is such a phrase is the concatenation of
    its characters' pinyin (``test_import.TestNameKeys`` holds the two equal). Pinyin costs
    more than encrypting a row; a province's names repeat their characters far more often
    than the names themselves repeat."""

    def __init__(self) -> None:
        super().__init__()
        self.chars: dict[str, tuple[str, str]] = {}

    def __missing__(self, name: str) -> tuple[str, str]:
        keys = self._by_character(name) or name_keys(name)
        self[name] = keys
        return keys

    def _by_character(self, name: str) -> tuple[str, str] | None:
        if not _phrase_rule_holds() or not 2 <= len(name) <= 6 or any(ord(c) not in _PINYIN for c in name):
            return None
        for i in range(len(name) - 1):
            for j in range(i + 2, len(name) + 1):
                if name[i:j] in _PHRASES:
                    return None
        pinyin, initials = [], []
        for char in name:
            if char not in self.chars:
                self.chars[char] = name_keys(char)
            syllable, initial = self.chars[char]
            pinyin.append(syllable)
            initials.append(initial)
        return "".join(pinyin), "".join(initials)


try:
    from pypinyin.constants import PHRASES_DICT as _PHRASES
    from pypinyin.constants import PINYIN_DICT as _PINYIN
except ImportError:  # pragma: no cover - a pypinyin without them: every name goes the long way
    _PHRASES, _PINYIN = {}, {}


@functools.cache
def _phrase_rule_holds() -> bool:
    """No one-character "phrase": else a character could read differently alone."""
    return bool(_PHRASES) and not any(len(phrase) == 1 for phrase in _PHRASES)


def _qualification_rows(
    pairs: Iterable[tuple[int, QualificationData]],
) -> tuple[list[Qualification], list[tuple[int, QualificationData]]]:
    objs: list[Qualification] = []
    data: list[tuple[int, QualificationData]] = []
    for beneficiary_id, q in pairs:
        objs.append(Qualification(beneficiary_id=beneficiary_id, **qualification_columns(q)))
        data.append((beneficiary_id, q))
    return objs, data


def _create_qualifications(pairs: list[tuple[int, QualificationData]]) -> list[Qualification]:
    """Qualifications and, for disabled veterans, their first assessment (as
    ``services._create_qualification`` does one by one)."""
    objs, data = _qualification_rows(pairs)
    created = Qualification.objects.bulk_create(objs, batch_size=BATCH)
    assessments = [
        DisabilityAssessment(
            qualification_id=obj.pk,
            cause=q.disability_cause,
            level=q.disability_level,
            effective_on=q.approved_on,
        )
        for obj, (_, q) in zip(created, data, strict=True)
        if q.category == Category.DISABLED_VETERAN and q.disability_level
    ]
    DisabilityAssessment.objects.bulk_create(assessments, batch_size=BATCH)
    return created


# Django's bulk_create spends most of a 100,000-row import compiling each value of each
# field; a plain INSERT run by executemany, with the values adapted the way Django adapts
# them, is several times faster. Used only for the new people of an import, whose rows are
# built from validated data by ``person_columns`` and ``qualification_columns``.
_PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveSmallIntegerField,
    models.ForeignKey,
)


def _adapter(model_field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How Django would turn a value of this field into a query parameter (None: as it is)."""
    ops = connection.ops
    if isinstance(model_field, models.DateTimeField):
        adapt_datetime = ops.adapt_datetimefield_value
        seen: dict[Any, Any] = {}  # every row of an import has the same created_at

        def adapt(value: Any) -> Any:
            if value not in seen:
                seen[value] = adapt_datetime(value)
            return seen[value]

        return adapt
    if isinstance(model_field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(model_field, _PASS_THROUGH):
        return None
    raise TypeError(f"{model_field!r} needs an adapter")  # a new field type: teach it here


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts keyed by attname; missing fields take their default)."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    values_of = operator.itemgetter(*defaults)
    adapters = [(i, adapt) for i, f in enumerate(fields) if (adapt := _adapter(f)) is not None]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, BATCH):
            params = []
            for row in chunk:
                got = values_of({**defaults, **row})
                values = list(got) if len(fields) > 1 else [got]
                for i, adapt in adapters:
                    values[i] = adapt(values[i])
                params.append(values)
            if connection.vendor == "postgresql":
                # COPY: one stream instead of a statement per row; errors wrapped as Django's
                # own cursor would (a unique violation is an IntegrityError).
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    for values in params:
                        copy.write_row(values)
            else:
                # Only quoted table and column names from the model's meta reach the SQL text.
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608


def _insert_new_people(new: list[_PersonPlan], now: datetime) -> tuple[list[int], int]:
    """The new people, their qualifications and first assessments; returns the people's ids
    and the number of qualifications."""
    keys = _NameKeys()
    people: list[dict[str, Any]] = []
    for p in new:
        columns = person_columns(p.person, keys=keys[p.person.name], index=p.index)
        columns["region_id"] = columns.pop("region").pk
        columns["township_id"] = columns.pop("township").pk
        columns["created_at"] = columns["updated_at"] = now
        people.append(columns)
    _insert(Beneficiary, people)
    ids: dict[str, int] = {}
    for chunk in _chunks([p.index for p in new]):
        ids.update(Beneficiary.objects.filter(id_number_index__in=chunk).values_list("id_number_index", "pk"))
    qualifications = [
        {**qualification_columns(q), "beneficiary_id": ids[p.index], "created_at": now}
        for p in new
        for _, q in p.qualifications
    ]
    _insert(Qualification, qualifications)
    disabled = {
        ids[p.index]: q
        for p in new
        for _, q in p.qualifications
        if q.category == Category.DISABLED_VETERAN and q.disability_level
    }
    assessments: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(disabled)):
        found = Qualification.objects.filter(
            beneficiary_id__in=chunk, category=Category.DISABLED_VETERAN
        ).values_list("beneficiary_id", "pk")
        for beneficiary_id, pk in found:
            q = disabled[beneficiary_id]
            assessments.append(
                {
                    "qualification_id": pk,
                    "cause": q.disability_cause,
                    "level": q.disability_level,
                    "effective_on": q.approved_on,
                }
            )
    _insert(DisabilityAssessment, assessments)
    return sorted(ids.values()), len(qualifications)


def _write(plan: _Plan, updates: list[_Update], *, acting_user: User, filename: str, digest: str) -> None:
    new = [p for p in plan.persons.values() if p.existing_pk is None]
    now = timezone.now()
    person_ids, qualifications_created = _insert_new_people(new, now)
    changed: list[Beneficiary] = []
    fields_changed: set[str] = set()
    added: list[Qualification] = []
    for u in updates:
        b = u.beneficiary
        if u.changes:
            before = snapshot(b)
            if "phone" in u.changes:
                b.phone = u.changes["phone"]
            if "bank_name" in u.changes:
                b.bank_name = u.changes["bank_name"]
            if "bank_account" in u.changes:
                b.bank_account_encrypted = encrypt(u.changes["bank_account"])
                b.bank_account_masked = mask_account(u.changes["bank_account"])
            b.updated_at = now
            old, _ = diff(before, snapshot(b))
            fields_changed.update(old)
            changed.append(b)
        if u.new_qualifications:
            added += _create_qualifications([(b.pk, q) for q in u.new_qualifications])
    Beneficiary.objects.bulk_update(
        changed,
        ["phone", "bank_name", "bank_account_encrypted", "bank_account_masked", "updated_at"],
        batch_size=BATCH,
    )
    # One record for the whole file, however many people it holds (a province's import stays
    # fast): the ids it created and changed and the names of the fields it changed, never values.
    townships = {p.person.township.pk for p in new} | {
        u.beneficiary.township_id for u in updates if u.changes or u.new_qualifications
    }
    record_event(
        EventType.REGISTRY_IMPORTED,
        actor=acting_user,
        # The township when the file concerns one (its auditor sees it), else the importer's region.
        region=next(iter(townships)) if len(townships) == 1 else acting_user.region_id,
        object_type="registry.beneficiary",
        extra={
            "file": filename,
            "sha256": digest,
            "rows": plan.rows,
            "persons_created": len(person_ids),
            "qualifications_created": qualifications_created + len(added),
            "persons_updated": len(changed),
            # The new people's ids, so the log can tell which rows this import made.
            "beneficiary_ids": _ranges(person_ids),
            "updated_ids": _ranges([b.pk for b in changed]),
            "fields_changed": sorted(fields_changed),
            "qualification_ids": _ranges([q.pk for q in added]),
        },
    )


def _ranges(ids: list[int]) -> list[list[int]]:
    """[1, 2, 3, 7] → [[1, 3], [7, 7]]: bulk inserts are mostly consecutive."""
    out: list[list[int]] = []
    for pk in sorted(ids):
        if out and pk == out[-1][1] + 1:
            out[-1][1] = pk
        else:
            out.append([pk, pk])
    return out


# --- the public function ---------------------------------------------------------------------


def import_registry(
    data: bytes, filename: str, *, acting_user: User, dry_run: bool = False, update: bool = False
) -> RegistryImportResult:
    """Import people and their qualifications from an .xlsx or .csv file; all or nothing.

    Raises ``RegistryImportRejected`` (an ``ImportRejected``, with ``.warnings``) naming
    every bad row, and ``InvalidInput`` for a file that cannot be read at all.
    """
    require(acting_user, Capability.WRITE_REGISTRY)
    checked = functools.partial(
        _record_check, data, filename, acting_user=acting_user, dry_run=dry_run, update=update
    )
    try:
        with _collector_paused():
            result = _import(data, filename, acting_user=acting_user, dry_run=dry_run, update=update)
    except RegistryImportRejected as exc:
        checked(outcome="rejected", rows=exc.rows, errors=len(exc.errors), warnings=len(exc.warnings))
        raise
    except InvalidInput as exc:
        checked(outcome="unreadable", rows=0, errors=1, warnings=0, code=exc.code)
        raise
    if dry_run:
        checked(outcome="ok", rows=result.rows, errors=0, warnings=len(result.warnings))
    return result


def _record_check(
    data: bytes,
    filename: str,
    *,
    acting_user: User,
    dry_run: bool,
    update: bool,
    outcome: str,
    rows: int,
    errors: int,
    warnings: int,
    code: str = "",
) -> None:
    """A dry run, or an import refused as a whole, leaves its trace as a real import does:
    the file, its row count and the outcome (counts only, never a row's content). Trying ID
    numbers against the registry through dry runs shows in the log."""
    extra: dict[str, Any] = {
        "file": filename,
        "sha256": sha256(data).hexdigest(),
        "dry_run": dry_run,
        "update": update,
        "rows": rows,
        "outcome": outcome,
        "errors": errors,
        "warnings": warnings,
    }
    if code:
        extra["code"] = code
    record_event(
        EventType.REGISTRY_IMPORT_CHECKED,
        actor=acting_user,
        object_type="registry.beneficiary",
        extra=extra,
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A large file makes hundreds of thousands of objects that live until the end; the cyclic
    garbage collector would walk them again and again (15% of a 100,000-row import).
    Reference counting still frees everything that is dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _sqlite_cache() -> Iterator[None]:
    """SQLite's default page cache (2 MB) is far smaller than the people table's fourteen
    indexes grow to in a large import, so every insert would read its index pages back in:
    64 MB while writing halves the insert time. Restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _import(
    data: bytes, filename: str, *, acting_user: User, dry_run: bool, update: bool
) -> RegistryImportResult:
    grid = read_grid(data, filename)
    try:
        header = find_header(grid.rows)
    except RegistryImportRejected as exc:
        exc.layout = SheetLayout(
            kind=grid.kind, sheet=grid.sheet, header_row=exc.errors[0].row, encoding=grid.encoding
        )
        raise
    layout = SheetLayout(
        kind=grid.kind,
        sheet=grid.sheet,
        header_row=header.row + 1,
        columns=header.layout_columns,
        encoding=grid.encoding,
        rows=len(grid.rows),
    )
    plan = _Plan(warnings=list(header.notes))
    for name in grid.other_sheets:
        plan.warnings.append(
            RowError(0, "", Message(gettext_noop("The sheet %(sheet)s was not read."), {"sheet": name}))
        )
    _validate_rows(grid, header, acting_user, plan)
    if plan.rows == 0:
        plan.errors.append(
            RowError(header.row + 1, "", Message(gettext_noop("There are no rows below the header.")))
        )
    updates = _check_database(plan, acting_user, update=update, column=header.texts)
    _duplicate_warnings(plan, acting_user, header.texts)
    warnings = sorted(plan.warnings, key=lambda w: (w.row, w.column))
    if plan.errors:
        raise RegistryImportRejected(plan.errors, warnings=warnings, rows=plan.rows, layout=layout)

    new = [p for p in plan.persons.values() if p.existing_pk is None]
    result = RegistryImportResult(
        filename=filename,
        rows=plan.rows,
        persons_created=len(new),
        qualifications_created=sum(len(p.qualifications) for p in new)
        + sum(len(u.new_qualifications) for u in updates),
        persons_updated=sum(1 for u in updates if u.changes),
        dry_run=dry_run,
        warnings=warnings,
    )
    if dry_run:
        return result
    try:
        with _sqlite_cache(), transaction.atomic():
            _write(plan, updates, acting_user=acting_user, filename=filename, digest=sha256(data).hexdigest())
    except IntegrityError:
        # Someone registered one of these people while this file was being checked.
        raise Conflict(
            Message(
                gettext_noop(
                    "Some of these people were registered by someone else meanwhile; "
                    "nothing was imported. Import the file again."
                )
            ),
            code="import_conflict",
        ) from None
    return result


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
    dialect = _csv_dialect(text)
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
    encoding = _csv_encoding(data)
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


__all__ = [
    "ERROR_HEADER",
    "ErrorReport",
    "RegistryImportRejected",
    "RegistryImportResult",
    "annotated_copy",
    "import_registry",
    "open_error_report",
    "store_error_report",
]
