"""Faults of the database server (issue 15): while PostgreSQL is down or restarting, every request
fails cleanly — a 503 that says so, the API's error envelope or a page of its own, never a 500 or
a traceback — and youfu answers again once it is back, without being restarted.

The first tests make the database refuse inside this process (every statement raises what a
driver raises when its server has gone); the last restarts a real PostgreSQL under a running
``youfu runserver``: a private cluster on a free port, holding a copy of the test database, never
the shared server (``youfu/core/tests/faults.py``).
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from youfu.core.tests.faults import PrivatePostgres, Shared, private_postgres, record_figures, serve
from youfu.core.views import database_unavailable
from youfu.registry.tests.factories import register
from youfu.testing import World, bearer, log_in

# What must never reach a client: a traceback, the driver's or Django's names for the failure.
LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlite3", 'File "', "connection to server")


def clean_503(status: int, headers: dict[str, str], body: str) -> None:
    assert status == 503, (status, body[:500])
    assert headers.get("Retry-After") == "30", headers
    assert not any(leak in body for leak in LEAKS), body[:2000]


@contextmanager
def database_gone() -> Iterator[None]:
    """Every statement fails as psycopg fails when its server has gone."""

    def refuse(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


def test_which_errors_mean_the_database_cannot_be_reached() -> None:
    def wrapped(cause: Exception) -> OperationalError:
        error = OperationalError(str(cause))
        error.__cause__ = cause
        return error

    assert database_unavailable(OperationalError("server closed the connection unexpectedly"))
    assert database_unavailable(InterfaceError("connection already closed"))
    assert database_unavailable(wrapped(sqlite3.OperationalError("database is locked")))
    assert database_unavailable(wrapped(sqlite3.OperationalError("unable to open database file")))
    # A bad statement is youfu's fault, not an outage: it stays a 500.
    assert not database_unavailable(wrapped(sqlite3.OperationalError("no such column: x")))
    assert not database_unavailable(ValueError("no"))
    assert not database_unavailable(None)


@pytest.mark.django_db
def test_the_api_answers_503_in_its_envelope_when_the_database_is_gone(world: World) -> None:
    client = Client(raise_request_exception=False)
    auth = bearer(world.county_clerk)
    with database_gone():
        listed = client.get("/api/v1/beneficiaries", **auth)
        created = client.post(
            "/api/v1/batches", {"period": "2026-11"}, content_type="application/json", **auth
        )
    for answer in (listed, created):
        clean_503(answer.status_code, dict(answer.headers), answer.content.decode())
        assert answer.json()["error"]["code"] == "database_unavailable"
        assert answer.json()["error"]["message"]
    assert client.get("/api/v1/beneficiaries", **auth).status_code == 200  # and back


@pytest.mark.django_db
def test_a_page_answers_503_saying_so_when_the_database_is_gone(world: World) -> None:
    client = Client(raise_request_exception=False)
    log_in(client, world.county_clerk)
    with database_gone():
        page = client.get("/registry/")
        posted = client.post("/benefits/", {"period": "2026-11"})
    for answer in (page, posted):
        body = answer.content.decode()
        clean_503(answer.status_code, dict(answer.headers), body)
        assert 'data-testid="database-unavailable"' in body and "数据库" in body
    assert 'href="/registry/"' in page.content.decode()  # try the same page again
    assert 'data-testid="again"' not in posted.content.decode()  # a form is not sent again by a link
    assert client.get("/registry/").status_code == 200


# --- a real PostgreSQL, restarted under a running youfu ------------------------------------------------


def _copy_into(cluster: PrivatePostgres) -> None:
    """The test database (migrated, with the test's records) into the private cluster as ``yf``."""
    db = connection.settings_dict
    source = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    psql = [str(cluster.bindir / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
    subprocess.run([*psql, "-c", "CREATE DATABASE yf"], check=True, capture_output=True, timeout=60)
    dump = subprocess.run(
        [str(cluster.bindir / "pg_dump"), *source, "--no-owner", "--no-privileges", db["NAME"]],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [*psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", "yf"],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_under_a_running_youfu(world: World, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL restarts are tested in the PostgreSQL leg (make test-postgres): the private "
            "cluster gets a copy of that leg's migrated test database"
        )
    register(world.county_clerk, world.village_a)
    auth = {"Authorization": bearer(world.county_clerk)["HTTP_AUTHORIZATION"]}
    faults = 0
    with private_postgres() as cluster:
        _copy_into(cluster)
        env = Shared(tmp_path).env(YOUFU_DATABASE_URL=cluster.url("yf"))
        with serve(env, tmp_path / "server.log") as site:
            assert site.get("/api/v1/beneficiaries", auth)[0] == 200

            # Down: every request says so, in the API's envelope or on a page.
            cluster.stop("fast")
            faults += 1
            clean_503(*site.get("/api/v1/beneficiaries", auth))
            clean_503(*site.post_json("/api/v1/batches", {"period": "2026-11"}, auth))
            status, headers, body = site.get("/accounts/login/?next=/registry/")
            assert status in (200, 503), body[:500]  # the sign-in form itself needs no database
            if status == 503:
                clean_503(status, headers, body)
            login = site.request(
                "POST",
                "/accounts/login/",
                b"username=clerk&password=x",
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert login[0] in (403, 503) and not any(leak in login[2] for leak in LEAKS), login[:2]

            # Back: the same server answers, no restart of youfu.
            cluster.start()
            assert site.get("/api/v1/beneficiaries", auth)[0] == 200

            # Restarted as a crash would (immediate: no checkpoint) while requests keep coming.
            answers: list[tuple[int, str]] = []
            stop = threading.Event()

            def keep_asking() -> None:
                while not stop.is_set():
                    status, _, body = site.get("/api/v1/beneficiaries", auth)
                    answers.append((status, body))
                    time.sleep(0.05)

            asker = threading.Thread(target=keep_asking)
            asker.start()
            try:
                time.sleep(0.5)
                cluster.stop("immediate")
                time.sleep(1.0)
                cluster.start()
                faults += 1
                time.sleep(1.5)
            finally:
                stop.set()
                asker.join(timeout=60)
            statuses = [status for status, _ in answers]
            assert set(statuses) <= {200, 503}, statuses
            assert 503 in statuses and statuses[-1] == 200, statuses
            assert not any(any(leak in body for leak in LEAKS) for _, body in answers)
            assert site.process.poll() is None, "youfu stopped"
    record_figures("PostgreSQL restarted", "restart", faults, faults, requests=len(answers) + 6)
