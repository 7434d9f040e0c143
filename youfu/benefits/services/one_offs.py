"""One-off payments: a relief grant or a medical claim, once approved, is paid by the next
monthly batch of the person's county, on the person's one bank line, and paid again by the
next batch when the transfer fails (it stays due until the bank confirms it paid).

The approving apps (relief, medical) call ``do_schedule_one_off`` inside their approval's
transaction and ``do_withdraw_one_off`` when a grant is cancelled; they learn that the bank
paid it from the ``signals.one_offs_paid`` signal, sent by ``settle_one_offs`` when bank
returns are imported.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes
from youfu.benefits.models import (
    ONE_OFF_BENEFITS,
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    LineStatus,
    OneOffKind,
    OneOffPayment,
)
from youfu.benefits.money import add_months, money, month_label, ym
from youfu.benefits.services.start_month import payments_start
from youfu.benefits.signals import one_offs_paid
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.messages import Message
from youfu.regions.models import Region

if TYPE_CHECKING:
    from youfu.accounts.models import User
    from youfu.registry.models import Beneficiary

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "one-off payments are scheduled and withdrawn by the relief and medical services, which "
    "checked the acting user's role and scope on the grant or claim; returns settle a county's "
    "one-offs for the clerk whose import the bank-file service checked"
)

# One million yuan: far beyond any grant or claim, and a month's one-offs of a kind for one person
# stay inside the 32-bit amounts the engine sums.
MAX_ONE_OFF_FEN = 10**8


def county_code_of(beneficiary: Beneficiary) -> str:
    """The 12-digit code of the county a person's payments belong to."""
    return str(beneficiary.region_id)[:6].ljust(12, "0")


def lock_county_payments(county_code: str) -> None:
    """Serialise what changes a county's batch contents: a batch being computed, and one-offs
    scheduled or withdrawn meanwhile. Without it a one-off withdrawn while a batch is computed
    would be paid, and one scheduled then would be dated a month whose batch misses it."""
    # FOR NO KEY UPDATE: rows that merely refer to the county (audit records) are not held up.
    list(
        Region.objects.select_for_update(no_key=True).filter(code=county_code).values_list("code", flat=True)
    )


