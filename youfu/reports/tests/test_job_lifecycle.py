"""A report job whose worker was killed, and a job's file kept long enough: the system's two rules
on the job's transition table. A running job with no step for YOUFU_REPORT_JOB_STALE_SECONDS is
failed as stale — by the periodic task, and as soon as someone looks at it — saying why, audited
(834), and its user generates it again; a done job's file is removed YOUFU_REPORT_JOB_KEEP_DAYS
after it was made, the job marked expired, audited (835), its page saying so and offering to
generate it again. The monthly archive is never touched."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import LazySettings
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from huey.contrib.djhuey import HUEY

from youfu.audit.events import EventType
from youfu.reports import job_services
from youfu.reports.archive_services import archive_period, archived_bytes
from youfu.reports.job_models import JobState, ReportJob
from youfu.reports.job_selectors import EXPIRED
from youfu.reports.job_services import (
    SECTIONS,
    STALE,
    give_up_if_stale,
    give_up_stale_jobs,
    steps_for,
)
from youfu.reports.tasks import expire_report_job_files, give_up_stale_report_jobs
from youfu.reports.tests.scenario import NOV, County, build
from youfu.reports.tests.test_jobs import _events, _jobs, _stored
from youfu.testing import World, api_get, api_post, log_in
from youfu.testing_browser import zh

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/jobs"
PERIOD = {"from": "2026-11-01", "to": "2026-12-31"}
Capture = Callable[..., AbstractContextManager[Any]]


class Killed(BaseException):
    """What a worker's death looks like from inside the task: nothing after it runs (no
    ``except Exception`` catches it, so the job is left running as a killed worker leaves it)."""


@pytest.fixture(autouse=True)
def immediate_queue(settings: LazySettings, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "files"
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _silent_for(job: ReportJob, delta: timedelta) -> None:
    """As if the job's last step or move was ``delta`` ago."""
    ReportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - delta)  # scope: test
    job.refresh_from_db()


def _killed_at_visits(
    client: Client, capture: Capture, monkeypatch: pytest.MonkeyPatch, user: Any, **body: Any
) -> ReportJob:
    """A job whose worker died while it counted the visits."""

    def dies(*args: Any) -> Any:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setitem(SECTIONS, "visits", dies)
        with pytest.raises(Killed), capture(execute=True):
            api_post(client, user, API, {**PERIOD, "format": "xlsx", **body})
    (job,) = _jobs()
    assert (job.state, job.step) == (JobState.RUNNING, "visits")
    return job


def _done(client: Client, capture: Capture, user: Any) -> ReportJob:
    with capture(execute=True):
        assert api_post(client, user, API, {**PERIOD, "format": "xlsx"}).status_code == 202
    job = _jobs()[-1]
    assert job.state == JobState.DONE
    return job


# --- a worker that stopped ---------------------------------------------------------------------


