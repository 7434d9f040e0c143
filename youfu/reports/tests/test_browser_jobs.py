"""A large region's report in Debian's chromium: the summary page offers 生成报表, the job waits on
the queue, a worker takes it, and the job's page — asking again every two seconds through htmx —
shows the step under way, then the download, without being reloaded.

The queue is huey's, in memory for this test: the page enqueues the job as in production and the
test is the worker (it takes the task off the queue and runs it in a thread, holding it at the
payments section long enough to see the progress).

Marked ``browser``: ``pytest -m browser -p no:xdist youfu/reports/tests/test_browser_jobs.py``.
Screenshots land in ``artifacts/screenshots/report-job-*.png``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage
from playwright.sync_api import expect

from youfu.reports.job_models import JobState, ReportJob
from youfu.reports.job_services import SECTIONS
from youfu.reports.tests.scenario import build
from youfu.testing import World
from youfu.testing_browser import NewPage, screenshot

PERIOD = "from=2026-11-01&to=2026-12-31"


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("youfu-browser-test"))
    yield HUEY


@pytest.mark.browser
def test_a_large_region_s_report_is_generated_as_a_job(
    world: World,
    pages: NewPage,
    base_url: str,
    settings: LazySettings,
    queue: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    build(world)
    settings.YOUFU_REPORT_INLINE_MAX_PERSONS = 3  # the county's 9 people are "many" here
    page = pages(world.county_clerk, height=900)
    page.goto(f"{base_url}/reports/summary/?{PERIOD}")
    expect(page.get_by_test_id("summary-xlsx")).to_have_count(0)
    expect(page.get_by_test_id("summary-job")).to_be_visible()
    screenshot(page, "report-job-summary")
    page.get_by_test_id("job-pdf").click()

    expect(page.get_by_test_id("job-status")).to_have_attribute("data-state", "queued")
    expect(page.get_by_test_id("job-progress")).to_have_attribute("value", "0")
    job = ReportJob.objects.get()  # scope: test
    assert page.url == f"{base_url}/reports/jobs/{job.pk}/"
    screenshot(page, "report-job-queued")

    # The worker: the task off the queue, run in a thread held at the payments section.
    at_payments, go_on = threading.Event(), threading.Event()
    payments = SECTIONS["payments"]

    def held(*args: Any) -> Any:
        at_payments.set()
        assert go_on.wait(30)
        return payments(*args)

    monkeypatch.setitem(SECTIONS, "payments", held)
    task = queue.dequeue()
    assert task is not None and queue.dequeue() is None
    worker = threading.Thread(target=queue.execute, args=(task,))
    worker.start()
    try:
        assert at_payments.wait(30)
        status = page.get_by_test_id("job-status")
        expect(status).to_have_attribute("data-state", "running")  # htmx asked again by itself
        expect(page.get_by_test_id("job-progress")).to_have_attribute("value", "1")
        expect(page.get_by_test_id("job-steps")).to_contain_text("13")
        screenshot(page, "report-job-running")
    finally:
        go_on.set()
        worker.join(60)
    assert not worker.is_alive()

    expect(page.get_by_test_id("job-download")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("job-status")).to_have_attribute("data-state", "done")
    assert page.url == f"{base_url}/reports/jobs/{job.pk}/"  # never reloaded
    screenshot(page, "report-job-done")
    with page.expect_download() as download:
        page.get_by_test_id("job-download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert saved.name == "summary-341199000000-2026-11-01-2026-12-31.pdf"
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == job.sha256

    page.goto(f"{base_url}/reports/jobs/")
    expect(page.get_by_test_id(f"job-{job.pk}")).to_contain_text("青山县")
    screenshot(page, "report-jobs")
