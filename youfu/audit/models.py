"""The append-only audit log.

Each event carries ``seq`` (gap-free, assigned under the chain lock) and an HMAC over its
own content and the previous event's hash. Editing or deleting any row breaks the chain
at that row, which ``youfu verify-audit`` reports. On PostgreSQL a trigger also refuses
UPDATE and DELETE outright (migration 0002). The application never deletes events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet["AuditEvent"]):
    """The log is append-only: the ORM offers no way to change or remove events."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, editable=False)
    event_type = models.PositiveSmallIntegerField(_("event type"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,  # users are deactivated, never deleted; keep the log independent
    )
    actor_name = models.CharField(_("actor"), max_length=150)  # "system" for bootstrap/tasks
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, related_name="+", db_constraint=False
    )
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    extra = models.JSONField(default=dict)
    ip = models.GenericIPAddressField(null=True)
    channel = models.CharField(max_length=8, blank=True)  # web | api | cli | task
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = models.Manager.from_queryset(AuditEventQuerySet)()
    # An auditor sees the events of their region; events with no region (bootstrap,
    # scheduled tasks) belong to no place and are visible to every auditor.
    scope = RegionScoped(code_path="region__code", personal_data=False, regionless_path="region")

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["region", "event_type", "created_at"], name="audit_region_type_time"),
            models.Index(fields=["created_at"], name="audit_time"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class AuditChainHead(models.Model):
    """The single row that serializes appends: the last event's seq and hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
