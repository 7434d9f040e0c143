"""Verifying the audit chain end to end."""

from __future__ import annotations

from dataclasses import dataclass

from youfu.audit.chain import GENESIS, event_digest
from youfu.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    """Walk the log in seq order, recomputing every hash. Stops at the first break."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not chunk:
            break
        for event in chunk:
            if event.seq != expected_seq:
                return VerifyResult(
                    False, checked, expected_seq, f"event #{expected_seq} is missing (deleted)"
                )
            if event.prev_hash != expected_prev:
                return VerifyResult(
                    False, checked, event.seq, f"event #{event.seq} does not follow its predecessor"
                )
            digest = event_digest(
                prev_hash=event.prev_hash,
                seq=event.seq,
                event_type=event.event_type,
                created_at=event.created_at,
                actor_id=event.actor_id,
                actor_name=event.actor_name,
                region_id=event.region_id,
                object_type=event.object_type,
                object_id=event.object_id,
                old=event.old,
                new=event.new,
                extra=event.extra,
                ip=event.ip,
                channel=event.channel,
            )
            if digest != event.hash:
                return VerifyResult(False, checked, event.seq, f"event #{event.seq} was altered")
            expected_prev = event.hash
            expected_seq += 1
            last_seq = event.seq
            checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    if head_seq != last_seq:
        return VerifyResult(False, checked, last_seq + 1, f"event #{last_seq + 1} is missing (deleted)")
    if head is not None and head.hash != expected_prev:
        return VerifyResult(False, checked, last_seq, f"event #{last_seq} was altered")
    return VerifyResult(True, checked)
