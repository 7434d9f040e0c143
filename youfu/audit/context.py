"""Where the current action comes from (IP address, channel), for the audit record.

Set once per request by ``AuditContextMiddleware`` and per command by ``YoufuCommand``,
so services need not thread the request through every call.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    ip: str | None = None
    channel: str = "cli"


_current: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "youfu_audit_context",
    default=AuditContext(),  # noqa: B039 -- frozen dataclass, immutable
)


def current() -> AuditContext:
    return _current.get()


@contextmanager
def audit_context(*, ip: str | None, channel: str) -> Iterator[None]:
    token = _current.set(AuditContext(ip=ip, channel=channel))
    try:
        yield
    finally:
        _current.reset(token)
