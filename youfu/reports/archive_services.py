"""The monthly archive: once a month has closed, each county's summary of it is generated as the
.xlsx workbook and kept, byte for byte, with its SHA-256; a download later gets exactly those
bytes, checked.

The archive is the county's report as the county reads it, written by the system (the monthly
task), not by a user. Every read in youfu goes through a reader's scope, and the summary's
selectors take a reader; so the task reads as ``system_reader(county)``, a reader made for this and
nothing else (see there), and the audit record names the system, as it names every task.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import SYSTEM_ACTOR, record_event
from youfu.core.errors import Conflict
from youfu.core.messages import Message
from youfu.core.roles import Role
from youfu.regions.models import Region, RegionLevel
from youfu.reports.archive_models import ArchivedReport
from youfu.reports.selectors import summary
from youfu.reports.workbook import summary_workbook

SCOPE_TRUSTED = (
    "the monthly task archives every county's month as the system: it looks up the archive of "
    "each county and period to write it once, outside any user's scope"
)


@dataclass(frozen=True)
class ArchiveResult:
    report: ArchivedReport
    created: bool


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s month."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(today: date) -> tuple[date, date]:
    """The month that closed last: on any day of December, November."""
    return month_of(today.replace(day=1) - timedelta(days=1))


def system_reader(region: Region) -> User:
    """The reader the system reads a region's report as (the monthly task: each county's): no
    one's account, and said to be none.

    It is never saved (no row: it cannot sign in, hold a session or a token, or be anyone's
    actor in the audit log, which names the task ``system``), has no usable password, and is
    named ``system`` like the log's entries. Its scope is exactly the region: every record whose
    region lies in it, with no department filter. Its role is there only because scope is decided
    by role: a reading role attached to the region reads the whole of it, and a leader's — the
    role a county's report is for — is such a role, whose capabilities beyond reading the
    selectors never use. A test holds the archived figures to those the county's own clerk and
    leader read (``test_archive.py``)."""
    reader = User(
        username=SYSTEM_ACTOR, full_name=SYSTEM_ACTOR, role=Role.LEADER, region=region, is_active=True
    )
    reader.set_unusable_password()
    return reader


def _existing(region: Region, start: date, end: date) -> ArchivedReport | None:
    return ArchivedReport.objects.filter(region=region, period_start=start, period_end=end).first()


def archive_period(region: Region, start: date, end: date) -> ArchiveResult:
    """The county's summary of [start, end], archived once: a second call (or a racing worker)
    finds the first one's and writes nothing."""
    found = _existing(region, start, end)
    if found is not None:
        return ArchiveResult(found, created=False)
    generated_at = timezone.now()
    data = summary_workbook(
        summary(system_reader(region), start, end, region), filed_on=timezone.localdate(generated_at)
    )
    report = ArchivedReport(
        region=region,
        period_start=start,
        period_end=end,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        generated_at=generated_at,
        generated_by=None,
    )
    report.file.save("summary.xlsx", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            report.save()
            record_event(
                EventType.REPORT_ARCHIVED,
                actor=None,
                region=region.pk,
                obj=report,
                new={
                    "period_start": start.isoformat(),
                    "period_end": end.isoformat(),
                    "size": report.size,
                    "sha256": report.sha256,
                },
            )
    except IntegrityError:
        # Another worker archived the same period first: theirs stands, this file goes.
        default_storage.delete(report.file.name)
        winner = _existing(region, start, end)
        if winner is None:  # pragma: no cover - the constraint names this very row
            raise
        return ArchiveResult(winner, created=False)
    except BaseException:
        default_storage.delete(report.file.name)
        raise
    return ArchiveResult(report, created=True)


def archive_closed_month(today: date | None = None) -> list[ArchiveResult]:
    """Every county's previous month (the monthly task, on the 1st and again on the 2nd)."""
    start, end = previous_month(today or timezone.localdate())
    counties = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")
    return [archive_period(county, start, end) for county in counties]


DAMAGED = Message(
    gettext_noop("The archived file does not match what was archived (size or SHA-256): it was not sent.")
)


def archived_bytes(report: ArchivedReport) -> bytes:
    """The stored bytes, after checking that they are the ones archived; a missing or changed
    file is refused rather than sent."""
    try:
        with report.file.open("rb") as handle:
            data: bytes = handle.read(report.size + 1)
    except OSError:
        raise Conflict(DAMAGED, code="archive_damaged") from None
    if len(data) != report.size or hashlib.sha256(data).hexdigest() != report.sha256:
        raise Conflict(DAMAGED, code="archive_damaged")
    return data


def archive_name(report: ArchivedReport) -> str:
    return f"summary-{report.region_id}-{report.period_start:%Y-%m}.xlsx"
