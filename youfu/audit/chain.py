"""The hash chain: an HMAC over each event's content and its predecessor's hash."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


def _chain_key() -> bytes:
    # Derived from the data key, so someone who can edit the database but has not got the
    # key cannot recompute a consistent chain after tampering.
    return hashlib.sha256(b"youfu-audit-chain\x00" + settings.YOUFU_DATA_KEY.encode()).digest()


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_digest(
    *,
    prev_hash: str,
    seq: int,
    event_type: int,
    created_at: datetime,
    actor_id: int | None,
    actor_name: str,
    region_id: str | None,
    object_type: str,
    object_id: str,
    old: Any,
    new: Any,
    extra: Any,
    ip: str | None,
    channel: str,
) -> str:
    payload = canonical(
        {
            "prev": prev_hash,
            "seq": seq,
            "type": event_type,
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor": actor_name,
            "region": region_id,
            "object_type": object_type,
            "object_id": object_id,
            "old": old,
            "new": new,
            "extra": extra,
            "ip": ip,
            "channel": channel,
        }
    )
    return hmac.new(_chain_key(), payload, hashlib.sha256).hexdigest()
