"""The registry as a spreadsheet, in the import template's columns.

One row per qualification (a person without one gets a single row with the qualification
columns empty), with the names, codes and formats the import reads, so an export
re-imports unchanged. ID numbers and bank accounts are masked unless the user may reveal
ID numbers. Every export is audited with its filters, its size and whether identifiers
were shown unmasked.

People are read in chunks with their qualifications prefetched per chunk: a fixed number
of queries per 2,000 people, whatever the size of the region.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core import csvio
from youfu.core.crypto import decrypt
from youfu.core.csvio import SafeCsvWriter, XlsxSheet
from youfu.core.errors import InvalidInput
from youfu.core.idnumber import mask_id_number, normalize_id_number
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import CHINESE_CAUSE, CHINESE_NAMES, Category, DisabilityCause
from youfu.registry.columns import COLUMNS, HEADERS
from youfu.registry.models import Beneficiary, Qualification, Residence, Sex
from youfu.registry.search import SearchFilters, search_beneficiaries

if TYPE_CHECKING:
    from youfu.accounts.models import User

CHUNK_SIZE = 2000
SHEET_TITLE = "优抚对象"
CONTENT_TYPES = {
    "xlsx": csvio.XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
}
SEX_NAMES = {Sex.MALE: "男", Sex.FEMALE: "女"}
RESIDENCE_NAMES = {Residence.URBAN: "城镇", Residence.RURAL: "农村"}
# Kept as text in the workbook: Excel would turn long digit strings into numbers and lose digits.
TEXT_KEYS = frozenset({"id_number", "bank_account", "phone"})
WIDTHS = {"id_number": 22, "bank_account": 24, "phone": 14, "category": 16, "township": 12, "village": 12}
QUALIFICATION_KEYS = (
    "category",
    "disability_cause",
    "disability_level",
    "approved_on",
    "enlisted_on",
    "discharged_on",
)


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the list page's search and filters, optionally one region's part."""

    query: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    region: Region | None = None

    def describe(self) -> dict[str, Any]:
        """For the audit record: the filters given, never a searched ID number in full."""
        described: dict[str, Any] = {k: v for k, v in asdict(self.filters).items() if v}
        if self.query:
            number = normalize_id_number(self.query)
            described["q"] = mask_id_number(number) if len(number) == 18 else self.query
        if self.region is not None:
            described["region"] = self.region.code
        return described


@dataclass(frozen=True)
class ExportResult:
    format: str
    people: int
    rows: int
    unmasked: bool

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, **asdict(self)}


def export_queryset(user: User, request: ExportRequest) -> QuerySet[Beneficiary]:
    qs = search_beneficiaries(user, request.query, request.filters)
    if request.region is not None:
        qs = qs.filter(region__code__startswith=request.region.scope_prefix)
    return qs.select_related("township", "region").prefetch_related("qualifications")


def region_for_export(user: User, code: str) -> Region:
    region = Region.objects.visible_to(user).filter(code=code.strip()).first()
    if region is None:
        raise InvalidInput(
            Message(gettext_noop("No region %(code)s in your region."), {"code": code}),
            fields={"region": gettext_noop("not in your region")},
        )
    return region


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _person_cells(person: Beneficiary, unmasked: bool) -> dict[str, Any]:
    village = person.region if person.region.level == RegionLevel.VILLAGE else None
    return {
        "name": person.name,
        "sex": SEX_NAMES.get(Sex(person.sex), person.sex),
        "id_number": decrypt(person.id_number_encrypted) if unmasked else person.id_number_masked,
        "ethnicity": person.ethnicity,
        "birth_date": _iso(person.birth_date),
        "residence": RESIDENCE_NAMES.get(Residence(person.residence), person.residence),
        "township": person.township.name,
        "village": village.name if village else "",
        "phone": person.phone,
        "bank_name": person.bank_name,
        "bank_account": decrypt(person.bank_account_encrypted) if unmasked else person.bank_account_masked,
        "notes": person.notes,
    }


def _qualification_cells(qualification: Qualification) -> dict[str, Any]:
    cause = qualification.disability_cause
    return {
        "category": CHINESE_NAMES[Category(qualification.category)],
        "disability_cause": CHINESE_CAUSE[DisabilityCause(cause)] if cause else "",
        "disability_level": qualification.disability_level,
        "approved_on": _iso(qualification.approved_on),
        "enlisted_on": _iso(qualification.enlisted_on),
        "discharged_on": _iso(qualification.discharged_on),
    }


