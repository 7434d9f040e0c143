from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "youfu.core"
    label = "core"

    def ready(self) -> None:
        # Imports inside ``ready`` are Django's idiom for wiring an app once the app registry
        # is loaded; they dodge no cycle.
        from django.db.backends.signals import connection_created
        from django.utils.translation import gettext_lazy as _

        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav
        from youfu.core.sqlite import use_wal

        connection_created.connect(use_wal, dispatch_uid="youfu.core.sqlite.use_wal")

        register_nav(
            "calendar",
            _("Working-day calendar"),
            "core:calendar",
            Capability.MANAGE_SETTINGS,
            _("Public holidays and make-up working days; import each year's notice"),
            order=70,
        )
