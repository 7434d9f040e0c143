"""走访慰问 visit campaigns: models.

A campaign (春节, 八一 …) names the categories it visits in a region; when it is created, the
people it visits are listed once, as they stood on its first day (``VisitTarget``). A visit is
recorded against one target: one person, once per campaign.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.benefits.money import yuan
from youfu.core.scope import RegionScoped, ScopedManager

__all__ = ["Visit", "VisitCampaign", "VisitTarget"]

# A holiday visit's money (慰问金) is a few hundred yuan; nothing a bureau hands over at a
# visit comes near this.
MAX_VISIT_MONEY_FEN = 1_000_000  # 10,000 yuan


class VisitCampaign(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # The county (county-wide) or one township. A township clerk works inside the county's
    # campaign: they see it, and only their township's targets in it.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    categories = models.JSONField(_("categories"), default=list)  # category codes, sorted
    min_age = models.PositiveSmallIntegerField(_("aged at least"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="region__code", include_ancestors=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("visit campaign")
        indexes = [models.Index(fields=["region", "starts_on"], name="visitcampaign_region_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="visitcampaign_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class VisitTarget(models.Model):
    """A person the campaign visits. Written once, set-based, when the campaign is created;
    the person's place is read through the person (a target who moves is visited where they live)."""

    campaign = models.ForeignKey(VisitCampaign, on_delete=models.PROTECT, related_name="targets")
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "beneficiary"], name="visittarget_once_per_campaign"),
        ]
        indexes = [models.Index(fields=["beneficiary"], name="visittarget_person")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.beneficiary_id}"


class Visit(models.Model):
    """One visit to one target. The one-to-one link is the "once per person and campaign" rule
    in the database (the target itself is unique per campaign and person)."""

    target = models.OneToOneField(VisitTarget, on_delete=models.PROTECT, related_name="visit")
    visited_on = models.DateField(_("visited on"))
    visitors = models.CharField(_("visitors"), max_length=200)
    money_fen = models.BigIntegerField(_("money"), default=0)
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = RegionScoped(code_path="target__beneficiary__region__code")

    class Meta:
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(money_fen__gte=0, money_fen__lte=MAX_VISIT_MONEY_FEN), name="visit_money_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.visited_on}"

    @property
    def money(self) -> Decimal:
        """慰问金 in yuan."""
        return yuan(self.money_fen)
