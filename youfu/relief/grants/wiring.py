"""What grants adds to the shared pages: person card, work items, menu, and the benefits
signal that tells it a grant was paid."""

from django.utils.translation import gettext_lazy as _

from youfu.benefits.signals import one_offs_paid
from youfu.core.roles import Capability
from youfu.core.sections import (
    register_nav,
    register_person_section,
    register_reference,
    register_work_source,
)
from youfu.relief.grants.sections import person_relief_card, relief_work
from youfu.relief.grants.services import on_one_offs_paid


def register() -> None:
    register_reference(
        "relief", "relief_grants:detail", _("Temporary relief")
    )  # a one-off payment's "relief:<id>"
    register_person_section("relief", person_relief_card, order=30)
    register_work_source("relief", _("Temporary relief"), relief_work, order=30)
    # A leader reads the description of their own part first (same page, one entry shown).
    register_nav(
        "relief",
        _("Temporary relief"),
        "relief_grants:list",
        Capability.APPROVE,
        _("Approve relief above the leader line; set the caps and eligible categories"),
        order=60,
        group="care",
    )
    register_nav(
        "relief_casework",
        _("Temporary relief"),
        "relief_grants:list",
        Capability.WRITE_REGISTRY,  # the region's clerks and assistants, not a department's liaison
        _("Apply for temporary relief and approve it step by step"),
        order=60,
        group="care",
    )
    one_offs_paid.connect(on_one_offs_paid, dispatch_uid="relief-grants-paid")
