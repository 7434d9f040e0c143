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


# --- the access table's notation ---------------------------------------------------------------
#
# Each persona of the walk's world is one letter; a cell of the table is the letters of those whose
# valid request gets through. The clerk of another township ("o") is never written: it is derived
# from the township clerk's letter (see ``test_scope_walk.py``).
PERSONAS: dict[str, str] = {
    "a": "admin",  # the county's system admin
    "c": "county_clerk",
    "t": "township_clerk",  # of township A, whose records the samples are
    "v": "village_assistant",  # of village A, in township A
    "l": "leader",
    "d": "liaison",  # of 县民政局, the department A's pairing and petition are assigned to
    "u": "auditor",
    "o": "other_township_clerk",  # of township B
}
ANYONE = "acdltuv"  # every signed-in role
STAFF = "cdltv"  # the roles that read beneficiaries' data (a liaison only its department's)
NOBODY = ""

# method → letters, or for a page that takes one form per action, action → letters ("" for the
# payload that names no action).
Access = dict[str, str | dict[str, str]]


def acl(
    *,
    get: str | None = None,
    post: str | dict[str, str] | None = None,
    put: str | None = None,
    patch: str | None = None,
    delete: str | None = None,
) -> Access:
    """One route's row of the access table: who gets through with each method."""
    row: Access = {}
    for method, who in (("GET", get), ("POST", post), ("PUT", put), ("PATCH", patch), ("DELETE", delete)):
        if who is not None:
            row[method] = who
    return row


def reads(who: str) -> Access:
    """A page without a method restriction that only reads: POST answers as GET does."""
    return acl(get=who, post=who)


# The people of the walk's world, whose names the admin and the auditor must never see, and a
# liaison only where its department is assigned (柳湾张三: paired with it, and the petitioner).
PEOPLE = ("柳湾张三", "柳湾王伤残", "柳湾老兵", "柳湾赵六", "柳湾李四")
DEPARTMENTS_PEOPLE = ("柳湾张三",)
