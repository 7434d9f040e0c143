"""Nightly tasks that a missed night does not skip.

huey's scheduler queues a periodic task at its minute only if it is running then: with Redis down
at 02:00, or the worker stopped overnight, that night's backup, audit check and 应享未享 rules
would simply not happen until the next night. Each nightly task registers here with the task that
queues it and says when it has finished (``ran``); every quarter of an hour the worker's
``catch_up_nightly`` queues again each task that has not finished for longer than ``OVERDUE``
(a day and two hours: a night's run that is merely slow is not doubled), once an hour at most
while it waits (``asked_at``). A new installation starts counting when the worker first looks,
so it does not run every nightly task at its first start.

Apps register; this module knows none of them (the layers run one way)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from youfu.core.models import ScheduledRun

OVERDUE = timedelta(hours=26)
ASK_AGAIN = timedelta(hours=1)

NIGHTLY: dict[str, Callable[[], Any]] = {}


def register_nightly(name: str, enqueue: Callable[[], Any]) -> None:
    """``enqueue()`` queues the nightly task ``name`` (a huey task: calling it queues it)."""
    NIGHTLY[name] = enqueue


def ran(name: str) -> None:
    """The nightly task ``name`` has finished now."""
    ScheduledRun.objects.update_or_create(
        name=name, defaults={"last_run_at": timezone.now(), "asked_at": None}
    )


def catch_up() -> list[str]:
    """Queue each registered nightly task whose night was missed; the names queued."""
    now = timezone.now()
    queued = []
    for name in sorted(NIGHTLY):
        with transaction.atomic():
            run, made = ScheduledRun.objects.select_for_update().get_or_create(
                name=name, defaults={"last_run_at": now}
            )
            if made or now - run.last_run_at < OVERDUE:
                continue
            if run.asked_at is not None and now - run.asked_at < ASK_AGAIN:
                continue
            ScheduledRun.objects.filter(name=name).update(asked_at=now)
        NIGHTLY[name]()
        queued.append(name)
    return queued
