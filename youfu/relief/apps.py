from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The menu shows relief's and outreach's pages as one line of work (core/sections.py: nav groups);
# relief registers the group, outreach's entries join it.
CARE = _("Relief and care")
CARE_DESCRIPTION = _("Temporary relief, medical top-ups, housing, pairing support, visits, needs checks")


class ReliefConfig(AppConfig):
    """Relief, medical top-ups, housing and what people are owed:
    one sub-package per area, each registering its own person card, work items and menu entry."""

    name = "youfu.relief"
    label = "relief"

    def ready(self) -> None:
        from youfu.core.sections import register_nav_group
        from youfu.relief.discoveries import wiring as discoveries
        from youfu.relief.grants import wiring as grants
        from youfu.relief.housing import wiring as housing
        from youfu.relief.medical import wiring as medical

        grants.register()
        medical.register()
        housing.register()
        discoveries.register()
        register_nav_group("care", CARE, CARE_DESCRIPTION, order=55)
