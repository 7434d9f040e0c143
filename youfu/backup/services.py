"""Backups and restores: ``do_backup`` (the admin's ``youfu backup``), ``do_nightly_backup`` (the
queue's, with retention) and ``do_restore`` (``youfu restore``, into an empty database).

A backup is one file (``youfu/backup/archive.py``): every table in one consistent state
(``youfu/backup/dump.py``), every file a row names, and a manifest of counts, money sums and
SHA-256s. The keys are never in it. Writing one is audited (``BACKUP_WRITTEN``) in the
transaction that renames the finished file into place, so a file is there exactly when the log
says so; a restore is audited as the restored log's next event (``BACKUP_RESTORED``).
"""

from __future__ import annotations

import dataclasses
import hmac
import io
import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import mail_admins
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.anchors import set_aside
from youfu.audit.events import EventType
from youfu.audit.services import SYSTEM_ACTOR, record_event
from youfu.audit.verify import verify_chain
from youfu.backup import load
from youfu.backup.archive import (
    FORMAT,
    MANIFEST,
    VERSION,
    HashingReader,
    HashingWriter,
    damaged,
    file_member,
    key_check,
    member_digest,
    open_backup,
    read_manifest,
    safe_file_name,
    table_member,
)
from youfu.backup.dump import applied_migrations, count_and_sum, dump_table, snapshot
from youfu.backup.tables import tables
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Capability, require

if TYPE_CHECKING:
    from youfu.accounts.models import User

logger = logging.getLogger(__name__)

# Only files named so in the nightly folder are the queue's: retention never touches another.
NIGHTLY_NAME = re.compile(r"^youfu-backup-\d{8}T\d{6}Z\.tar$")


def youfu_version() -> str:
    try:
        return version("youfu")
    except PackageNotFoundError:  # pragma: no cover - run from a tree that was never installed
        return "unknown"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str
    database: str
    created_at: str
    tables: int
    rows: int
    files: int
    missing_files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "database": self.database,
            "created_at": self.created_at,
            "tables": self.tables,
            "rows": self.rows,
            "files": self.files,
            "missing_files": self.missing_files,
        }

    def audit_extra(self) -> dict[str, Any]:
        # The file's own name and digest: enough to find it and prove it unchanged, no data.
        return {
            "file": self.path.name,
            "size": self.size,
            "sha256": self.sha256,
            "database": self.database,
            "tables": self.tables,
            "rows": self.rows,
            "files": self.files,
            "missing_files": len(self.missing_files),
        }


# --- writing a backup -----------------------------------------------------------------------


def do_backup(path: Path, *, acting_user: User) -> BackupResult:
    """``youfu backup -o FILE``: the admin writes a backup of the whole installation."""
    require(acting_user, Capability.BACKUP)
    return _write_backup(path, actor=acting_user)


def _check_output(path: Path) -> None:
    if path.exists():
        raise InvalidInput(
            Message(
                gettext_noop("%(path)s already exists: a backup never overwrites a file."),
                {"path": str(path)},
            ),
            code="output_exists",
        )
    if not path.parent.is_dir():
        raise InvalidInput(
            Message(
                gettext_noop("There is no folder %(path)s to write the backup in."),
                {"path": str(path.parent)},
            ),
            code="output_folder_missing",
        )


