"""The backup file: one uncompressed tar holding

- ``db/<table>.jsonl.gz`` for every table: a header line (table, model, columns), then one JSON
  array per row, in primary-key order (``youfu/backup/tables.py`` says how values are written);
- ``files/<name>`` for every file a row names (uploaded documents and photos, petitions'
  attachments, the archived monthly reports), by its name under MEDIA_ROOT;
- ``manifest.json``, written last, so a file cut short has none and is refused as incomplete:
  the format and youfu's version, the database engine, when and by whom, the migrations applied,
  for each table its row count, the sums of its money columns and its member's SHA-256, each
  file's SHA-256, and a check value of the data key.

Never in it: ``secret_key`` and ``data_key``, which the operator keeps apart. The data key is
needed to read the encrypted ID numbers and accounts and to verify the audit chain, so a
restore checks it first: the manifest carries an HMAC of a fixed label under a key derived from
it, and a restore with another key is refused before anything is written. (The check value
tells nothing about a random key; the encrypted values in the same file are no weaker an
oracle.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tarfile
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
from youfu.core.messages import Message

FORMAT = "youfu-backup"
VERSION = 1
MANIFEST = "manifest.json"
DB_PREFIX = "db/"
FILES_PREFIX = "files/"
# A manifest lists every table and file: a province's is a few MB. Bounded before it is read.
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
CHUNK = 1024 * 1024


def key_check() -> str:
    """The data key's check value: HMAC-SHA256 of a fixed label, under a key derived from it."""
    key = hashlib.sha256(b"youfu\x00backup-key-check\x00" + settings.YOUFU_DATA_KEY.encode()).digest()
    return hmac.new(key, b"youfu backup: the data key of this installation", hashlib.sha256).hexdigest()


def table_member(table: str) -> str:
    return f"{DB_PREFIX}{table}.jsonl.gz"


def file_member(name: str) -> str:
    return FILES_PREFIX + name


def safe_file_name(name: str) -> bool:
    """A name under MEDIA_ROOT as FileFields store it: relative, no way out, nothing odd."""
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and "\x00" not in name
        and str(path) == name
    )


class HashingWriter:
    """A binary file that hashes what is written to it (the whole backup's SHA-256)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.raw.flush()


class HashingReader:
    """A binary file that hashes what is read from it (each member as it goes into the tar)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def damaged(reason: str, **params: Any) -> InvalidInput:
    return InvalidInput(
        Message(
            gettext_noop("This is not a complete youfu backup (%(reason)s). Nothing was written."),
            {"reason": Message(reason, params)},
        ),
        code="backup_damaged",
    )


def open_backup(path: str) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:")
    except FileNotFoundError:
        raise InvalidInput(
            Message(gettext_noop("No file %(path)s."), {"path": path}), code="backup_missing"
        ) from None
    except IsADirectoryError:
        raise InvalidInput(
            Message(gettext_noop("%(path)s is a folder, not a backup file."), {"path": path}),
            code="backup_missing",
        ) from None
    except (tarfile.TarError, OSError):
        raise damaged(gettext_noop("not a tar file")) from None


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except (KeyError, tarfile.TarError, OSError, EOFError):
        raise damaged(gettext_noop("no manifest: the file was cut short or is not a backup")) from None
    if not member.isfile() or member.size > MANIFEST_MAX_BYTES:
        raise damaged(gettext_noop("the manifest is not a plain file of a sane size"))
    raw = tar.extractfile(member)
    assert raw is not None  # a regular file
    try:
        manifest = json.loads(raw.read())
    except ValueError:
        raise damaged(gettext_noop("the manifest is not JSON")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise damaged(gettext_noop("the manifest is not a youfu backup's"))
    if manifest.get("version") != VERSION:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "This backup is in format %(found)s; this youfu reads format %(version)s. "
                    "Nothing was written."
                ),
                {"found": str(manifest.get("version"))[:20], "version": VERSION},
            ),
            code="backup_version",
        )
    return manifest


def member_digest(tar: tarfile.TarFile, name: str) -> tuple[str, int] | None:
    """The SHA-256 and size of a regular member, or None when there is no such file."""
    try:
        member = tar.getmember(name)
        if not member.isfile():
            return None
        raw = tar.extractfile(member)
        assert raw is not None
        digest = hashlib.sha256()
        while chunk := raw.read(CHUNK):
            digest.update(chunk)
    except (KeyError, tarfile.TarError, OSError, EOFError):
        return None
    return digest.hexdigest(), member.size
