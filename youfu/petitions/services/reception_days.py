"""Leaders' reception days (领导接待日): create, change a coming one, cancel."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.errors import Conflict, NotFound
from youfu.core.messages import Message
from youfu.petitions.models import (
    ReceptionDay,
)
from youfu.petitions.services._common import (
    _check_region,
    _require_intake,
    _today,
)
from youfu.petitions.validation import invalid
from youfu.regions.models import Region

# --- reception days ------------------------------------------------------------------------


def do_create_reception_day(
    *,
    region: Region,
    on: date,
    place: str,
    leader: User | None,
    leader_name: str,
    acting_user: User,
    leader_title: str = "",
    time: str = "",
    topics: str = "",
) -> ReceptionDay:
    _require_intake(acting_user)
    _check_region(acting_user, region)
    fields = _reception_fields(on, time, place, leader, leader_name, leader_title, topics, current=None)
    with transaction.atomic():
        day = ReceptionDay.objects.create(region=region, created_by=acting_user, **fields)
        record_event(
            EventType.RECEPTION_DAY_CREATED,
            actor=acting_user,
            region=region.code,
            obj=day,
            new={"date": on, "leader": day.leader_id, "region": region.code},
        )
    return day


_RECEPTION_FIELDS = ("date", "time", "place", "leader_id", "leader_name", "leader_title", "topics")


def _reception_fields(
    on: date,
    time: str,
    place: str,
    leader: User | None,
    leader_name: str,
    leader_title: str,
    topics: str,
    *,
    current: ReceptionDay | None,
) -> dict[str, Any]:
    """A reception day's fields, cleaned and checked, for a new day or a change to ``current``.
    A leader chosen from the list gives their own name when none is written, or when the
    previous leader's name was left in place."""
    stale_name = (
        current is not None
        and leader is not None
        and leader.pk != current.leader_id
        and leader_name == current.leader_name
    )
    if leader is not None and (stale_name or not leader_name.strip()):
        leader_name = leader.full_name or leader.username
    if not leader_name.strip():
        raise invalid("leader", gettext_noop("Name the leader who receives."))
    if not place.strip():
        raise invalid("place", gettext_noop("This field is required."))
    return {
        "date": on,
        "time": time.strip(),
        "place": place.strip(),
        "leader_id": leader.pk if leader is not None else None,
        "leader_name": leader_name.strip(),
        "leader_title": leader_title.strip(),
        "topics": topics.strip(),
    }


RECEPTION_PAST = gettext_noop(
    "The reception day of %(date)s is in the past: it stays in the record as it was and can no "
    "longer be changed or cancelled."
)
RECEPTION_CANCELLED = gettext_noop(
    "The reception day of %(date)s was cancelled: it can no longer be changed."
)


def _require_reception_visible(day: ReceptionDay, actor: User) -> ReceptionDay:
    """The day as stored now, if the actor's region holds it."""
    current = ReceptionDay.objects.visible_to(actor).filter(pk=day.pk).first()
    if current is None:
        raise NotFound()
    return current


def _check_reception_open(day: ReceptionDay) -> None:
    if day.cancelled_at is not None:
        raise Conflict(
            Message(RECEPTION_CANCELLED, {"date": day.date.isoformat()}), code="reception_day_cancelled"
        )
    if day.date < _today():
        raise Conflict(Message(RECEPTION_PAST, {"date": day.date.isoformat()}), code="reception_day_past")


def _reception_values(day: ReceptionDay) -> dict[str, Any]:
    return {name: getattr(day, name) for name in _RECEPTION_FIELDS}


def _audit_key(name: str) -> str:
    return "leader" if name == "leader_id" else name


def _apply(changes: dict[str, Any], *days: ReceptionDay) -> None:
    # The caller's copy follows the stored row, like a petition after a transition.
    for day in days:
        for name, value in changes.items():
            setattr(day, name, value)


def _save_reception_change(day: ReceptionDay, changes: dict[str, Any]) -> None:
    """Write ``changes`` unless the day was cancelled or passed since it was read."""
    updated = ReceptionDay.objects.filter(pk=day.pk, cancelled_at__isnull=True, date__gte=_today()).update(
        **changes
    )
    if updated != 1:
        day.refresh_from_db()
        _check_reception_open(day)
        raise Conflict(Message(gettext_noop("The reception day was changed meanwhile; please try again.")))


def do_update_reception_day(
    day: ReceptionDay,
    *,
    on: date,
    place: str,
    leader: User | None,
    leader_name: str,
    acting_user: User,
    leader_title: str = "",
    time: str = "",
    topics: str = "",
) -> ReceptionDay:
    """Change a coming reception day (date, time, place, leader, topics). A day that has
    passed or was cancelled is history and stays as it was (409)."""
    _require_intake(acting_user)
    current = _require_reception_visible(day, acting_user)
    _check_region(acting_user, current.region)
    _check_reception_open(current)
    if on < _today():
        raise invalid(
            "date",
            gettext_noop("A reception day cannot be moved into the past (%(date)s)."),
            {"date": on.isoformat()},
            code="date_in_past",
        )
    wanted = _reception_fields(on, time, place, leader, leader_name, leader_title, topics, current=current)
    before = _reception_values(current)
    changes = {k: v for k, v in wanted.items() if before[k] != v}
    if not changes:
        return current
    with transaction.atomic():
        _save_reception_change(current, changes)
        _apply(changes, current, day)
        record_event(
            EventType.RECEPTION_DAY_CHANGED,
            actor=acting_user,
            region=current.region_id,
            obj=current,
            old={_audit_key(k): before[k] for k in changes},
            new={_audit_key(k): v for k, v in changes.items()},
        )
    return current


def do_cancel_reception_day(day: ReceptionDay, *, reason: str, acting_user: User) -> ReceptionDay:
    """Cancel a coming reception day. The row stays, with who cancelled it, when and why;
    petitions registered at it keep their link."""
    _require_intake(acting_user)
    current = _require_reception_visible(day, acting_user)
    _check_region(acting_user, current.region)
    _check_reception_open(current)
    if not reason.strip():
        raise invalid("reason", gettext_noop("Give the reason for the cancellation."))
    changes = {"cancelled_at": timezone.now(), "cancelled_by": acting_user, "cancel_reason": reason.strip()}
    with transaction.atomic():
        _save_reception_change(current, changes)
        _apply(changes, current, day)
        record_event(
            EventType.RECEPTION_DAY_CANCELLED,
            actor=acting_user,
            region=current.region_id,
            obj=current,
            old={"cancelled_at": None},
            new={"cancelled_at": current.cancelled_at, "reason": current.cancel_reason},
            extra={"date": current.date, "petitions": current.petitions.count()},
        )
    return current
