"""What the single-process benchmarks share: a throwaway Django set-up and its teardown."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def setup_django(database: str) -> tuple[Path, str | None]:
    home = Path(tempfile.mkdtemp(prefix="youfu-bench-"))
    os.environ["YOUFU_HOME"] = str(home)
    os.environ.setdefault("YOUFU_HUEY_IMMEDIATE", "1")
    dbname = None
    if database == "postgres":
        import psycopg

        dbname = f"youfu_bench_{os.getpid()}"
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{dbname}"')
        os.environ["YOUFU_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    else:
        os.environ.pop("YOUFU_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "youfu.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return home, dbname


def teardown(home: Path, dbname: str | None) -> None:
    from django.db import connections

    connections.close_all()
    if dbname:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
    shutil.rmtree(home, ignore_errors=True)
