"""Appends from concurrent transactions keep one gap-free, verifiable chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.services import record_event
from youfu.audit.verify import verify_chain


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
def test_concurrent_appends_keep_the_chain() -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def append(worker: int) -> None:
        try:
            start.wait()
            for i in range(10):
                record_event(EventType.REGION_CHANGED, actor=None, extra={"worker": worker, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 41))
    assert verify_chain().ok
