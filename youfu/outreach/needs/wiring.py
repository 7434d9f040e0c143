"""What needs adds to the shared pages: person card, work items, menu."""

from django.utils.translation import gettext_lazy as _

from youfu.core.roles import Capability
from youfu.core.sections import register_nav, register_person_section, register_work_source
from youfu.outreach.needs.sections import needs_work, person_findings_card


def register() -> None:
    register_person_section("needs_findings", person_findings_card, order=42)
    register_work_source("needs_checks", _("Needs checks"), needs_work, order=42)
    register_nav(
        "needs_checks",
        _("Needs checks"),
        "outreach_needs:rounds",
        Capability.WRITE_REGISTRY,  # the region's clerks and assistants, not a department's liaison
        _("Check every priority household's difficulties each quarter, and follow each up until solved"),
        order=72,
        group="care",
    )
    register_nav(
        "needs_checks_leader",
        _("Needs checks"),
        "outreach_needs:rounds",
        Capability.APPROVE,
        _("Check every priority household's difficulties each quarter, and follow each up until solved"),
        order=72,
        group="care",
    )
