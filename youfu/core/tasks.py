"""Queue plumbing shared by every app: the worker's heartbeat."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, periodic_task, task

from youfu.core.nightly import catch_up


def heartbeat_path() -> Path:
    return Path(settings.YOUFU_HOME) / "worker-heartbeat"


def worker_last_seen() -> datetime | None:
    try:
        return datetime.fromisoformat(heartbeat_path().read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


@task()
def write_heartbeat(path: str | None = None) -> str:
    """Write the time to a file; the admin's home page shows when the worker last ran."""
    target = Path(path) if path else heartbeat_path()
    target.write_text(timezone.now().isoformat(), encoding="ascii")
    return str(target)


@periodic_task(crontab(minute="*/5"))
def periodic_heartbeat() -> None:
    write_heartbeat.call_local()


# Every quarter of an hour, and so soon after the queue or the worker is back: a nightly task
# whose night was missed is queued now (``youfu/core/nightly.py``).
@db_periodic_task(crontab(minute="*/15"))
def catch_up_nightly() -> list[str]:
    """Queues the nightly tasks whose night was missed; their names."""
    return catch_up()
