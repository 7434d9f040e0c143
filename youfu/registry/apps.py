from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "youfu.registry"
    label = "registry"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.core.sections import register_work_source
        from youfu.registry.work import annual_confirmations_outstanding

        register_work_source(
            "annual_confirmation", _("Annual confirmation"), annual_confirmations_outstanding, order=30
        )
