"""The routing on a real primary and streaming replica, driven by ``test_replica_cluster.py``:
``python -m youfu.core.tests.replica_scenario`` with ``YOUFU_DATABASE_URL`` (the primary, its
schema loaded) and ``YOUFU_DATABASE_REPLICA_URL`` (a ``pg_basebackup -R`` of it) set.

It builds a small county on the primary through the services, then sends requests through
youfu's whole stack (Django's test client: middleware, views, router) and prints one JSON line
of what it saw: for each request its answer and how many statements on the areas' tables ran on
each server, and the rows and audit events each server holds. The test asserts on them.

Lag is made certain, not waited for: the replica's replay is paused (``pg_wal_replay_pause()``)
while it keeps receiving the log, and resumed after.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

import django

AREAS = "core|regions|registry|benefits|petitions|relief|outreach|reports"  # replica.REPLICA_APPS
AREA_TABLE = re.compile(rf'(?:FROM|INTO|UPDATE)\s+"(?:{AREAS})_')  # a statement on an area's table


class SqlLog:
    """The statements each server ran, as youfu's connections sent them."""

    def __init__(self) -> None:
        self.statements: dict[str, list[str]] = {}

    @contextmanager
    def watch(self) -> Iterator[None]:
        from django.db import connections

        from youfu.core.replica import PRIMARY, REPLICA

        self.statements = {PRIMARY: [], REPLICA: []}
        with ExitStack() as stack:
            for alias in (PRIMARY, REPLICA):
                stack.enter_context(connections[alias].execute_wrapper(self._logger(alias)))
            yield

    def _logger(self, alias: str) -> Callable[..., Any]:
        def log(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            self.statements[alias].append(sql)
            return execute(sql, params, many, context)

        return log

    def areas(self, alias: str) -> list[str]:
        """The statements on the areas' tables (their start, for the test's messages)."""
        return [sql[:160] for sql in self.statements[alias] if AREA_TABLE.search(sql)]


def main() -> None:
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host name; mail kept in memory

    import psycopg
    from django.conf import settings
    from django.test import Client

    from youfu.audit.events import EventType
    from youfu.audit.verify import verify_chain
    from youfu.core.replica import COOKIE, PRIMARY, REPLICA, parse_lsn
    from youfu.core.roles import Role
    from youfu.petitions.codes import format_code
    from youfu.registry.tests.factories import register
    from youfu.registry.tests.test_api_people import new_person
    from youfu.testing import bearer, log_in, make_user, make_world

    def dsn(alias: str) -> str:
        d = settings.DATABASES[alias]
        return f"host={d['HOST']} port={d['PORT']} user={d['USER']} dbname={d['NAME']}"

    primary = psycopg.connect(dsn(PRIMARY), autocommit=True)
    replica = psycopg.connect(dsn(REPLICA), autocommit=True)

    def one(conn: Any, sql: str, *params: Any) -> Any:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def caught_up(timeout: float = 30) -> None:
        target = parse_lsn(one(primary, "SELECT pg_current_wal_lsn()::text"))
        deadline = time.monotonic() + timeout
        while (parse_lsn(one(replica, "SELECT pg_last_wal_replay_lsn()::text")) or 0) < (target or 0):
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)

    def pause() -> None:
        replica.execute("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 30
        while one(replica, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.05)

    def resume() -> None:
        replica.execute("SELECT pg_wal_replay_resume()")
        caught_up()

    def rows(table: str, where: str = "TRUE") -> dict[str, int]:
        sql = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608 — the scenario's own names
        return {"primary": one(primary, sql), "replica": one(replica, sql)}

    log = SqlLog()

    def served(response: Any) -> dict[str, Any]:
        return {
            "status": response.status_code,
            "primary_areas": log.areas(PRIMARY),
            "replica_areas": log.areas(REPLICA),
            "cookie": response.cookies[COOKIE].value if COOKIE in response.cookies else None,
        }

    def request(client: Client, method: str, url: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
        with log.watch():
            response = getattr(client, method)(url, **extra)
            if getattr(response, "streaming", False):
                response.content_read = b"".join(response.streaming_content)
        return response, served(response)

    facts: dict[str, Any] = {}
    facts["in_recovery"] = {
        "primary": one(primary, "SELECT pg_is_in_recovery()"),
        "replica": one(replica, "SELECT pg_is_in_recovery()"),
    }

    # A county, two people, a writer (A, by the API) and a reader (B, on the pages and the API).
    world = make_world()
    for name in ("张三", "李四"):
        register(world.county_clerk, world.village_a, name=name)
    reader = make_user("clerk2", Role.COUNTY_CLERK, world.county)
    writer_auth = bearer(world.county_clerk)
    reader_auth = bearer(reader)
    a, b = Client(), Client()
    log_in(b, reader)
    caught_up()

    today = date.today()
    period = {"from": f"{today.year}-01-01", "to": today.isoformat()}
    summary_api = "/api/v1/reports/summary"

    def persons(client: Client, auth: dict[str, str]) -> tuple[int, dict[str, Any]]:
        response, seen = request(client, "get", summary_api, data=period, **auth)
        assert response.status_code == 200, response.content[:500]
        return response.json()["registry"]["persons"], seen

    # 1. A report read with the replica current: the replica serves it.
    facts["report_before"] = dict(zip(("persons", "served"), persons(b, reader_auth), strict=True))

    # 2. The replica stops replaying; A registers a person through the API.
    pause()
    response, seen = request(
        a,
        "post",
        "/api/v1/beneficiaries",
        data=new_person(world),
        content_type="application/json",
        **writer_auth,
    )
    facts["write"] = {**seen, "people": rows("registry_beneficiary")}
    facts["write_answer"] = response.content.decode()[:300] if response.status_code != 201 else ""

    # 3. A reads the report: its own write, from the primary. B reads it: the replica, behind.
    facts["writer_reads"] = dict(zip(("persons", "served"), persons(a, writer_auth), strict=True))
    facts["reader_reads"] = dict(zip(("persons", "served"), persons(b, reader_auth), strict=True))

    # 4. B exports the registry (a sensitive read, audited): the rows from the replica, the
    #    audit record on the primary.
    exported = f"event_type = {int(EventType.PERSONAL_DATA_EXPORTED)}"
    before = rows("audit_auditevent", exported)
    response, seen = request(b, "get", "/registry/export/", data={"format": "csv"})
    lines = list(csv.reader(io.StringIO(response.content_read.decode("utf-8-sig"))))
    facts["export"] = {
        **seen,
        "rows": len(lines) - 1,
        "audit_before": before,
        "audit_after": rows("audit_auditevent", exported),
    }

    # 5. Replay resumes: A reads from the replica again, and its marker is dropped.
    resume()
    facts["writer_after_catch_up"] = dict(zip(("persons", "served"), persons(a, writer_auth), strict=True))
    facts["writer_after_catch_up"]["cookie_kept"] = COOKIE in a.cookies and a.cookies[COOKIE].value != ""

    # 6. Every view that may read the replica answers, and does read it.
    year = str(today.year)
    pages = {
        "summary": ("/reports/summary/", period, {}),
        "summary.xlsx": ("/reports/summary.xlsx", period, {}),
        "dashboard": ("/reports/dashboard/", {"year": year}, {}),
        "appraisal": ("/reports/appraisal/", {"year": year}, {}),
        "township appraisal": (f"/reports/appraisal/{world.township_a.code}/", {"year": year}, {}),
        "archive": ("/reports/archive/", {}, {}),
        "registry export": ("/registry/export/", {"format": "xlsx"}, {}),
        "api dashboard": ("/api/v1/reports/dashboard", {"year": year}, reader_auth),
        "api appraisal": ("/api/v1/reports/appraisal", {"year": year}, reader_auth),
        "api summary.xlsx": ("/api/v1/reports/summary.xlsx", period, reader_auth),
        "api archive": ("/api/v1/reports/archive", {}, reader_auth),
        "api registry export": ("/api/v1/beneficiaries/export", {"format": "csv"}, reader_auth),
    }
    facts["views"] = {}
    for name, (url, data, auth) in pages.items():
        _, seen = request(b, "get", url, data=data, **auth)
        facts["views"][name] = seen

    # 7. The public pages: a petitioner submits online while the replica is behind and sees the
    #    receipt (their own write); another visitor who looks the matter up sees its status.
    pause()
    c, d = Client(), Client()
    form = {
        "name": "王五",
        "phone": "13912345678",
        "category": "benefits",
        "subject": "抚恤金发放",
        "content": "请核实本人抚恤金发放情况。",
    }
    response, seen = request(c, "post", "/p/submit/", data=form)
    facts["public_submit"] = seen
    response, seen = request(c, "get", "/p/receipt/")
    code = one(primary, "SELECT receipt_code FROM petitions_petition ORDER BY id DESC LIMIT 1")
    shown = format_code(code)
    facts["public_receipt"] = {**seen, "shows_code": shown in response.content.decode()}
    _, seen = request(d, "post", "/p/lookup/", data={"receipt_code": code, "phone_tail": "5678"})
    facts["public_lookup"] = seen
    # Without its marker (a cookie the visitor's browser dropped): the replica has no such
    # matter yet, and the page finds it on the primary.
    del d.cookies[COOKIE]
    response, seen = request(d, "get", "/p/status/")
    facts["public_status_behind"] = {**seen, "shows_code": shown in response.content.decode()}
    resume()
    response, seen = request(d, "get", "/p/status/")
    facts["public_status"] = {**seen, "shows_code": shown in response.content.decode()}

    # 8. The audit chain, written on the primary throughout, is whole.
    facts["audit_chain_ok"] = verify_chain().ok

    # 9. The replica goes away: the reports are read from the primary.
    subprocess.run(json.loads(os.environ["YOUFU_TEST_STOP_REPLICA"]), check=True, capture_output=True)
    facts["replica_down"] = dict(zip(("persons", "served"), persons(b, reader_auth), strict=True))

    print("REPLICA-FACTS " + json.dumps(facts, ensure_ascii=False, default=str))


if __name__ == "__main__":
    try:
        main()
    except Exception:  # the test prints the whole output
        import traceback

        traceback.print_exc()
        sys.exit(1)
