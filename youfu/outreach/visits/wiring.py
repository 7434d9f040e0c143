"""What visits adds to the shared pages: person card, work items, menu."""

from django.utils.translation import gettext_lazy as _

from youfu.core.roles import Capability
from youfu.core.sections import register_nav, register_person_section, register_work_source
from youfu.outreach.visits.sections import person_visits_card, visits_work


def register() -> None:
    register_person_section("visits", person_visits_card, order=41)
    register_work_source("visits", _("Visits"), visits_work, order=41)
    register_nav(
        "visits",
        _("Visits"),
        "outreach_visits:campaigns",
        Capability.WRITE_REGISTRY,  # the region's clerks and assistants, not a department's liaison
        _("Holiday visit campaigns, who is still to visit, the visit register"),
        order=71,
        group="care",
    )
    register_nav(
        "visits_leader",
        _("Visits"),
        "outreach_visits:campaigns",
        Capability.APPROVE,
        _("Holiday visit campaigns, who is still to visit, the visit register"),
        order=71,
        group="care",
    )
