"""医疗补助 medical top-ups, premiums, outpatient subsidies: models.

Money is integer fen. A claim keeps the target and the yearly cap that were in force when
it was entered (``target_bp``, ``year_cap_fen``), what the rule gave before the cap
(``computed_fen``), what was left of the year's cap before it (``cap_left_fen``) and the
subsidy it takes (``subsidy_fen``): its amount never changes after entry.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from youfu.benefits.money import yuan
from youfu.core.scope import RegionScoped, ScopedQuerySet
from youfu.registry.categories import Category

__all__ = [
    "ClaimState",
    "MedicalClaim",
    "MedicalPremium",
    "MedicalSettings",
    "OutpatientSubsidy",
]

# Percentages are kept in basis points: 90% = 9000.
BP_SCALE = 10000


class MedicalSettings(models.Model):
    """A county's target, yearly cap and eligible categories from ``set_at`` on. A leader's
    change is itself the approval; every change is a new row, so the history is kept and
    each claim points at the row that applied to it."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    target_bp = models.PositiveIntegerField(_("target"))
    year_cap_fen = models.BigIntegerField(_("yearly cap"))
    categories = models.JSONField(_("eligible categories"), default=list)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-set_at", "-pk"]
        indexes = [models.Index(fields=["county", "set_at"], name="medical_settings_county")]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_bp__gte=1, target_bp__lte=BP_SCALE), name="medical_settings_target_range"
            ),
            models.CheckConstraint(
                condition=Q(year_cap_fen__gte=0), name="medical_settings_cap_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_percent}% / {self.year_cap} from {self.set_at:%Y-%m-%d}"

    @property
    def target_percent(self) -> Decimal:
        return (Decimal(self.target_bp) / 100).quantize(Decimal("0.01"))

    @property
    def year_cap(self) -> Decimal:
        return yuan(self.year_cap_fen)

    @property
    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories if c in Category.values]


class ClaimState(models.TextChoices):
    PENDING = "pending", _("waiting for a leader")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", pgettext_lazy("medical claim", "refused")
    PAID = "paid", _("paid")


# The states whose subsidy takes a share of the person's yearly cap.
CAP_STATES = (ClaimState.PENDING, ClaimState.APPROVED, ClaimState.PAID)


class MedicalClaim(models.Model):
    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, related_name="medical_claims"
    )
    hospital = models.CharField(_("hospital"), max_length=100)
    admitted_on = models.DateField(_("admitted on"))
    discharged_on = models.DateField(_("left hospital on"))
    # The calendar year of ``discharged_on``: the year whose cap the claim takes.
    year = models.PositiveSmallIntegerField(_("year"))
    total_cost_fen = models.BigIntegerField(_("total cost"))
    insurance_paid_fen = models.BigIntegerField(_("paid by basic medical insurance"))
    serious_illness_paid_fen = models.BigIntegerField(_("paid by serious-illness insurance"))
    other_paid_fen = models.BigIntegerField(_("paid by others"))
    rule_settings = models.ForeignKey(MedicalSettings, on_delete=models.PROTECT, null=True, related_name="+")
    target_bp = models.PositiveIntegerField(_("target"))
    year_cap_fen = models.BigIntegerField(_("yearly cap"))
    computed_fen = models.BigIntegerField(_("by the rule"))
    cap_left_fen = models.BigIntegerField(_("left of the yearly cap"))
    subsidy_fen = models.BigIntegerField(_("subsidy"))
    state = models.CharField(
        _("state"), max_length=10, choices=ClaimState.choices, default=ClaimState.PENDING
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.CharField(_("reason"), max_length=500, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # The payment scheduled on approval (none for a zero subsidy).
    one_off = models.ForeignKey(
        "benefits.OneOffPayment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-entered_at", "-pk"]
        indexes = [
            models.Index(fields=["beneficiary", "year", "state"], name="medical_claim_person_year"),
            models.Index(fields=["state", "entered_at"], name="medical_claim_state"),
        ]
        constraints = [
            # The same hospital stay is claimed once; a refused claim does not hold the stay,
            # so it can be entered again with the right figures.
            models.UniqueConstraint(
                fields=["beneficiary", "hospital", "admitted_on"],
                condition=~Q(state="refused"),
                name="medical_claim_one_per_stay",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__gte=models.F("admitted_on")), name="medical_claim_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_cost_fen__gte=0,
                    insurance_paid_fen__gte=0,
                    serious_illness_paid_fen__gte=0,
                    other_paid_fen__gte=0,
                    subsidy_fen__gte=0,
                ),
                name="medical_claim_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_fen__lte=models.F("computed_fen")),
                name="medical_claim_subsidy_within_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"medical claim {self.pk}"

    @property
    def total_cost(self) -> Decimal:
        return yuan(self.total_cost_fen)

    @property
    def insurance_paid(self) -> Decimal:
        return yuan(self.insurance_paid_fen)

    @property
    def serious_illness_paid(self) -> Decimal:
        return yuan(self.serious_illness_paid_fen)

    @property
    def other_paid(self) -> Decimal:
        return yuan(self.other_paid_fen)

    @property
    def computed(self) -> Decimal:
        return yuan(self.computed_fen)

    @property
    def cap_left(self) -> Decimal:
        return yuan(self.cap_left_fen)

    @property
    def subsidy(self) -> Decimal:
        return yuan(self.subsidy_fen)

    @property
    def year_cap(self) -> Decimal:
        return yuan(self.year_cap_fen)

    @property
    def target_percent(self) -> Decimal:
        return (Decimal(self.target_bp) / 100).quantize(Decimal("0.01"))

    @property
    def capped(self) -> bool:
        return self.subsidy_fen < self.computed_fen


class MedicalPremium(models.Model):
    """The medical-insurance premium the bureau paid for a disabled veteran of levels 1–6
    for one year: one per person and year."""

    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, related_name="medical_premiums"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount_fen = models.BigIntegerField(_("amount"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-year", "beneficiary"]
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "year"], name="medical_premium_one_per_year"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="medical_premium_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"premium {self.beneficiary_id} {self.year}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


class OutpatientSubsidy(models.Model):
    """A yearly outpatient subsidy (门诊补助) paid to an eligible person: one per person and year."""

    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, related_name="outpatient_subsidies"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount_fen = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-year", "-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "year"], name="medical_outpatient_one_per_year"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="medical_outpatient_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"outpatient {self.beneficiary_id} {self.year}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)
