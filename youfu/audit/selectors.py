from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Model, QuerySet
from django.utils import timezone

from youfu.audit.models import AuditEvent
from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability

if TYPE_CHECKING:
    # Annotation only: audit sits below accounts (docs/architecture.md).
    from youfu.accounts.models import User


@dataclass(frozen=True)
class AuditFilter:
    event_type: int | None = None
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_events_for(user: User, filters: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    """Events an auditor may read: those of their region, plus region-less system events."""
    if user is None or not user.is_authenticated or not user.can(Capability.READ_AUDIT):
        raise PermissionDenied()
    qs: QuerySet[AuditEvent] = AuditEvent.objects.visible_to(user)
    f = filters or AuditFilter()
    if f.event_type:
        qs = qs.filter(event_type=f.event_type)
    if f.actor:
        qs = qs.filter(actor_name=f.actor)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(f.date_from, time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(created_at__lt=datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs.order_by("-seq")


def events_about(obj: Model, event_types: Iterable[int]) -> QuerySet[AuditEvent]:
    """The recorded events of some types about one record, oldest first. For a page that
    already showed its user that record (a batch's downloads on the batch's page): it is not
    a window on the audit log, which only auditors search."""
    qs: QuerySet[AuditEvent] = (
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), event_type__in=list(event_types)
        )
        .select_related("actor")
        .order_by("seq")
    )
    return qs


def events_between(event_types: Iterable[int], after: datetime, until: datetime) -> QuerySet[AuditEvent]:
    """The recorded events of some types in a time window, oldest first: what changed between
    two of a service's own steps (the payees changed between two payment batches, which the
    leader approving the second one reviews). Not a window on the audit log as such, which
    only auditors search: its caller shows only what its page's user may see."""
    qs: QuerySet[AuditEvent] = (
        AuditEvent.objects.filter(
            event_type__in=list(event_types), created_at__gt=after, created_at__lte=until
        )
        .select_related("actor")
        .order_by("seq")
    )
    return qs
