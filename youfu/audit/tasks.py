from __future__ import annotations

import logging

from django.core.mail import mail_admins
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from youfu.audit.context import audit_context
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.audit.verify import verify_chain

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="30"))
def nightly_verify_audit() -> bool:
    """Walk the whole chain every night, so tampering is noticed within a day."""
    result = verify_chain()
    with audit_context(ip=None, channel="task"):
        record_event(
            EventType.AUDIT_VERIFIED,
            actor=None,
            extra={"ok": result.ok, "checked": result.checked, "broken_seq": result.broken_seq},
        )
    if not result.ok:
        logger.error("audit chain broken at #%s: %s", result.broken_seq, result.reason)
        mail_admins("youfu: audit log broken", f"{result.reason} (seq {result.broken_seq})")
    return result.ok
