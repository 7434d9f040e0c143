"""The county's weights of the township appraisal (考评): one row per version, set by a leader.

The newest version is in force; until a leader first sets them the defaults
(``youfu/reports/appraisal.py``, ``DEFAULT_WEIGHTS``) apply and nothing is stored. Each version
keeps who set it and when, and the leader's note on why; the service writes an audit record with
the weights that changed (of the note only that one was given: notes never reach the log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["NOTE_LENGTH", "AppraisalWeights"]

NOTE_LENGTH = 2000  # as every note's (``youfu/core/bounds.py`` ``Note``)


class AppraisalWeights(models.Model):
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("version"))
    # {measure key: weight}, every measure of ``youfu/reports/appraisal.py`` MEASURES, each an
    # integer 0–100 (0 leaves the measure out), at least one above 0; checked by the service.
    weights = models.JSONField(_("weights"), default=dict)
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=NOTE_LENGTH, blank=True)

    objects = ScopedManager()
    # A township sees the weights its county appraises it by.
    scope = RegionScoped(code_path="county__code", personal_data=False, include_ancestors=True)

    class Meta:
        ordering = ["county", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="appraisal_weights_one_number"),
        ]

    def __str__(self) -> str:
        return f"appraisal weights {self.county_id} v{self.number}"