def _write_backup(path: Path, *, actor: User | None) -> BackupResult:
    path = path.resolve()
    _check_output(path)
    created_at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    workdir = Path(tempfile.mkdtemp(dir=path.parent, prefix=".youfu-backup-"))
    partial = path.with_name(path.name + ".part")
    try:
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "youfu_version": youfu_version(),
            "database": connection.vendor,
            "created_at": created_at,
            "created_by": actor.username if actor is not None else SYSTEM_ACTOR,
            "key_check": key_check(),
        }
        listed: dict[str, Any] = {}
        partitions: dict[str, list[Any]] = {}
        named_files: set[str] = set()
        with snapshot(workdir) as alias:
            manifest["migrations"] = applied_migrations(alias)
            for table in tables():
                dumped = dump_table(alias, table, workdir / f"{table.name}.jsonl.gz")
                rows, sums = count_and_sum(alias, table)
                if rows != dumped.rows:  # pragma: no cover - one snapshot: cannot differ
                    raise RuntimeError(f"{table.name}: {rows} rows counted, {dumped.rows} written")
                listed[table.name] = {
                    "model": table.label,
                    "columns": table.columns,
                    "rows": rows,
                    "sums": sums,
                    "member": table_member(table.name),
                    "sha256": dumped.sha256,
                    "size": dumped.size,
                }
                named_files |= dumped.files
                if table.partition_column is not None:
                    partitions[table.name] = sorted(dumped.partition_values)
        manifest["tables"] = listed
        manifest["partitions"] = partitions
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            out = HashingWriter(raw)
            with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                for name in listed:
                    _add(tar, table_member(name), workdir / f"{name}.jsonl.gz")
                files, missing = _add_files(tar, named_files)
                manifest["files"] = files
                manifest["missing_files"] = missing
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            raw.flush()
            os.fsync(raw.fileno())
        result = BackupResult(
            path=path,
            size=out.size,
            sha256=out.digest.hexdigest(),
            database=connection.vendor,
            created_at=created_at,
            tables=len(listed),
            rows=sum(t["rows"] for t in listed.values()),
            files=len(files),
            missing_files=missing,
        )
        with transaction.atomic():
            record_event(EventType.BACKUP_WRITTEN, actor=actor, extra=result.audit_extra())
            _check_output(path)
            partial.replace(path)
        return result
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)


