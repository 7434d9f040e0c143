"""The oracle: a batch, or the county's next batch, against the full recomputation.

Batches recompute only what changed (``changes.py``). ``do_reconcile`` recomputes every
person, benefit and month from the payments start month, as a batch did before that, and
compares the two item by item. It also holds the batch's line parts (``LinePart``, what the
reports read of the lines paying several benefits) to its items, and its lines' kept sums
(``LineSum``, what a county's reports read instead of its lines) to its lines. It writes nothing but its
audit record: the work is done in a transaction that is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes, engine
from youfu.benefits.models import OPEN_STATES, Batch, BatchState, Recovery, RecoveryStatus
from youfu.benefits.money import money, month_label, ym, ym_label, yuan
from youfu.benefits.services.batches import _problems_message
from youfu.benefits.services.common import check_batch_county, county_of, require_payments_reader
from youfu.benefits.services.one_offs import lock_county_payments, next_batch_month
from youfu.benefits.services.start_month import payments_start, settings_for, start_month_missing_message
from youfu.core.errors import Conflict
from youfu.core.messages import Message
from youfu.core.roles import Capability, require

if TYPE_CHECKING:
    from youfu.accounts.models import User


@dataclass(frozen=True)
class Reconciled:
    county: str
    batch: Batch | None  # the batch checked; None: the county's next batch, computed and dropped
    period: date
    check: engine.FullCheck
    parts: engine.PartsCheck
    sums: engine.SumsCheck
    marks_waiting: dict[str, int]

    @property
    def agree(self) -> bool:
        return self.check.agree and self.parts.agree and self.sums.agree

    @property
    def batch_total(self) -> Decimal:
        return yuan(self.check.batch_total_fen)

    @property
    def full_total(self) -> Decimal:
        return yuan(self.check.total_fen)

    def as_dict(self) -> dict[str, Any]:
        """The ``youfu reconcile --full --json`` contract."""
        return {
            "ok": True,
            "agree": self.agree,
            "county": self.county,
            "batch": self.batch.pk if self.batch else None,
            "checked": "batch" if self.batch else "next",
            "period": self.period.strftime("%Y-%m"),
            "items": {"batch": self.check.batch_items, "full": self.check.items},
            "total": {"batch": money(self.check.batch_total_fen), "full": money(self.check.total_fen)},
            "differences": self.check.count,
            "listed": [
                {
                    "kind": d.kind,
                    "beneficiary_id": d.beneficiary_id,
                    "benefit": d.benefit,
                    "month": ym_label(d.ym),
                    "batch": _amounts(d.batch),
                    "full": _amounts(d.full),
                }
                for d in self.check.differences
            ],
            "line_parts": {
                "lines": self.parts.lines,
                "differences": self.parts.count,
                "listed": [
                    {
                        "beneficiary_id": d.beneficiary_id,
                        "benefit": d.benefit or None,
                        "parts": _part(d.parts),
                        "expected": _part(d.expected),
                    }
                    for d in self.parts.differences
                ],
            },
            "line_sums": {
                "kept": self.sums.kept,
                "differences": len(self.sums.differences),
                "listed": [
                    {
                        "status": d.status,
                        "benefits": d.benefits,
                        "kept": _sum(d.kept),
                        "lines": _sum(d.lines),
                    }
                    for d in self.sums.differences
                ],
            },
            "changes_waiting": self.marks_waiting,
        }


def _amounts(values: tuple[int, int, int] | None) -> dict[str, str] | None:
    if values is None:
        return None
    due, paid, amount = values
    return {"due": money(due), "paid_before": money(paid), "amount": money(amount)}


def _part(values: tuple[int, int] | None) -> dict[str, str] | None:
    if values is None:
        return None
    amount, arrears = values
    return {"amount": money(amount), "arrears": money(arrears)}


def _sum(values: tuple[int, int, int] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    lines, amount, arrears = values
    return {"lines": lines, "amount": money(amount), "arrears": money(arrears)}


class _Done(Exception):
    """Carries the result out of the transaction it rolls back."""

    def __init__(
        self,
        check: engine.FullCheck,
        parts: engine.PartsCheck,
        sums: engine.SumsCheck,
        batch: Batch | None,
        period: date,
    ) -> None:
        self.check, self.parts, self.sums, self.batch, self.period = check, parts, sums, batch, period


def do_reconcile(*, acting_user: User, batch: Batch | None = None) -> Reconciled:
    """Check ``batch`` (the county's latest), or else the open batch, or else the batch the
    county would make next, against the full recomputation from the payments start month, and
    its line parts against its items and its kept sums against its lines."""
    require(acting_user, Capability.READ_PERSONAL_DATA)
    require_payments_reader(acting_user)
    county = county_of(acting_user)
    if batch is not None:
        check_batch_county(acting_user, batch)
    start = payments_start(county)
    if start is None:
        raise Conflict(start_month_missing_message(), code="no_start_month")
    allowance = settings_for(county).allowance_month
    engine.prepare_partitions(engine.Window(county.code, start, next_batch_month(county.code), allowance))
    try:
        with transaction.atomic():
            # Nothing may change the county's payments meanwhile (as while a batch is made).
            lock_county_payments(county.code)
            target = batch or _open_batch(county.code)
            made_here = target is None
            if target is None:
                target = _next_batch(county.code, start, allowance, acting_user)
            _check_latest(target)
            parts = engine.check_line_parts(target)
            sums = engine.check_line_sums(target)
            window = engine.Window(county.code, target.payments_start, target.period, allowance)
            engine.stash_batch(target)
            # The state before the batch: its claims gone, the claims it replaced open again.
            Recovery.objects.filter(batch=target).delete()
            Recovery.objects.filter(superseded_by=target).update(
                status=RecoveryStatus.OPEN, superseded_by=None
            )
            before = [b for b in engine.paid_batches(county.code) if b.ym < ym(target.period)]
            check = engine.check_against_full(window, before)
            raise _Done(check, parts, sums, None if made_here else target, target.period)
    except _Done as done:
        result = Reconciled(
            county.code,
            done.batch,
            done.period,
            done.check,
            done.parts,
            done.sums,
            changes.pending(county.code),
        )
    except engine.EngineProblems as exc:
        raise Conflict(_problems_message(exc), code="cannot_compute") from None
    record_event(
        EventType.BATCH_RECONCILED,
        actor=acting_user,
        region=county,
        obj=result.batch,
        extra={
            "period": month_label(result.period),
            "checked": "batch" if result.batch else "next",
            "agree": result.agree,
            "items": result.check.batch_items,
            "total": money(result.check.batch_total_fen),
            "differences": result.check.count,
            "line_parts_differences": result.parts.count,
            "line_sums_differences": len(result.sums.differences),
        },
    )
    return result


def _open_batch(county_code: str) -> Batch | None:
    return Batch.objects.filter(county_id=county_code, state__in=OPEN_STATES).order_by("-period").first()


def _next_batch(county_code: str, start: date, allowance: int, user: User) -> Batch:
    """The batch the county would make next, made by the engine as ``do_create_batch`` makes
    it (the caller rolls it back)."""
    period = next_batch_month(county_code)
    batch = Batch.objects.create(county_id=county_code, period=period, created_by=user, payments_start=start)
    changes.consume(batch)
    window = engine.Window(county_code, start, period, allowance)
    engine.compute_batch(batch, window, changes.plan_for(batch, window))
    return batch


def _check_latest(batch: Batch) -> None:
    if batch.state == BatchState.DISCARDED:
        raise Conflict(
            Message(gettext_noop("Batch %(id)s was discarded: there is nothing to check."), {"id": batch.pk}),
            code="batch_discarded",
        )
    later = (
        Batch.objects.filter(county_id=batch.county_id, period__gt=batch.period)
        .exclude(state=BatchState.DISCARDED)
        .exists()
    )
    if later:
        raise Conflict(
            Message(
                gettext_noop(
                    "Only the county's latest batch can be checked against the full recomputation: the "
                    "batches after %(period)s have paid on from it. Check the latest batch, or the "
                    "county (without --batch)."
                ),
                {"period": batch.period_label},
            ),
            code="not_latest",
        )
