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
