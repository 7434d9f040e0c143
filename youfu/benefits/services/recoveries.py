"""Recoveries of overpayments and lump sums waiting for a payee."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes
from youfu.benefits.models import (
    CHINESE_BENEFIT,
    BatchState,
    PendingLumpSum,
    Recovery,
    RecoveryStatus,
)
from youfu.benefits.money import (
    money,
)
from youfu.benefits.services.common import WRITE, check_batch_county
from youfu.core.crypto import encrypt
from youfu.core.csvio import SafeCsvWriter
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.registry.services import Payee, mask_account

if TYPE_CHECKING:
    from youfu.accounts.models import User


# --- recoveries and lump sums -----------------------------------------------------------------


def do_settle_recovery(recovery: Recovery, outcome: str, *, acting_user: User, note: str = "") -> Recovery:
    """Money claimed back was returned (it then counts as not paid), or a leader waived it."""
    if outcome == RecoveryStatus.WAIVED:
        require(acting_user, Capability.APPROVE)
    elif outcome == RecoveryStatus.RECOVERED:
        require(acting_user, WRITE)
    else:
        raise InvalidInput(
            Message(gettext_noop("A recovery is settled as recovered or waived.")),
            fields={"outcome": gettext_noop("recovered or waived")},
        )
    batch = recovery.batch
    check_batch_county(acting_user, batch)
    if batch.state in (BatchState.DRAFT, BatchState.DISCARDED):
        raise Conflict(
            Message(gettext_noop("This recovery belongs to a batch not yet approved.")), code="batch_state"
        )
    with transaction.atomic():
        changed = Recovery.objects.filter(pk=recovery.pk, status=RecoveryStatus.OPEN).update(
            status=outcome, settled_at=timezone.now(), settled_by=acting_user, note=note[:500]
        )
        if not changed:
            raise Conflict(Message(gettext_noop("This recovery is no longer open.")), code="recovery_settled")
        changes.mark_persons([recovery.beneficiary_id], recovery.month, "recovery")
        record_event(
            EventType.RECOVERY_SETTLED,
            actor=acting_user,
            region=recovery.beneficiary.region_id,
            obj=recovery,
            old={"status": RecoveryStatus.OPEN},
            new={"status": outcome, "amount": money(recovery.amount_fen), "note": note},
        )
    recovery.refresh_from_db()
    return recovery


def do_name_lump_sum_payee(pending: PendingLumpSum, payee: Payee, *, acting_user: User) -> PendingLumpSum:
    """Name who receives a death lump sum that was waiting: the next batch pays it."""
    require(acting_user, WRITE)
    if not payee.name.strip() or not payee.bank_name.strip() or not payee.bank_account:
        raise InvalidInput(
            Message(gettext_noop("Give the payee's name, ID number, bank and account.")),
            fields={"name": gettext_noop("required")},
        )
    with transaction.atomic():
        changed = PendingLumpSum.objects.filter(pk=pending.pk, named_at__isnull=True).update(
            payee_name=payee.name.strip()[:50],
            payee_id_number_encrypted=encrypt(payee.id_number.value),
            payee_id_number_masked=payee.id_number.masked,
            payee_bank_name=payee.bank_name.strip()[:100],
            payee_bank_account_encrypted=encrypt(payee.bank_account),
            payee_bank_account_masked=mask_account(payee.bank_account),
            named_at=timezone.now(),
            named_by=acting_user,
        )
        if not changed:
            raise Conflict(
                Message(gettext_noop("A payee is already named for this lump sum.")), code="payee_named"
            )
        # The lump sum is due (in the month it fell due) now that it has a payee.
        changes.mark_persons([pending.beneficiary_id], None, "payee")
        record_event(
            EventType.LUMP_SUM_PAYEE_NAMED,
            actor=acting_user,
            region=pending.beneficiary.region_id,
            obj=pending,
            new={
                "payee": payee.name,
                "id_number": payee.id_number.masked,
                "bank_account": mask_account(payee.bank_account),
            },
        )
    pending.refresh_from_db()
    return pending


def do_export_recoveries(recoveries: Any, *, acting_user: User) -> bytes:
    """The 追缴 list as CSV (UTF-8 with BOM) for the clerks who collect: names and masked
    ID numbers. A file of personal data, so the download is recorded."""
    require(acting_user, Capability.READ_PERSONAL_DATA)
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(
        ["乡镇", "姓名", "公民身份号码", "待遇", "月份", "应发", "已发", "追缴金额", "状态", "批次"]
    )
    count = 0
    for r in recoveries.select_related("beneficiary__township", "batch").iterator(chunk_size=2000):
        writer.writerow(
            [
                r.beneficiary.township.name,
                r.beneficiary.name,
                r.beneficiary.id_number_masked,
                CHINESE_BENEFIT.get(r.benefit, r.benefit),
                r.month_label,
                money(r.due_fen),
                money(r.paid_fen),
                money(r.amount_fen),
                r.get_status_display(),
                r.batch.period_label,
            ]
        )
        count += 1
    with transaction.atomic():
        record_event(
            EventType.PERSONAL_DATA_EXPORTED,
            actor=acting_user,
            extra={"what": "recoveries", "rows": count, "fields": ["name", "id_number_masked"]},
        )
    return out.getvalue().encode("utf-8-sig")
