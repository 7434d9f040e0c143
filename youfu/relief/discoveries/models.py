"""应享未享 people who appear to qualify for something they do not get: models.

A ``Discovery`` is one fact that one rule found: a person (the rule's subject) and a fact key
that says which fact it is (the year of a missing premium, the survey of an unserved home, the
recorded death; 0 for a rule whose fact is the person alone). The same rule, person and fact is
one row for good: a finding a clerk resolved never comes back for it, and a new fact (next
year's premium) is a new row. A refresh adds new matches, closes open findings that no longer
match ("no longer applies") and opens those again that match once more; a ``DiscoveryRefresh``
row says when and what it did.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["Discovery", "DiscoveryRefresh", "DiscoveryState", "Outcome", "Rule"]


class Rule(models.TextChoices):
    RURAL_VETERAN_60 = (
        "rural_veteran_60",
        _("Rural veteran aged 60 or over without the old-age living subsidy"),
    )
    PREMIUM_MISSING = (
        "premium_missing",
        _("Disabled veteran of levels 1–6 without a medical insurance premium"),
    )
    HOUSING_UNSERVED = "housing_unserved", _("Home graded C or D without a housing case")
    SURVIVOR_REVIEW = "survivor_review", _("Death of a pension holder whose survivors were not reviewed")


class DiscoveryState(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding", "open")
    RESOLVED = "resolved", pgettext_lazy("finding", "resolved")
    LAPSED = "lapsed", pgettext_lazy("finding", "no longer applies")


class Outcome(models.TextChoices):
    ACTED = "acted", _("acted on")
    NOT_APPLICABLE = "not_applicable", _("does not apply")


class Discovery(models.Model):
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    # The person the rule found: the veteran, the owner of the surveyed home, the person who died.
    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, related_name="discoveries"
    )
    # Which fact: the premium's year, the survey's id, the death's life event id; 0 for the person.
    fact_key = models.BigIntegerField()
    # The evidence the fact rests on, for the list to show.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    survey = models.ForeignKey(
        "relief.HousingSurvey", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    death = models.ForeignKey(
        "registry.LifeEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=8, choices=DiscoveryState.choices, default=DiscoveryState.OPEN
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    # When it left the list: resolved by a clerk, or no longer applying at a refresh.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=2000, blank=True)
    # What the clerk did, as "kind:id": "qualification:123", "housing_case:45", "premium:7".
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["rule", "found_at", "pk"]
        verbose_name = _("entitlement finding")
        verbose_name_plural = _("entitlement findings")
        indexes = [
            models.Index(fields=["state", "rule"], name="discovery_state_rule"),
            models.Index(fields=["beneficiary", "state"], name="discovery_person_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "beneficiary", "fact_key"], name="discovery_one_per_fact"
            ),
            models.CheckConstraint(
                condition=Q(state="resolved") & ~Q(outcome="") | ~Q(state="resolved") & Q(outcome=""),
                name="discovery_outcome_iff_resolved",
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True)
                | ~Q(state="open") & Q(closed_at__isnull=False),
                name="discovery_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}:{self.beneficiary_id}:{self.fact_key}"


class DiscoveryRefresh(models.Model):
    """One run of the rules over a region (the county by night, a clerk's own region on demand).
    Counts only: it names no person."""

    region_prefix = models.CharField(max_length=12, blank=True)  # "" is everywhere
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["region_prefix", "at"], name="discovery_refresh_region")]

    def __str__(self) -> str:
        return f"refresh {self.region_prefix or '*'} {self.at:%Y-%m-%d %H:%M}"
