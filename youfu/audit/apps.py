from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "youfu.audit"
    label = "audit"

    def ready(self) -> None:
        # Imports inside ``ready`` are Django's idiom for wiring an app once the registry is
        # loaded (models may not be imported before that); they dodge no cycle.
        from django.utils.translation import gettext_lazy as _

        from youfu.audit.receivers import on_calendar_imported
        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav
        from youfu.core.workdays import calendar_imported

        calendar_imported.connect(on_calendar_imported, dispatch_uid="audit.calendar_imported")
        register_nav(
            "audit",
            _("Audit log"),
            "audit:search",
            Capability.READ_AUDIT,
            _("Search and export the audit log"),
            order=90,
        )
