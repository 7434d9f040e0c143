"""What housing adds to the shared pages: person card, work items, menu."""

from django.utils.translation import gettext_lazy as _

from youfu.core.roles import Capability
from youfu.core.sections import register_nav, register_person_section, register_work_source
from youfu.relief.housing.sections import housing_work, person_housing_card


def register() -> None:
    register_person_section("housing", person_housing_card, order=32)
    register_work_source("housing", _("Housing"), housing_work, order=32)
    # A leader approves budgets; clerks survey homes, open cases and record payments.
    register_nav(
        "housing_approve",
        _("Housing"),
        "relief_housing:cases",
        Capability.APPROVE,
        _("Approve housing budgets; cases, surveys and C/D homes without a case"),
        order=62,
        group="care",
    )
    register_nav(
        "housing",
        _("Housing"),
        "relief_housing:cases",
        Capability.WRITE_REGISTRY,  # the region's clerks and assistants, not a department's liaison
        _("Survey homes (A–D), open new-house and repair cases, record payments"),
        order=62,
        group="care",
    )
