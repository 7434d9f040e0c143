"""Monthly batches: created set-based by the engine, approved, discarded, closed."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes, engine
from youfu.benefits.models import (
    OPEN_STATES,
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    BatchTotal,
    LinePart,
    LineSum,
    Recovery,
    RecoveryStatus,
)
from youfu.benefits.money import (
    add_months,
    money,
    month_label,
    ym_label,
)
from youfu.benefits.services.common import WRITE, add_transition, check_batch_county, county_of, move_batch
from youfu.benefits.services.one_offs import lock_county_payments
from youfu.benefits.services.start_month import payments_start, settings_for, start_month_missing_message
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import Region
from youfu.registry.categories import CHINESE_CAUSE, CHINESE_NAMES, Category
from youfu.registry.models import Qualification, Residence

if TYPE_CHECKING:
    from youfu.accounts.models import User


# --- batches ----------------------------------------------------------------------------------


def batch_summary(batch: Batch) -> dict[str, Any]:
    """The create-batch contract: counts, and amounts as 2-decimal strings."""
    return {
        "id": batch.pk,
        "period": batch.period_label,
        "persons": batch.persons,
        "lines": batch.items,
        "total": money(batch.total_fen),
        "arrears_total": money(batch.arrears_fen),
        "one_off_total": money(batch.one_off_fen),
        "recoveries": batch.recoveries,
    }


def _problems_message(exc: engine.EngineProblems) -> Message:
    qualifications = {
        q.pk: q
        for q in Qualification.objects.filter(
            pk__in=[p.qualification_id for p in exc.samples]
        ).select_related("beneficiary")
    }
    examples = []
    for problem in exc.samples[:5]:
        q = qualifications.get(problem.qualification_id)
        if q is None:
            continue
        what = CHINESE_NAMES[Category(q.category)]
        if q.disability_level:
            what += f" {CHINESE_CAUSE.get(q.disability_cause, '')}{q.disability_level}级"  # type: ignore[call-overload]
        what += " " + ("城镇" if q.beneficiary.residence == Residence.URBAN else "农村")
        reason = "无标准" if problem.kind == engine.NO_STANDARD else "无服役年限"
        examples.append(f"{ym_label(problem.ym)} {q.beneficiary.name}（{what}，{reason}）")
    return Message(
        gettext_noop(
            "%(count)d payment(s) cannot be computed: no standard applies, or a standard paid per year "
            "of service meets a qualification without years of service. Import the missing standards "
            "or complete the records, then try again. For example: %(examples)s"
        ),
        {"count": exc.count, "examples": "；".join(examples)},
    )


def do_create_batch(period: date, *, acting_user: User) -> Batch:
    """Compute the month's batch for the acting user's county: due minus confirmed-paid for
    every person, benefit and month from the payments start month through ``period``."""
    require(acting_user, WRITE)
    county = county_of(acting_user)
    period = period.replace(day=1)
    this_month = timezone.localdate().replace(day=1)
    if period > add_months(this_month, 1):
        raise InvalidInput(
            Message(
                gettext_noop("%(period)s is more than one month ahead; the latest period now is %(latest)s."),
                {"period": month_label(period), "latest": month_label(add_months(this_month, 1))},
            ),
            fields={"period": gettext_noop("too far ahead")},
        )
    start = payments_start(county)
    if start is None:
        raise Conflict(start_month_missing_message(), code="no_start_month")
    if period < start:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "%(period)s is before the payments start month %(start)s: that is settled history."
                ),
                {"period": month_label(period), "start": month_label(start)},
            ),
            fields={"period": gettext_noop("before the payments start month")},
        )
    _refuse_double_batch(county, period)
    window = engine.Window(county.code, start, period, settings_for(county).allowance_month)
    engine.prepare_partitions(window)
    try:
        with transaction.atomic():
            # The insert comes first: a racing request waits on (or fails at) the unique
            # indexes before any work is done.
            batch = Batch.objects.create(
                county=county, period=period, created_by=acting_user, payments_start=start
            )
            # One-offs scheduled or withdrawn meanwhile wait for this batch: it neither misses
            # one (it would be dated this month) nor pays one withdrawn.
            lock_county_payments(county.code)
            # Only what changed since the previous batch settled its months (changes.py).
            changes.consume(batch)
            plan = changes.plan_for(batch, window)
            outcome = engine.compute_batch(batch, window, plan)
            batch.persons = outcome.persons
            batch.items = outcome.items
            batch.total_fen = outcome.total_fen
            batch.arrears_fen = outcome.arrears_fen
            batch.recoveries = outcome.recoveries
            batch.recoveries_fen = outcome.recoveries_fen
            batch.one_off_fen = outcome.one_off_fen
            batch.save(
                update_fields=[
                    "persons",
                    "items",
                    "total_fen",
                    "arrears_fen",
                    "recoveries",
                    "recoveries_fen",
                    "one_off_fen",
                ]
            )
            add_transition(batch, BatchState.DRAFT, acting_user)
            record_event(
                EventType.BATCH_CREATED,
                actor=acting_user,
                region=county,
                obj=batch,
                new=batch_summary(batch),
                extra={
                    "payments_start": month_label(start),
                    "held_persons": outcome.held_persons,
                    "held_total": money(outcome.held_fen),
                    "recoveries_total": money(outcome.recoveries_fen),
                    "pending_lump_sums": outcome.pending_lump_sums,
                    "recomputed": plan.describe(),
                },
            )
    except IntegrityError:
        _refuse_double_batch(county, period)
        raise
    except engine.EngineProblems as exc:
        raise Conflict(_problems_message(exc), code="cannot_compute") from None
    return batch


def _refuse_double_batch(county: Region, period: date) -> None:
    latest = (
        Batch.objects.filter(county=county).exclude(state=BatchState.DISCARDED).order_by("-period").first()
    )
    if latest is None:
        return
    if latest.state in OPEN_STATES:
        raise Conflict(
            Message(
                gettext_noop("The %(period)s batch is still open (%(state)s): close or discard it first."),
                {"period": latest.period_label, "state": latest.get_state_display()},
            ),
            code="batch_open",
        )
    if period <= latest.period:
        raise Conflict(
            Message(
                gettext_noop("There is already a batch for %(latest)s; the next batch is for a later month."),
                {"latest": latest.period_label},
            ),
            code="batch_exists",
        )


def do_approve_batch(
    batch: Batch,
    *,
    acting_user: User,
    note: str = "",
    changes: dict[str, int] | None = None,
    changes_checked: bool = False,
) -> Batch:
    """A leader who did not create the batch approves it; from then on it cannot change.

    ``changes`` is what the batch's page listed for them to check (the payee and entitlement
    changes since the batch before: ``selectors.listed_changes``), and ``changes_checked``
    whether they said they checked them; both go into the approval's audit record, so the log
    says what each approval covered. The page will not approve listed changes unticked."""
    require(acting_user, Capability.APPROVE)
    check_batch_county(acting_user, batch)
    if batch.created_by_id == acting_user.pk:
        raise PermissionDenied(
            Message(gettext_noop("You created this batch: another leader must approve it.")), code="own_batch"
        )
    listed = None if changes is None else {"changes_listed": changes, "changes_checked": changes_checked}
    with transaction.atomic():
        move_batch(
            batch,
            [BatchState.DRAFT],
            BatchState.APPROVED,
            approved_at=timezone.now(),
            approved_by=acting_user,
        )
        add_transition(batch, BatchState.APPROVED, acting_user, note)
        record_event(
            EventType.BATCH_APPROVED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.DRAFT},
            new={"state": BatchState.APPROVED, "total": money(batch.total_fen), "persons": batch.persons},
            extra=listed,
        )
    return batch


def do_discard_batch(batch: Batch, *, acting_user: User, note: str = "") -> Batch:
    """A draft is discarded whole: its lines (with their parts), items and recoveries go; claims
    it had superseded are open again. The batch row and its history stay."""
    if not (acting_user.can(WRITE) or acting_user.can(Capability.APPROVE)):
        raise PermissionDenied()
    check_batch_county(acting_user, batch)
    with transaction.atomic():
        move_batch(batch, [BatchState.DRAFT], BatchState.DISCARDED)
        BatchTotal.objects.filter(batch=batch).delete()
        BatchItem.objects.filter(batch=batch).delete()
        LinePart.objects.filter(batch=batch).delete()
        LineSum.objects.filter(batch=batch).delete()
        BatchLine.objects.filter(batch=batch).delete()
        Recovery.objects.filter(batch=batch).delete()
        Recovery.objects.filter(superseded_by=batch).update(status=RecoveryStatus.OPEN, superseded_by=None)
        changes.release(batch)
        add_transition(batch, BatchState.DISCARDED, acting_user, note)
        record_event(
            EventType.BATCH_DISCARDED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.DRAFT},
            new={"state": BatchState.DISCARDED},
            extra={"note": note},
        )
    return batch


def do_close_batch(batch: Batch, *, acting_user: User, note: str = "") -> Batch:
    require(acting_user, WRITE)
    check_batch_county(acting_user, batch)
    with transaction.atomic():
        move_batch(batch, [BatchState.RETURNS_IMPORTED], BatchState.CLOSED)
        add_transition(batch, BatchState.CLOSED, acting_user, note)
        record_event(
            EventType.BATCH_CLOSED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.RETURNS_IMPORTED},
            new={"state": BatchState.CLOSED},
        )
    return batch
