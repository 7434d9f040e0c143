"""The archive of monthly reports: each county's summary of a closed month, as the .xlsx
workbook it was generated, kept byte for byte with its SHA-256.

One row per region and period (a unique constraint: the monthly task may run twice, or two
workers at once, and the month is archived once). The file is written under MEDIA_ROOT with a
random name; the row keeps its size and digest, and a download serves the stored bytes after
checking them (``youfu/reports/archive_services.py``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["ArchivedReport"]


def _archive_path(instance: ArchivedReport, filename: str) -> str:
    # The stored name is random; the name a download gets is made from the region and period.
    return f"reports/{instance.period_start:%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ArchivedReport(models.Model):
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    file = models.FileField(upload_to=_archive_path, max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField(_("generated at"))
    # None: the monthly task (the system), not a user.
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    # The summary is read by the roles that read personal data, so is its archive; a county's
    # archive is the county's, not its townships' (a township clerk reads only their own).
    scope = RegionScoped(code_path="region__code")

    class Meta:
        ordering = ["region", "-period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period_start", "period_end"], name="archived_report_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="archived_report_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period_start}–{self.period_end}"
