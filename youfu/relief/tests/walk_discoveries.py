"""The route walk's samples and payloads for discoveries's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import STAFF, Access, Write, acl, api, page
from youfu.relief.discoveries.models import Discovery, Rule
from youfu.relief.discoveries.services import refresh_everywhere
from youfu.relief.tests.factories_discoveries import veteran
from youfu.testing import World

NAME = "柳湾老兵"


def finding_a(world: World) -> int:
    """An open finding about a rural veteran over 60 of township A (made once)."""
    found = Discovery.objects.filter(
        beneficiary__name=NAME, rule=Rule.RURAL_VETERAN_60
    ).first()  # scope: test
    if found is None:
        veteran(world.county_clerk, world.village_a, born=date(1950, 1, 1), name=NAME)
        refresh_everywhere()
        found = Discovery.objects.get(beneficiary__name=NAME, rule=Rule.RURAL_VETERAN_60)  # scope: test
    return int(found.pk)


def resolutions(world: World) -> list[dict[str, Any]]:
    return [
        {"outcome": "not_applicable", "note": "入伍时为城镇户籍"},
        {"outcome": "acted", "note": "已报县局审批"},
    ]


SAMPLES: dict[str, Callable[[World], Any]] = {"discovery_id": finding_a}
WRITES: dict[tuple[str, str], Write] = {
    # the rules run over the user's own region: nothing of township A's for another township
    ("POST", "discoveries/refresh/"): page(lambda w: {}),
    ("POST", "api/v1/discoveries/refresh"): api(lambda w: {}),
    ("POST", "discoveries/<int:discovery_id>/resolve/"): page(resolutions),
    ("POST", "api/v1/discoveries/<discovery_id>/resolve"): api(resolutions),
}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {}
READ_ONLY: set[str] = set()

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "discoveries/": acl(get=STAFF),
    "discoveries/refresh/": acl(post="ctv"),
    "discoveries/export/": acl(get=STAFF),
    "discoveries/<int:discovery_id>/resolve/": acl(get="cltv", post="ctv"),
    "api/v1/discoveries": acl(get=STAFF),
    "api/v1/discoveries/summary": acl(get=STAFF),
    "api/v1/discoveries/refresh": acl(post="ctv"),
    "api/v1/discoveries/<discovery_id>": acl(get="cltv"),
    "api/v1/discoveries/<discovery_id>/resolve": acl(post="ctv"),
}
