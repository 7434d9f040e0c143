"""The replica's rules without a replica: which reads may go there, that writes never do, the
views that say so, and the read-your-own-writes marker. The routing on a real primary and
replica is proved by ``test_replica_cluster.py``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import router as db_router
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from youfu.accounts.models import User
from youfu.audit.models import AuditEvent
from youfu.core import replica
from youfu.core.replica import (
    COOKIE,
    PRIMARY,
    REPLICA,
    ReplicaMiddleware,
    ReplicaRouter,
    ReplicaWriteError,
    format_lsn,
    parse_lsn,
    pin_to_primary,
    primary_reads,
    reads_from_replica,
    replica_reads,
)
from youfu.petitions.models import Petition
from youfu.registry.models import Beneficiary

router = ReplicaRouter()


@pytest.fixture
def replica_up(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The replica's position check, answered without a replica: the list holds the position it
    has replayed to (None: not in recovery)."""
    replayed: list[int | None] = [parse_lsn("0/5000000")]

    def check(state: Any) -> bool:
        if state.usable is None:
            state.caught_up = state.marker is None or replayed[0] is None or replayed[0] >= state.marker
            state.usable = state.caught_up
        return bool(state.usable)

    monkeypatch.setattr(replica, "_check", check)
    return replayed


def test_positions_order_as_the_log_does() -> None:
    assert parse_lsn("0/16B3748") == 0x16B3748
    assert parse_lsn("1/0") == 1 << 32
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")  # type: ignore[operator]
    assert format_lsn(parse_lsn("A/16B3748") or 0) == "A/16B3748"
    for bad in ["", "0", "0/", "x/1", "0/123456789", "1/2/3", "0/1; DROP"]:
        assert parse_lsn(bad) is None


def test_outside_a_replica_read_everything_is_the_primary(replica_up: Any) -> None:
    assert router.db_for_read(Beneficiary) == PRIMARY
    assert router.db_for_write(Beneficiary) == PRIMARY


def test_a_replica_read_takes_the_areas_records_and_nothing_else(replica_up: Any) -> None:
    with replica_reads():
        assert router.db_for_read(Beneficiary) == REPLICA
        assert router.db_for_read(Petition) == REPLICA
        # What a request is authenticated with, and the audit chain, never come from a copy.
        for model in (Session, User, AuditEvent):
            assert router.db_for_read(model) == PRIMARY, model
        with primary_reads():
            assert router.db_for_read(Beneficiary) == PRIMARY
        assert router.db_for_read(Beneficiary) == REPLICA
    assert router.db_for_read(Beneficiary) == PRIMARY


def test_a_record_read_from_the_primary_has_its_relations_read_there(replica_up: Any) -> None:
    person = Beneficiary()
    person._state.db = PRIMARY
    with replica_reads():
        assert router.db_for_read(Petition, instance=person) == PRIMARY
        person._state.db = REPLICA
        assert router.db_for_read(Petition, instance=person) == REPLICA
        # A user always comes from the primary: that says nothing of where its region is read.
        user = User()
        user._state.db = PRIMARY
        assert router.db_for_read(Beneficiary, instance=user) == REPLICA


def test_an_areas_record_written_in_a_replica_read_is_refused(replica_up: Any) -> None:
    with replica_reads():
        with pytest.raises(ReplicaWriteError):
            router.db_for_write(Beneficiary)
        # The audit record of a sensitive read is written, to the primary.
        assert router.db_for_write(AuditEvent) == PRIMARY


def test_a_pinned_block_reads_the_primary(replica_up: Any) -> None:
    with replica_reads():
        pin_to_primary()
        assert router.db_for_read(Beneficiary) == PRIMARY
    with replica_reads():  # a block of its own outside a request: not pinned
        assert router.db_for_read(Beneficiary) == REPLICA


def test_migrations_run_on_the_primary_only() -> None:
    assert router.allow_migrate(PRIMARY, "registry")
    assert not router.allow_migrate(REPLICA, "registry")


# --- the views ----------------------------------------------------------------------------------


def _seen() -> HttpResponse:
    return HttpResponse(str(router.db_for_read(Beneficiary)))


@reads_from_replica
def probe(request: HttpRequest) -> HttpResponse:
    return _seen()


