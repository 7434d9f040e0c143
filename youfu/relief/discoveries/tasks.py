"""The nightly run of the 应享未享 rules on the job queue (imported by ``wiring`` so that huey,
which looks for ``tasks`` modules at the app level, registers it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from youfu.audit.context import audit_context
from youfu.core.nightly import ran, register_nightly
from youfu.relief.discoveries.services import refresh_everywhere


# huey's crontab runs on UTC: 19:00 UTC is 03:00 in Asia/Shanghai, after the day's entries and
# before the audit chain's check (20:00 UTC, 04:00 there).
@db_periodic_task(crontab(hour="19", minute="0"))
def nightly_refresh_discoveries() -> int:
    """Every night: add what the rules find, close what no longer applies; returns how many were added."""
    with audit_context(ip=None, channel="task"):
        added = refresh_everywhere().added
    ran("discoveries")
    return added


register_nightly("discoveries", nightly_refresh_discoveries)
