"""Restore targets for the round trips: a new installation (its own YOUFU_HOME and a database made
by ``youfu migrate``), on SQLite or PostgreSQL, driven as an operator drives it — ``youfu``
commands in their own processes.

Migrating takes half a minute, so each engine's new database is migrated once per session and
copied for each target (a file copy; ``CREATE DATABASE … TEMPLATE`` on PostgreSQL). PostgreSQL's
throwaway databases are named ``yf_backup_*`` and dropped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

import youfu
from youfu.backup.tables import tables

ROOT = Path(youfu.__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
ENGINES = ("sqlite", "postgresql")


def pg_up() -> bool:
    try:
        psycopg.connect(**PG, dbname="postgres", connect_timeout=3).close()  # type: ignore[arg-type]
    except psycopg.Error:
        return False
    return True


def require_engine(engine: str) -> None:
    if engine == "postgresql" and not pg_up():
        reason = "PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def pg_admin(sql: str) -> None:
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(sql)


def pg_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


@dataclass
class Target:
    engine: str
    home: Path
    url: str
    database: str  # the SQLite file, or the PostgreSQL database's name

    @property
    def files(self) -> Path:
        return self.home / "files"

    def env(self, data_key: str | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "YOUFU_HOME": str(self.home),
            "YOUFU_DATABASE_URL": self.url,
            "YOUFU_DATA_KEY": data_key if data_key is not None else settings.YOUFU_DATA_KEY,
        }
        env.pop("YOUFU_HUEY_IMMEDIATE", None)
        return env

    def youfu(
        self, *args: str, data_key: str | None = None, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        # The system checks (every URL and view imported) would double each command's start.
        checks = [] if args[0] == "shell" else ["--skip-checks"]
        return subprocess.run(
            [sys.executable, "-m", "youfu.manage", *args, *checks],
            env=self.env(data_key),
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def python(self, code: str) -> Any:
        """Run ``code`` in ``youfu shell`` here; it prints one JSON value, returned decoded."""
        done = self.youfu("shell", "-c", code)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.engine == "sqlite":
            with sqlite3.connect(self.database) as conn:
                return list(conn.execute(sql).fetchall())
        with psycopg.connect(**PG, dbname=self.database) as conn:  # type: ignore[arg-type]
            return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def figures(query: Callable[[str], list[tuple[Any, ...]]]) -> dict[str, tuple[int, ...]]:
    """Every table's row count and the sums of its money columns, by plain SQL (not the backup's
    own code), through ``query``."""
    result = {}
    for table in tables():
        sums = "".join(f", COALESCE(SUM({c}), 0)" for c in table.money)
        ((count, *money),) = query(f'SELECT COUNT(*){sums} FROM "{table.name}"')  # noqa: S608
        result[table.name] = (int(count), *(int(m) for m in money))
    return result


def here(sql: str) -> list[tuple[Any, ...]]:
    """``query`` on the test's own database."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


class Templates:
    """Each engine's new, migrated database, made once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, Target] = {}
        self.databases: list[str] = []

    def template(self, engine: str) -> Target:
        if engine not in self.made:
            home = self.folder / f"template-{engine}"
            home.mkdir()
            if engine == "sqlite":
                path = home / "youfu.sqlite3"
                target = Target(engine, home, f"sqlite:///{path}", str(path))
            else:
                name = f"yf_backup_tpl_{uuid.uuid4().hex[:10]}"
                pg_admin(f"CREATE DATABASE {name}")
                self.databases.append(name)
                target = Target(engine, home, pg_url(name), name)
            done = target.youfu("migrate", "--noinput", "-v0")
            assert done.returncode == 0, done.stderr
            self.made[engine] = target
        return self.made[engine]

    def new(self, engine: str, home: Path) -> Target:
        require_engine(engine)
        template = self.template(engine)
        home.mkdir(parents=True)
        if engine == "sqlite":
            path = home / "youfu.sqlite3"
            shutil.copyfile(template.database, path)
            return Target(engine, home, f"sqlite:///{path}", str(path))
        name = f"yf_backup_{uuid.uuid4().hex[:12]}"
        pg_admin(f"CREATE DATABASE {name} TEMPLATE {template.database}")
        self.databases.append(name)
        return Target(engine, home, pg_url(name), name)

    def drop(self) -> None:
        for name in reversed(self.databases):
            pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("backup-targets"))
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture
def new_target(templates: Templates, tmp_path: Path) -> Callable[[str], Target]:
    """``new_target("sqlite")``: a new installation to restore into."""
    count = iter(range(100))

    def make(engine: str) -> Target:
        return templates.new(engine, tmp_path / f"{engine}-{next(count)}")

    return make
