"""Queue plumbing shared by every app: the worker's heartbeat."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import periodic_task, task


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
