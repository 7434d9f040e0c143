"""What pairing adds to the shared pages: person card, work items, menu."""

from django.utils.translation import gettext_lazy as _

from youfu.core.roles import Capability
from youfu.core.sections import register_nav, register_person_section, register_work_source
from youfu.outreach.pairing.sections import pairing_work, person_pairings_card


def register() -> None:
    register_person_section("pairing", person_pairings_card, order=40)
    register_work_source("pairing", _("Pairing support"), pairing_work, order=40)
    register_nav(
        "pairing",
        _("Pairing support"),
        "outreach_pairing:list",
        Capability.READ_PERSONAL_DATA,
        _("Departments paired with households: policy, money, skills, projects, jobs"),
        order=70,
        group="care",
    )
