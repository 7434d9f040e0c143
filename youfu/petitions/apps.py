from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "youfu.petitions"
    label = "petitions"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav, register_person_section, register_work_source
        from youfu.core.workdays import calendar_changed
        from youfu.petitions.sections import deadlines_work, extensions_work, person_petitions_card
        from youfu.petitions.services import on_calendar_changed

        # core may not import petitions (data flows one way): it signals instead.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="petitions.recompute_deadlines")
        register_person_section("petitions", person_petitions_card, order=20)
        register_work_source("petition_deadlines", _("Petitions"), deadlines_work, order=10)
        register_work_source("petition_extensions", _("Petition extensions"), extensions_work, order=11)
        register_nav(
            "petitions",
            _("Petitions"),
            "petitions:inbox",
            Capability.READ_PERSONAL_DATA,
            _("Petitions, deadlines, replies"),
            order=50,
        )
