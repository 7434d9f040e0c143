"""What discoveries adds to the shared pages: person card, work items, menu."""

from django.utils.translation import gettext_lazy as _

from youfu.core.roles import Capability
from youfu.core.sections import register_nav, register_person_section, register_work_source
from youfu.relief.discoveries import tasks  # noqa: F401  (registers the nightly refresh with huey)
from youfu.relief.discoveries.sections import open_findings_work, person_discoveries_card


def register() -> None:
    register_person_section("discoveries", person_discoveries_card, order=33)
    register_work_source("discoveries", _("What people may be owed"), open_findings_work, order=33)
    register_nav(
        "discoveries",
        _("Owed but not received"),
        "relief_discoveries:list",
        Capability.WRITE_REGISTRY,  # the region's clerks and assistants, not a department's liaison
        _("People who appear to qualify for something they do not get, and what was done"),
        order=63,
        group="care",
    )
    register_nav(
        "discoveries_read",
        _("Owed but not received"),
        "relief_discoveries:list",
        Capability.APPROVE,
        _("People who appear to qualify for something they do not get"),
        order=64,
        group="care",
    )
