"""The nightly backup on the queue: into YOUFU_BACKUP_DIR, the newest YOUFU_BACKUP_KEEP kept and
the older ones removed (only the queue's own files), each step audited as the system's; a failure
is audited and removes nothing; YOUFU_BACKUP_KEEP=0 turns it off."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.backup import services
from youfu.backup.tasks import nightly_backup
from youfu.benefits.tests.helpers import at
from youfu.testing import World

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def folder(settings: Any, tmp_path: Path) -> Path:
    settings.YOUFU_BACKUP_DIR = tmp_path / "backups"
    settings.YOUFU_BACKUP_KEEP = 2
    return tmp_path / "backups"


def events(kind: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind).order_by("seq"))


def run_at(day: int) -> str | None:
    with time_machine.travel(at(2026, 12, day, 2), tick=False):
        return nightly_backup.call_local()  # type: ignore[no-any-return]


def test_the_newest_are_kept_and_only_the_queues_own_files_removed(world: World, folder: Path) -> None:
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's")
    (folder / "youfu-backup-before-the-move.tar").write_bytes(b"a backup made by hand")

    names = [run_at(day) for day in (1, 2, 3)]
    assert names == [
        "youfu-backup-20261130T180000Z.tar",
        "youfu-backup-20261201T180000Z.tar",
        "youfu-backup-20261202T180000Z.tar",
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*names[1:], "notes.txt", "youfu-backup-before-the-move.tar"]
    )
    assert {oct((folder / n).stat().st_mode & 0o777) for n in names[1:]} == {oct(0o600)}
    with tarfile.open(folder / names[-1]) as tar:
        raw = tar.extractfile("manifest.json")
        assert raw is not None
        manifest = json.loads(raw.read())
    assert manifest["created_by"] == "system" and manifest["tables"]["accounts_user"]["rows"] == 8

    written = events(EventType.BACKUP_WRITTEN)
    assert [e.extra["file"] for e in written] == names
    assert {(e.actor_name, e.channel) for e in written} == {("system", "task")}
    (removed,) = events(EventType.BACKUPS_REMOVED)
    assert removed.extra == {"files": [names[0]], "kept": 2}


def test_a_failed_night_is_audited_and_removes_nothing(
    world: World, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_at(1)
    run_at(2)
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)  # made by the first night

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(services, "_write_backup", full_disk)
    with pytest.raises(OSError):
        run_at(3)
    assert len(list(folder.iterdir())) == 2
    (failed,) = events(EventType.BACKUP_FAILED)
    assert failed.extra == {"file": "youfu-backup-20261202T180000Z.tar", "error": "OSError"}
    assert events(EventType.BACKUPS_REMOVED) == []


def test_keep_zero_turns_the_nightly_backup_off(world: World, folder: Path, settings: Any) -> None:
    settings.YOUFU_BACKUP_KEEP = 0
    assert run_at(1) is None
    assert not folder.exists()
    assert events(EventType.BACKUP_WRITTEN) == []


def test_the_nightly_backup_is_a_periodic_task() -> None:
    autodiscover_modules("tasks")  # what the worker does at start
    names = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert any(n.endswith("nightly_backup") for n in names), names
