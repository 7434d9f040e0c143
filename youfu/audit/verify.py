"""Verifying the audit chain end to end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from youfu.audit.anchors import Anchor
from youfu.audit.chain import GENESIS, event_digest
from youfu.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = ""
    anchors: int = 0  # the anchors held against the chain


def verify_chain(batch_size: int = 5000, anchors: Sequence[Anchor] = ()) -> VerifyResult:
    """Walk the log in seq order, recomputing every hash. Stops at the first break. Then hold
    the chain to its ``anchors`` (copies of earlier heads kept outside the database,
    ``youfu.audit.anchors``): it must still reach each, with the same hash there."""
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
    broken = _against_anchors(anchors, last_seq, checked)
    if broken is not None:
        return broken
    return VerifyResult(True, checked, head_seq=last_seq, head_hash=expected_prev, anchors=len(anchors))


def _against_anchors(anchors: Sequence[Anchor], last_seq: int, checked: int) -> VerifyResult | None:
    if not anchors:
        return None
    beyond = [a for a in anchors if a.seq > last_seq]
    if beyond:
        newest = max(beyond, key=lambda a: a.seq)
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            f"the chain ends at event #{last_seq}, but event #{newest.seq} was anchored "
            f"{newest.describe()}: events were cut from its end",
        )
    seqs = sorted({a.seq for a in anchors})
    stored: dict[int, str] = {}
    for start in range(0, len(seqs), 500):
        part = seqs[start : start + 500]
        stored.update(AuditEvent.objects.filter(seq__in=part).values_list("seq", "hash"))
    for anchor in sorted(anchors, key=lambda a: a.seq):
        if stored.get(anchor.seq) != anchor.hash:
            return VerifyResult(
                False,
                checked,
                anchor.seq,
                f"event #{anchor.seq} differs from its anchor {anchor.describe()}: the chain was rewritten",
            )
    return None
