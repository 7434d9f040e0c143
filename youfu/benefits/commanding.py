"""What the benefits commands share: finding a batch, a standards version or a top-up for the
acting user, reading a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.models import Batch, LocalTopUp, StandardImport
from youfu.core.errors import InvalidInput, NotFound
from youfu.core.messages import Message


def batch_for(actor: User, batch_id: int) -> Batch:
    batch: Batch | None = Batch.objects.visible_to(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(Message(gettext_noop("No batch %(id)s in your region."), {"id": batch_id}))
    return batch


def standards_version(version_id: int) -> StandardImport:
    version: StandardImport | None = StandardImport.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound(Message(gettext_noop("No standards version %(id)s."), {"id": version_id}))
    return version


def topup_for(actor: User, topup_id: int) -> LocalTopUp:
    topup: LocalTopUp | None = LocalTopUp.objects.visible_to(actor).filter(pk=topup_id).first()
    if topup is None:
        raise NotFound(Message(gettext_noop("No top-up %(id)s in your region."), {"id": topup_id}))
    return topup


def standards_version_summary(version: StandardImport) -> dict[str, Any]:
    return {
        "ok": True,
        "id": version.pk,
        "state": version.state,
        "rows": version.rows,
        "filename": version.filename,
        "reason": version.reason,
    }


def topup_summary(topup: LocalTopUp) -> dict[str, Any]:
    return {
        "ok": True,
        "id": topup.pk,
        "state": topup.state,
        "percent": f"{topup.percent:.2f}",
        "from": topup.effective_on.isoformat(),
        "reason": topup.reason,
    }


def read_file(path_text: str) -> tuple[bytes, str]:
    path = Path(path_text)
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise InvalidInput(
            Message(
                gettext_noop("Cannot read %(path)s: %(reason)s"), {"path": str(path), "reason": exc.strerror}
            )
        ) from None
