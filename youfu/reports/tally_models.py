"""The dashboard's heavy figures counted ahead (``youfu/reports/tally.py``).

A dashboard of a million people read every qualification, every paid month and, for a
township, every bank line of its people over two years: seconds of the database each time one
was opened, and with fifty clerks most of the machine (bench/README "Load"). So a queue task counts
those figures every few minutes for the whole database at once, per region (the person's own
region: a village, or a township for people attached to it directly), and the dashboard sums the
rows inside the reader's region instead: a few thousand rows, whatever the people. The page shows
when they were counted. The petitions, the needs checks and the relief grants are few and are
always counted when the dashboard is opened.

- ``DashboardTallyRun``: one row for each year counted (``end``: its last day), with when it was
  counted and how long that took.
- ``DashboardTally``: its counts, one row per region, figure and key (``FIGURES`` in ``tally``:
  the people on the registry at the year's end; their qualifications in force per category; the
  people paid in the year; what the bank paid per month and the lines it paid; the visit targets of
  the year's campaigns and those visited; the homes graded C or D and those no case serves).

Counts and sums only: no person is named, and the rows are derived from the areas' records and
rewritten whole at each count. The rows are scoped as the registry's (``personal_data`` on: the
system admin and the auditor, who read no personal data, see none of them; a department liaison
neither)."""

from __future__ import annotations

from django.db import models

from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["DashboardTally", "DashboardTallyRun"]


class DashboardTallyRun(models.Model):
    end = models.DateField(unique=True)
    counted_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.end} @ {self.counted_at:%Y-%m-%d %H:%M}"


class DashboardTally(models.Model):
    run = models.ForeignKey(DashboardTallyRun, on_delete=models.CASCADE, related_name="counts")
    # The people's own region; no constraint, so that a region is never held by a figure.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    figure = models.CharField(max_length=20)
    key = models.CharField(max_length=32, blank=True)  # a category, a month (YYYYMM), or empty
    n = models.BigIntegerField()  # a number of people, rows or fen

    objects = ScopedManager()
    scope = RegionScoped(code_path="region__code")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "region", "figure", "key"], name="dashboard_tally_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.region_id}:{self.figure}:{self.key}={self.n}"
