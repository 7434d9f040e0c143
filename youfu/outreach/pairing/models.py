"""结对帮扶: a county department paired with a registered person (the household's contact), and
what the department did for them: policy explained, money given, skills taught, projects
supported, jobs found.

A pairing is seen where its person lives (a township clerk sees the pairings of people in the
township) and by the liaisons of its department only (``department_path``): a liaison never sees
another department's households.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.benefits.money import yuan
from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["ActivityKind", "Pairing", "PairingActivity"]


class ActivityKind(models.TextChoices):
    POLICY = "policy", _("policy explained")
    FUNDS = "funds", _("financial support")
    SKILLS = "skills", _("skills training")
    PROJECTS = "projects", _("project support")
    JOBS = "jobs", _("job placement")


class Pairing(models.Model):
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("paired department"),
    )
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("beneficiary"),
    )
    started_on = models.DateField(_("paired on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code", department_path="department_id")

    class Meta:
        ordering = ["department__name", "-started_on", "pk"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            # The same department and person are paired once at a time: a second request
            # racing the first fails here and answers 409.
            models.UniqueConstraint(
                fields=["department", "beneficiary"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_open_per_department_person",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="pairing_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["beneficiary", "department"], name="pairing_person_department")]

    def __str__(self) -> str:
        return f"{self.department_id} ↔ {self.beneficiary_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class PairingActivity(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    done_on = models.DateField(_("date"))
    amount_fen = models.BigIntegerField(null=True, blank=True)  # yuan × 100; funds, projects, skills
    count = models.PositiveIntegerField(
        _("number reached"), null=True, blank=True
    )  # people trained, jobs found…
    note = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(
        code_path="pairing__beneficiary__region__code", department_path="pairing__department_id"
    )

    class Meta:
        ordering = ["-done_on", "-pk"]
        verbose_name = _("pairing activity")
        verbose_name_plural = _("pairing activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gte=0),
                name="pairing_activity_amount_positive",
            ),
        ]
        indexes = [models.Index(fields=["done_on", "kind"], name="pairing_activity_done_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.done_on}"

    @property
    def amount_yuan(self) -> Decimal | None:
        return None if self.amount_fen is None else yuan(self.amount_fen)
