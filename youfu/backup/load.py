"""Loading a backup into an empty database, on either engine.

Rows go in set-based: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` in batches on SQLite,
each value converted by its field (``youfu/backup/tables.py``), never a model's ``save()``. The
whole load is one transaction (foreign keys are checked at its commit: Django declares them
``DEFERRABLE INITIALLY DEFERRED`` on both engines, so the tables' order does not matter), and
the checks run inside it: the audit chain and every table's count and money sums against the
manifest. Any difference rolls everything back.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection
from django.utils.translation import gettext_noop

from youfu.backup.archive import CHUNK, damaged, file_member, safe_file_name
from youfu.backup.dump import applied_migrations, count_and_sum
from youfu.backup.tables import PARTITION_KEYS, SEEDED_TABLES, Table, converters, tables
from youfu.benefits.engine import attach_partitions
from youfu.core.errors import Conflict
from youfu.core.messages import Message

SCOPE_TRUSTED = "a restore fills every table of an empty database (see youfu/backup/tables.py)"

ROWS_PER_INSERT = 2000


def _conflict(msgid: str, code: str, **params: Any) -> Conflict:
    return Conflict(Message(msgid, params), code=code)


# --- before anything is written -------------------------------------------------------------


def check_target(manifest: dict[str, Any]) -> None:
    """The database has youfu's schema at the backup's migrations, and holds nothing but what
    ``migrate`` put there."""
    here = applied_migrations(DEFAULT_DB_ALIAS)
    theirs = sorted(str(m) for m in manifest.get("migrations", []))
    if here != theirs:
        missing = sorted(set(theirs) - set(here))
        extra = sorted(set(here) - set(theirs))
        raise _conflict(
            gettext_noop(
                "This database's schema is not the backup's (migrations the backup has and this "
                "database lacks: %(missing)s; this database has and the backup lacks: %(extra)s). "
                "Restore with the youfu version that made the backup, into a database made by its "
                "`youfu migrate`. Nothing was written."
            ),
            "schema_differs",
            missing=", ".join(missing[:5]) or "-",
            extra=", ".join(extra[:5]) or "-",
        )
    listed = manifest.get("tables", {})
    for table in tables():
        entry = listed.get(table.name)
        if entry is None or entry.get("columns") != table.columns:
            raise _conflict(
                gettext_noop(
                    "The backup's table %(table)s does not match this youfu's. Nothing was written."
                ),
                "schema_differs",
                table=table.name,
            )
    for table in tables():
        if table.name in SEEDED_TABLES:
            continue
        if table.model._base_manager.exists():
            raise _conflict(
                gettext_noop(
                    "This database is not empty (%(table)s has rows): a backup is restored only into "
                    "a new database made by `youfu migrate`. Nothing was written."
                ),
                "database_not_empty",
                table=table.name,
            )


@dataclass(frozen=True)
class FileToWrite:
    member: str
    target: Path
    sha256: str


def plan_files(manifest: dict[str, Any], media_root: Path) -> list[FileToWrite]:
    """Where each file goes under MEDIA_ROOT; one already there must be the same file."""
    plan = []
    root = media_root.resolve()
    for name, entry in sorted(manifest.get("files", {}).items()):
        if not safe_file_name(name):
            raise damaged(gettext_noop("a file name leads outside the files folder"))
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise damaged(gettext_noop("a file name leads outside the files folder"))
        if target.exists():
            if _sha256(target) == entry["sha256"]:
                continue
            raise _conflict(
                gettext_noop(
                    "%(path)s already exists and differs from the backup's: restore into a new "
                    "YOUFU_HOME. Nothing was written."
                ),
                "file_exists",
                path=str(target),
            )
        plan.append(FileToWrite(file_member(name), target, str(entry["sha256"])))
    return plan


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- writing --------------------------------------------------------------------------------


def write_files(tar: tarfile.TarFile, plan: list[FileToWrite]) -> list[Path]:
    """Each file written beside its place and renamed once its SHA-256 is right; returns those
    written (a failed restore removes them again)."""
    written: list[Path] = []
    try:
        for item in plan:
            source = tar.extractfile(item.member)
            if source is None:
                raise damaged(gettext_noop("a file listed in the manifest is missing"))
            item.target.parent.mkdir(parents=True, exist_ok=True)
            partial = item.target.with_name(item.target.name + ".restoring")
            digest = hashlib.sha256()
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != item.sha256:
                partial.unlink()
                raise damaged(gettext_noop("a file's content differs from its SHA-256"))
            partial.replace(item.target)
            written.append(item.target)
    except BaseException:
        remove(written)
        raise
    return written


def remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def prepare_partitions(manifest: dict[str, Any]) -> None:
    """PostgreSQL: attach the items' and the lines' partitions for every month the backup holds
    (the engine's own helper, in its own short transaction) before the rows are copied in."""
    held = manifest.get("partitions", {})
    wanted = {table: [int(m) for m in held.get(table, [])] for table in PARTITION_KEYS}
    assert set(PARTITION_KEYS.values()) == {"month"}
    attach_partitions({table: months for table, months in wanted.items() if months})


def clear_seeded() -> None:
    """The rows ``migrate`` wrote (content types, permissions, the seeded calendar) make way for
    the backup's, which the backup's rows refer to by their ids."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(SEEDED_TABLES, key=lambda t: t != "auth_permission"):
            cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608 - a fixed table name


def load_table(tar: tarfile.TarFile, table: Table, entry: dict[str, Any]) -> int:
    try:
        source = tar.extractfile(str(entry["member"]))
        if source is None:
            raise damaged(gettext_noop("a table listed in the manifest is missing"))
        with gzip.GzipFile(fileobj=source, mode="rb") as lines:
            header = json.loads(next(lines))
            if header.get("table") != table.name or header.get("columns") != table.columns:
                raise damaged(gettext_noop("a table's header does not match the manifest"))
            rows = _rows(lines, table)
            if connection.vendor == "postgresql":
                return _copy(table, rows)
            return _insert(table, rows)
    # The members' digests were checked: only a manifest forged to match them gets here.
    except (KeyError, StopIteration, EOFError, OSError, zlib.error, tarfile.TarError) as exc:
        raise damaged(gettext_noop("%(table)s cannot be read"), table=table.name) from exc
    except (ValueError, ValidationError) as exc:  # a value its field does not take
        raise damaged(gettext_noop("%(table)s cannot be read"), table=table.name) from exc


def _rows(lines: Iterable[bytes], table: Table) -> Iterator[list[Any]]:
    width = len(table.columns)
    converting = [(i, c) for i, c in enumerate(converters(table, connection)) if c is not None]
    for line in lines:
        row = json.loads(line)
        if not isinstance(row, list) or len(row) != width:
            raise damaged(gettext_noop("a row of %(table)s has the wrong number of values"), table=table.name)
        for i, convert in converting:
            value = row[i]
            if value is not None:
                row[i] = convert(value)
        yield row


def _copy(table: Table, rows: Iterator[list[Any]]) -> int:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in table.columns)
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {qn(table.name)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _insert(table: Table, rows: Iterator[list[Any]]) -> int:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    sql = f"INSERT INTO {qn(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the models
    count = 0
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, ROWS_PER_INSERT)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def reset_sequences() -> None:
    """PostgreSQL's identity sequences go on after the highest id loaded (SQLite's AUTOINCREMENT
    follows inserted ids by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables()])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def differences(manifest: dict[str, Any]) -> list[str]:
    """Every table whose count or money sums differ from the manifest's, as restored."""
    found = []
    for table in tables():
        expected = manifest["tables"][table.name]
        count, sums = count_and_sum(DEFAULT_DB_ALIAS, table)
        if count != expected["rows"]:
            found.append(f"{table.name}: {expected['rows']} rows in the backup, {count} restored")
        for column, value in sorted(expected.get("sums", {}).items()):
            if sums.get(column) != value:
                found.append(f"{table.name}.{column}: sum {value} in the backup, {sums.get(column)} restored")
    return found


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)
