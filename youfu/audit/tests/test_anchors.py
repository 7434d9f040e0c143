"""Anchors: copies of the chain's head kept outside the database, so that a chain cut back at its
end, or rewritten by someone holding the key, is found (youfu/audit/anchors.py)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from youfu.audit.anchors import anchor_file, read_anchors, set_aside
from youfu.audit.events import EventType
from youfu.audit.models import AuditChainHead, AuditEvent
from youfu.audit.services import record_event
from youfu.audit.tasks import nightly_verify_audit
from youfu.audit.tests.test_chain import behind_the_back
from youfu.audit.verify import verify_chain
from youfu.testing import World


@pytest.fixture
def anchors_at(settings: Any, tmp_path: Path) -> Path:
    settings.YOUFU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors" / "audit-anchors.jsonl")
    return Path(settings.YOUFU_AUDIT_ANCHOR_FILE)


def _log(world: World, n: int) -> None:
    for i in range(n):
        record_event(EventType.USER_CHANGED, actor=world.admin, obj=world.county_clerk, new={"n": i})


def _verify(*args: str) -> tuple[int, dict[str, Any] | str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify-audit", "--json", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc) + out.getvalue()
    return 0, json.loads(out.getvalue())


def _cut_back_to(seq: int) -> None:
    """Delete every event after ``seq`` and wind the head row back to it, as someone with the
    database could: the chain alone still verifies."""
    kept = AuditEvent.objects.get(seq=seq)
    behind_the_back("DELETE FROM audit_auditevent WHERE seq > %s", [seq])
    behind_the_back("UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE id = 1", [seq, kept.hash])


@pytest.mark.django_db
def test_the_night_anchors_the_head_after_its_verdict(world: World, anchors_at: Path) -> None:
    _log(world, 3)
    assert nightly_verify_audit.call_local() is True
    [anchor] = read_anchors()
    head = AuditChainHead.objects.get(pk=1)
    assert (anchor.seq, anchor.hash) == (head.seq, head.hash)
    assert AuditEvent.objects.get(seq=anchor.seq).event_type == EventType.AUDIT_VERIFIED
    line = json.loads(anchors_at.read_text().splitlines()[0])
    assert set(line) == {"seq", "hash", "at"}  # a head, never an event's contents

    _log(world, 2)
    assert nightly_verify_audit.call_local() is True
    assert len(read_anchors()) == 2
    assert AuditEvent.objects.order_by("-seq").first().extra["anchors"] == 1  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_chain_cut_back_at_its_end_is_found(world: World, anchors_at: Path) -> None:
    _log(world, 4)
    assert nightly_verify_audit.call_local() is True
    anchored = read_anchors()[-1].seq
    _log(world, 3)
    _cut_back_to(anchored - 2)

    assert verify_chain().ok  # the gap the anchors close: the chain alone cannot tell
    result = verify_chain(anchors=read_anchors())
    assert not result.ok and result.broken_seq == anchored - 1
    assert "cut from its end" in result.reason
    code, said = _verify()
    assert code == 1 and f"#{anchored}" in str(said)
    assert nightly_verify_audit.call_local() is False
    assert len(read_anchors()) == 1  # a broken chain is not anchored again


@pytest.mark.django_db
def test_a_chain_rewritten_under_an_anchor_is_found(world: World, anchors_at: Path) -> None:
    """Someone holding the key rewrites the chain from an anchored event on: every hash
    recomputes, the anchor's does not match."""
    _log(world, 3)
    code, said = _verify()
    assert code == 0 and isinstance(said, dict)
    seq, digest = str(said["head"]).split(":")
    other = "0" * 64 if digest != "0" * 64 else "1" * 64
    code, said = _verify("--anchor", f"{seq}:{digest}")
    assert code == 0 and isinstance(said, dict) and said["anchors"] == 1
    code, said = _verify("--anchor", f"{seq}:{other}")
    assert code == 1 and "differs from its anchor" in str(said)


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["12", "x:" + "a" * 64, "3:" + "g" * 64, "0:" + "a" * 64, ""])
def test_a_malformed_anchor_is_a_clear_error(world: World, anchors_at: Path, given: str) -> None:
    code, said = _verify("--anchor", given)
    assert code == 1 and "SEQ:HASH" in str(said)


@pytest.mark.django_db
def test_an_unreadable_anchor_file_is_reported_and_not_written_to(world: World, anchors_at: Path) -> None:
    anchors_at.parent.mkdir(parents=True)
    anchors_at.write_text('{"seq": 1, "hash": "zz"}\n')
    _log(world, 1)
    code, said = _verify()
    assert code == 1 and "line 1" in str(said)
    assert nightly_verify_audit.call_local() is False
    assert anchors_at.read_text() == '{"seq": 1, "hash": "zz"}\n'


@pytest.mark.django_db
def test_a_restore_sets_the_old_anchors_aside(world: World, anchors_at: Path) -> None:
    _log(world, 1)
    assert nightly_verify_audit.call_local() is True
    moved = set_aside()
    assert moved is not None and moved.exists() and "before-restore" in moved.name
    assert not anchor_file().exists() and read_anchors() == []
    assert set_aside() is None  # nothing to set aside
