"""临时救助 temporary relief: the county's settings (kept as versions), the grants, each step of
their approval chain as a row, and the documents attached to them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.benefits.money import yuan
from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["ReliefDocument", "ReliefGrant", "ReliefSettings", "ReliefStep"]


class ReliefReason(models.TextChoices):
    ILLNESS = "illness", _("illness")
    DISASTER = "disaster", _("disaster")
    ACCIDENT = "accident", _("accident")
    SCHOOLING = "schooling", _("schooling")
    OTHER = "other", _("other")


class GrantState(models.TextChoices):
    PENDING = "pending", _("pending approval")
    RETURNED = "returned", _("returned")
    APPROVED = "approved", _("approved")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


class ChainStep(models.TextChoices):
    """The approval steps, lowest first."""

    TOWNSHIP = "township", _("township")
    COUNTY = "county", _("county")
    LEADER = "leader", _("leader")


# Grants that hold their share of a person's yearly cap.
COUNTING_STATES = (GrantState.PENDING, GrantState.APPROVED, GrantState.PAID)


class ReliefSettings(models.Model):
    """One version of a county's relief settings, set by a leader (which is the approval).
    The newest version is in force; a grant keeps the version it was checked against."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("version"))
    case_cap_fen = models.BigIntegerField(_("cap per case"))
    year_cap_fen = models.BigIntegerField(_("cap per person and year"))
    leader_above_fen = models.BigIntegerField(_("leader approves above"))
    # Registry category codes (youfu/registry/categories.py) whose holders may apply.
    categories = models.JSONField(_("eligible categories"), default=list)
    set_at = models.DateTimeField(default=timezone.now)
    # None: the defaults, in force until a leader first sets them.
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    scope = RegionScoped(code_path="county__code", personal_data=False, include_ancestors=True)

    class Meta:
        ordering = ["county", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="relief_settings_one_number"),
            models.CheckConstraint(
                condition=Q(case_cap_fen__gt=0, year_cap_fen__gt=0, leader_above_fen__gte=0),
                name="relief_settings_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"relief settings {self.county_id} v{self.number}"

    @property
    def case_cap(self) -> Decimal:
        return yuan(self.case_cap_fen)

    @property
    def year_cap(self) -> Decimal:
        return yuan(self.year_cap_fen)

    @property
    def leader_above(self) -> Decimal:
        return yuan(self.leader_above_fen)


class ReliefGrant(models.Model):
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT, related_name="+")
    # The person's place when the application was entered (or last resubmitted): its scope.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=ReliefReason.choices)
    amount_fen = models.BigIntegerField(_("amount"))
    applied_on = models.DateField(_("applied on"))
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=GrantState.choices, default=GrantState.PENDING
    )
    # The step that approves next (only while pending).
    next_step = models.CharField(_("next step"), max_length=8, choices=ChainStep.choices, blank=True)
    # Where the chain starts: the step above the submitter's own level.
    entry_step = models.CharField(max_length=8, choices=ChainStep.choices)
    # Above the settings' leader line when (re)submitted: the chain ends with a leader.
    needs_leader = models.BooleanField(default=False)
    # Each resubmission starts a new round of the chain; a round's steps are different users.
    round = models.PositiveSmallIntegerField(default=1)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    settings_version = models.ForeignKey(ReliefSettings, on_delete=models.PROTECT, related_name="grants")
    # The payment scheduled in the monthly batches when the last step approved.
    one_off = models.ForeignKey(
        "benefits.OneOffPayment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="region__code")

    class Meta:
        ordering = ["-applied_on", "-pk"]
        indexes = [
            models.Index(fields=["beneficiary", "applied_on"], name="relief_grant_person_date"),
            models.Index(fields=["state", "next_step"], name="relief_grant_queue"),
            models.Index(fields=["township", "applied_on"], name="relief_grant_township"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="relief_grant_amount_positive"),
            models.CheckConstraint(
                condition=Q(state="pending", next_step__in=["township", "county", "leader"])
                | (~Q(state="pending") & Q(next_step="")),
                name="relief_grant_next_step_iff_pending",
            ),
            models.CheckConstraint(
                condition=Q(state="paid", paid_on__isnull=False) | ~Q(state="paid"),
                name="relief_grant_paid_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"relief {self.pk}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


class ReliefStep(models.Model):
    """One move of a grant (applied, approved at a step, returned, resubmitted, cancelled,
    paid): who, when, from which state to which, and their note. Never edited."""

    grant = models.ForeignKey(ReliefGrant, on_delete=models.PROTECT, related_name="steps")
    round = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=12)
    step = models.CharField(max_length=8, choices=ChainStep.choices, blank=True)  # the step approved/returned
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    note = models.TextField(blank=True)

    objects = ScopedManager()
    scope = RegionScoped(code_path="grant__region__code")

    class Meta:
        ordering = ["grant", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.action}"


class ReliefDocument(models.Model):
    """A document of an application (a hospital bill, a damage report): a JPEG, PNG or PDF,
    checked by its content when uploaded (``youfu/core/uploads.py``)."""

    grant = models.ForeignKey(ReliefGrant, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="relief/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="grant__region__code")

    class Meta:
        ordering = ["grant", "pk"]

    def __str__(self) -> str:
        return self.original_name
