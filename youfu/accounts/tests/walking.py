"""What the route walk (``youfu/accounts/tests/test_scope_walk.py``) is made of, for each area to
describe its own routes: an area's ``youfu/<app>/tests/walk_<area>.py`` gives ``SAMPLES`` (path
parameter → a township-A record), ``WRITES`` ((method, route) → a valid payload naming township A's
records), and where it needs them ``NAMES_A_IN_PAYLOAD`` and ``READ_ONLY``. The walk merges them."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from youfu.registry.models import Beneficiary
from youfu.testing import World


class Shared:
    """A sample that is not township A's own (a county-wide campaign): the outsider may
    open it, but must still see none of township A's records inside it."""

    def __init__(self, sample: Callable[[World], Any]) -> None:
        self.sample = sample

    def __call__(self, world: World) -> Any:
        return self.sample(world)


@dataclass(frozen=True)
class Write:
    """A valid payload for one write route, naming township A's records. ``build`` may give
    several (the petition page takes one form per action)."""

    build: Callable[[World], dict[str, Any] | list[dict[str, Any]]]
    as_json: bool = False  # the API takes JSON; pages and uploads take a multipart form


def page(build: Callable[[World], dict[str, Any] | list[dict[str, Any]]]) -> Write:
    return Write(build)


def api(build: Callable[[World], dict[str, Any] | list[dict[str, Any]]]) -> Write:
    return Write(build, as_json=True)


def nothing(world: World) -> dict[str, Any]:
    return {}


def person_a(world: World) -> int:
    return int(Beneficiary.objects.get(name="柳湾张三").pk)


def upload(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


DAY = "2025-03-20"
