"""The registry: people, their qualifications, households and life events.

Personal identifiers are encrypted at rest (``youfu.core.crypto``). The ID number is
found by its blind index (exact) or by its last four characters (kept readable: they are
what the masked form shows anyway); the bank account likewise.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedQuerySet
from youfu.registry.categories import MAX_LEVEL, Category, DisabilityCause


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Residence(models.TextChoices):
    URBAN = "urban", _("urban")
    RURAL = "rural", _("rural")


class PersonStatus(models.TextChoices):
    ALIVE = "alive", _("alive")
    DECEASED = "deceased", _("deceased")


class QualificationStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    ENDED = "ended", _("ended")


class Household(models.Model):
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code")

    def __str__(self) -> str:
        return self.address or f"household {self.pk}"


class Beneficiary(models.Model):
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, db_index=True)  # "zhangsan"
    name_initials = models.CharField(max_length=50, db_index=True)  # "zs"
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    birth_date = models.DateField(_("birth date"))

    id_number_encrypted = models.TextField()
    id_number_index = models.CharField(max_length=64, unique=True)  # HMAC blind index
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    id_number_last4 = models.CharField(max_length=4, db_index=True)

    residence = models.CharField(_("residence"), max_length=5, choices=Residence.choices)
    # The most specific place: the village, or the township when no village is known.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_encrypted = models.TextField(blank=True)
    bank_account_masked = models.CharField(_("bank account"), max_length=40, blank=True)

    status = models.CharField(
        _("status"), max_length=8, choices=PersonStatus.choices, default=PersonStatus.ALIVE
    )
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code")

    class Meta:
        ordering = ["township", "name", "pk"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        indexes = [
            models.Index(fields=["region", "name"], name="beneficiary_region_name"),
            models.Index(fields=["name", "birth_date"], name="beneficiary_name_birth"),
            # The search box (registry/search.py) reads these in the order it shows its
            # results; those led by the township serve a township's clerk.
            models.Index(fields=["township", "name", "birth_date", "id"], name="beneficiary_township_name"),
            models.Index(
                fields=["name_initials", "name_pinyin", "township", "id"], name="beneficiary_initials"
            ),
            models.Index(
                fields=["township", "name_initials", "name_pinyin", "id"],
                name="beneficiary_township_initials",
            ),
            models.Index(Right("phone", 4), name="beneficiary_phone_tail"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="alive", death_date__isnull=True)
                | Q(status="deceased", death_date__isnull=False),
                name="beneficiary_death_date_iff_deceased",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="qualifications")
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    disability_cause = models.CharField(
        _("disability cause"), max_length=8, choices=DisabilityCause.choices, blank=True
    )
    disability_level = models.PositiveSmallIntegerField(_("disability level"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"))
    status = models.CharField(
        _("status"), max_length=10, choices=QualificationStatus.choices, default=QualificationStatus.ACTIVE
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    enlisted_on = models.DateField(_("enlisted on"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    service_years = models.PositiveSmallIntegerField(_("years of service"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["beneficiary", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "category"], name="qualification_one_per_category"
            ),
            models.CheckConstraint(
                condition=Q(category="disabled_veteran", disability_level__gte=1, disability_level__lte=10)
                & ~Q(disability_cause="")
                | ~Q(category="disabled_veteran") & Q(disability_level__isnull=True, disability_cause=""),
                name="qualification_disability_fields",
            ),
            # The database's guard of categories.level_refusal: 因病 levels 1–6 only.
            models.CheckConstraint(
                condition=~Q(disability_cause=DisabilityCause.ILLNESS.value)
                | Q(disability_level__lte=MAX_LEVEL[DisabilityCause.ILLNESS]),
                name="qualification_illness_levels_1_6",
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_on__isnull=False) | ~Q(status="ended"),
                name="qualification_ended_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}:{self.category}"


class DisabilityAssessment(models.Model):
    """A disabled veteran's level and cause from a date on: the history the payment
    engine reads to know which level applied in a past month."""

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="assessments")
    cause = models.CharField(max_length=8, choices=DisabilityCause.choices)
    level = models.PositiveSmallIntegerField()
    effective_on = models.DateField()

    class Meta:
        ordering = ["qualification", "effective_on"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "effective_on"], name="assessment_one_per_day"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=10), name="assessment_level_1_10"),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_id} level {self.level} from {self.effective_on}"


class Suspension(models.Model):
    """A period in which a qualification is not paid (e.g. imprisonment). Kept as history;
    ``ended_on`` is set when the suspension ends. Derived from life events by the services."""

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="suspensions")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["qualification", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="suspension_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_id} {self.started_on}–{self.ended_on or ''}"


class LifeEventKind(models.TextChoices):
    DEATH = "death", _("death")
    MOVE = "move", _("move")
    LEVEL_CHANGE = "level_change", _("disability level change")
    SUSPENSION = "suspension", _("suspension")
    SUSPENSION_END = "suspension_end", _("end of suspension")
    CANCELLATION = "cancellation", _("cancellation")
    BANK_CHANGE = "bank_change", _("bank account change")
    PHONE_CHANGE = "phone_change", _("phone change")


class LifeEvent(models.Model):
    """What happened to a person, effective on a date, recorded by a clerk. Never edited."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="life_events")
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, null=True, blank=True, related_name="life_events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LifeEventKind.choices)
    effective_on = models.DateField(_("effective on"))
    # Old and new values, masked where personal (bank accounts): what the history shows.
    details = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["beneficiary", "-effective_on", "-pk"]
        indexes = [models.Index(fields=["kind", "effective_on"], name="lifeevent_kind_date")]

    def __str__(self) -> str:
        return f"{self.kind} {self.effective_on}"


class DeathPayee(models.Model):
    """Who receives the death lump sum and any arrears owed to a person who died."""

    life_event = models.OneToOneField(LifeEvent, on_delete=models.PROTECT, related_name="payee")
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField()
    id_number_masked = models.CharField(max_length=18)
    bank_name = models.CharField(max_length=100)
    bank_account_encrypted = models.TextField()
    bank_account_masked = models.CharField(max_length=40)

    def __str__(self) -> str:
        return self.name


class AnnualReview(models.Model):
    """年审: the yearly confirmation campaign of a county (军人抚恤优待条例 Art. 8)."""

    year = models.PositiveSmallIntegerField()
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", personal_data=True, include_ancestors=True)

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="annual_review_once_a_year")]

    def __str__(self) -> str:
        return f"{self.year}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("not yet confirmed")
    CONFIRMED = "confirmed", _("confirmed")
    SUSPENDED = "suspended", _("suspended by a clerk")


class ReviewItem(models.Model):
    review = models.ForeignKey(AnnualReview, on_delete=models.PROTECT, related_name="items")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="qualification__beneficiary__region__code")

    class Meta:
        ordering = ["review", "qualification"]
        constraints = [
            models.UniqueConstraint(fields=["review", "qualification"], name="review_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.qualification_id} {self.status}"
