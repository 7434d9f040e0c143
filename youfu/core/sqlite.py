"""SQLite's write-ahead log, turned on by the first connection that finds it off.

WAL is a property of the database file: once one connection has switched it on, every later
connection finds it on. Switching needs the file to itself, and SQLite answers "database is
locked" at once — without waiting out the busy timeout — when another connection holds the file
while one switches. Two processes opening a new file at the same moment (two workers after a
restore, the fault tests' racers) would both try, and one would fail before its first query. So
a connection asks first and switches only when the file is not yet in WAL, and while it cannot,
waits for whoever can.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# How long a connection waits for another to finish switching the file (seconds, in steps).
WAIT_SECONDS = 20.0
STEP_SECONDS = 0.05


def use_wal(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created``: put a file database in WAL mode unless it already is."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():  # type: ignore[attr-defined]
        return
    raw = connection.connection
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            if raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            raw.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(STEP_SECONDS)
