"""A task for ``test_queue_workers.py``, registered only in the processes that import this module
(the test's consumers and the process that enqueues): each run appends one line — the task's
number and the consumer's process id — to a file, so a task run twice shows twice. Each worker
thread says it has started by a file of its own (``on_startup``)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from huey.contrib.djhuey import HUEY, task

FOLDER = "YOUFU_TEST_QUEUE_FOLDER"


def folder() -> Path:
    return Path(os.environ[FOLDER])


@HUEY.on_startup()
def say_started() -> None:
    (folder() / f"started-{os.getpid()}-{threading.get_ident()}").touch()


@task()
def probe(number: int, seconds: float) -> None:
    time.sleep(seconds)  # long enough that every worker of both consumers gets some
    # One write of one short line to a file opened for appending: lines never interleave.
    with open(folder() / "runs", "a", encoding="ascii") as runs:
        runs.write(f"{number} {os.getpid()}\n")
