"""What an import returns or raises, and the column vocabulary every stage shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from youfu.core.imports import ImportRejected, RowError

# Columns without which no row can be valid: the file is refused before reading its rows.
REQUIRED_KEYS = ("name", "id_number", "residence", "township", "category", "approved_on")


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


def rejected(
    errors: list[RowError], *, warnings: list[RowError] | None = None, layout: SheetLayout | None = None
) -> RegistryImportRejected:
    return RegistryImportRejected(errors, warnings=warnings, layout=layout)
