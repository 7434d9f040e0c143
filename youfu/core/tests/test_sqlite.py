"""The SQLite file's WAL mode is switched on once, by whichever connection comes first, without
failing the connections that arrive with it."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

ROUNDS = 40
PROCESSES = 8


def _wrapper(path: Path) -> DatabaseWrapper:
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path)}
    return DatabaseWrapper(settings_dict, alias=f"wal-{path.name}")


def _connect(path: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait()
        wrapper = _wrapper(Path(path))
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            cursor.fetchone()
            cursor.execute("PRAGMA journal_mode")
            results.put(cursor.fetchone()[0])
        wrapper.close()
    except Exception as exc:  # the answer the test reads
        results.put(repr(exc))


def _rollback_mode_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()


@pytest.mark.skipif(connections["default"].vendor != "sqlite", reason="SQLite's journal mode")
def test_processes_opening_a_rollback_mode_file_at_once_all_connect_and_leave_it_in_wal(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    """A file not yet in WAL (new, restored from a backup, copied in by a test) opened by several
    processes at the same moment: each switching it would get "database is locked" at once."""
    context = multiprocessing.get_context("fork")
    path = tmp_path / "youfu.sqlite3"
    answers: list[str] = []
    with django_db_blocker.unblock():  # connections of the test's own, to files of its own
        for _ in range(ROUNDS):
            answers += _round(context, path)
    assert answers == ["wal"] * (ROUNDS * PROCESSES), [a for a in answers if a != "wal"][:3]


def _round(context: Any, path: Path) -> list[str]:
    """One round: a fresh file in rollback mode, every process connecting at once."""
    _rollback_mode_file(path)
    barrier = context.Barrier(PROCESSES, timeout=60)
    results = context.Queue()
    children = [
        context.Process(target=_connect, args=(str(path), barrier, results)) for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    answers = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=30)
    return answers


@pytest.mark.skipif(connections["default"].vendor != "sqlite", reason="SQLite's journal mode")
def test_a_file_already_in_wal_is_left_as_it_is_and_an_unrelated_error_is_not_swallowed(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        _one_by_one(tmp_path)


def _one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "youfu.sqlite3"
    _rollback_mode_file(path)
    wrapper = _wrapper(path)
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    wrapper.close()
    (tmp_path / "not-a-database.sqlite3").write_bytes(b"this is not a database file" * 100)
    broken = _wrapper(tmp_path / "not-a-database.sqlite3")
    with pytest.raises(Exception, match="not a database"):
        broken.ensure_connection()
