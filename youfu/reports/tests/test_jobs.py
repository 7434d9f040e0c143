"""Reports made by the job queue: asked from the API or the summary page of a large region, run
by the huey task (immediate here) section by section with the progress on the row, audited,
downloaded by the user who asked and nobody else; a failure leaves a failed job with its reason
and no file."""

from __future__ import annotations

import hashlib
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import LazySettings
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from huey.contrib.djhuey import HUEY

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.regions.models import Region
from youfu.reports import job_services
from youfu.reports.job_models import JOB_TRANSITIONS, JobAction, JobFormat, JobState, ReportJob
from youfu.reports.job_services import (
    FAILED_UNEXPECTEDLY,
    SECTIONS,
    STEP_LABELS,
    assemble_summary,
    run_job,
    run_report_job,
    steps_for,
)
from youfu.reports.selectors import summary
from youfu.reports.tests.scenario import NOV_DEC, County, build
from youfu.reports.workbook import HEADER_ROWS
from youfu.testing import World, api_get, api_post, log_in
from youfu.testing_browser import zh

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/jobs"
PERIOD = {"from": "2026-11-01", "to": "2026-12-31"}
Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def immediate_queue() -> Iterator[None]:
    # The task runs where it is enqueued: in the request's on_commit, as a worker would run it.
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _jobs() -> list[ReportJob]:
    return list(ReportJob.objects.order_by("pk"))  # scope: test


def _events(kind: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind).order_by("seq"))


def _stored(settings: LazySettings) -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "reports" / "jobs").rglob("*.*"))


def _ask(client: Client, capture: Capture, user: Any, **body: Any) -> Any:
    with capture(execute=True):
        return api_post(client, user, API, {**PERIOD, "format": "xlsx", **body})


def test_the_table_is_the_life_of_a_job() -> None:
    assert {(s, a): t.to_state for (s, a), t in JOB_TRANSITIONS.items()} == {
        (None, JobAction.REQUEST): JobState.QUEUED,
        (JobState.QUEUED, JobAction.START): JobState.RUNNING,
        (JobState.RUNNING, JobAction.FINISH): JobState.DONE,
        (JobState.QUEUED, JobAction.FAIL): JobState.FAILED,
        (JobState.RUNNING, JobAction.FAIL): JobState.FAILED,
        (JobState.RUNNING, JobAction.GIVE_UP): JobState.FAILED,
        (JobState.DONE, JobAction.EXPIRE): JobState.EXPIRED,
    }
    # Each of the system's moves is audited as the worker's are (test_job_lifecycle.py).
    moves = {a: t.event for (s, a), t in JOB_TRANSITIONS.items() if s in (JobState.RUNNING, JobState.DONE)}
    assert moves == {
        JobAction.FINISH: EventType.REPORT_JOB_DONE,
        JobAction.FAIL: EventType.REPORT_JOB_FAILED,
        JobAction.GIVE_UP: EventType.REPORT_JOB_STALE,
        JobAction.EXPIRE: EventType.REPORT_JOB_EXPIRED,
    }
    assert steps_for("xlsx") == [*SECTIONS, "write", "store"]
    assert steps_for("pdf") == [*SECTIONS, "dashboard", "charts", "write", "store"]


def test_the_sections_one_by_one_are_the_summary(county: County) -> None:
    w = county.world
    for user, region in ((w.county_clerk, w.county), (w.township_clerk, w.township_a)):
        job = ReportJob(
            requested_by=user, region=region, period_start=NOV_DEC[0], period_end=NOV_DEC[1], format="xlsx"
        )
        assert assemble_summary(job) == summary(user, *NOV_DEC, region)


