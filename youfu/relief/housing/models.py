"""住房改造 housing surveys and cases: models.

A survey grades a person's home A–D (A sound … D dangerous) on a date, with a note and photos.
A case is the work on that home (a new house or a repair) with a budget that applies only once
a leader approves it: every budget a clerk proposes is a ``HousingBudget`` row (the history),
and the case holds the budget in force (``budget_fen``) and the one waiting (``proposed_fen``).
Money paid is ``HousingDisbursement`` rows, never more in total than the budget in force.

A home is the registry's household when the person has one (husband and wife share one home),
else the person alone: see ``selectors.unserved_surveys``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from youfu.benefits.money import yuan
from youfu.core.scope import RegionScoped, ScopedManager

__all__ = [
    "BudgetState",
    "CaseKind",
    "CaseState",
    "Grade",
    "HousingBudget",
    "HousingCase",
    "HousingDisbursement",
    "HousingPhoto",
    "HousingSurvey",
]


class Grade(models.TextChoices):
    A = "A", _("A: sound")
    B = "B", _("B: minor defects")
    C = "C", _("C: partly dangerous")
    D = "D", _("D: dangerous")


# The grades whose homes need a case (危房 C and D).
NEEDS_WORK = (Grade.C.value, Grade.D.value)


class CaseKind(models.TextChoices):
    NEW = "new", _("new house")
    REPAIR = "repair", _("repair")


class CaseState(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    COMPLETED = "completed", _("completed")
    REFUSED = "refused", pgettext_lazy("housing budget", "refused")


# A case that serves its home: being worked on or done (a refused one does not).
SERVING_STATES = (CaseState.PENDING.value, CaseState.APPROVED.value, CaseState.COMPLETED.value)
OPEN_STATES = (CaseState.PENDING.value, CaseState.APPROVED.value)


class BudgetState(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", pgettext_lazy("housing budget", "refused")


class HousingSurvey(models.Model):
    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, related_name="housing_surveys"
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    surveyed_on = models.DateField(_("surveyed on"))
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-surveyed_on", "-pk"]
        indexes = [models.Index(fields=["beneficiary", "surveyed_on"], name="housing_survey_person_date")]
        constraints = [
            models.CheckConstraint(condition=Q(grade__in=["A", "B", "C", "D"]), name="housing_survey_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}:{self.grade}@{self.surveyed_on}"


def _photo_path(instance: HousingPhoto, filename: str) -> str:
    # The stored name is random: the uploaded name is kept in a column, never in a path.
    extension = {"image/jpeg": "jpg", "image/png": "png"}[instance.content_type]
    return f"housing/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class HousingPhoto(models.Model):
    """A survey's photo, re-encoded from its pixels: no EXIF, GPS or other metadata is kept."""

    survey = models.ForeignKey(HousingSurvey, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope = RegionScoped(code_path="survey__beneficiary__region__code")

    class Meta:
        ordering = ["survey", "pk"]

    def __str__(self) -> str:
        return self.original_name


class HousingCase(models.Model):
    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, related_name="housing_cases"
    )
    kind = models.CharField(_("kind"), max_length=6, choices=CaseKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=CaseState.choices, default=CaseState.PENDING)
    # The budget in force: 0 until a leader approves the first one.
    budget_fen = models.BigIntegerField(_("approved budget"), default=0)
    # A budget waiting for a leader (the first one, or a change); null when none waits.
    proposed_fen = models.BigIntegerField(_("proposed budget"), null=True, blank=True)
    paid_fen = models.BigIntegerField(_("paid"), default=0)  # the sum of the disbursements
    opened_on = models.DateField(_("opened on"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    refused_reason = models.CharField(_("reason"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["beneficiary", "state"], name="housing_case_person_state"),
            models.Index(fields=["state", "opened_on"], name="housing_case_state_opened"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0, paid_fen__gte=0) & Q(paid_fen__lte=models.F("budget_fen")),
                name="housing_case_paid_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(proposed_fen__isnull=True) | Q(proposed_fen__gt=0),
                name="housing_case_proposed_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"housing case {self.pk}"

    # Yuan for the pages (``|amount``); the columns stay fen.
    @property
    def budget_yuan(self) -> Decimal:
        return yuan(self.budget_fen)

    @property
    def proposed_yuan(self) -> Decimal | None:
        return None if self.proposed_fen is None else yuan(self.proposed_fen)

    @property
    def paid_yuan(self) -> Decimal:
        return yuan(self.paid_fen)

    @property
    def left_yuan(self) -> Decimal:
        return yuan(self.budget_fen - self.paid_fen)


class HousingBudget(models.Model):
    """One proposed budget of a case and what the leader decided: the case's budget history."""

    case = models.ForeignKey(HousingCase, on_delete=models.PROTECT, related_name="budgets")
    amount_fen = models.BigIntegerField(_("budget"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=BudgetState.choices, default=BudgetState.PENDING
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=500, blank=True)

    objects = ScopedManager()
    scope = RegionScoped(code_path="case__beneficiary__region__code")

    class Meta:
        ordering = ["case", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="housing_budget_positive"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="housing_budget_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.amount_fen}:{self.state}"

    @property
    def amount_yuan(self) -> Decimal:
        return yuan(self.amount_fen)


class HousingDisbursement(models.Model):
    case = models.ForeignKey(HousingCase, on_delete=models.PROTECT, related_name="disbursements")
    amount_fen = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="case__beneficiary__region__code")

    class Meta:
        ordering = ["case", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="housing_disbursement_positive")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.amount_fen}@{self.paid_on}"

    @property
    def amount_yuan(self) -> Decimal:
        return yuan(self.amount_fen)
