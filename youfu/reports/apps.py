from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Summaries across the areas. Every figure is read from the areas' own records, in the
    user's scope, when asked; the app keeps only the county's appraisal weights and the monthly
    reports archived exactly as generated."""

    name = "youfu.reports"
    label = "reports"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav

        register_nav(
            "reports_summary",
            _("Summary report"),
            "reports:summary",
            Capability.READ_PERSONAL_DATA,
            _("A period's figures for your region, with the report's opening text"),
            order=90,
        )
        register_nav(
            "reports_appraisal",
            _("Township appraisal"),
            "reports:appraisal",
            Capability.READ_PERSONAL_DATA,
            _("How well each township served in a year: measures of service, never the number of petitions"),
            order=91,
        )
