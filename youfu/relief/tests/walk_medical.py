"""The route walk's samples and payloads for medical's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from youfu.accounts.tests.walking import DAY, STAFF, Access, Write, acl, api, nothing, page, person_a
from youfu.registry.models import Beneficiary
from youfu.relief.medical.models import MedicalClaim
from youfu.relief.medical.services import do_enter_claim
from youfu.relief.medical.validation import clean_claim
from youfu.relief.tests import walk_grants
from youfu.testing import World

CLAIM = {
    "hospital": "县人民医院",
    "admitted_on": "2025-03-01",
    "discharged_on": "2025-03-10",
    "total_cost": "1000.00",
    "insurance_paid": "100.00",
    "serious_illness_paid": "0.00",
    "other_paid": "0.00",
}


def walk_claim(world: World) -> MedicalClaim:
    """A pending claim of township A's person, entered by township A's clerk."""
    person = Beneficiary.objects.get(pk=person_a(world))  # scope: test data
    existing = MedicalClaim.objects.filter(beneficiary=person).first()  # scope: test data
    if existing is not None:
        return existing
    data = clean_claim(
        hospital="柳湾卫生院",
        admitted_on=date(2025, 2, 1),
        discharged_on=date(2025, 2, 3),
        total_cost=Decimal("500"),
        insurance_paid=Decimal("0"),
        serious_illness_paid=Decimal("0"),
        other_paid=Decimal("0"),
    )
    return do_enter_claim(person, data, acting_user=world.township_clerk)


SAMPLES: dict[str, Callable[[World], Any]] = {
    "claim_id": lambda w: walk_claim(w).pk,
}
WRITES: dict[tuple[str, str], Write] = {
    ("POST", "medical/claims/<int:claim_id>/"): page(
        lambda w: [{"action": "approve"}, {"action": "refuse", "reason": "不符合条件"}]
    ),
    ("POST", "api/v1/medical/claims/<claim_id>/approve"): api(nothing),
    ("POST", "api/v1/medical/claims/<claim_id>/refuse"): api(lambda w: {"reason": "不符合条件"}),
}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "medical/claims/new/"): page(lambda w: {"beneficiary": person_a(w), **CLAIM}),
    ("POST", "medical/claims/preview/"): page(lambda w: {"beneficiary": person_a(w), **CLAIM}),
    ("POST", "medical/premiums/"): page(
        lambda w: {"beneficiary": walk_grants.walk_person(w).pk, "year": "2025", "amount": "380"}
    ),
    ("POST", "medical/outpatient/new/"): page(
        lambda w: {"beneficiary": person_a(w), "year": "2025", "amount": "600", "paid_on": DAY}
    ),
    ("POST", "api/v1/medical/claims"): api(lambda w: {"beneficiary": person_a(w), **CLAIM}),
    ("POST", "api/v1/medical/claims/preview"): api(lambda w: {"beneficiary": person_a(w), **CLAIM}),
    ("POST", "api/v1/medical/premiums"): api(
        lambda w: {"beneficiary": walk_grants.walk_person(w).pk, "year": 2025, "amount": "380"}
    ),
    ("POST", "api/v1/medical/outpatient"): api(
        lambda w: {"beneficiary": person_a(w), "year": 2025, "amount": "600", "paid_on": DAY}
    ),
}
READ_ONLY: set[str] = set()
POST_READS = {"medical/claims/preview/"}  # computes the subsidy, writes nothing
WRITES[("POST", "medical/settings/")] = page(
    lambda w: {"target": "85", "year_cap": "18000", "categories": ["disabled_veteran"]}
)

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "medical/": acl(get=STAFF),
    "medical/export/": acl(get=STAFF),
    "medical/claims/new/": acl(get="cdtv", post="ctv"),
    "medical/claims/preview/": acl(post="ctv"),
    "medical/claims/<int:claim_id>/": acl(get="cltv", post={"approve": "l", "refuse": "l"}),
    "medical/premiums/": acl(get=STAFF, post="ctv"),
    "medical/premiums/export/": acl(get=STAFF),
    "medical/outpatient/": acl(get=STAFF),
    "medical/outpatient/export/": acl(get=STAFF),
    "medical/outpatient/new/": acl(get="cdtv", post="ctv"),
    "medical/totals/": acl(get=STAFF),
    "medical/totals/export/": acl(get=STAFF),
    "medical/settings/": acl(get=STAFF, post="l"),
    "api/v1/medical/settings": acl(get=STAFF),
    "api/v1/medical/claims": acl(get=STAFF, post="ctv"),
    "api/v1/medical/claims/preview": acl(post="ctv"),
    "api/v1/medical/claims/<claim_id>": acl(get="cltv"),
    "api/v1/medical/claims/<claim_id>/approve": acl(post="l"),
    "api/v1/medical/claims/<claim_id>/refuse": acl(post="l"),
    "api/v1/medical/premiums": acl(get=STAFF, post="ctv"),
    "api/v1/medical/outpatient": acl(get=STAFF, post="ctv"),
    "api/v1/medical/totals": acl(get=STAFF),
}
