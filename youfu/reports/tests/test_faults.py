"""Redis down under a running youfu (issue 15, faults): the site stays up, a report asked meanwhile
waits as queued — it is not failed, nor lost — and is made once the queue is back; the worker
outlives Redis restarting and goes on taking work.

Real processes on the test's database (``youfu/core/tests/faults.py``): ``youfu runserver`` and
``youfu run_huey`` on a private redis-server that keeps nothing on disk, so that stopping it
loses whatever it held, as a crash of an unpersisted Redis does. Never the shared 6379.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.tests.faults import REPO, YOUFU, Server, Shared, private_redis, record_figures, serve
from youfu.reports.job_models import JobState, ReportJob
from youfu.testing import World, bearer

JOBS = "/api/v1/reports/jobs"
ASK = {"from": "2026-01-01", "to": "2026-01-31", "format": "xlsx"}


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``youfu run_huey``: the queue's consumer, its periodic tasks on."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [YOUFU, "run_huey", "--workers", "1", "--delay", "0.1", "--max-delay", "0.5"],
            env=env,
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _ask(site: Server, auth: dict[str, str]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    status, _, body = site.post_json(JOBS, ASK, auth)
    assert status == 202, body
    return json.loads(body), time.monotonic() - started


def _state(site: Server, auth: dict[str, str], job: int) -> dict[str, Any]:
    status, _, body = site.get(f"{JOBS}/{job}", auth)
    assert status == 200, body
    answer: dict[str, Any] = json.loads(body)
    return answer


def _done(site: Server, auth: dict[str, str], job: int, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while (state := _state(site, auth, job))["state"] != JobState.DONE:
        assert state["state"] in (JobState.QUEUED, JobState.RUNNING), state
        assert time.monotonic() < deadline, f"job {job} never done: {state}"
        time.sleep(0.3)


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_redis_down_the_site_stays_up_and_queued_reports_are_made_when_it_returns(
    world: World, tmp_path: Path
) -> None:
    shared = Shared(tmp_path)
    auth = {"Authorization": bearer(world.county_clerk)["HTTP_AUTHORIZATION"]}
    shared.push()
    logs = tmp_path / "worker.log"
    with private_redis() as redis:
        env = shared.env(YOUFU_REDIS_URL=redis.url, YOUFU_HUEY_NAME=f"faults-{uuid.uuid4().hex[:8]}")
        with serve(env, tmp_path / "server.log") as site:
            # The queue's machine is down, Redis and its worker: the site answers, and a report
            # asked now waits — neither failed nor a 500.
            lost, _ = _ask(site, auth)  # reaches Redis, which then dies with it
            redis.stop()
            waiting, took = _ask(site, auth)
            assert took < 10, f"asking took {took:.1f} s with Redis down"
            assert _state(site, auth, waiting["id"])["state"] == JobState.QUEUED
            assert site.get("/api/v1/beneficiaries", auth)[0] == 200
            assert site.get("/accounts/login/")[0] == 200

            # Back, empty (it kept nothing): the worker starts and both reports are made.
            redis.start()
            with worker(env, logs) as consumer:
                _done(site, auth, lost["id"])
                _done(site, auth, waiting["id"])

                # Redis alone restarts under the running worker: it outlives it and takes the
                # next report.
                redis.stop()
                time.sleep(2)
                assert consumer.poll() is None, logs.read_text(errors="replace")[-3000:]
                redis.start()
                after, _ = _ask(site, auth)
                _done(site, auth, after["id"])
                assert consumer.poll() is None
    shared.pull()
    jobs = ReportJob.objects.order_by("pk")  # scope: test
    assert [job.state for job in jobs] == [JobState.DONE] * 3
    # Sent twice — by its request and again by the sweep — a report is still made once.
    assert AuditEvent.objects.filter(event_type=EventType.REPORT_JOB_DONE).count() == 3
    record_figures("Redis stopped", "redis", 2, 2, jobs=3)
