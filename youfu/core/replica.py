"""Reads that may come from a PostgreSQL streaming replica (``YOUFU_DATABASE_REPLICA_URL``).

Without that setting none of this is installed: one database, as before. With it:

- **Which reads.** Only code that says so, inside ``replica_reads()`` or a view decorated with
  ``reads_from_replica`` (the reports, the dashboard, the exports and the public status page),
  and only for GET and HEAD: a view that writes never reads the replica, so it never decides on
  what the replica has not replayed yet. Everything else reads the primary.
- **Which models.** Only the areas' own records (``REPLICA_APPS``). Sessions, users, tokens,
  second factors and the audit log are always read and written on the primary: they are what
  a request is authenticated with and what a write appends to, and a lagging copy of them
  would log a user out or fork the audit chain.
- **Writes** always go to the primary. A write to an area's record inside a replica read is a
  programming error and raises ``ReplicaWriteError`` (the audit record of a sensitive read, an
  export's, is written to the primary like every audit record: the audit log is not in
  ``REPLICA_APPS``).
- **Read-your-own-writes.** After a request that wrote (any POST, PUT, PATCH or DELETE, or a
  write to an area's record in a GET), ``ReplicaMiddleware`` asks the primary how far its
  write-ahead log has come (``pg_current_wal_lsn()``, after the request's transactions have
  committed) and gives the client that position in a cookie (``youfu_wal``). A later request
  carrying the cookie reads the replica only once the replica has replayed that far
  (``pg_last_wal_replay_lsn()``), else the primary; once it has, the cookie is dropped. So a
  user who just wrote sees the write however long the replica lags, for as long as it lags,
  and nobody else pays for it. Chosen over a fixed "N seconds on the primary after a write":
  a position is exact where a time is a guess (a replica behind by more than N seconds would
  show the user an older state; one that is current would be skipped for nothing). The marker
  belongs to the client (a browser, or an API script that keeps cookies, as ``requests.Session``
  and ``curl -b -c`` do): a user's second browser is another client.
- **A replica that cannot be reached** is found by the same position check, once per request,
  and the request reads the primary instead (logged, without personal data).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
COOKIE = "youfu_wal"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# The apps whose records a replica read may take from the replica (app labels). Not there, and
# so always on the primary: auth, contenttypes, sessions, otp_totp, accounts, audit.
REPLICA_APPS = frozenset(
    {"core", "regions", "registry", "benefits", "petitions", "relief", "outreach", "reports"}
)

# (app, database) of a record whose relations are read where it was: an area's record read from the
# primary (``primary_reads``, or a page that found the replica behind).
_READ_ON_PRIMARY = frozenset((app, PRIMARY) for app in REPLICA_APPS)
_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


class ReplicaWriteError(RuntimeError):
    """An area's record written while reading from the replica."""


def parse_lsn(text: str | None) -> int | None:
    """PostgreSQL's ``XXXXXXXX/XXXXXXXX`` as a number that orders as the log does; None when
    it is not one."""
    match = _LSN.match(text or "")
    if match is None:
        return None
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@dataclass
class _State:
    """One request's (or one ``replica_reads`` block's, outside a request) view of the replica."""

    marker: int | None = None  # the log position of the client's last write (the cookie)
    wrote: bool = False  # this request wrote an area's record
    usable: bool | None = None  # None: not checked yet; False: pinned to the primary or unreachable
    caught_up: bool = False  # the replica has replayed past ``marker``


_reading: ContextVar[bool] = ContextVar("youfu_replica_reading", default=False)
_state: ContextVar[_State | None] = ContextVar("youfu_replica_state", default=None)


def _check(state: _State) -> bool:
    """Whether this request may read the replica: it is reachable, and it has replayed the
    client's last write. Asked once per request."""
    if state.usable is None:
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
                row = cursor.fetchone()
        except DatabaseError:
            logger.warning("the replica cannot be reached: reading the primary")
            state.usable = False
            return False
        # NULL: not in recovery (a promoted replica, or the primary itself): nothing to wait for.
        replayed = parse_lsn(row[0]) if row and row[0] else None
        state.caught_up = state.marker is None or replayed is None or replayed >= state.marker
        state.usable = state.caught_up
    return state.usable


class ReplicaRouter:
    """``DATABASE_ROUTERS`` when a replica is configured (``youfu/settings.py``). Every answer
    names a database, so a record read from the replica never takes its later queries there
    by Django's default of following the instance."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if not _reading.get() or model._meta.app_label not in REPLICA_APPS:
            return PRIMARY
        instance: Model | None = hints.get("instance")
        if instance is not None and (instance._meta.app_label, instance._state.db) in _READ_ON_PRIMARY:
            return PRIMARY
        state = _state.get()
        if state is None or state.wrote or not _check(state):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label in REPLICA_APPS:
            if _reading.get():
                raise ReplicaWriteError(f"{model._meta.label} written while reading from the replica")
            state = _state.get()
            if state is not None:
                state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


@contextmanager
def replica_reads() -> Iterator[None]:
    """The areas' records read inside may come from the replica (see the module). Outside a
    request (a queue task) the block has its own state: no client, so nothing to wait for."""
    own = _state.get() is None
    state_token = _state.set(_State()) if own else None
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)
        if state_token is not None:
            _state.reset(state_token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Inside a replica read: these reads from the primary (a record the replica may not have
    yet). The records read here have their related records read from the primary too."""
    token = _reading.set(False)
    try:
        yield
    finally:
        _reading.reset(token)


def pin_to_primary() -> None:
    """The rest of this request (or ``replica_reads`` block) reads the primary: the replica was
    found behind."""
    state = _state.get()
    if state is not None:
        state.usable = False


def _streamed_from_replica(chunks: Iterable[bytes], state: _State | None) -> Iterator[bytes]:
    # A streamed download is read while the server sends it, after the view and the middleware
    # have returned: each chunk is read as the view read, with the request's state.
    state = state or _State()
    iterator = iter(chunks)
    while True:
        token = _state.set(state)
        try:
            with replica_reads():
                chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _state.reset(token)
        yield chunk


def reads_from_replica(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose GET and HEAD read the areas' records from the replica, streamed content
    included; its other methods read the primary. For views that write nothing; an API
    operation takes it through ninja's ``decorate_view``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        with replica_reads():
            response = view(request, *args, **kwargs)
        if response.streaming:
            response.streaming_content = _streamed_from_replica(response.streaming_content, _state.get())  # type: ignore[attr-defined]
        return response

    return wrapper


def _primary_position() -> int | None:
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
    except DatabaseError:
        logger.warning("the primary's log position could not be read")
        return None
    return parse_lsn(row[0]) if row else None


class ReplicaMiddleware:
    """Read-your-own-writes (see the module): reads the client's marker, and after a request
    that wrote, gives it the primary's log position."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        state = _State(marker=parse_lsn(request.COOKIES.get(COOKIE)))
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote or request.method not in SAFE_METHODS:
            position = _primary_position()
            if position is not None:
                response.set_cookie(
                    COOKIE,
                    format_lsn(position),
                    max_age=settings.YOUFU_REPLICA_MARKER_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
        elif state.marker is not None and state.caught_up:
            response.delete_cookie(COOKIE, samesite="Lax")
        return response