def export_rows(queryset: QuerySet[Beneficiary], *, unmasked: bool) -> Iterator[list[Any]]:
    """The rows in ``COLUMNS`` order; ``None`` for an empty cell."""
    keys = [key for _header, key in COLUMNS]
    for person in queryset.iterator(chunk_size=CHUNK_SIZE):
        cells = _person_cells(person, unmasked)
        qualifications: list[Qualification | None] = [*person.qualifications.all()] or [None]
        for qualification in qualifications:
            row = {**cells, **(_qualification_cells(qualification) if qualification else {})}
            yield [row.get(key) if row.get(key) not in ("", None) else None for key in keys]


def write_csv(rows: Iterator[list[Any]]) -> Iterator[str]:
    """UTF-8 with a byte-order mark, so Excel opens it as UTF-8."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = SafeCsvWriter(Echo())
    yield "\ufeff"
    yield writer.writerow(HEADERS)
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row])


def xlsx_sheet(rows: Iterator[list[Any]]) -> XlsxSheet:
    keys = [key for _header, key in COLUMNS]
    return XlsxSheet(
        SHEET_TITLE,
        HEADERS,
        rows,
        widths=[WIDTHS.get(key, 10) for key in keys],
        text_columns=frozenset(index for index, key in enumerate(keys) if key in TEXT_KEYS),
    )


def write_xlsx(rows: Iterator[list[Any]], target: IO[bytes] | str | os.PathLike[str]) -> int:
    """A write-only workbook (rows go to disk as they come); returns the number of data rows."""
    return csvio.write_xlsx([xlsx_sheet(rows)], target)[0]


def _check_format(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in CONTENT_TYPES:
        raise InvalidInput(
            Message(gettext_noop("Export as xlsx or csv, not %(format)s."), {"format": fmt}),
            code="unknown_format",
            fields={"format": gettext_noop("xlsx or csv")},
        )
    return fmt


def _record(
    user: User, request: ExportRequest, fmt: str, people: int, unmasked: bool, rows: int | None
) -> None:
    extra: dict[str, Any] = {
        "filters": request.describe(),
        "format": fmt,
        "count": people,
        "unmasked": unmasked,
    }
    if rows is not None:
        extra["rows"] = rows
    record_event(EventType.PERSONAL_DATA_EXPORTED, actor=user, extra=extra)


def _prepare(user: User, request: ExportRequest, fmt: str) -> tuple[str, QuerySet[Beneficiary], bool, int]:
    require(user, Capability.READ_PERSONAL_DATA)
    fmt = _check_format(fmt)
    queryset = export_queryset(user, request)
    return fmt, queryset, user.can(Capability.REVEAL_ID_NUMBER), queryset.count()


def filename(fmt: str) -> str:
    return f"registry-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def export_response(user: User, request: ExportRequest, fmt: str) -> HttpResponseBase:
    """The export as a download: CSV streams; a workbook is written to a temporary file
    first (a zip cannot be streamed before it is complete), then sent from disk."""
    fmt, queryset, unmasked, people = _prepare(user, request, fmt)
    rows = export_rows(queryset, unmasked=unmasked)
    response: HttpResponseBase
    if fmt == "csv":
        _record(user, request, fmt, people, unmasked, None)
        response = StreamingHttpResponse(write_csv(rows), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename(fmt)}"'
    else:
        spool, count = csvio.xlsx_spooled(xlsx_sheet(rows))
        _record(user, request, fmt, people, unmasked, count)
        response = csvio.xlsx_file_response(spool, filename(fmt))
    response["Cache-Control"] = "no-store"
    return response


def export_to_file(user: User, path: Path, request: ExportRequest) -> ExportResult:
    """Write the export to ``path`` (its suffix names the format). Written beside it first
    and renamed, so a failed export never leaves half a file under the real name."""
    fmt, queryset, unmasked, people = _prepare(user, request, path.suffix)
    rows = export_rows(queryset, unmasked=unmasked)
    partial = path.with_name(path.name + ".part")
    try:
        if fmt == "csv":
            count = 0
            with partial.open("w", encoding="utf-8", newline="") as out:
                for chunk in write_csv(rows):
                    out.write(chunk)
                    count += 1
            count -= 2  # the byte-order mark and the header
        else:
            count = write_xlsx(rows, partial)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            Message(
                gettext_noop("Cannot write %(path)s: %(reason)s"), {"path": str(path), "reason": exc.strerror}
            )
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _record(user, request, fmt, people, unmasked, count)
    return ExportResult(format=fmt, people=people, rows=count, unmasked=unmasked)
