"""The registry's figures counted ahead for the dashboard (``youfu/reports/tally.py``).

The dashboard's two registry figures — the people on the registry at the end of a year, per
township, and their qualifications in force then, per category — read every qualification of the
region: at a million people that is three seconds of the database for each dashboard opened, more
than everything else on the page together. So a queue task counts them every few minutes for the
whole database at once, per region (the person's own region: a village, or a township for people
attached to it directly) and per category, and the dashboard sums the rows inside the reader's
region instead: a few hundred rows, whatever the people. The page shows the time they were counted.

- ``RegistryTallyRun``: one row for each year-end counted (``end``), with when it was counted and
  how long that took.
- ``RegistryTally``: its counts, one row per region and category; ``category`` is empty for the row
  that counts the people (a person holding two qualifications is one person and two
  qualifications, so the people are counted on their own).

Counts of people only: no person is named, and the rows are derived from the registry and
rewritten whole at each count. The rows are scoped as the registry's (``personal_data`` on: the
system admin and the auditor, who read no personal data, see none of them; a department liaison
neither)."""

from __future__ import annotations

from django.db import models

from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["RegistryTally", "RegistryTallyRun"]


class RegistryTallyRun(models.Model):
    end = models.DateField(unique=True)
    counted_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.end} @ {self.counted_at:%Y-%m-%d %H:%M}"


class RegistryTally(models.Model):
    run = models.ForeignKey(RegistryTallyRun, on_delete=models.CASCADE, related_name="counts")
    # The people's own region; no constraint, so that a region is never held by a figure.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=32, blank=True)  # empty: the people
    n = models.PositiveIntegerField()

    objects = ScopedManager()
    scope = RegionScoped(code_path="region__code")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "region", "category"], name="registry_tally_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.region_id}:{self.category or '*'}={self.n}"
