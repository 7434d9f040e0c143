"""What the benefits commands share: finding a batch for the acting user, reading a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from youfu.benefits.models import Batch
from youfu.core.errors import InvalidInput, NotFound
from youfu.core.messages import Message


def batch_for(actor: Any, batch_id: int) -> Batch:
    batch: Batch | None = Batch.objects.visible_to(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(Message(gettext_noop("No batch %(id)s in your region."), {"id": batch_id}))
    return batch


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