@reads_from_replica
def streamed(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        yield router.db_for_read(Beneficiary)
        yield router.db_for_read(Beneficiary)

    return StreamingHttpResponse(chunks())


def test_a_view_reads_the_replica_on_get_and_head_only(replica_up: Any) -> None:
    factory = RequestFactory()
    assert probe(factory.get("/")).content == b"replica"
    assert probe(factory.head("/")).content == b"replica"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(factory, method)("/").method != "GET"
        assert probe(getattr(factory, method)("/")).content == b"default", method


def test_a_streamed_download_reads_the_replica_while_it_is_sent(replica_up: Any) -> None:
    response = streamed(RequestFactory().get("/"))
    assert router.db_for_read(Beneficiary) == PRIMARY  # the view has returned
    assert b"".join(response.streaming_content) == b"replicareplica"  # type: ignore[arg-type]


# --- read-your-own-writes -------------------------------------------------------------------------


def _middleware(monkeypatch: pytest.MonkeyPatch, view: Any, position: str = "0/6000000") -> ReplicaMiddleware:
    monkeypatch.setattr(replica, "_primary_position", lambda: parse_lsn(position))
    return ReplicaMiddleware(view)


def test_a_write_gives_the_client_the_primarys_position(
    monkeypatch: pytest.MonkeyPatch, replica_up: Any
) -> None:
    middleware = _middleware(monkeypatch, lambda request: HttpResponse())
    response = middleware(RequestFactory().post("/"))
    assert response.cookies[COOKIE].value == "0/6000000"
    assert response.cookies[COOKIE]["httponly"]
    # A GET that wrote no area's record gives none.
    assert COOKIE not in middleware(RequestFactory().get("/")).cookies


def test_a_get_that_wrote_an_areas_record_gives_it_too(
    monkeypatch: pytest.MonkeyPatch, replica_up: Any
) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        router.db_for_write(Beneficiary)
        with replica_reads():
            return _seen()  # what it wrote is read back from the primary

    response = _middleware(monkeypatch, view)(RequestFactory().get("/"))
    assert response.content == b"default"
    assert response.cookies[COOKIE].value == "0/6000000"


def test_a_client_that_wrote_reads_the_primary_until_the_replica_has_replayed_its_write(
    monkeypatch: pytest.MonkeyPatch, replica_up: list[int | None]
) -> None:
    middleware = _middleware(monkeypatch, probe)
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE] = "0/6000000"
    replica_up[0] = parse_lsn("0/5FFFFFF")  # behind the client's write
    response = middleware(request)
    assert response.content == b"default"
    assert COOKIE not in response.cookies  # kept as it is
    replica_up[0] = parse_lsn("0/6000000")  # replayed it
    response = middleware(request)
    assert response.content == b"replica"
    assert response.cookies[COOKIE].value == ""  # dropped: nothing left to wait for
    assert response.cookies[COOKIE]["max-age"] == 0


def test_a_client_without_a_marker_or_with_a_forged_one_reads_the_replica(
    monkeypatch: pytest.MonkeyPatch, replica_up: Any
) -> None:
    middleware = _middleware(monkeypatch, probe)
    assert middleware(RequestFactory().get("/")).content == b"replica"
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE] = "not a position"
    assert middleware(request).content == b"replica"


# --- without the setting, nothing changes ---------------------------------------------------------


def test_without_a_replica_there_is_no_router_and_no_middleware() -> None:
    assert "replica" not in settings.DATABASES
    assert not settings.DATABASE_ROUTERS
    assert "youfu.core.replica.ReplicaMiddleware" not in settings.MIDDLEWARE

    # The views' decorator is then a plain call: Django's router has nowhere else to send a read.
    @reads_from_replica
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(db_router.db_for_read(Beneficiary))

    assert view(RequestFactory().get("/")).content == b"default"


def _settings_with(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, "
        "'youfu.core.replica.ReplicaMiddleware' in s.MIDDLEWARE, "
        "s.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YOUFU_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "YOUFU_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "youfu.settings", **env},
        capture_output=True,
        text=True,
    )


def test_the_setting_installs_the_replica(tmp_path: Path) -> None:
    done = _settings_with(
        {
            "YOUFU_DATABASE_URL": "postgres://youfu@db1:5432/youfu",
            "YOUFU_DATABASE_REPLICA_URL": "postgres://youfu@db2:5432/youfu",
        },
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == (
        "['default', 'replica'] ['youfu.core.replica.ReplicaRouter'] True default"
    )


def test_a_replica_of_sqlite_is_refused_with_the_reason(tmp_path: Path) -> None:
    done = _settings_with({"YOUFU_DATABASE_REPLICA_URL": "postgres://youfu@db2:5432/youfu"}, tmp_path)
    assert done.returncode != 0
    assert "YOUFU_DATABASE_REPLICA_URL is a PostgreSQL streaming replica" in done.stderr
