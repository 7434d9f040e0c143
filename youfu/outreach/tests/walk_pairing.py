"""The route walk's samples and payloads for pairing's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import DAY, STAFF, Access, Write, acl, api, page, person_a
from youfu.outreach.pairing.models import Pairing
from youfu.outreach.pairing.services import do_start_pairing
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.testing import World


def walk_pairing(world: World) -> Pairing:
    """县民政局 paired with township A's 柳湾张三 (made once, found after)."""
    found = Pairing.objects.filter(
        beneficiary_id=person_a(world), department=world.department
    ).first()  # scope: test
    if found is not None:
        return found
    return do_start_pairing(
        department_id=world.department.pk,
        beneficiary_id=person_a(world),
        started_on=date(2024, 1, 1),
        acting_user=world.county_clerk,
    )


def unpaired(world: World) -> int:
    """A person of township A no department is paired with yet: for a new pairing."""
    found = Beneficiary.objects.filter(name="柳湾孙九").first()  # scope: test data
    return int((found or register(world.township_clerk, world.village_a, name="柳湾孙九")).pk)


ACTIVITY = {"kind": "funds", "done_on": DAY, "amount": "500.00", "note": "送去帮扶资金"}

SAMPLES: dict[str, Callable[[World], Any]] = {
    "pairing_id": lambda w: walk_pairing(w).pk,
}
WRITES: dict[tuple[str, str], Write] = {
    ("POST", "pairing/<int:pairing_id>/"): page(
        lambda w: [
            {"action": "activity", **ACTIVITY},
            {"action": "end", "ended_on": DAY, "reason": "迁出"},
        ]
    ),
    ("POST", "api/v1/pairings/<pairing_id>/end"): api(lambda w: {"ended_on": DAY, "reason": "迁出"}),
    ("POST", "api/v1/pairings/<pairing_id>/activities"): api(lambda w: ACTIVITY),
}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "api/v1/pairings"): api(
        lambda w: {"department": w.department.pk, "beneficiary": unpaired(w), "started_on": DAY}
    ),
    ("POST", "pairing/new/"): page(
        lambda w: {"department": w.department.pk, "beneficiary": unpaired(w), "started_on": DAY}
    ),
}
READ_ONLY: set[str] = set()

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "pairing/": acl(get=STAFF),
    "pairing/export.xlsx": acl(get=STAFF),
    "pairing/new/": acl(get="c", post="c"),  # the county pairs its departments
    "pairing/summary/": acl(get=STAFF),
    "pairing/summary.xlsx": acl(get=STAFF),
    "pairing/departments/<int:department_id>/": acl(get="clt"),
    "pairing/<int:pairing_id>/": acl(get=STAFF, post={"activity": "cd", "end": "c"}),
    "api/v1/pairings": acl(get=STAFF, post="c"),
    "api/v1/pairings/summary": acl(get=STAFF),
    "api/v1/pairings/<pairing_id>": acl(get=STAFF),
    "api/v1/pairings/<pairing_id>/end": acl(post="c"),
    "api/v1/pairings/<pairing_id>/activities": acl(get=STAFF, post="cd"),
}