def _add(tar: tarfile.TarFile, name: str, source: Path) -> str:
    info = tarfile.TarInfo(name)
    info.size = source.stat().st_size
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    with source.open("rb") as fh:
        reader = HashingReader(fh)
        tar.addfile(info, reader)
    return reader.digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_files(tar: tarfile.TarFile, names: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Every file a row of the snapshot names. Files are written before their row commits and
    never changed after, so each is there; one that is not (removed by hand) is listed as
    missing rather than failing the whole backup."""
    root = Path(settings.MEDIA_ROOT).resolve()
    files: dict[str, Any] = {}
    missing: list[str] = []
    for name in sorted(names):
        source = (root / name).resolve()
        if not safe_file_name(name) or not source.is_relative_to(root) or not source.is_file():
            missing.append(name)
            continue
        sha256 = _add(tar, file_member(name), source)
        files[name] = {"member": file_member(name), "size": source.stat().st_size, "sha256": sha256}
    return files, missing


# --- the nightly backup ---------------------------------------------------------------------


def do_nightly_backup() -> BackupResult | None:
    """The queue's backup into YOUFU_BACKUP_DIR; then only the newest YOUFU_BACKUP_KEEP of its
    files stay. A failure is audited and mailed, and removes nothing."""
    keep = int(settings.YOUFU_BACKUP_KEEP)
    if keep <= 0:
        return None
    folder = Path(settings.YOUFU_BACKUP_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"youfu-backup-{timezone.now().astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"
    try:
        result = _write_backup(folder / name, actor=None)
    except Exception as exc:
        with transaction.atomic():
            record_event(
                EventType.BACKUP_FAILED,
                actor=None,
                extra={"file": name, "error": type(exc).__name__},
            )
        logger.exception("nightly backup %s failed", name)
        mail_admins("youfu: the nightly backup failed", f"{name}: {type(exc).__name__}: {exc}")
        raise
    prune(folder, keep)
    return result


def prune(folder: Path, keep: int) -> list[str]:
    """Remove the nightly backups beyond the newest ``keep`` (by the time in their names)."""
    ours = sorted(p.name for p in folder.iterdir() if NIGHTLY_NAME.match(p.name) and p.is_file())
    doomed = ours[:-keep] if keep > 0 else []
    if not doomed:
        return []
    for name in doomed:
        (folder / name).unlink(missing_ok=True)
    with transaction.atomic():
        record_event(EventType.BACKUPS_REMOVED, actor=None, extra={"files": doomed, "kept": keep})
    return doomed


# --- restoring ------------------------------------------------------------------------------


WRONG_KEY = Message(
    gettext_noop(
        "This backup was made with another YOUFU_DATA_KEY. Set the data key of the installation it "
        "came from (kept apart from the backup) and run the restore again. Nothing was written."
    )
)


class RestoreDiffers(Conflict):
    code = "restore_differs"


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    from_database: str
    to_database: str
    created_at: str
    tables: int
    rows: int
    files: int
    audit_events: int
    missing_files: list[str]
    anchors_set_aside: str = ""  # the anchor file of the chain this restore replaced, moved here

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "file": str(self.path),
            "from_database": self.from_database,
            "to_database": self.to_database,
            "created_at": self.created_at,
            "tables": self.tables,
            "rows": self.rows,
            "files": self.files,
            "audit_events_verified": self.audit_events,
            "missing_files": self.missing_files,
            "anchors_set_aside": self.anchors_set_aside,
        }


def do_restore(path: Path) -> RestoreResult:
    """``youfu restore FILE``: the backup into this (empty) database and MEDIA_ROOT.

    No acting user: the database has none until the backup's users arrive, as when a new
    installation bootstraps (the log names the restore's actor ``system``). In order, and
    refusing at the first problem: the manifest; the data key; the schema and emptiness of the
    database; every member's SHA-256 (so a damaged file is refused before anything is written);
    then the files, and the tables in one transaction with the checks inside it."""
    with open_backup(str(path)) as tar:
        manifest = read_manifest(tar)
        if not hmac.compare_digest(str(manifest.get("key_check", "")), key_check()):
            raise InvalidInput(WRONG_KEY, code="wrong_data_key")
        load.check_target(manifest)
        _verify_members(tar, manifest)
        written = load.write_files(tar, load.plan_files(manifest, load.media_root()))
        try:
            load.prepare_partitions(manifest)
            with transaction.atomic():
                load.clear_seeded()
                rows = 0
                for table in tables():
                    rows += load.load_table(tar, table, manifest["tables"][table.name])
                if connection.vendor == "postgresql":
                    load.reset_sequences()
                chain = verify_chain()
                if not chain.ok:
                    raise RestoreDiffers(
                        Message(
                            gettext_noop(
                                "The restored audit log is broken at event #%(seq)s (%(reason)s). "
                                "Nothing was kept."
                            ),
                            {"seq": chain.broken_seq, "reason": chain.reason},
                        )
                    )
                found = load.differences(manifest)
                if found:
                    raise RestoreDiffers(
                        Message(
                            gettext_noop(
                                "The restored database differs from the backup's manifest: %(differences)s. "
                                "Nothing was kept."
                            ),
                            {"differences": "; ".join(found[:10])},
                        ),
                        fields={f"difference_{i}": d for i, d in enumerate(found[:50])},
                    )
                result = RestoreResult(
                    path=path.resolve(),
                    from_database=str(manifest["database"]),
                    to_database=connection.vendor,
                    created_at=str(manifest["created_at"]),
                    tables=len(manifest["tables"]),
                    rows=rows,
                    files=len(manifest.get("files", {})),
                    audit_events=chain.checked,
                    missing_files=list(manifest.get("missing_files", [])),
                )
                record_event(
                    EventType.BACKUP_RESTORED,
                    actor=None,
                    extra={
                        "file": path.name,
                        "created_at": result.created_at,
                        "created_by": str(manifest.get("created_by", "")),
                        "from_database": result.from_database,
                        "rows": rows,
                        "files": result.files,
                    },
                )
        except DatabaseError as exc:
            # A row the engine refuses (PostgreSQL takes no NUL character in text, say), or a
            # foreign key found broken at commit: the transaction is gone, and the files go.
            load.remove(written)
            raise RestoreDiffers(
                Message(
                    gettext_noop("The database refused the backup's rows (%(error)s). Nothing was kept."),
                    {"error": str(exc).strip()[:300]},
                )
            ) from exc
        except BaseException:
            load.remove(written)
            raise
    # The anchors of the chain this database had before (youfu/audit/anchors.py) may lie beyond the
    # backup's end: they are kept apart, and anchoring starts again from the restored chain.
    aside = set_aside()
    if aside is not None:
        result = dataclasses.replace(result, anchors_set_aside=str(aside))
    return result


def _verify_members(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    expected = [(str(t["member"]), t) for t in manifest["tables"].values()]
    expected += [(str(f["member"]), f) for f in manifest.get("files", {}).values()]
    for member, entry in expected:
        found = member_digest(tar, member)
        if found is None:
            raise damaged(gettext_noop("%(member)s is missing"), member=member)
        if found != (entry["sha256"], entry["size"]):
            raise damaged(gettext_noop("%(member)s differs from its SHA-256"), member=member)
