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
        from youfu.core.sections import register_nav, register_nav_group, register_work_source
        from youfu.reports.appraisal import require_appraisal_reader
        from youfu.reports.readable import require_every_area
        from youfu.reports.sections import dashboard_work

        # One menu entry, "统计报表" (/areas/reports/), opens the three reports. The dashboard and
        # the appraisal are shown to whom their views let in: their views' own checks, not a copy.
        register_nav_group(
            "reports",
            _("Reports"),
            _("Dashboard, period summaries with their workbook, the township appraisal"),
            order=88,
        )
        register_nav(
            "reports_summary",
            _("Summary report"),
            "reports:summary",
            Capability.READ_PERSONAL_DATA,
            _("A period's figures for your region, with the report's opening text"),
            order=90,
            group="reports",
        )
        register_nav(
            "reports_appraisal",
            _("Township appraisal"),
            "reports:appraisal",
            Capability.READ_PERSONAL_DATA,
            _("How well each township served in a year: measures of service, never the number of petitions"),
            order=91,
            group="reports",
            check=require_appraisal_reader,
        )
        register_nav(
            "reports_dashboard",
            _("Dashboard"),
            "reports:dashboard",
            Capability.READ_PERSONAL_DATA,
            _("The year in charts: payments by month, townships, categories, petitions, care"),
            order=89,
            group="reports",
            check=require_every_area,
        )
        # A leader's home opens on the dashboard's card (home has no place for the charts).
        register_work_source("reports_dashboard", _("Dashboard"), dashboard_work, order=5)
