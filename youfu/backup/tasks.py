"""The nightly backup on the job queue (huey finds this module at the app level)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from youfu.audit.context import audit_context
from youfu.backup.services import do_nightly_backup
from youfu.core.nightly import ran, register_nightly


# huey's crontab runs on UTC: 18:00 UTC is 02:00 in Asia/Shanghai, when nobody works. The lock
# keeps two workers (several consumers on Redis) from writing the same night's backup twice.
@db_periodic_task(crontab(hour="18", minute="0"))
@lock_task("youfu-nightly-backup")
def nightly_backup() -> str | None:
    """Back up into YOUFU_BACKUP_DIR and keep the newest YOUFU_BACKUP_KEEP; the file's name."""
    with audit_context(ip=None, channel="task"):
        result = do_nightly_backup()
    ran("backup")
    return None if result is None else result.path.name


register_nightly("backup", nightly_backup)
