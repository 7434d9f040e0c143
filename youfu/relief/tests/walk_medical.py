"""The route walk's samples and payloads for medical's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from youfu.accounts.tests.walking import Write
from youfu.testing import World

SAMPLES: dict[str, Callable[[World], Any]] = {}
WRITES: dict[tuple[str, str], Write] = {}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {}
READ_ONLY: set[str] = set()
