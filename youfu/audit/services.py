"""Writing to the audit log. Every service calls ``record_event`` inside its own transaction."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from youfu.audit import context
from youfu.audit.chain import GENESIS, event_digest
from youfu.audit.events import EventType
from youfu.audit.masking import mask_event_values
from youfu.audit.models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from youfu.accounts.models import User
    from youfu.regions.models import Region

SYSTEM_ACTOR = "system"


def _plain_json(value: Any) -> Any:
    """What the JSON column will give back, so the hash is computed over stored values."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_event(
    event_type: EventType,
    *,
    actor: User | None,
    region: Region | str | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    ``region`` defaults to the acting user's region, so an auditor scoped to a region
    sees the logins and actions of that region's users.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    region_id: str | None
    if region is None:
        region_id = actor.region_id if actor is not None else None
    elif isinstance(region, str):
        region_id = region
    else:
        region_id = region.pk
    # Personal values never reach the log in clear, whichever service writes the event.
    masked = mask_event_values(int(event_type), old, new, extra)
    ctx = context.current()
    with transaction.atomic():
        # The head row is the chain's lock: appends are serialized, so seq has no gaps and
        # each event's prev_hash is the one really before it.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS}
        )
        fields: dict[str, Any] = {
            "seq": head.seq + 1,
            "event_type": int(event_type),
            "created_at": timezone.now(),
            "actor_id": actor.pk if actor is not None else None,
            "actor_name": actor.username if actor is not None else SYSTEM_ACTOR,
            "region_id": region_id,
            "object_type": object_type,
            "object_id": str(object_id),
            "old": _plain_json(masked.old),
            "new": _plain_json(masked.new),
            "extra": _plain_json(masked.extra) or {},
            "ip": ctx.ip,
            "channel": ctx.channel,
        }
        digest = event_digest(prev_hash=head.hash, **fields)
        event = AuditEvent.objects.create(prev_hash=head.hash, hash=digest, **fields)
        head.seq = event.seq
        head.hash = digest
        head.save(update_fields=["seq", "hash"])
    return event


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed keys only, as (old values, new values)."""
    changed = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in changed}, {k: new[k] for k in changed}


def record_export(actor: User, what: str, rows: int, **details: Any) -> AuditEvent:
    """A download of personal data (PERSONAL_DATA_EXPORTED): what was exported, how many rows,
    and the export's own details (``filters``, ``fields``, ``format`` …)."""
    return record_event(
        EventType.PERSONAL_DATA_EXPORTED, actor=actor, extra={"what": what, "rows": rows, **details}
    )


def record_view(actor: User, obj: models.Model, *, region: Region | str | None) -> AuditEvent | None:
    """One user opened one record of a person (PERSONAL_DATA_VIEWED): the record's type and id,
    never its contents. A page reloaded, or its parts fetched one by one, is the same reading:
    a second view of the same record by the same user within ``YOUFU_AUDIT_VIEW_WINDOW_SECONDS``
    (600) writes nothing more. Written on the primary like every audit record, also from a view
    that reads the replica."""
    object_type = obj._meta.label_lower
    window = int(getattr(settings, "YOUFU_AUDIT_VIEW_WINDOW_SECONDS", 600))
    if window > 0:
        since = timezone.now() - timedelta(seconds=window)
        seen = AuditEvent.objects.filter(
            object_type=object_type,
            object_id=str(obj.pk),
            event_type=int(EventType.PERSONAL_DATA_VIEWED),
            actor_id=actor.pk,
            created_at__gte=since,
        )
        if seen.exists():
            return None
    return record_event(EventType.PERSONAL_DATA_VIEWED, actor=actor, region=region, obj=obj)
