"""Reading one consistent state of the whole database while the server goes on writing.

- **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies the database file in
  one step, which reads one committed state under a shared lock; in WAL mode writers go on
  meanwhile. The tables are then read from that copy, at leisure.
- **PostgreSQL**: every table is read in one ``REPEATABLE READ, READ ONLY`` transaction on a
  connection of its own: one snapshot for all of them, the guarantee ``pg_dump`` gives (it uses
  the same isolation level), and nobody is blocked.

Why not ``pg_dump``: its output restores into PostgreSQL only, and a backup must also move a
county from SQLite to PostgreSQL and back; one logical format for both engines needs one
reader. It also needs no client binaries matching the server's version on the machine that runs
youfu. ``pg_dump`` (or a base backup) remains a tool for copying a whole PostgreSQL cluster,
beside this one.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils.translation import gettext_noop

from youfu.backup.archive import HashingWriter
from youfu.backup.tables import Table, encode
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message

SCOPE_TRUSTED = "a backup copies every table whole (see youfu/backup/tables.py)"

ROWS_PER_FETCH = 5000


@contextmanager
def snapshot(workdir: Path) -> Iterator[str]:
    """A database alias that reads one committed state of the default database."""
    vendor = connection.vendor
    settings_dict = dict(connection.settings_dict)
    if vendor == "sqlite" and connection.in_atomic_block:
        # Called inside a transaction (a caller's, or a test's): the backup API would wait for
        # this very connection's lock for ever. A transaction is one state already: read in it.
        yield DEFAULT_DB_ALIAS
    elif vendor == "sqlite":
        copy = workdir / "snapshot.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        try:
            connection.connection.backup(target)  # pages=-1: the whole file in one step
        finally:
            target.close()
        settings_dict["NAME"] = str(copy)
        with _alias(settings_dict) as alias:
            yield alias
    elif vendor == "postgresql":
        with _alias(settings_dict) as alias, transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield alias
    else:
        raise InvalidInput(
            Message(
                gettext_noop("youfu backs up SQLite and PostgreSQL, not %(vendor)s."), {"vendor": vendor}
            ),
            code="unsupported_database",
        )


@contextmanager
def _alias(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A connection of its own under a new alias, for this thread only (not added to the
    project's DATABASES: nothing else is to use it)."""
    alias = f"youfu-backup-{uuid.uuid4().hex[:12]}"
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


@dataclass
class TableDump:
    rows: int = 0
    sha256: str = ""
    size: int = 0
    files: set[str] = field(default_factory=set)
    partition_values: set[Any] = field(default_factory=set)


def dump_table(alias: str, table: Table, path: Path) -> TableDump:
    """Write ``table`` as gzipped JSON lines: a header, then one array per row in key order."""
    dump = TableDump()
    file_columns = table.file_columns
    partition = table.partition_column
    rows = (
        table.model._base_manager.using(alias)
        .order_by(*table.order)
        .values_list(*table.attnames)
        .iterator(chunk_size=ROWS_PER_FETCH)
    )
    with path.open("wb") as raw:
        hashing = HashingWriter(raw)
        # mtime 0: the same rows make the same bytes.
        with gzip.GzipFile(fileobj=hashing, mode="wb", compresslevel=3, mtime=0) as out:
            header = {"table": table.name, "model": table.label, "columns": table.columns}
            out.write(json.dumps(header, ensure_ascii=False).encode() + b"\n")
            for row in rows:
                out.write(
                    json.dumps(row, default=encode, ensure_ascii=False, separators=(",", ":")).encode()
                    + b"\n"
                )
                dump.rows += 1
                for i in file_columns:
                    if row[i]:
                        dump.files.add(row[i])
                if partition is not None:
                    dump.partition_values.add(row[partition])
        raw.flush()
    dump.sha256 = hashing.digest.hexdigest()
    dump.size = hashing.size
    return dump


def count_and_sum(alias: str, table: Table) -> tuple[int, dict[str, int]]:
    """The table's row count and the sum of each money column, as the database computes them."""
    conn = connections[alias]
    qn = conn.ops.quote_name
    money = table.money
    columns = ", ".join(["COUNT(*)", *(f"COALESCE(SUM({qn(c)}), 0)" for c in money)])
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {qn(table.name)}")  # noqa: S608 - names from the models
        count, *sums = cursor.fetchone()
    return int(count), {c: int(s) for c, s in zip(money, sums, strict=True)}


def applied_migrations(alias: str) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connections[alias]).applied_migrations())
