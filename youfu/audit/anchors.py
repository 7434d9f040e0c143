"""Copies of the audit chain's head kept outside the database (anchors).

The chain proves an edit or a gap anywhere before its head, but not a cut at its end: whoever can
write the database can delete the last events and wind the head row back, and whoever also holds
the data key can rewrite events and their hashes. An anchor is a copy of the head — its sequence
number and hash, never an event's contents — written where the database cannot reach it:

- every night, after the chain has verified (``youfu.audit.tasks``), appended to
  ``YOUFU_AUDIT_ANCHOR_FILE`` (default ``$YOUFU_HOME/audit-anchors.jsonl``, one JSON line an
  anchor) and logged to ``youfu.audit.anchor``, so a log shipped off the machine carries it too;
- by the operator, who may write a head down (``youfu verify-audit`` prints it) and give it back
  with ``youfu verify-audit --anchor SEQ:HASH``.

``youfu verify-audit`` and the nightly check then require, for every anchor, that the chain still
reaches its sequence number and that the event there still has its hash. A chain cut back behind
an anchor, or rewritten under it, is reported as broken at that event.

A restore (``youfu restore``) may legitimately bring back a chain shorter than the newest anchor
(last night's backup after a lost disk): the anchors are then set aside in a file of their own
(named in the restore's audit record), and anchoring starts again from the restored chain.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("youfu.audit.anchor")

_HASH = re.compile(r"[0-9a-f]{64}")


class AnchorError(ValueError):
    """An anchor that cannot be read: the file or the operator's ``SEQ:HASH`` is malformed."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str = ""  # when it was taken (ISO 8601), or where it came from
    source: str = ""

    def describe(self) -> str:
        where = f" ({self.source}, {self.at})" if self.at else f" ({self.source})" if self.source else ""
        return f"#{self.seq} {self.hash[:12]}…{where}"


def anchor_file() -> Path:
    configured = getattr(settings, "YOUFU_AUDIT_ANCHOR_FILE", "")
    return Path(configured) if configured else Path(settings.YOUFU_HOME) / "audit-anchors.jsonl"


def parse(text: str, source: str = "--anchor") -> Anchor:
    """``SEQ:HASH``, as ``youfu verify-audit`` prints a head."""
    seq, _, digest = text.strip().partition(":")
    if not seq.isdigit() or int(seq) < 1 or not _HASH.fullmatch(digest):
        shown = text.strip()[:80]
        raise AnchorError(f"{source}: {shown!r} is not SEQ:HASH (a number, a colon, 64 hex digits)")
    return Anchor(int(seq), digest, source=source)


def read_anchors(path: Path | None = None) -> list[Anchor]:
    """Every anchor of the file, oldest first; none if there is no file yet."""
    path = path or anchor_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(f"{path}: cannot be read ({exc.__class__.__name__})") from exc
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            at = str(row.get("at", ""))
            anchor = Anchor(int(row["seq"]), str(row["hash"]), at, f"{path.name}:{number}")
        except (ValueError, TypeError, KeyError) as exc:
            raise AnchorError(f"{path}, line {number}: not an anchor") from exc
        if anchor.seq < 1 or not _HASH.fullmatch(anchor.hash):
            raise AnchorError(f"{path}, line {number}: not an anchor")
        found.append(anchor)
    return found


def write_anchor(seq: int, digest: str, path: Path | None = None) -> Anchor:
    """Append the head to the anchor file (created with the folder if need be), synced to disk."""
    path = path or anchor_file()
    anchor = Anchor(seq, digest, timezone.now().isoformat(timespec="seconds"), path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"seq": seq, "hash": digest, "at": anchor.at}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("audit chain head #%s %s", seq, digest)
    return anchor


def set_aside(path: Path | None = None) -> Path | None:
    """After a restore: move the anchors of the chain that was replaced out of the way."""
    path = path or anchor_file()
    if not path.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    target = path.with_name(f"{path.stem}.before-restore-{stamp}{path.suffix}")
    path.rename(target)
    return target