def test_a_job_runs_through_the_queue_to_the_file(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture, settings: LazySettings
) -> None:
    w = county.world
    asked = _ask(client, django_capture_on_commit_callbacks, w.county_clerk, region=w.township_a.code)
    assert asked.status_code == 202, asked.content
    body = asked.json()
    # The answer is written before the transaction commits: the queue has not run it yet.
    assert (body["state"], body["progress"], body["total"]) == ("queued", 0, len(steps_for("xlsx")))
    assert (body["region"], body["from"], body["to"], body["download"]) == (
        w.township_a.code,
        "2026-11-01",
        "2026-12-31",
        None,
    )
    (job,) = _jobs()
    assert job.state == JobState.DONE and job.steps_done == job.steps_total and job.step == ""
    got = api_get(client, w.county_clerk, f"{API}/{job.pk}").json()
    assert got["state"] == "done" and got["progress"] == got["total"] and got["label"] == ""
    assert got["download"] == f"{API}/{job.pk}/download"
    file = api_get(client, w.county_clerk, got["download"])
    assert file.status_code == 200
    assert "summary-341199100000-2026-11-01-2026-12-31.xlsx" in file["Content-Disposition"]
    assert hashlib.sha256(file.content).hexdigest() == job.sha256 == got["sha256"]
    book = openpyxl.load_workbook(io.BytesIO(file.content))
    assert book["发放"].cell(HEADER_ROWS + 1, 2).value == pytest.approx(9640.00)
    assert book["发放"].cell(2, 1).value == "填报单位：城关镇"
    assert [p.name for p in _stored(settings)] == [Path(job.file.name).name]
    (requested,) = _events(EventType.REPORT_JOB_REQUESTED)
    assert (requested.actor_id, requested.region_id) == (w.county_clerk.pk, w.township_a.code)
    assert requested.new["format"] == "xlsx" and requested.new["period_start"] == "2026-11-01"
    (done,) = _events(EventType.REPORT_JOB_DONE)
    assert (done.actor_id, done.actor_name, done.channel) == (None, "system", "task")
    assert done.old == {"state": "running"} and done.new["sha256"] == job.sha256
    assert done.extra["requested_by"] == w.county_clerk.pk


def test_the_progress_is_on_the_row_while_each_section_is_counted(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, int, str]] = []

    def watching(key: str) -> Callable[..., Any]:
        real = SECTIONS[key]

        def figures(*args: Any) -> Any:
            row = ReportJob.objects.values_list("state", "steps_done", "step").get()  # scope: test
            seen.append(row)
            return real(*args)

        return figures

    for key in list(SECTIONS):
        monkeypatch.setitem(SECTIONS, key, watching(key))
    _ask(client, django_capture_on_commit_callbacks, county.world.leader)
    assert seen == [("running", done, key) for done, key in enumerate(SECTIONS)]
    job = api_get(client, county.world.leader, f"{API}/{_jobs()[0].pk}").json()
    assert job["state"] == "done"


def test_a_running_job_shows_its_step(client: Client, world: World) -> None:
    job = ReportJob.objects.create(
        requested_by=world.county_clerk,
        region=world.county,
        period_start=NOV_DEC[0],
        period_end=NOV_DEC[1],
        format="pdf",
        state=JobState.RUNNING,
        steps_done=10,
        steps_total=len(steps_for("pdf")),
        step="dashboard",
    )
    got = api_get(client, world.county_clerk, f"{API}/{job.pk}").json()
    label = zh(STEP_LABELS["dashboard"])
    assert (got["progress"], got["total"], got["label"]) == (10, 13, label)
    log_in(client, world.county_clerk)
    page = client.get(f"/reports/jobs/{job.pk}/").content.decode()
    assert 'max="13" value="10"' in page and escape(label) in page
    assert 'hx-trigger="every 2s"' in page


def test_a_pdf_job_draws_the_charts(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture
) -> None:
    pytest.importorskip("weasyprint")
    w = county.world
    _ask(client, django_capture_on_commit_callbacks, w.leader, format="pdf")
    (job,) = _jobs()
    assert job.state == JobState.DONE and job.steps_done == 13
    file = api_get(client, w.leader, f"{API}/{job.pk}/download")
    assert file["Content-Type"] == "application/pdf" and file.content.startswith(b"%PDF-")


