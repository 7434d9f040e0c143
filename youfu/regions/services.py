"""Importing the region tree: all or nothing, idempotent, every change audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.csvio import CsvRow, read_csv
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import LEVEL_ORDER, SIGNIFICANT_DIGITS, Region, RegionLevel, code_fits_level

if TYPE_CHECKING:
    from youfu.accounts.models import User

COLUMNS = ("code", "name", "parent_code", "level")
CODE_RE = re.compile(r"^\d{12}$")


@dataclass
class RegionImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": True,
            "rows": self.rows,
            "created": len(self.created),
            "updated": len(self.renamed),
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class _Parsed:
    row: int
    code: str
    name: str
    parent_code: str
    level: RegionLevel


def _parse(rows: list[CsvRow]) -> tuple[list[_Parsed], list[RowError]]:
    errors: list[RowError] = []
    parsed: list[_Parsed] = []
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        code, name, parent_code, level = (v["code"], v["name"], v["parent_code"], v["level"])
        row_errors: list[RowError] = []
        if not CODE_RE.match(code):
            row_errors.append(
                RowError(row.number, "code", Message(gettext_noop("A region code is 12 digits.")))
            )
        elif code in seen:
            row_errors.append(
                RowError(
                    row.number,
                    "code",
                    Message(
                        gettext_noop("Code %(code)s appears again (first on row %(first)d)."),
                        {"code": code, "first": seen[code]},
                    ),
                )
            )
        if not name:
            row_errors.append(RowError(row.number, "name", Message(gettext_noop("A name is required."))))
        if level not in RegionLevel.values:
            row_errors.append(
                RowError(
                    row.number,
                    "level",
                    Message(
                        gettext_noop("Unknown level %(level)s; use county, township or village."),
                        {"level": level},
                    ),
                )
            )
        if parent_code and not CODE_RE.match(parent_code):
            row_errors.append(
                RowError(row.number, "parent_code", Message(gettext_noop("A region code is 12 digits.")))
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        lvl = RegionLevel(level)
        if not code_fits_level(code, lvl):
            errors.append(
                RowError(
                    row.number,
                    "code",
                    Message(
                        gettext_noop("Code %(code)s is not the code of a %(level)s."),
                        {"code": code, "level": level},
                    ),
                )
            )
            continue
        seen[code] = row.number
        parsed.append(_Parsed(row.number, code, name, parent_code, lvl))
    return parsed, errors


def _check_tree(parsed: list[_Parsed], existing: dict[str, Region]) -> list[RowError]:
    errors: list[RowError] = []
    in_file = {p.code: p for p in parsed}
    for p in parsed:
        current = existing.get(p.code)
        if current is not None and current.level != p.level:
            errors.append(
                RowError(
                    p.row,
                    "level",
                    Message(
                        gettext_noop("Region %(code)s is already registered as a %(level)s."),
                        {"code": p.code, "level": current.level},
                    ),
                )
            )
            continue
        if not p.parent_code:
            if p.level not in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
                errors.append(
                    RowError(
                        p.row,
                        "parent_code",
                        Message(gettext_noop("A township or village needs its parent's code.")),
                    )
                )
            continue
        parent_level: str | None = None
        if p.parent_code in in_file:
            parent_level = in_file[p.parent_code].level
        elif p.parent_code in existing:
            parent_level = existing[p.parent_code].level
        if parent_level is None:
            errors.append(
                RowError(
                    p.row,
                    "parent_code",
                    Message(
                        gettext_noop("Parent %(code)s is neither in the file nor registered."),
                        {"code": p.parent_code},
                    ),
                )
            )
            continue
        parent_digits = SIGNIFICANT_DIGITS[RegionLevel(parent_level)]
        if LEVEL_ORDER.index(RegionLevel(parent_level)) >= LEVEL_ORDER.index(p.level):
            errors.append(
                RowError(
                    p.row,
                    "parent_code",
                    Message(
                        gettext_noop("A %(level)s cannot belong to a %(parent_level)s."),
                        {"level": p.level, "parent_level": parent_level},
                    ),
                )
            )
        elif not p.code.startswith(p.parent_code[:parent_digits]):
            errors.append(
                RowError(
                    p.row,
                    "code",
                    Message(
                        gettext_noop("Code %(code)s does not lie under its parent %(parent)s."),
                        {"code": p.code, "parent": p.parent_code},
                    ),
                )
            )
        if current is not None and (current.parent_id or "") != p.parent_code:
            errors.append(
                RowError(
                    p.row,
                    "parent_code",
                    Message(
                        gettext_noop("Region %(code)s is registered under %(parent)s; it cannot move."),
                        {"code": p.code, "parent": current.parent_id or "-"},
                    ),
                )
            )
    return errors


def import_regions(data: bytes, *, acting_user: User | None, filename: str = "") -> RegionImportResult:
    """Create or rename regions from a CSV file. One bad row rejects the whole file."""
    require(acting_user, Capability.MANAGE_SETTINGS)
    rows = read_csv(data, COLUMNS)
    parsed, errors = _parse(rows)
    existing = {
        r.code: r
        for r in Region.objects.filter(
            code__in=[p.code for p in parsed] + [p.parent_code for p in parsed if p.parent_code]
        )
    }
    errors += _check_tree(parsed, existing)
    if acting_user is not None and acting_user.region is not None:
        outside = [p for p in parsed if not acting_user.region.contains(p.code)]
        errors += [
            RowError(
                p.row,
                "code",
                Message(gettext_noop("Code %(code)s lies outside your region."), {"code": p.code}),
            )
            for p in outside
        ]
    if errors:
        raise ImportRejected(errors)

    result = RegionImportResult(rows=len(parsed))
    # Parents first, so every foreign key points at a row that exists.
    ordered = sorted(parsed, key=lambda p: LEVEL_ORDER.index(p.level))
    with transaction.atomic():
        to_create = [
            Region(code=p.code, name=p.name, parent_id=p.parent_code or None, level=p.level)
            for p in ordered
            if p.code not in existing
        ]
        Region.objects.bulk_create(to_create, batch_size=1000)
        result.created = [r.code for r in to_create]
        renamed: list[Region] = []
        for p in ordered:
            current = existing.get(p.code)
            if current is None:
                continue
            if current.name != p.name:
                record_event(
                    EventType.REGION_CHANGED,
                    actor=acting_user,
                    region=current.code,
                    obj=current,
                    old={"name": current.name},
                    new={"name": p.name},
                )
                current.name = p.name
                renamed.append(current)
            else:
                result.unchanged += 1
        Region.objects.bulk_update(renamed, ["name"], batch_size=1000)
        result.renamed = [r.code for r in renamed]
        if to_create or renamed:
            record_event(
                EventType.REGIONS_IMPORTED,
                actor=acting_user,
                object_type="regions.region",
                extra={
                    "file": filename,
                    "rows": result.rows,
                    "created": result.created[:1000],
                    "renamed": result.renamed,
                },
            )
    return result
