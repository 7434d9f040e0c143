from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "youfu.registry"
    label = "registry"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav, register_work_source
        from youfu.registry.work import annual_confirmations_outstanding

        register_work_source(
            "annual_confirmation", _("Annual confirmation"), annual_confirmations_outstanding, order=30
        )
        register_nav(
            "registry",
            _("Registry"),
            "registry:list",
            Capability.READ_PERSONAL_DATA,
            _("People, qualifications, life events"),
            order=10,
        )
        register_nav(
            "annual_confirmation",
            _("Annual confirmation"),
            "registry:reviews",
            Capability.READ_PERSONAL_DATA,
            _("Confirm each year that regular-benefit holders are alive and eligible"),
            order=20,
        )
