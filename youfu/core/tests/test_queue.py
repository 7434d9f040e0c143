"""The job queue runs scheduled tasks through a real consumer, on SQLite and on Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from huey.contrib.djhuey import HUEY


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def youfu(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "youfu.manage", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_scheduled_task_runs_in_the_worker(backend: str, tmp_path: Path) -> None:
    if backend == "redis" and not redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    env = {
        **os.environ,
        "YOUFU_HOME": str(tmp_path),
        "YOUFU_HUEY_NAME": f"youfu-test-{uuid.uuid4().hex[:8]}",
        "YOUFU_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("YOUFU_HUEY_IMMEDIATE", None)
    if backend == "redis":
        env["YOUFU_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    else:
        env.pop("YOUFU_REDIS_URL", None)
    marker = tmp_path / "ran"
    enqueue = youfu(
        env,
        "shell",
        "-c",
        "from youfu.core.tasks import write_heartbeat; "
        f"write_heartbeat.schedule(args=({str(marker)!r},), delay=2)",
    )
    assert enqueue.wait(timeout=60) == 0, enqueue.stdout.read() if enqueue.stdout else b""
    assert not marker.exists()  # scheduled for later, not run inline
    worker = youfu(env, "run_huey", "--workers", "1", "--delay", "0.1", "--max-delay", "0.5")
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert marker.exists(), output


def test_the_nightly_tasks_are_registered_as_periodic() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")  # what the worker does at start
    names = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert any(n.endswith("nightly_verify_audit") for n in names), names
    assert any(n.endswith("periodic_heartbeat") for n in names), names


def test_the_daily_tasks_run_at_night_in_the_county() -> None:
    """huey's crontab is read in UTC: every task that runs once or twice a day must fall between
    midnight and 08:00 in Asia/Shanghai, before the office opens (a schedule written as if it
    were local time runs at 10:30 in the middle of the clerks' morning)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    assert HUEY.utc
    day = datetime(2026, 12, 15)  # a day in mid-month: the monthly archive does not run on it
    minutes = [day + timedelta(minutes=m) for m in range(24 * 60)]
    found = {}
    for task in HUEY._registry._periodic_tasks:
        runs = [m for m in minutes if task().validate_datetime(m)]
        if 0 < len(runs) <= 2:
            local = [m.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai")) for m in runs]
            found[task.__name__] = [f"{t:%H:%M}" for t in local if not 0 <= t.hour < 8]
    assert any(name.endswith("nightly_verify_audit") for name in found), found
    assert {name: late for name, late in found.items() if late} == {}
