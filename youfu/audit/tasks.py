from __future__ import annotations

import logging

from django.core.mail import mail_admins
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from youfu.audit.anchors import AnchorError, read_anchors, write_anchor
from youfu.audit.context import audit_context
from youfu.audit.events import EventType
from youfu.audit.models import AuditChainHead
from youfu.audit.services import record_event
from youfu.audit.verify import verify_chain
from youfu.core.nightly import ran, register_nightly

logger = logging.getLogger(__name__)


# huey's crontab runs on UTC: 20:00 UTC is 04:00 in Asia/Shanghai, when nobody works, after the
# nightly backup (02:00), the 应享未享 rules (03:00) and the report files' expiry (03:30). The lock
# keeps two workers (several consumers on Redis) from walking the chain twice the same night.
@db_periodic_task(crontab(hour="20", minute="0"))
@lock_task("youfu-nightly-verify-audit")
def nightly_verify_audit() -> bool:
    """Walk the whole chain every night, so tampering is noticed within a day; hold it to the
    anchors of the nights before, and, if it holds, anchor tonight's head (``youfu.audit.anchors``)."""
    problem = ""
    try:
        anchors = read_anchors()
    except AnchorError as exc:
        anchors, problem = [], str(exc)
    result = verify_chain(anchors=anchors)
    ok = result.ok and not problem
    with audit_context(ip=None, channel="task"):
        record_event(
            EventType.AUDIT_VERIFIED,
            actor=None,
            extra={
                "ok": ok,
                "checked": result.checked,
                "broken_seq": result.broken_seq,
                "anchors": result.anchors,
                "anchor_file_unreadable": bool(problem),
            },
        )
    if not result.ok:
        logger.error("audit chain broken at #%s: %s", result.broken_seq, result.reason)
        mail_admins("youfu: audit log broken", f"{result.reason} (seq {result.broken_seq})")
    elif problem:
        # An anchor file that cannot be read is not written to either: the operator looks first.
        logger.error("audit anchors unreadable: %s", problem)
        mail_admins("youfu: audit anchors unreadable", problem)
    else:
        head = AuditChainHead.objects.get(pk=1)  # with tonight's verdict on it
        write_anchor(head.seq, head.hash)
    ran("verify-audit")
    return ok


register_nightly("verify-audit", nightly_verify_audit)
