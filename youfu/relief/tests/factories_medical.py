"""Medical test data, built through the medical services (they check, lock and audit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from youfu.accounts.models import User
from youfu.audit.models import AuditEvent
from youfu.benefits.models import OneOffPayment
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data, register
from youfu.relief.medical.models import MedicalClaim, MedicalPremium, MedicalSettings, OutpatientSubsidy
from youfu.relief.medical.services import do_enter_claim
from youfu.relief.medical.validation import ClaimInput, clean_claim
from youfu.testing import World

ADMITTED = date(2025, 3, 1)
DISCHARGED = date(2025, 3, 10)


def eligible_person(world: World, region: Region | None = None, **details: Any) -> Beneficiary:
    """A war participant (a regular living subsidy since 2020) in township A's village."""
    return register(world.county_clerk, region or world.village_a, (Category.WAR_PARTICIPANT,), **details)


def ineligible_person(world: World, **details: Any) -> Beneficiary:
    """An active-duty family: registered, but holding no regular benefit."""
    return register(world.county_clerk, world.village_a, (Category.ACTIVE_DUTY_FAMILY,), **details)


def disabled_veteran(
    world: World, level: int = 6, cause: str = "combat", region: Region | None = None, **details: Any
) -> Beneficiary:
    return do_register_beneficiary(
        person_data(region or world.village_a, **details),
        [qualification_data(Category.DISABLED_VETERAN, disability_level=level, disability_cause=cause)],
        acting_user=world.county_clerk,
    )


def figures(
    total: str = "1000.00",
    insurance: str = "0",
    serious: str = "0",
    other: str = "0",
    *,
    hospital: str = "县人民医院",
    admitted: date = ADMITTED,
    discharged: date = DISCHARGED,
) -> ClaimInput:
    return clean_claim(
        hospital=hospital,
        admitted_on=admitted,
        discharged_on=discharged,
        total_cost=Decimal(total),
        insurance_paid=Decimal(insurance),
        serious_illness_paid=Decimal(serious),
        other_paid=Decimal(other),
    )


def claim(world: World, who: Beneficiary, by: User | None = None, **kwargs: Any) -> MedicalClaim:
    """A claim entered by township A's clerk (``kwargs`` as for ``figures``)."""
    return do_enter_claim(who, figures(**kwargs), acting_user=by or world.township_clerk)


def payload(who: Beneficiary, **overrides: Any) -> dict[str, Any]:
    """The API's claim body."""
    body: dict[str, Any] = {
        "beneficiary": who.pk,
        "hospital": "县人民医院",
        "admitted_on": ADMITTED.isoformat(),
        "discharged_on": DISCHARGED.isoformat(),
        "total_cost": "1000.00",
        "insurance_paid": "0.00",
        "serious_illness_paid": "0.00",
        "other_paid": "0.00",
    }
    body.update(overrides)
    return body


def fingerprint() -> tuple[Any, ...]:
    """Every medical row, the one-off payments and the number of benefits and relief audit
    records (2xx, 3xx: signing in and issuing tokens are not what is checked): equal before
    and after a refusal means nothing was written."""
    return (
        list(MedicalClaim.objects.order_by("pk").values_list()),  # scope: a test's whole-table view
        list(MedicalPremium.objects.order_by("pk").values_list()),  # scope: a test's whole-table view
        list(OutpatientSubsidy.objects.order_by("pk").values_list()),  # scope: a test's whole-table view
        list(MedicalSettings.objects.order_by("pk").values_list()),
        list(OneOffPayment.objects.order_by("pk").values_list()),  # scope: a test's whole-table view
        AuditEvent.objects.filter(event_type__gte=200, event_type__lt=400).count(),
    )
