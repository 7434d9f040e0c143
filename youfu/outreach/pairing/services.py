"""Pairing's writes: pair a department with a person, end a pairing, record an activity.

Each checks the role (``rules``), the scope (a pairing outside the actor's region or, for a
liaison, outside their department is a 404), the state and the dates, then writes the row and
its audit record in one transaction. A refusal changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import Department, User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.money import money, to_fen
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.messages import Message
from youfu.outreach.pairing.models import Pairing, PairingActivity
from youfu.outreach.pairing.rules import (
    KIND_RULES,
    MAX_ACTIVITY_COUNT,
    MAX_ACTIVITY_YUAN,
    Amount,
    may_manage_pairings,
    may_record_activities,
    may_record_for,
)
from youfu.registry.models import Beneficiary, PersonStatus

MAX_NOTE = 2000


def invalid(
    field_name: str, msgid: str, params: dict[str, Any] | None = None, *, code: str = "invalid"
) -> InvalidInput:
    message = Message(msgid, params or {})
    return InvalidInput(message, code=code, fields={field_name: message})


def _today() -> date:
    return timezone.localdate()


def _not_future(value: date, field_name: str) -> None:
    if value > _today():
        raise invalid(
            field_name,
            gettext_noop("The date %(date)s is in the future."),
            {"date": value},
            code="date_in_future",
        )


def _text(value: str, field_name: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field_name, gettext_noop("This field is required."), code="required")
    if len(text) > MAX_NOTE:
        raise invalid(field_name, gettext_noop("At most %(n)d characters."), {"n": MAX_NOTE}, code="too_long")
    return text


def _visible_pairing(pairing: Pairing, actor: User) -> Pairing:
    """The pairing locked for this transaction, if the actor's scope holds it."""
    if not Pairing.objects.visible_to(actor).filter(pk=pairing.pk).exists():
        raise NotFound()
    return Pairing.objects.select_for_update().select_related("beneficiary").get(pk=pairing.pk)


# --- pairing -------------------------------------------------------------------------------


def do_start_pairing(
    *,
    department_id: int,
    beneficiary_id: int,
    started_on: date,
    acting_user: User,
    note: str = "",
) -> Pairing:
    if not may_manage_pairings(acting_user):
        raise PermissionDenied(
            Message(gettext_noop("Only a county clerk pairs departments with households."))
        )
    person = Beneficiary.objects.visible_to(acting_user).filter(pk=beneficiary_id).first()
    if person is None:
        raise invalid("beneficiary", gettext_noop("Unknown person."))
    unit = (
        Department.objects.visible_to(acting_user).select_related("region").filter(pk=department_id).first()
    )
    if unit is None:
        raise invalid("department", gettext_noop("Choose a department from the list."))
    if not unit.region.contains(person.region_id):
        raise invalid(
            "department",
            gettext_noop("%(department)s works outside the person's township."),
            {"department": unit.name},
        )
    if person.status == PersonStatus.DECEASED:
        raise invalid(
            "beneficiary",
            gettext_noop("%(name)s has died: a department cannot be paired with them."),
            {"name": person.name},
            code="person_deceased",
        )
    _not_future(started_on, "started_on")
    note = _text(note, "note", required=False)
    with transaction.atomic():
        earlier = Pairing.objects.filter(department=unit, beneficiary=person)
        current = earlier.filter(ended_on__isnull=True).first()
        if current is not None:
            raise _already_paired(unit, person, current.started_on)
        last_end = earlier.aggregate(last=Max("ended_on"))["last"]
        if last_end is not None and started_on <= last_end:
            raise Conflict(
                Message(
                    gettext_noop(
                        "%(department)s was paired with %(name)s until %(date)s: "
                        "a new pairing starts after that."
                    ),
                    {"department": unit.name, "name": person.name, "date": last_end},
                ),
                code="pairing_overlaps",
                fields={"started_on": Message(gettext_noop("after %(date)s"), {"date": last_end})},
            )
        try:
            with transaction.atomic():
                pairing = Pairing.objects.create(
                    department=unit,
                    beneficiary=person,
                    started_on=started_on,
                    note=note,
                    created_by=acting_user,
                )
        except IntegrityError:  # a racing request paired them first
            raise _already_paired(unit, person, started_on) from None
        record_event(
            EventType.PAIRING_STARTED,
            actor=acting_user,
            region=person.region_id,
            obj=pairing,
            new={
                "department": unit.pk,
                "beneficiary": person.pk,
                "started_on": started_on,
                "note": note,
            },
        )
    return pairing


def _already_paired(unit: Department, person: Beneficiary, since: date) -> Conflict:
    return Conflict(
        Message(
            gettext_noop("%(department)s is already paired with %(name)s (since %(date)s)."),
            {"department": unit.name, "name": person.name, "date": since},
        ),
        code="already_paired",
    )


