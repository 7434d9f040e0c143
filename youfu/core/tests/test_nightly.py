"""A nightly task whose night was missed (the queue down at its hour, the worker stopped) is
queued by the worker's catch-up, once an hour at most while it waits, and not before a day and two
hours have passed since it last finished; a new installation starts counting at the first look."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from huey.contrib.djhuey import HUEY

from youfu.core import nightly
from youfu.core.models import ScheduledRun
from youfu.core.tasks import catch_up_nightly
from youfu.testing import World

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 02:00 in Beijing, the backup's hour


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Two nightly tasks of the test's own; what was queued, in order."""
    asked: list[str] = []
    monkeypatch.setattr(nightly, "NIGHTLY", {})
    for name in ("alpha", "beta"):
        nightly.register_nightly(name, lambda name=name: asked.append(name))
    yield asked


def _at(hours: float) -> time_machine.travel:
    return time_machine.travel(T0 + timedelta(hours=hours), tick=False)


def test_a_new_installation_starts_counting_and_queues_nothing(queued: list[str]) -> None:
    with _at(0):
        assert nightly.catch_up() == []
    assert queued == []
    assert {r.name: r.last_run_at for r in ScheduledRun.objects.all()} == {"alpha": T0, "beta": T0}
    with _at(25):
        assert nightly.catch_up() == []  # a night late is not yet missed: it may still be running


def test_a_missed_night_is_queued_once_an_hour_until_the_task_has_run(queued: list[str]) -> None:
    with _at(0):
        nightly.catch_up()
        nightly.ran("beta")
    with _at(24):
        nightly.ran("beta")  # beta ran the next night; alpha's night was missed
    with _at(26.5):
        assert nightly.catch_up() == ["alpha"]
    with _at(27):
        assert nightly.catch_up() == []  # asked half an hour ago: still waiting in the queue
    with _at(27.6):
        assert nightly.catch_up() == ["alpha"]  # an hour later, asked again
    with _at(27.7):
        nightly.ran("alpha")
    with _at(28):
        assert nightly.catch_up() == []
    assert queued == ["alpha", "alpha"]
    alpha = ScheduledRun.objects.get(name="alpha")
    assert alpha.last_run_at == T0 + timedelta(hours=27.7) and alpha.asked_at is None


def test_the_real_nightly_tasks_register_and_say_when_they_ran(world: World) -> None:
    """The four nightly tasks register (their modules are imported with the apps' tasks), and a
    missed one queued through the worker's own periodic task runs and records its run."""
    import youfu.audit.tasks
    import youfu.backup.tasks
    import youfu.relief.discoveries.tasks
    import youfu.reports.tasks  # noqa: F401  (registers)

    assert set(nightly.NIGHTLY) >= {"backup", "verify-audit", "discoveries", "report-files"}
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        with _at(0):
            catch_up_nightly.call_local()
        with _at(30):
            ScheduledRun.objects.filter(name__in=["backup", "verify-audit"]).update(
                last_run_at=T0 + timedelta(hours=29)
            )
            assert catch_up_nightly.call_local() == ["discoveries", "report-files"]
    finally:
        HUEY.immediate = before
    runs = {r.name: r.last_run_at for r in ScheduledRun.objects.all()}
    assert runs["discoveries"] == runs["report-files"] == T0 + timedelta(hours=30)
