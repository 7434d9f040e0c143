"""Deadline reminders: matters due within 3 working days notify the handling unit's
liaison(s) and the lead; overdue ones notify the bureau head too.

Each notice is a ``Notification`` row with a unique key (kind, deadline, petition, due
date, user), so it exists once however often the task runs; its delivery is claimed with
a compare-and-set on ``sent_at``, so it is e-mailed once even with two workers. Mail goes
out after commit and only when ``EMAIL_HOST`` is configured; the in-app list shows every
notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.roles import Role
from youfu.core.workdays import WorkCalendar
from youfu.petitions.models import (
    HANDLING_STATES,
    DeadlineKind,
    Notification,
    NotificationKind,
    Petition,
    State,
)
from youfu.petitions.selectors import SOON_WORKING_DAYS, county_of

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the deadline worker runs for the whole county and addresses each notice to the users who "
    "may see the petition"
)

logger = logging.getLogger(__name__)


@dataclass
class ReminderResult:
    created: int = 0
    delivered: int = 0
    emailed: int = 0
    keys: list[str] = field(default_factory=list)


def _due_petitions(horizon: date) -> Any:
    """Open matters whose running deadline falls on or before ``horizon``."""
    running = (
        Q(state=State.REGISTERED, accept_due__lte=horizon)
        | Q(state__in=HANDLING_STATES, handle_due__lte=horizon)
        | Q(state=State.REVIEW_REQUESTED, review_due__lte=horizon)
        | Q(state=State.REREVIEW_REQUESTED, rereview_due__lte=horizon)
    )
    return Petition.objects.filter(running).select_related("region", "region__parent", "lead", "created_by")


def _recipients(petition: Petition, overdue: bool) -> list[User]:
    people: dict[int, User] = {}
    if petition.handling_unit_id is not None:
        for liaison in User.objects.filter(
            department_id=petition.handling_unit_id, role=Role.DEPARTMENT_LIAISON, is_active=True
        ):
            people[liaison.pk] = liaison
    if petition.lead is not None and petition.lead.is_active:
        people[petition.lead.pk] = petition.lead
    if (
        petition.handling_unit_id is None
        and petition.created_by is not None
        and petition.created_by.is_active
    ):
        # Before assignment nobody handles the matter yet: remind the clerk who registered it.
        people[petition.created_by.pk] = petition.created_by
    if overdue:
        for head in User.objects.filter(region=county_of(petition.region), role=Role.LEADER, is_active=True):
            people[head.pk] = head
    return list(people.values())


def notice_text(notice: Notification) -> str:
    code = notice.petition.receipt_code_display
    label = DeadlineKind(notice.deadline_kind).label
    if notice.kind == NotificationKind.OVERDUE:
        return _("Petition %(code)s is overdue: the %(deadline)s was due on %(due)s.") % {
            "code": code,
            "deadline": label,
            "due": notice.due.isoformat(),
        }
    return _("Petition %(code)s: the %(deadline)s is due on %(due)s.") % {
        "code": code,
        "deadline": label,
        "due": notice.due.isoformat(),
    }


def _claim(notice: Notification) -> bool:
    now = timezone.now()
    return Notification.objects.filter(pk=notice.pk, sent_at__isnull=True).update(sent_at=now) == 1


def _email(notice: Notification, user: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = notice_text(notice)
        url = reverse("petitions:detail", kwargs={"petition_id": notice.petition_id})
    try:
        send_mail(f"[youfu] {text}", f"{text}\n\n{url}\n", None, [user.email])
    except Exception:  # a mail server hiccup must not fail the daily run
        logger.exception("reminder mail to %s failed", user.pk)


def send_deadline_reminders(today: date | None = None) -> ReminderResult:
    today = today or timezone.localdate()
    calendar = WorkCalendar()
    horizon = calendar.add_working_days(today, SOON_WORKING_DAYS).date
    result = ReminderResult()
    mail = bool(getattr(settings, "EMAIL_HOST", ""))
    for petition in _due_petitions(horizon).iterator(chunk_size=200):
        current = petition.current_due()
        if current is None or not isinstance(current[1], date):
            continue
        deadline_kind, due = str(current[0]), current[1]
        overdue = due < today
        kind = NotificationKind.OVERDUE if overdue else NotificationKind.DUE_SOON
        for user in _recipients(petition, overdue):
            key = f"{kind}:{deadline_kind}:{petition.pk}:{due.isoformat()}:{user.pk}"
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        notice, created = Notification.objects.get_or_create(
                            key=key,
                            defaults={
                                "user": user,
                                "petition": petition,
                                "kind": kind,
                                "deadline_kind": deadline_kind,
                                "due": due,
                            },
                        )
                except IntegrityError:  # another worker created it a moment ago
                    continue
                result.created += int(created)
                if not _claim(notice):
                    continue
                result.delivered += 1
                result.keys.append(key)
                notice.petition = petition
                if mail and user.email:
                    Notification.objects.filter(pk=notice.pk).update(emailed=True)
                    transaction.on_commit(partial(_email, notice, user))
                    result.emailed += 1
                record_event(
                    EventType.PETITION_REMINDER_SENT,
                    actor=None,
                    region=petition.region_id,
                    obj=petition,
                    extra={"kind": kind, "deadline": deadline_kind, "due": due, "user": user.pk},
                )
    return result


def do_mark_notifications_read(*, acting_user: User) -> int:
    """The user's own notices, marked read (interface state: not audited)."""
    return Notification.objects.filter(user=acting_user, read_at__isnull=True).update(read_at=timezone.now())
