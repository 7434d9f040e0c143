"""Importing the registry from the spreadsheets clerks really have (.xlsx or .csv).

One row is one qualification; rows sharing an ID number are one person. All or nothing:
every row is validated (and checked against the database) before anything is written,
and one bad row rejects the file with every problem named by row, column and reason; the
rejected file can be given back with an error column (``store_error_report``).

Set-based, because a province imports hundreds of thousands of rows: the workbook is read
by calamine (Rust), existing people are found by their blind index in chunks, and the new
people, qualifications and assessments are inserted in one transaction (``write``) with
one REGISTRY_IMPORTED audit event, which also names the people an update changed (ids and
field names, never values). A dry run, or a file refused as a whole, writes nothing but its
REGISTRY_IMPORT_CHECKED event (the file, its row count and the outcome).

The stages, in order: ``read`` (file → rows: header detection, aliases, merged cells),
``validate`` (rows → cleaned people and row errors, checked against the database),
``write`` (the set-based insert and update with the one audit record) and ``annotate``
(a rejected file given back with its errors). This module runs them.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.imports import RowError
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.registry.importing.annotate import (
    ERROR_HEADER,
    ErrorReport,
    annotated_copy,
    open_error_report,
    store_error_report,
)
from youfu.registry.importing.read import find_header, read_grid
from youfu.registry.importing.results import (
    RegistryImportRejected,
    RegistryImportResult,
    SheetLayout,
)
from youfu.registry.importing.validate import Plan, check_database, duplicate_warnings, validate_rows
from youfu.registry.importing.write import write

if TYPE_CHECKING:
    from youfu.accounts.models import User

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # the page and the API refuse larger files
SQLITE_IMPORT_CACHE_KIB = 64 * 1024


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
    plan = Plan(warnings=list(header.notes))
    for name in grid.other_sheets:
        plan.warnings.append(
            RowError(0, "", Message(gettext_noop("The sheet %(sheet)s was not read."), {"sheet": name}))
        )
    validate_rows(grid, header, acting_user, plan)
    if plan.rows == 0:
        plan.errors.append(
            RowError(header.row + 1, "", Message(gettext_noop("There are no rows below the header.")))
        )
    updates = check_database(plan, acting_user, update=update, column=header.texts)
    duplicate_warnings(plan, acting_user, header.texts)
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
            write(plan, updates, acting_user=acting_user, filename=filename, digest=sha256(data).hexdigest())
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


__all__ = [
    "ERROR_HEADER",
    "MAX_UPLOAD_BYTES",
    "ErrorReport",
    "RegistryImportRejected",
    "RegistryImportResult",
    "annotated_copy",
    "import_registry",
    "open_error_report",
    "store_error_report",
]
