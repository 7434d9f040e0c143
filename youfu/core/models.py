"""The working-day calendar (DESIGN.md §3, §5).

Only the exceptions are stored: public holidays (法定节假日, including the weekend days a
holiday period covers) and make-up working days (调休上班日, a Saturday or Sunday worked).
Every other day is a working day on Monday to Friday and a rest day at the weekend. A year
is *known* when a ``CalendarYear`` row says its data is complete; for an unknown year the
weekends are the only rest days and every deadline that needed it says so.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("public holiday")
    WORKDAY = "workday", _("make-up working day")


class CalendarDay(models.Model):
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.name}"


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200)
    complete = models.BooleanField(_("complete"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return f"{self.year} ({self.source})"


class ScheduledRun(models.Model):
    """When a nightly task last finished, and when it was last asked for out of its time: the
    worker's catch-up (``youfu/core/nightly.py``) runs a task whose night was missed — the queue
    down at its hour, the worker stopped — instead of waiting for the next night."""

    name = models.CharField(max_length=50, primary_key=True)
    last_run_at = models.DateTimeField()
    asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.last_run_at:%Y-%m-%d %H:%M}"
