"""困难排查 needs-check rounds and their findings: models.

A **round** is one periodic check (quarterly by default) of every priority household of a region:
opening it snapshots the households to check as ``HouseholdCheck`` rows. Each row is marked when
the household has been checked: "no difficulty", or with findings. A **finding** is one difficulty
of one person (housing, medical, income, …), followed up by its owner until it is solved with a
written solution. Findings are a service record: nothing here rates or watches a person.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedManager

__all__ = [
    "CheckOutcome",
    "Finding",
    "FindingKind",
    "FindingNote",
    "FindingState",
    "HouseholdCheck",
    "NeedsRound",
    "NeedsSettings",
]


class NeedsSettings(models.Model):
    """A county's needs-check settings, changed by a leader (which is itself the approval)."""

    region = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    # How many months one round covers: 3 = quarterly (the default), 1, 6 or 12.
    period_months = models.PositiveSmallIntegerField(_("months between rounds"), default=3)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "outreach_needs_settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(period_months__in=[1, 3, 6, 12]), name="needs_period_months_known"
            ),
        ]

    def __str__(self) -> str:
        return f"needs settings {self.region_id}"


class NeedsRound(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # The county or a township: every priority household inside it is checked.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due on"))
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Set when the next round of the same place opens: a round's unchecked households are then
    # checked in the new one, and the old round stays as history.
    closed_at = models.DateTimeField(null=True, blank=True)
    households = models.PositiveIntegerField(_("households"), default=0)  # the snapshot's size

    objects = ScopedManager()
    # A township's clerk works inside the county's round, on their own households.
    scope = RegionScoped(code_path="region__code", include_ancestors=True)

    class Meta:
        db_table = "outreach_needs_round"
        ordering = ["-opened_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="needs_round_name_once")]
        indexes = [models.Index(fields=["region", "closed_at"], name="needs_round_open")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def opened_on(self) -> date:
        return timezone.localdate(self.opened_at)


class CheckOutcome(models.TextChoices):
    NOT_YET = "", _("not checked yet")
    NO_DIFFICULTY = "no_difficulty", _("no difficulty")
    FINDINGS = "findings", _("difficulties found")


class HouseholdCheck(models.Model):
    """One household of a round: to check, then checked."""

    round = models.ForeignKey(NeedsRound, on_delete=models.PROTECT, related_name="checks")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    # The township of the household's members when the round opened: progress is counted by it.
    township = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CheckOutcome.choices, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedManager()
    scope = RegionScoped(code_path="household__region__code")

    class Meta:
        db_table = "outreach_needs_check"
        ordering = ["round", "township", "household"]
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="needs_check_household_once"),
            models.CheckConstraint(
                condition=Q(outcome="", checked_on__isnull=True)
                | ~Q(outcome="") & Q(checked_on__isnull=False),
                name="needs_check_date_iff_checked",
            ),
        ]
        indexes = [models.Index(fields=["round", "outcome"], name="needs_check_round_outcome")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.household_id}"

    @property
    def is_checked(self) -> bool:
        return self.outcome != CheckOutcome.NOT_YET


class FindingKind(models.TextChoices):
    HOUSING = "housing", _("housing")
    MEDICAL = "medical", _("medical")
    INCOME = "income", _("income")
    EMPLOYMENT = "employment", _("employment")
    SCHOOLING = "schooling", _("schooling")
    OTHER = "other", _("other")


class FindingState(models.TextChoices):
    OPEN = "open", _("open")
    SOLVED = "solved", _("solved")


class Finding(models.Model):
    """A difficulty of one person found in a round, followed up by its owner until solved."""

    round = models.ForeignKey(NeedsRound, on_delete=models.PROTECT, related_name="findings")
    household_check = models.ForeignKey(HouseholdCheck, on_delete=models.PROTECT, related_name="findings")
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=FindingKind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_on = models.DateField(_("found on"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=8, choices=FindingState.choices, default=FindingState.OPEN
    )
    solution = models.TextField(_("solution"), blank=True)
    solved_on = models.DateField(_("solved on"), null=True, blank=True)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        db_table = "outreach_needs_finding"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("found_on")), name="needs_finding_due_after"
            ),
            models.CheckConstraint(
                condition=Q(state="open", solved_on__isnull=True, solution="")
                | Q(state="solved", solved_on__isnull=False) & ~Q(solution=""),
                name="needs_finding_solved_with_solution",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="needs_finding_outstanding"),
            models.Index(fields=["owner", "state", "due_on"], name="needs_finding_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def is_overdue(self, today: date) -> bool:
        return self.state == FindingState.OPEN and self.due_on < today


class FindingNote(models.Model):
    """A progress note on a finding: what was done on the way to its solution."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="notes")
    written_on = models.DateField(_("date"))
    text = models.CharField(_("note"), max_length=2000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="finding__beneficiary__region__code")

    class Meta:
        db_table = "outreach_needs_finding_note"
        ordering = ["written_on", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id}:{self.written_on}"
