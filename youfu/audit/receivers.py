"""Audit records for writes made by apps below audit.

core sits below audit, so it cannot call ``record_event``; it sends a signal inside its
transaction instead and these receivers (connected in ``AuditConfig.ready``) write the record in
that same transaction. A failure here rolls the write back: nothing is written unaudited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from youfu.audit.events import EventType
from youfu.audit.services import record_event

if TYPE_CHECKING:
    from youfu.accounts.models import User


def on_calendar_imported(
    sender: Any, *, acting_user: User | None, years: list[int], extra: dict[str, Any], **kwargs: Any
) -> None:
    record_event(
        EventType.CALENDAR_IMPORTED,
        actor=acting_user,
        object_type="core.calendaryear",
        object_id=",".join(str(y) for y in years),
        extra=extra,
    )