def test_a_failure_leaves_a_failed_job_with_its_reason_and_no_file(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
    settings: LazySettings,
) -> None:
    w = county.world

    def broken(*args: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setitem(SECTIONS, "visits", broken)
    _ask(client, django_capture_on_commit_callbacks, w.county_clerk)
    (job,) = _jobs()
    assert job.state == JobState.FAILED and job.file.name == "" and _stored(settings) == []
    got = api_get(client, w.county_clerk, f"{API}/{job.pk}").json()
    assert got["error"]["code"] == "failed"
    assert got["error"]["message"] == zh(FAILED_UNEXPECTEDLY.msgid) and got["download"] is None
    assert got["progress"] == list(SECTIONS).index("visits")
    refused = api_get(client, w.county_clerk, f"{API}/{job.pk}/download")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "job_not_ready"
    (failed,) = _events(EventType.REPORT_JOB_FAILED)
    assert failed.new == {"state": "failed", "error_code": "failed"}
    log_in(client, w.county_clerk)
    page = client.get(f"/reports/jobs/{job.pk}/").content.decode()
    assert 'data-testid="job-failed"' in page and "hx-trigger" not in page


def test_a_file_that_cannot_be_marked_done_is_removed(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
    settings: LazySettings,
) -> None:
    real = job_services._move

    def refuse_finish(job: ReportJob, action: JobAction, **fields: Any) -> bool:
        if action == JobAction.FINISH:
            raise RuntimeError("the disk is full")
        return real(job, action, **fields)

    monkeypatch.setattr(job_services, "_move", refuse_finish)
    _ask(client, django_capture_on_commit_callbacks, county.world.county_clerk)
    (job,) = _jobs()
    assert job.state == JobState.FAILED and job.file.name == ""
    assert _stored(settings) == []


def test_without_weasyprint_a_pdf_job_fails_saying_so(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    _ask(client, django_capture_on_commit_callbacks, county.world.county_clerk, format="pdf")
    (job,) = _jobs()
    assert (job.state, job.error_code) == (JobState.FAILED, "pdf_unavailable")
    got = api_get(client, county.world.county_clerk, f"{API}/{job.pk}").json()
    assert "WeasyPrint" in got["error"]["message"]


def test_it_reads_as_the_user_reads_when_it_runs(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture
) -> None:
    w = county.world
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        api_post(client, w.township_clerk, API, {**PERIOD, "format": "xlsx"})
    (job,) = _jobs()
    assert job.state == JobState.QUEUED and len(waiting) == 1
    # Moved to township B before the worker got to it: township A is no longer theirs.
    type(w.township_clerk).objects.filter(pk=w.township_clerk.pk).update(region=w.township_b)
    assert run_job(job.pk) == JobState.FAILED
    job.refresh_from_db()
    assert job.error_code == "not_found"
    assert run_job(job.pk) == JobState.FAILED  # a second delivery of the task changes nothing
    assert len(_events(EventType.REPORT_JOB_FAILED)) == 1


def test_only_the_requester_or_the_county_s_admin_sees_a_job(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture
) -> None:
    w = county.world
    _ask(client, django_capture_on_commit_callbacks, w.township_clerk)
    (job,) = _jobs()
    url = f"{API}/{job.pk}"
    for user in (w.other_township_clerk, w.county_clerk, w.leader, w.village_assistant):
        assert api_get(client, user, url).status_code == 404, user.username
        assert api_get(client, user, f"{url}/download").status_code == 404, user.username
        assert api_get(client, user, API).json()["count"] == 0, user.username
        log_in(client, user)
        assert client.get(f"/reports/jobs/{job.pk}/").status_code == 404, user.username
        assert client.get(f"/reports/jobs/{job.pk}/download").status_code == 404, user.username
    admin = api_get(client, w.admin, url)
    assert admin.status_code == 200 and admin.json()["state"] == "done"
    assert admin.json()["download"] is None
    assert api_get(client, w.admin, f"{url}/download").status_code == 403
    assert api_get(client, w.admin, API).json()["count"] == 1
    assert api_get(client, w.auditor, url).status_code == 403
    own = api_get(client, w.township_clerk, API).json()
    assert own["count"] == 1 and own["results"][0]["id"] == job.pk


def test_bad_input_is_a_400_and_asks_nothing(client: Client, world: World) -> None:
    cases = [
        ({**PERIOD, "from": "2026-13-01", "format": "xlsx"}, 400, "invalid_date"),
        ({"to": "2026-12-31", "format": "xlsx"}, 400, "period_missing"),
        ({**PERIOD, "format": "docx"}, 400, "invalid"),
        ({**PERIOD, "format": "xlsx", "region": world.township_a.code}, 404, "not_found"),
        ({**PERIOD, "format": "xlsx", "region": "x" * 40}, 400, "invalid"),
    ]
    for body, status, code in cases:
        answer = api_post(client, world.other_township_clerk, API, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    for user in (world.admin, world.auditor):
        assert api_post(client, user, API, {**PERIOD, "format": "xlsx"}).status_code == 403
    liaison = api_post(client, world.liaison, API, {**PERIOD, "format": "pdf"})
    assert (liaison.status_code, liaison.json()["error"]["code"]) == (403, "partial_reader")
    assert _jobs() == [] and _events(EventType.REPORT_JOB_REQUESTED) == []


def test_a_reader_has_at_most_four_jobs_waiting(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(job_services.MAX_OPEN_JOBS):
            assert api_post(client, world.county_clerk, API, {**PERIOD, "format": "xlsx"}).status_code == 202
        fifth = api_post(client, world.county_clerk, API, {**PERIOD, "format": "xlsx"})
    assert (fifth.status_code, fifth.json()["error"]["code"]) == (409, "too_many_jobs")
    assert len(_jobs()) == job_services.MAX_OPEN_JOBS


def test_a_queue_that_cannot_be_reached_leaves_the_job_waiting_until_it_is_back(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(task: Any) -> None:
        raise ConnectionError("redis is down")

    later = timezone.now() + timedelta(minutes=1)
    with monkeypatch.context() as down:
        down.setattr(HUEY, "enqueue", unreachable)
        answer = _ask(client, django_capture_on_commit_callbacks, world.county_clerk)
        assert answer.status_code == 202 and answer.json()["state"] == "queued"
        (job,) = _jobs()
        assert (job.state, job.error_code) == (JobState.QUEUED, "")
        with pytest.raises(ConnectionError):  # the minute's sweep, the queue still down: it waits on
            job_services.send_waiting_jobs(now=later)
    assert job_services.send_waiting_jobs() == 0  # asked just now: its own sending may be under way
    assert job_services.send_waiting_jobs(now=later) == 1  # the queue is back
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert not _events(EventType.REPORT_JOB_FAILED)


def test_a_waiting_job_still_on_the_queue_is_not_sent_again(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # asked, never sent
        api_post(client, world.county_clerk, API, {**PERIOD, "format": "xlsx"})
    (job,) = _jobs()
    sent: list[Any] = []
    monkeypatch.setattr(HUEY, "enqueue", sent.append)
    monkeypatch.setattr(HUEY, "pending", lambda limit=None: [run_report_job.s(job.pk)])
    later = timezone.now() + timedelta(minutes=1)
    assert job_services.send_waiting_jobs(now=later) == 0 and sent == []
    monkeypatch.setattr(HUEY, "pending", lambda limit=None: [])  # lost by a Redis that restarted
    assert job_services.send_waiting_jobs(now=later) == 1
    assert [(task.name, task.args) for task in sent] == [(run_report_job.task_class.__name__, (job.pk,))]


def test_waiting_jobs_are_sent_every_minute_and_when_the_worker_starts() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")  # what the worker does at start
    (task,) = [t() for t in HUEY._registry._periodic_tasks if t.__name__.endswith("send_waiting_report_jobs")]
    # The consumer checks its periodic tasks as it starts and then each minute: every minute
    # matches both.
    assert all(task.validate_datetime(datetime(2026, 5, 1, 3, m)) for m in range(60))


def test_a_changed_file_is_refused_not_sent(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture, settings: LazySettings
) -> None:
    w = county.world
    _ask(client, django_capture_on_commit_callbacks, w.county_clerk)
    (stored,) = _stored(settings)
    data = stored.read_bytes()
    stored.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    job = _jobs()[0]
    api = api_get(client, w.county_clerk, f"{API}/{job.pk}/download")
    assert api.status_code == 409 and api.json()["error"]["code"] == "job_file_damaged"
    log_in(client, w.county_clerk)
    page = client.get(f"/reports/jobs/{job.pk}/download")
    assert page.status_code == 409 and 'data-testid="job-error"' in page.content.decode()


# --- the pages ------------------------------------------------------------------------------------


def test_a_small_region_downloads_directly(client: Client, county: County) -> None:
    log_in(client, county.world.county_clerk)
    html = client.get("/reports/summary/", PERIOD).content.decode()
    assert 'data-testid="summary-xlsx"' in html
    assert 'href="/reports/summary.pdf?from=2026-11-01&amp;to=2026-12-31&amp;region=341199000000"' in html
    assert 'data-testid="summary-job"' not in html


def test_a_large_region_generates_its_report_as_a_job(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture, settings: LazySettings
) -> None:
    settings.YOUFU_REPORT_INLINE_MAX_PERSONS = 3  # the county has 9 people, township A 5
    w = county.world
    log_in(client, w.county_clerk)
    html = client.get("/reports/summary/", {**PERIOD, "region": w.township_a.code}).content.decode()
    assert 'data-testid="summary-job"' in html and 'data-testid="summary-xlsx"' not in html
    assert 'name="region" value="341199100000"' in html
    assert zh("Generate the report (PDF)") in html
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/reports/jobs/", {**PERIOD, "region": w.township_a.code, "format": "xlsx"})
    (job,) = _jobs()
    assert asked.status_code == 302 and asked["Location"] == f"/reports/jobs/{job.pk}/"
    partial = client.get(f"/reports/jobs/{job.pk}/", headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert text.startswith('<div id="job-status"') and "<html" not in text
    assert 'data-state="done"' in text and "hx-trigger" not in text
    assert f'href="/reports/jobs/{job.pk}/download"' in text
    file = client.get(f"/reports/jobs/{job.pk}/download")
    assert file.status_code == 200 and hashlib.sha256(file.content).hexdigest() == job.sha256
    listed = client.get("/reports/jobs/").content.decode()
    assert f'data-testid="job-{job.pk}"' in listed and "城关镇" in listed


def test_the_page_refuses_bad_input(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    log_in(client, world.other_township_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        reversed_ = client.post(
            "/reports/jobs/", {"from": "2026-12-31", "to": "2026-11-01", "format": "xlsx"}
        )
        assert reversed_.status_code == 400 and 'data-testid="job-error"' in reversed_.content.decode()
        no_format = client.post("/reports/jobs/", {**PERIOD})
        assert no_format.status_code == 400
        other = client.post("/reports/jobs/", {**PERIOD, "region": world.township_a.code, "format": "pdf"})
        assert other.status_code == 404
        log_in(client, world.liaison)
        liaison = client.post("/reports/jobs/", {**PERIOD, "format": "pdf"})
        assert liaison.status_code == 403
    assert _jobs() == []


def test_a_job_s_region_is_its_own_scope(world: World) -> None:
    # A job for a region outside every user's scope here: no one sees it, and it cannot run.
    elsewhere = Region.objects.create(code="341198000000", name="白水县", level="county")
    job = ReportJob.objects.create(
        requested_by=world.county_clerk,
        region=elsewhere,
        period_start=NOV_DEC[0],
        period_end=NOV_DEC[1],
        format=JobFormat.XLSX,
        steps_total=11,
    )
    assert list(ReportJob.objects.visible_to(world.admin)) == []
    assert run_job(job.pk) == JobState.FAILED  # the clerk does not read 白水县
