"""What medical adds to the shared pages: person card, work items, menu; and the receiver that
marks claims paid when the batch's bank returns confirm their one-off payments."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from youfu.benefits.signals import one_offs_paid
from youfu.core.roles import Capability
from youfu.core.sections import (
    register_nav,
    register_person_section,
    register_reference,
    register_work_source,
)
from youfu.relief.medical.sections import medical_work, person_medical_card
from youfu.relief.medical.services import mark_claims_paid


def _one_offs_paid(sender: Any, ids: list[int], **kwargs: Any) -> None:
    mark_claims_paid(list(ids))


def register() -> None:
    register_reference(
        "medical", "relief_medical:claim_detail", _("Medical claim")
    )  # a one-off payment's "medical:<id>"
    register_person_section("medical", person_medical_card, order=31)
    register_work_source("medical", _("Medical top-ups"), medical_work, order=31)
    register_nav(
        "medical",
        _("Medical top-ups"),
        "relief_medical:claims",
        Capability.WRITE_REGISTRY,  # the region's clerks and assistants, not a department's liaison
        _("Hospital claims, insurance premiums, outpatient subsidies"),
        order=61,
        group="care",
    )
    register_nav(
        "medical_leader",
        _("Medical top-ups"),
        "relief_medical:claims",
        Capability.APPROVE,
        _("Hospital claims, insurance premiums, outpatient subsidies"),
        order=61,
        group="care",
    )
    one_offs_paid.connect(_one_offs_paid, dispatch_uid="relief-medical-paid")
