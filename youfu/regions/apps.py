from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "youfu.regions"
    label = "regions"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav

        register_nav(
            "regions",
            _("Regions"),
            "regions:list",
            Capability.READ_PERSONAL_DATA,
            _("County, townships and villages"),
            order=60,
        )
        register_nav(
            "regions_admin",
            _("Regions"),
            "regions:list",
            Capability.MANAGE_SETTINGS,
            _("Import and browse the region tree"),
            order=61,
        )
