"""Several queue workers on one Redis (issue 15, item 6): two consumers, as two machines run them
(``youfu run_huey --workers 2``, the second with ``--no-periodic``), share the tasks and never
run one twice. Redis is a private ``redis-server`` on a free port that keeps nothing on disk —
never the shared one on 6379. The tasks touch no database, so the test runs in the SQLite leg
only."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from youfu.core.tests.queue_probe import FOLDER

TASKS = 40
SECONDS_EACH = 0.1
CONSUMERS = 2
WORKERS = 2
STARTER = (
    "import django; django.setup(); import youfu.core.tests.queue_probe; "
    "from django.core.management import call_command; import sys; call_command('run_huey', *sys.argv[1:])"
)
ENQUEUE = (
    "import django; django.setup(); from youfu.core.tests.queue_probe import probe; "
    "[probe(n, {seconds}) for n in range({tasks})]"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url() -> Iterator[str]:
    executable = shutil.which("redis-server")
    if executable is None:
        reason = "redis-server not found (Debian: apt-get install redis-server): no private Redis"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    port = free_port()
    server = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            assert server.poll() is None, "redis-server did not start"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.wait(timeout=30)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_two_consumers_on_redis_share_the_tasks_and_run_each_once(redis_url: str, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the queue touches no database here: runs in the SQLite leg")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOUFU_")}
    env.update(
        DJANGO_SETTINGS_MODULE="youfu.settings",
        YOUFU_HOME=str(tmp_path),
        YOUFU_REDIS_URL=redis_url,
        YOUFU_HUEY_NAME=f"youfu-test-{uuid.uuid4().hex[:8]}",
        **{FOLDER: str(tmp_path)},
    )
    first = ["--workers", str(WORKERS), "--delay", "0.05", "--max-delay", "0.2"]
    consumers = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for args in (first, [*first, "--no-periodic"])
    ]
    runs = tmp_path / "runs"

    def started() -> bool:
        return len(list(tmp_path.glob("started-*"))) == CONSUMERS * WORKERS

    def all_ran() -> bool:
        return runs.exists() and len(runs.read_text().splitlines()) >= TASKS

    try:
        # Both consumers' workers are up before anything is queued, so both can take tasks.
        wait_for(started, "the consumers did not start")
        enqueue = subprocess.run(
            [sys.executable, "-c", ENQUEUE.format(tasks=TASKS, seconds=SECONDS_EACH)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert enqueue.returncode == 0, enqueue.stderr
        wait_for(all_ran, "the tasks did not all run")
        time.sleep(1)  # a second run of any task would show by now
    finally:
        for consumer in consumers:
            consumer.send_signal(signal.SIGINT)  # huey's graceful stop
        output = [consumer.communicate(timeout=60)[0].decode(errors="replace") for consumer in consumers]
    lines = [line.split() for line in runs.read_text().splitlines()]
    times_run = Counter(int(number) for number, _ in lines)
    assert times_run == Counter(range(TASKS)), output  # every task, each exactly once
    # Both consumers took tasks: the once-only held between them, not within one.
    by_consumer = Counter(pid for _, pid in lines)
    assert set(by_consumer) == {str(consumer.pid) for consumer in consumers}, (by_consumer, output)