def next_batch_month(county_code: str) -> date:
    """The month of the county's next monthly batch: this month, or the month after the latest
    batch (other than discarded ones) when that is later, and never before the payments start."""
    month = timezone.localdate().replace(day=1)
    latest = (
        Batch.objects.filter(county_id=county_code)
        .exclude(state=BatchState.DISCARDED)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if latest is not None:
        month = max(month, add_months(latest, 1))
    start = payments_start(county_code)
    if start is not None:
        month = max(month, start)
    return month


def do_schedule_one_off(
    beneficiary: Beneficiary, *, kind: str, amount_fen: int, reference: str, acting_user: User
) -> OneOffPayment:
    """Schedule an approved grant or claim for the person's next monthly batch. Called inside
    the approving service's transaction, which has checked the approver's role and scope."""
    if kind not in OneOffKind.values:
        raise InvalidInput(
            Message(gettext_noop("Unknown one-off payment kind %(kind)s."), {"kind": str(kind)[:20]}),
            fields={"kind": gettext_noop("relief or medical")},
        )
    if (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or not 0 < amount_fen <= MAX_ONE_OFF_FEN
    ):
        raise InvalidInput(
            Message(gettext_noop("A one-off payment is more than 0 and at most 1,000,000 yuan.")),
            fields={"amount": gettext_noop("more than 0, at most 1,000,000")},
        )
    if not reference or len(reference) > 40:
        raise InvalidInput(
            Message(gettext_noop("A one-off payment names the record it pays.")),
            fields={"reference": gettext_noop("1 to 40 characters")},
        )
    county = county_code_of(beneficiary)
    with transaction.atomic():
        lock_county_payments(county)
        one_off = OneOffPayment.objects.create(
            beneficiary=beneficiary,
            kind=kind,
            amount_fen=amount_fen,
            month=next_batch_month(county),
            reference=reference,
            scheduled_at=timezone.now(),
            scheduled_by=acting_user,
        )
        changes.mark_persons([beneficiary.pk], one_off.month, "one_off")
        record_event(
            EventType.ONE_OFF_SCHEDULED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=one_off,
            new={
                "beneficiary": beneficiary.pk,
                "kind": kind,
                "amount": money(amount_fen),
                "month": month_label(one_off.month),
                "reference": reference,
            },
        )
    return one_off


def holding_batches(one_off: OneOffPayment) -> list[Batch]:
    """The county's batches (other than discarded ones) with an item paying the one-off's
    person, kind and month, latest first."""
    batch_ids = list(
        Batch.objects.filter(county_id=county_code_of(one_off.beneficiary))
        .exclude(state=BatchState.DISCARDED)
        .values_list("pk", flat=True)
    )
    if not batch_ids:
        return []
    # The items' key leads with the batch: one index probe per batch of the county.
    held = set(
        BatchItem.objects.filter(
            batch_id__in=batch_ids,
            beneficiary_id=one_off.beneficiary_id,
            benefit=one_off.kind,
            month=ym(one_off.month),
        ).values_list("batch_id", flat=True)
    )
    return list(Batch.objects.filter(pk__in=held).order_by("-period", "-pk"))


def do_withdraw_one_off(one_off: OneOffPayment, *, reason: str, acting_user: User) -> None:
    """Take back a one-off before any batch pays it (a grant cancelled). Refused once a batch
    holds it, even a draft: the draft is discarded first. Called inside the cancelling
    service's transaction, which has checked the user's role and scope."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            Message(gettext_noop("Give the reason the payment is withdrawn.")),
            fields={"reason": gettext_noop("required")},
        )
    with transaction.atomic():
        lock_county_payments(county_code_of(one_off.beneficiary))
        current = OneOffPayment.objects.select_for_update().get(pk=one_off.pk)
        if current.withdrawn_at is not None:
            raise Conflict(
                Message(gettext_noop("This one-off payment was withdrawn already.")), code="one_off_withdrawn"
            )
        if current.paid_at is not None:
            raise Conflict(
                Message(gettext_noop("This one-off payment has been paid: it cannot be withdrawn.")),
                code="one_off_paid",
            )
        held = holding_batches(current)
        if held:
            batch = held[0]
            if batch.state == BatchState.DRAFT:
                message = Message(
                    gettext_noop(
                        "The draft batch of %(period)s pays this one-off payment: discard the draft batch "
                        "first, then withdraw it."
                    ),
                    {"period": batch.period_label},
                )
            else:
                message = Message(
                    gettext_noop(
                        "The %(period)s batch (%(state)s) pays this one-off payment: once it is in a batch "
                        "it can no longer be withdrawn."
                    ),
                    {"period": batch.period_label, "state": batch.get_state_display()},
                )
            raise Conflict(message, code="one_off_in_batch")
        now = timezone.now()
        OneOffPayment.objects.filter(pk=current.pk).update(
            withdrawn_at=now, withdrawn_by=acting_user, withdrawn_reason=reason[:500]
        )
        record_event(
            EventType.ONE_OFF_WITHDRAWN,
            actor=acting_user,
            region=current.beneficiary.region_id,
            obj=current,
            old={"withdrawn": False},
            new={"withdrawn": True},
            extra={"reference": current.reference, "reason": reason[:500]},
        )
    one_off.withdrawn_at, one_off.withdrawn_by, one_off.withdrawn_reason = now, acting_user, reason[:500]


def settle_one_offs(batch: Batch) -> list[int]:
    """After bank returns: the county's unpaid one-offs that the bank has now confirmed paid in
    full (every one-off of the person, kind and month, summed, against the items of lines the
    bank paid) get ``paid_at`` in one UPDATE, and ``one_offs_paid`` is sent with their ids.
    Runs in the import's transaction; a county without unpaid one-offs costs one query."""
    prefix = batch.county_id[:6]
    unpaid = list(
        OneOffPayment.objects.filter(
            beneficiary__region__code__startswith=prefix,
            paid_at__isnull=True,
            withdrawn_at__isnull=True,
            month__lte=batch.period,
        ).values_list("pk", "beneficiary_id", "kind", "month")
    )
    if not unpaid:
        return []
    persons = {person for _pk, person, _k, _m in unpaid}
    keys = {(person, kind, ym(month)) for _pk, person, kind, month in unpaid}
    due: dict[tuple[int, str, int], int] = defaultdict(int)
    for person, kind, month, amount in OneOffPayment.objects.filter(
        beneficiary_id__in=persons, withdrawn_at__isnull=True
    ).values_list("beneficiary_id", "kind", "month", "amount_fen"):
        due[(person, kind, ym(month))] += amount
    batch_ids = list(Batch.objects.filter(county_id=batch.county_id).values_list("pk", flat=True))
    paid_lines = set(
        BatchLine.objects.filter(
            batch_id__in=batch_ids, beneficiary_id__in=persons, status=LineStatus.PAID
        ).values_list("batch_id", "beneficiary_id")
    )
    paid: dict[tuple[int, str, int], int] = defaultdict(int)
    for batch_id, person, kind, month, amount in BatchItem.objects.filter(
        batch_id__in=batch_ids, beneficiary_id__in=persons, benefit__in=list(ONE_OFF_BENEFITS)
    ).values_list("batch_id", "beneficiary_id", "benefit", "month", "amount_fen"):
        if (batch_id, person) in paid_lines:
            paid[(person, kind, month)] += amount
    settled = {key for key in keys if paid[key] >= due[key]}
    ids = sorted(pk for pk, person, kind, month in unpaid if (person, kind, ym(month)) in settled)
    if not ids:
        return []
    OneOffPayment.objects.filter(pk__in=ids, paid_at__isnull=True).update(paid_at=timezone.now())
    one_offs_paid.send(sender=OneOffPayment, ids=ids)
    return ids