def do_end_pairing(pairing: Pairing, *, ended_on: date, acting_user: User, reason: str = "") -> Pairing:
    if not may_manage_pairings(acting_user):
        raise PermissionDenied(Message(gettext_noop("Only a county clerk ends a pairing.")))
    _not_future(ended_on, "ended_on")
    reason = _text(reason, "reason", required=False)
    with transaction.atomic():
        locked = _visible_pairing(pairing, acting_user)
        if locked.ended_on is not None:
            raise Conflict(
                Message(gettext_noop("This pairing ended on %(date)s."), {"date": locked.ended_on}),
                code="pairing_ended",
            )
        if ended_on < locked.started_on:
            raise invalid(
                "ended_on",
                gettext_noop("The pairing started on %(date)s: it cannot end before that."),
                {"date": locked.started_on},
                code="date_too_early",
            )
        last = locked.activities.aggregate(last=Max("done_on"))["last"]
        if last is not None and ended_on < last:
            raise invalid(
                "ended_on",
                gettext_noop("An activity was recorded on %(date)s: the pairing cannot end before that."),
                {"date": last},
                code="date_too_early",
            )
        locked.ended_on = ended_on
        locked.end_reason = reason
        locked.ended_by = acting_user
        locked.save(update_fields=["ended_on", "end_reason", "ended_by"])
        record_event(
            EventType.PAIRING_ENDED,
            actor=acting_user,
            region=locked.beneficiary.region_id,
            obj=locked,
            old={"ended_on": None},
            new={"ended_on": ended_on, "end_reason": reason},
        )
    pairing.refresh_from_db()
    return locked


# --- activities ----------------------------------------------------------------------------


def check_activity(kind: str, amount: Decimal | None, count: int | None) -> None:
    """What each kind carries (``KIND_RULES``), and the bounds of one household's figures."""
    rule = KIND_RULES.get(kind)
    if rule is None:
        raise invalid("kind", gettext_noop("Unknown kind of activity %(kind)s."), {"kind": kind})
    if amount is not None:
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise invalid("amount", gettext_noop("An amount in yuan, at most two decimals, not negative."))
        if amount > MAX_ACTIVITY_YUAN:
            raise invalid(
                "amount",
                gettext_noop("At most %(max)s yuan for one household at a time."),
                {"max": f"{MAX_ACTIVITY_YUAN:,}"},
                code="too_large",
            )
    if rule.amount is Amount.REQUIRED and not amount:
        raise invalid("amount", gettext_noop("Give the amount of money given."), code="required")
    if rule.amount is Amount.NONE and amount is not None:
        raise invalid("amount", gettext_noop("This kind of activity carries no amount of money."))
    if count is not None:
        if not rule.takes_count:
            raise invalid("count", gettext_noop("This kind of activity carries no number."))
        if not 1 <= count <= MAX_ACTIVITY_COUNT:
            raise invalid(
                "count",
                gettext_noop("A number from 1 to %(max)d."),
                {"max": MAX_ACTIVITY_COUNT},
                code="out_of_range",
            )


def do_record_activity(
    pairing: Pairing,
    *,
    kind: str,
    done_on: date,
    note: str,
    acting_user: User,
    amount: Decimal | None = None,
    count: int | None = None,
) -> PairingActivity:
    if not may_record_activities(acting_user):
        raise PermissionDenied(
            Message(gettext_noop("Activities are recorded by the department's liaison or a county clerk."))
        )
    check_activity(kind, amount, count)
    note = _text(note, "note", required=True)
    _not_future(done_on, "done_on")
    with transaction.atomic():
        locked = _visible_pairing(pairing, acting_user)
        if not may_record_for(acting_user, locked):
            raise NotFound()
        if locked.ended_on is not None:
            raise Conflict(
                Message(
                    gettext_noop("This pairing ended on %(date)s: it takes no more activities."),
                    {"date": locked.ended_on},
                ),
                code="pairing_ended",
            )
        if done_on < locked.started_on:
            raise invalid(
                "done_on",
                gettext_noop("The pairing started on %(date)s: an activity cannot be before that."),
                {"date": locked.started_on},
                code="date_too_early",
            )
        activity = PairingActivity.objects.create(
            pairing=locked,
            kind=kind,
            done_on=done_on,
            amount_fen=None if amount is None else to_fen(amount),
            count=count,
            note=note,
            recorded_by=acting_user,
        )
        record_event(
            EventType.PAIRING_ACTIVITY_RECORDED,
            actor=acting_user,
            region=locked.beneficiary.region_id,
            obj=activity,
            new={
                "pairing": locked.pk,
                "department": locked.department_id,
                "kind": kind,
                "done_on": done_on,
                "amount": None if activity.amount_fen is None else money(activity.amount_fen),
                "count": count,
                "note": note,
            },
        )
    return activity
