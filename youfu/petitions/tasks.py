from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from youfu.audit.context import audit_context
from youfu.petitions.reminders import send_deadline_reminders


# huey's crontab runs on UTC: 23:30 UTC is 07:30 in Asia/Shanghai, before the office opens.
@db_periodic_task(crontab(hour="23", minute="30"))
def daily_deadline_reminders() -> int:
    """Every morning: notices for matters due within 3 working days or overdue."""
    with audit_context(ip=None, channel="task"):
        return send_deadline_reminders().delivered
