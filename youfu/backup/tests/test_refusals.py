"""What a backup and a restore refuse, and that a refusal writes nothing: a clerk's backup, a file
in the way, the wrong data key, a database with records, a damaged or cut-short file, a schema of
another version, a name leading out of the files folder — and a restore whose result differs from
the manifest (a count, a broken audit chain) is rolled back whole, its files removed.

Restores here run in the test's own process, into the test database emptied as ``migrate`` leaves
a new one (``flush``), with a new MEDIA_ROOT; ``test_round_trip.py`` drives separate
installations."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.backup.tests.county import build_county
from youfu.backup.tests.targets import figures, here
from youfu.testing import World, run_command

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Taken:
    path: Path
    manifest: dict[str, Any]
    empty: dict[str, tuple[int, ...]]  # the emptied database's figures
    files: Path  # the new MEDIA_ROOT


@pytest.fixture
def taken(world: World, tmp_path: Path, settings: Any) -> Taken:
    """The county backed up, then the database emptied and a new files folder, as a new
    installation has them."""
    build_county(world)
    path = tmp_path / "county.tar"
    code, out, err = run_command("backup", "-o", str(path), "--as", "admin")
    assert code == 0, out + err
    call_command("flush", "--noinput", verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "new-files"
    return Taken(path, read_manifest(path), figures(here), tmp_path / "new-files")


def read_manifest(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        raw = tar.extractfile("manifest.json")
        assert raw is not None
        result: dict[str, Any] = json.loads(raw.read())
        return result


def rewrite(source: Path, target: Path, *, members: dict[str, bytes] | None = None, **manifest: Any) -> Path:
    """A copy of the backup with some members' bytes replaced and the manifest's keys changed."""
    members = members or {}
    with tarfile.open(source) as tin, tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tout:
        for member in tin.getmembers():
            raw = tin.extractfile(member)
            assert raw is not None
            data = members.get(member.name, raw.read())
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **manifest}).encode()
            member.size = len(data)
            tout.addfile(member, io.BytesIO(data))
    return target


def restore(path: Path) -> tuple[int, dict[str, Any]]:
    code, out, _err = run_command("restore", str(path), "--json")
    return code, json.loads(out.strip().splitlines()[-1])


def nothing_written(taken: Taken) -> bool:
    return figures(here) == taken.empty and not any(p.is_file() for p in taken.files.rglob("*"))


def test_the_backup_restores_here(taken: Taken) -> None:
    """The refusals below each change one thing of a backup that restores."""
    code, result = restore(taken.path)
    assert code == 0, result
    assert result["rows"] == sum(t["rows"] for t in taken.manifest["tables"].values())
    assert len([p for p in taken.files.rglob("*") if p.is_file()]) == 4


# --- who may back up ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "township", "leader", "auditor", "liaison"])
def test_only_the_admin_backs_up(world: World, who: str, tmp_path: Path) -> None:
    events = AuditEvent.objects.count()
    code, _out, err = run_command("backup", "-o", str(tmp_path / "b.tar"), "--as", who)
    assert code == 1 and "You may not do this" in err
    assert list(tmp_path.iterdir()) == []
    assert AuditEvent.objects.count() == events


def test_a_backup_names_its_user_and_overwrites_nothing(world: World, tmp_path: Path) -> None:
    code, _out, err = run_command("backup", "-o", str(tmp_path / "b.tar"))
    assert code == 1 and "--as" in err
    (tmp_path / "b.tar").write_bytes(b"an earlier backup")
    code, _out, err = run_command("backup", "-o", str(tmp_path / "b.tar"), "--as", "admin")
    assert code == 1 and "already exists" in err
    assert (tmp_path / "b.tar").read_bytes() == b"an earlier backup"
    code, _out, err = run_command("backup", "-o", str(tmp_path / "no" / "b.tar"), "--as", "admin")
    assert code == 1 and "no folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar"]  # no temporary files left


# --- restores refused before anything is written ---------------------------------------------


def test_a_wrong_key_is_refused_before_anything_is_written(taken: Taken) -> None:
    with override_settings(YOUFU_DATA_KEY="another installation's key"):
        code, result = restore(taken.path)
    assert code == 1 and result["error"]["code"] == "wrong_data_key"
    assert "YOUFU_DATA_KEY" in result["error"]["message"]
    assert nothing_written(taken)


def test_the_key_is_checked_first(taken: Taken) -> None:
    """Even into a database that would be refused anyway, the wrong key is what is said."""
    assert restore(taken.path)[0] == 0
    with override_settings(YOUFU_DATA_KEY="another installation's key"):
        assert restore(taken.path)[1]["error"]["code"] == "wrong_data_key"


def test_a_database_with_records_is_refused(taken: Taken) -> None:
    assert restore(taken.path)[0] == 0
    restored = figures(here)
    code, result = restore(taken.path)
    assert code == 1 and result["error"]["code"] == "database_not_empty"
    assert figures(here) == restored


def test_a_damaged_file_is_refused_before_anything_is_written(taken: Taken, tmp_path: Path) -> None:
    with tarfile.open(taken.path) as tar:
        member = tar.getmember("db/registry_beneficiary.jsonl.gz")
    data = bytearray(taken.path.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    code, result = restore(damaged)
    assert code == 1 and result["error"]["code"] == "backup_damaged"
    assert "registry_beneficiary" in result["error"]["message"]
    assert nothing_written(taken)


def test_a_file_cut_short_is_refused(taken: Taken, tmp_path: Path) -> None:
    cut = tmp_path / "cut.tar"
    cut.write_bytes(taken.path.read_bytes()[: taken.path.stat().st_size // 2])
    code, result = restore(cut)
    assert code == 1 and result["error"]["code"] == "backup_damaged"
    assert nothing_written(taken)


def test_a_backup_of_another_schema_is_refused(taken: Taken, tmp_path: Path) -> None:
    future = [*taken.manifest["migrations"], "registry.9999_future"]
    code, result = restore(rewrite(taken.path, tmp_path / "future.tar", migrations=future))
    assert code == 1 and result["error"]["code"] == "schema_differs"
    assert "registry.9999_future" in result["error"]["message"]
    assert nothing_written(taken)


def test_a_file_name_leading_out_of_the_files_folder_is_refused(taken: Taken, tmp_path: Path) -> None:
    files = dict(taken.manifest["files"])
    _name, entry = next(iter(files.items()))
    files["../../outside.png"] = entry
    code, result = restore(rewrite(taken.path, tmp_path / "escape.tar", files=files))
    assert code == 1 and result["error"]["code"] == "backup_damaged"
    assert not (tmp_path / "outside.png").exists()
    assert nothing_written(taken)


# --- restores whose result differs are rolled back --------------------------------------------


def test_a_count_unlike_the_manifest_rolls_everything_back(taken: Taken, tmp_path: Path) -> None:
    tables = json.loads(json.dumps(taken.manifest["tables"]))
    tables["registry_beneficiary"]["rows"] += 1
    tables["benefits_batchitem"]["sums"]["amount_fen"] -= 1
    code, result = restore(rewrite(taken.path, tmp_path / "differs.tar", tables=tables))
    assert code == 1 and result["error"]["code"] == "restore_differs"
    message = result["error"]["message"]
    assert "registry_beneficiary" in message and "benefits_batchitem.amount_fen" in message
    assert nothing_written(taken)


def test_a_broken_audit_chain_rolls_everything_back(taken: Taken, tmp_path: Path) -> None:
    """An event changed in the file (its member's digest made to match): verify-audit catches it."""
    name = "db/audit_auditevent.jsonl.gz"
    with tarfile.open(taken.path) as tar:
        raw = tar.extractfile(name)
        assert raw is not None
        lines = gzip.decompress(raw.read()).decode().splitlines()
    header = json.loads(lines[0])
    row = json.loads(lines[5])
    row[header["columns"].index("actor_name")] = "mallory"
    lines[5] = json.dumps(row, ensure_ascii=False)
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    tables = json.loads(json.dumps(taken.manifest["tables"]))
    tables["audit_auditevent"].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    forged = rewrite(taken.path, tmp_path / "forged.tar", members={name: data}, tables=tables)
    code, result = restore(forged)
    assert code == 1 and result["error"]["code"] == "restore_differs"
    assert "event #5 was altered" in result["error"]["message"]  # what verify-audit says
    assert nothing_written(taken)


def test_a_restore_is_audited_as_the_next_event(taken: Taken) -> None:
    assert restore(taken.path)[0] == 0
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and last.event_type == EventType.BACKUP_RESTORED
    assert last.actor_name == "system" and last.extra["file"] == "county.tar"
    assert last.seq == taken.manifest["tables"]["audit_auditevent"]["rows"] + 1


@pytest.mark.django_db
def test_a_backup_inside_a_transaction_does_not_wait_for_its_own_lock(world: World, tmp_path: Path) -> None:
    """Inside a transaction (the README's walk runs every command in one), SQLite's backup API
    would wait for ever on the connection's own lock: the backup reads in that transaction."""
    code, out, err = run_command("backup", "-o", str(tmp_path / "b.tar"), "--as", "admin", "--json")
    assert code == 0, out + err
    assert json.loads(out)["rows"] > 0