def test_each_step_is_a_heartbeat(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    beats: list[datetime] = []

    def watching(key: str) -> Callable[..., Any]:
        real = SECTIONS[key]

        def figures(*args: Any) -> Any:
            beats.append(ReportJob.objects.values_list("updated_at", flat=True).get())  # scope: test
            return real(*args)

        return figures

    for key in list(SECTIONS):
        monkeypatch.setitem(SECTIONS, key, watching(key))
    job = _done(client, django_capture_on_commit_callbacks, county.world.county_clerk)
    assert beats == sorted(beats) and len(set(beats)) == len(SECTIONS)
    assert job.updated_at >= beats[-1] and job.updated_at == job.finished_at


def test_the_task_fails_a_job_whose_worker_was_killed_saying_why(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
    settings: LazySettings,
) -> None:
    w = county.world
    job = _killed_at_visits(client, django_capture_on_commit_callbacks, monkeypatch, w.county_clerk)
    # Silent for 14 minutes: it may only be slow.
    _silent_for(job, timedelta(minutes=14))
    assert give_up_stale_report_jobs.call_local() == 0
    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    # For 16: its worker is gone.
    _silent_for(job, timedelta(minutes=16))
    last = job.updated_at
    assert give_up_stale_report_jobs.call_local() == 1
    job.refresh_from_db()
    assert (job.state, job.error_code, job.step) == (JobState.FAILED, "stale", "")
    assert job.finished_at is not None and job.file.name == "" and _stored(settings) == []
    (event,) = _events(EventType.REPORT_JOB_STALE)
    assert (event.actor_id, event.actor_name, event.channel) == (None, "system", "task")
    assert (event.region_id, event.object_id) == (w.county.code, str(job.pk))
    assert event.old == {"state": "running"}
    assert event.new == {
        "state": "failed",
        "error_code": "stale",
        "last_progress": last.isoformat(),
        "stale_seconds": 900,
    }
    assert event.extra["requested_by"] == w.county_clerk.pk
    assert _events(EventType.REPORT_JOB_FAILED) == []
    assert give_up_stale_report_jobs.call_local() == 0  # once
    # The user reads why, in their language, and where to go from there.
    got = api_get(client, w.county_clerk, f"{API}/{job.pk}").json()
    assert got["state"] == "failed" and got["download"] is None
    # A report that could not be made, not a payment the bank refused (the payments' 发放失败).
    assert got["state_label"] == zh(JobState.FAILED.label) != zh("failed")
    assert got["error"] == {"code": "stale", "message": zh(STALE.msgid) % {"minutes": "15"}}


def test_looking_at_it_fails_it_at_once_and_the_user_generates_it_again(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = county.world
    job = _killed_at_visits(
        client, django_capture_on_commit_callbacks, monkeypatch, w.county_clerk, region=w.township_a.code
    )
    _silent_for(job, timedelta(minutes=16))
    log_in(client, w.county_clerk)
    # The page's htmx poll is what a waiting user's browser asks: it stops polling and says why.
    partial = client.get(f"/reports/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-state="failed"' in partial and "hx-trigger" not in partial
    assert escape(zh(STALE.msgid) % {"minutes": "15"}) in partial
    assert 'data-testid="job-again"' in partial
    assert 'name="region" value="341199100000"' in partial and 'name="format" value="xlsx"' in partial
    (event,) = _events(EventType.REPORT_JOB_STALE)
    assert event.actor_id is None and event.channel == "web"  # the rule, applied when looked at
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/reports/jobs/", {**PERIOD, "region": w.township_a.code, "format": "xlsx"})
    first, second = _jobs()
    assert again.status_code == 302 and again["Location"] == f"/reports/jobs/{second.pk}/"
    assert (second.state, second.region_id, second.format) == (JobState.DONE, w.township_a.code, "xlsx")
    assert first.state == JobState.FAILED  # nothing leaves failed: the new job is another


@pytest.mark.parametrize("where", ["api_job", "api_list", "page_list"])
def test_every_way_of_looking_applies_the_rule(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    w = county.world
    job = _killed_at_visits(client, django_capture_on_commit_callbacks, monkeypatch, w.county_clerk)
    _silent_for(job, timedelta(minutes=16))
    if where == "api_job":
        assert api_get(client, w.county_clerk, f"{API}/{job.pk}").json()["state"] == "failed"
    elif where == "api_list":
        assert api_get(client, w.county_clerk, API).json()["results"][0]["state"] == "failed"
    else:
        log_in(client, w.county_clerk)
        assert client.get("/reports/jobs/").status_code == 200
    job.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "stale")


def test_a_job_that_made_progress_meanwhile_is_not_failed(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = _killed_at_visits(
        client, django_capture_on_commit_callbacks, monkeypatch, county.world.county_clerk
    )
    _silent_for(job, timedelta(minutes=16))
    seen_stale = ReportJob.objects.get(pk=job.pk)  # scope: test
    # The worker writes its next step between the read and the update: the update checks again.
    ReportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())  # scope: test
    assert give_up_if_stale(seen_stale) is False
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and _events(EventType.REPORT_JOB_STALE) == []


def test_a_worker_given_up_on_stops_at_its_next_step_and_keeps_no_file(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
    settings: LazySettings,
) -> None:
    """A worker that was only very slow (a stopped machine woken again) finds its job failed."""
    counted: list[str] = []

    def slow(key: str) -> Callable[..., Any]:
        real = SECTIONS[key]

        def figures(*args: Any) -> Any:
            counted.append(key)
            if key == "housing":  # meanwhile the sweep, an hour later, gives up on it
                assert give_up_stale_jobs(now=timezone.now() + timedelta(hours=1)) == 1
            return real(*args)

        return figures

    for key in list(SECTIONS):
        monkeypatch.setitem(SECTIONS, key, slow(key))
    with django_capture_on_commit_callbacks(execute=True):
        api_post(client, county.world.county_clerk, API, {**PERIOD, "format": "xlsx"})
    (job,) = _jobs()
    assert (job.state, job.error_code) == (JobState.FAILED, "stale")
    assert counted[-1] == "housing"  # no section counted after it
    assert _stored(settings) == []
    assert len(_events(EventType.REPORT_JOB_STALE)) == 1
    assert _events(EventType.REPORT_JOB_FAILED) == _events(EventType.REPORT_JOB_DONE) == []


def test_a_dead_job_does_not_hold_one_of_the_four_places(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(job_services.MAX_OPEN_JOBS):
            assert api_post(client, world.county_clerk, API, {**PERIOD, "format": "xlsx"}).status_code == 202
    for job in _jobs():  # every worker died while generating them
        ReportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING)  # scope: test
        _silent_for(job, timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=False):
        fifth = api_post(client, world.county_clerk, API, {**PERIOD, "format": "xlsx"})
    assert fifth.status_code == 202, fifth.content
    assert [j.state for j in _jobs()] == [JobState.FAILED] * 4 + [JobState.QUEUED]


def test_the_rule_reads_its_setting_and_0_turns_it_off(
    client: Client,
    county: County,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
    settings: LazySettings,
) -> None:
    job = _killed_at_visits(
        client, django_capture_on_commit_callbacks, monkeypatch, county.world.county_clerk
    )
    _silent_for(job, timedelta(minutes=3))
    settings.YOUFU_REPORT_JOB_STALE_SECONDS = 0
    assert give_up_stale_report_jobs.call_local() == 0
    settings.YOUFU_REPORT_JOB_STALE_SECONDS = 120
    assert give_up_stale_report_jobs.call_local() == 1
    job.refresh_from_db()
    assert job.error_params == {"minutes": "2"}


def test_a_queued_done_or_failed_job_is_never_stale(world: World) -> None:
    old = timezone.now() - timedelta(days=3)
    for state in (JobState.QUEUED, JobState.DONE, JobState.FAILED):
        ReportJob.objects.create(
            requested_by=world.county_clerk,
            region=world.county,
            period_start=NOV[0],
            period_end=NOV[1],
            format="xlsx",
            state=state,
            steps_total=len(steps_for("xlsx")),
            updated_at=old,
        )
    assert give_up_stale_report_jobs.call_local() == 0


# --- a file kept long enough -------------------------------------------------------------------


def test_a_done_job_s_file_is_removed_after_the_days_it_is_kept(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture, settings: LazySettings
) -> None:
    w = county.world
    archived = archive_period(w.county, *NOV).report
    old = _done(client, django_capture_on_commit_callbacks, w.county_clerk)
    recent = _done(client, django_capture_on_commit_callbacks, w.county_clerk)
    assert len(_stored(settings)) == 2
    _silent_for(old, timedelta(days=30, minutes=1))
    _silent_for(recent, timedelta(days=29, hours=23))
    old_name, sha256, size = old.file.name, old.sha256, old.size
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_report_job_files.call_local() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.state, old.file.name) == (JobState.EXPIRED, "")
    assert (old.sha256, old.size) == (sha256, size)  # what was made stays on record
    assert recent.state == JobState.DONE
    assert [p.name for p in _stored(settings)] == [Path(recent.file.name).name]
    assert not (Path(settings.MEDIA_ROOT) / old_name).exists()
    (event,) = _events(EventType.REPORT_JOB_EXPIRED)
    assert (event.actor_id, event.actor_name, event.channel) == (None, "system", "task")
    assert event.old == {"state": "done"}
    assert event.new == {"state": "expired", "kept_days": 30, "sha256": sha256}
    # The monthly archive is not a job's file: kept, byte for byte.
    assert hashlib.sha256(archived_bytes(archived)).hexdigest() == archived.sha256
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_report_job_files.call_local() == 0  # once


def test_the_page_and_the_api_say_the_file_expired_and_it_is_generated_again(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture
) -> None:
    w = county.world
    job = _done(client, django_capture_on_commit_callbacks, w.county_clerk)
    _silent_for(job, timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        expire_report_job_files.call_local()
    said = zh(EXPIRED.msgid) % {"days": 30}
    got = api_get(client, w.county_clerk, f"{API}/{job.pk}").json()
    assert (got["state"], got["download"], got["error"]) == ("expired", None, None)
    assert got["state_label"] == zh(JobState.EXPIRED.label)
    download = api_get(client, w.county_clerk, f"{API}/{job.pk}/download")
    assert download.status_code == 409
    error = download.json()["error"]
    assert (error["code"], error["message"]) == ("job_expired", said)
    log_in(client, w.county_clerk)
    page = client.get(f"/reports/jobs/{job.pk}/").content.decode()
    assert 'data-state="expired"' in page and "hx-trigger" not in page
    assert escape(said) in page and 'data-testid="job-again"' in page and "/download" not in page
    refused = client.get(f"/reports/jobs/{job.pk}/download")
    assert refused.status_code == 409 and escape(said) in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/reports/jobs/", {**PERIOD, "region": w.county.code, "format": "xlsx"})
    new = _jobs()[-1]
    assert again["Location"] == f"/reports/jobs/{new.pk}/" and new.state == JobState.DONE
    assert client.get(f"/reports/jobs/{new.pk}/download").status_code == 200
    # The county's admin sees that it expired, and is offered nothing to generate.
    log_in(client, w.admin)
    assert 'data-testid="job-again"' not in client.get(f"/reports/jobs/{job.pk}/").content.decode()


def test_0_days_keeps_the_files(
    client: Client, county: County, django_capture_on_commit_callbacks: Capture, settings: LazySettings
) -> None:
    job = _done(client, django_capture_on_commit_callbacks, county.world.county_clerk)
    _silent_for(job, timedelta(days=400))
    settings.YOUFU_REPORT_JOB_KEEP_DAYS = 0
    assert expire_report_job_files.call_local() == 0
    job.refresh_from_db()
    assert job.state == JobState.DONE and len(_stored(settings)) == 1


def test_the_queue_runs_the_rules_every_five_minutes_and_each_night() -> None:
    stale = give_up_stale_report_jobs.task_class()
    assert stale.validate_datetime(datetime(2026, 12, 1, 1, 5))
    assert not stale.validate_datetime(datetime(2026, 12, 1, 1, 7))
    expire = expire_report_job_files.task_class()
    assert expire.validate_datetime(datetime(2026, 12, 1, 19, 30))  # 03:30 in Shanghai
    assert not expire.validate_datetime(datetime(2026, 12, 1, 18, 30))


def test_the_migration_dates_the_heartbeat_of_older_jobs_by_their_last_move(world: World) -> None:
    migration = importlib.import_module("youfu.reports.migrations.0005_job_heartbeat_and_expiry")
    asked = timezone.now() - timedelta(days=5)
    job = ReportJob.objects.create(
        requested_by=world.county_clerk,
        region=world.county,
        period_start=NOV[0],
        period_end=NOV[1],
        format="xlsx",
        state=JobState.RUNNING,
        steps_total=len(steps_for("xlsx")),
        created_at=asked,
        started_at=asked + timedelta(minutes=1),
    )
    migration.heartbeat_from_history(django_apps, None)
    job.refresh_from_db()
    assert job.updated_at == asked + timedelta(minutes=1)
    assert give_up_stale_report_jobs.call_local() == 1
