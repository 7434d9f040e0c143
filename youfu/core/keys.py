"""Keys generated on first run and kept in $YOUFU_HOME, readable by the owner only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_key(path: Path) -> str:
    """Return the key stored at ``path``, creating it (mode 0600) when absent.

    The key is never printed or logged. ``O_EXCL`` makes two processes starting at
    once agree on one key instead of overwriting each other's.
    """
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
