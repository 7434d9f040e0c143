"""The route walk's samples and payloads for pairing's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import DAY, Write, api, page, person_a
from youfu.outreach.pairing.models import Pairing
from youfu.outreach.pairing.services import do_start_pairing
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
        lambda w: {"department": w.department.pk, "beneficiary": person_a(w), "started_on": DAY}
    ),
    ("POST", "pairing/new/"): page(
        lambda w: {"department": w.department.pk, "beneficiary": person_a(w), "started_on": DAY}
    ),
}
READ_ONLY: set[str] = set()
