"""/api/v1 for benefits: standards and top-ups, batches through their life, bank files,
recoveries, pending lump sums, a person's entitlements explained, the reconciliation.

No ``from __future__ import annotations`` here: django-ninja reads the annotations.
Region scope: a batch is county-wide (a township clerk reads it, and only their
township's lines and totals); a person, line or recovery outside the region is a 404.
"""

import io
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_noop
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.benefits import selectors
from youfu.benefits.models import (
    Batch,
    BatchLine,
    LocalTopUp,
    ParameterState,
    PendingLumpSum,
    Recovery,
    Standard,
    StandardImport,
)
from youfu.benefits.money import add_months, money, month_label, parse_month
from youfu.benefits.services import (
    bank_file_name,
    bank_statuses,
    do_approve_batch,
    do_approve_standards,
    do_approve_topup,
    do_close_batch,
    do_create_batch,
    do_discard_batch,
    do_export_batch,
    do_import_bank_returns,
    do_import_standards,
    do_name_lump_sum_payee,
    do_refuse_standards,
    do_refuse_topup,
    do_set_topup,
    do_settle_recovery,
    do_update_benefit_settings,
    may_send_bank_files,
    parse_topup,
    payments_start,
    settings_for,
)
from youfu.benefits.services.common import require_payments_reader
from youfu.benefits.services.reconcile import do_reconcile
from youfu.core.authed import acting_user
from youfu.core.bounds import (
    AccountText,
    BoundedDate,
    Choice,
    IdNumberText,
    Month,
    Note,
    OptionalMonth,
    Percent,
    PersonName,
    ShortText,
)
from youfu.core.errors import InvalidInput, NotFound, PermissionDenied
from youfu.core.idnumber import InvalidIdNumber, parse_id_number
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404
from youfu.registry.models import Beneficiary
from youfu.registry.services import Payee
from youfu.registry.validation import Invalid, parse_account, parse_bank, parse_name

router = Router(tags=["benefits"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    require(user, Capability.READ_PERSONAL_DATA)
    return user


def _settings_reader(request: HttpRequest) -> User:
    """Standards and top-ups are reference data: readers of payments and the admin see them."""
    user = acting_user(request)
    if not (user.can(Capability.READ_PERSONAL_DATA) or user.can(Capability.MANAGE_SETTINGS)):
        raise PermissionDenied()
    return user


def _batch(user: User, batch_id: int) -> Batch:
    return get_visible_or_404(selectors.batches_for(user), user, pk=batch_id)


def _month(value: str, name: str) -> date:
    month = parse_month(value)
    if month is None:
        raise InvalidInput(
            Message(gettext_noop("%(value)s is not a month like 2026-11."), {"value": value}),
            fields={name: gettext_noop("YYYY-MM")},
        )
    return month


# --- schemas ------------------------------------------------------------------------------


class StandardOut(Schema):
    id: int
    category: str
    disability_cause: str
    disability_level: int | None
    residence: str
    annual_amount: str
    effective_on: date
    basis: str
    version: int
    state: str = Field(..., description="its version's state: pending, approved or refused")
    description: str

    @staticmethod
    def resolve_annual_amount(obj: Standard) -> str:
        return money(obj.annual_fen)

    @staticmethod
    def resolve_version(obj: Standard) -> int:
        return obj.version_id

    @staticmethod
    def resolve_state(obj: Standard) -> str:
        return obj.version.state

    @staticmethod
    def resolve_description(obj: Standard) -> str:
        return selectors.describe_standard(obj)


class StandardsImportOut(Schema):
    ok: bool
    rows: int
    added: int
    unchanged: int
    version: int | None
    effective_dates: list[str]
    id: int | None = Field(..., description="the version, to approve; null when every row was in force")
    state: str | None = Field(..., description="pending until a leader approves it")


class StandardVersionOut(Schema):
    id: int
    filename: str
    imported_at: datetime
    imported_by: str
    rows: int
    unchanged: int
    state: str = Field(..., description="pending, approved or refused")
    decided_at: datetime | None
    decided_by: str | None
    reason: str

    @staticmethod
    def resolve_imported_by(obj: StandardImport) -> str:
        return obj.imported_by.username

    @staticmethod
    def resolve_decided_by(obj: StandardImport) -> str | None:
        return obj.decided_by.username if obj.decided_by else None


class RefuseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class TopUpIn(Schema):
    percent: Percent = Field(..., description="e.g. 8 or 8.5, between -100 and 100")
    effective_on: BoundedDate = Field(..., alias="from")


class TopUpOut(Schema):
    id: int
    percent: str
    effective_on: date
    region: str
    created_at: datetime
    created_by: str
    state: str = Field(..., description="pending, approved, refused, or superseded by a correction")
    decided_at: datetime | None
    decided_by: str | None
    reason: str

    @staticmethod
    def resolve_decided_by(obj: LocalTopUp) -> str | None:
        return obj.decided_by.username if obj.decided_by else None

    @staticmethod
    def resolve_percent(obj: LocalTopUp) -> str:
        return f"{obj.percent:.2f}"

    @staticmethod
    def resolve_region(obj: LocalTopUp) -> str:
        return obj.region_id

    @staticmethod
    def resolve_created_by(obj: LocalTopUp) -> str:
        return obj.created_by.username


class SettingsIn(Schema):
    payments_start: Month | None = Field(
        None, description="YYYY-MM: the first month paid through youfu (it cannot be unset)"
    )
    allowance_month: int | None = Field(None, ge=1, le=12)


class SettingsOut(Schema):
    payments_start: str | None
    payments_start_configured: bool
    allowance_month: int


class BatchIn(Schema):
    period: Month = Field(..., description="YYYY-MM")


class TransitionOut(Schema):
    state: str
    at: datetime
    by: str
    note: str


class BatchOut(Schema):
    id: int
    period: str
    state: str
    persons: int
    lines: int
    total: str
    arrears_total: str
    one_off_total: str = Field(description="of the total: one-off payments (relief grants, medical claims)")
    recoveries: int
    recoveries_total: str
    payments_start: str
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    returned_paid: int
    returned_paid_total: str
    returned_failed: int
    returned_failed_total: str

    @staticmethod
    def resolve_period(obj: Batch) -> str:
        return obj.period_label

    @staticmethod
    def resolve_lines(obj: Batch) -> int:
        return obj.items

    @staticmethod
    def resolve_total(obj: Batch) -> str:
        return money(obj.total_fen)

    @staticmethod
    def resolve_arrears_total(obj: Batch) -> str:
        return money(obj.arrears_fen)

    @staticmethod
    def resolve_one_off_total(obj: Batch) -> str:
        return money(obj.one_off_fen)

    @staticmethod
    def resolve_recoveries_total(obj: Batch) -> str:
        return money(obj.recoveries_fen)

    @staticmethod
    def resolve_payments_start(obj: Batch) -> str:
        return month_label(obj.payments_start)

    @staticmethod
    def resolve_created_by(obj: Batch) -> str:
        return obj.created_by.username

    @staticmethod
    def resolve_approved_by(obj: Batch) -> str | None:
        return obj.approved_by.username if obj.approved_by else None

    @staticmethod
    def resolve_returned_paid_total(obj: Batch) -> str:
        return money(obj.returned_paid_fen)

    @staticmethod
    def resolve_returned_failed_total(obj: Batch) -> str:
        return money(obj.returned_failed_fen)


class TotalOut(Schema):
    township: str
    township_name: str
    benefit: str
    persons: int
    items: int
    amount: str
    arrears: str


class BankOut(Schema):
    bank: str
    listed: bool = Field(description="false: an old record's bank name that is not on the bank list")
    lines: int
    amount: str
    pending: int
    paid: int
    failed: int
    returned: bool = Field(description="this bank's returns are in")


class OneOffKindOut(Schema):
    kind: str = Field(description="relief or medical")
    persons: int
    items: int
    amount: str


class BatchDetailOut(BatchOut):
    """A batch as ``BatchOut``, with its life, its totals per township and benefit (a
    township clerk's own), its one-off payments per kind (the reader's region's) and its
    banks: one bank file and one returns file each."""

    transitions: list[TransitionOut]
    totals: list[TotalOut]
    one_offs: list[OneOffKindOut]
    banks: list[BankOut]

    @staticmethod
    def resolve_one_offs(obj: Batch, context: dict[str, Any]) -> list[dict[str, Any]]:
        summary = selectors.one_off_summary(obj, acting_user(context["request"]), limit=0)
        return [
            {"kind": k.kind, "persons": k.persons, "items": k.items, "amount": money(k.amount_fen)}
            for k in summary.kinds
        ]

    @staticmethod
    def resolve_banks(obj: Batch) -> list[dict[str, Any]]:
        return [
            {
                "bank": s.bank,
                "listed": s.listed,
                "lines": s.lines,
                "amount": money(s.amount_fen),
                "pending": s.pending,
                "paid": s.paid,
                "failed": s.failed,
                "returned": s.returned,
            }
            for s in bank_statuses(obj)
        ]

    @staticmethod
    def resolve_transitions(obj: Batch) -> list[dict[str, Any]]:
        return [
            {"state": t.state, "at": t.at, "by": t.by.username, "note": t.note}
            for t in obj.transitions.select_related("by")
        ]

    @staticmethod
    def resolve_totals(obj: Batch, context: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "township": t.township_id,
                "township_name": t.township.name,
                "benefit": t.benefit,
                "persons": t.persons,
                "items": t.items,
                "amount": money(t.amount_fen),
                "arrears": money(t.arrears_fen),
            }
            for t in selectors.totals_for(obj, acting_user(context["request"]))
        ]


class ItemOut(Schema):
    benefit: str
    month: str
    due: str
    paid_before: str
    amount: str
    arrears: bool


class PayeeChangeOut(Schema):
    seq: int = Field(description="the line of this batch that pays the person")
    beneficiary_id: int
    name: str
    township: str
    change: str = Field(description="account | death_payee | lump_sum_payee")
    before: str = Field(description="masked, as the audit log keeps it")
    after: str
    by: str
    at: datetime


class PayeeChangesOut(Schema):
    since_batch: int | None = Field(description="the batch before, computed with the earlier accounts")
    since_period: str | None
    count: int
    changes: list[PayeeChangeOut] = Field(description="the first 50, in line order")


class EntitlementChangeOut(Schema):
    change: str = Field(
        description="registered | imported | qualification_added | qualification_imported | "
        "qualification_changed | level | suspended | suspension_lifted | ended | died | left_county | "
        "residence"
    )
    label: str = Field(description="the change in words, in the request's language")
    category: str = Field(
        description="the qualification's category (empty: the person's, not one qualification's)"
    )
    category_label: str
    approved_on_before: date | None
    approved_on_after: date | None
    ended_on_before: date | None
    ended_on_after: date | None
    before: str = Field(description="a disability level, years of service or a residence, as recorded")
    after: str
    effective_on: date | None = Field(
        description="a new level, a suspension, its lifting, a death: from when"
    )
    back_dated: bool = Field(description="it pays from before the previous batch's period")
    months_back: int = Field(description="how many months before the previous batch's period it pays from")
    details: str = Field(description="the change other than its dates, in words")
    by: str
    at: datetime


class EntitlementPersonOut(Schema):
    seq: int = Field(description="the line of this batch that pays the person")
    beneficiary_id: int
    name: str
    township: str
    payee_name: str = Field(description="whom the line pays: the person, or after a death the payee")
    to_payee: bool
    id_number: str = Field(description="the line's, masked: the person's, or the payee's")
    amount: str = Field(description="what this batch pays the person")
    arrears: str = Field(description="of the amount: for earlier months")
    back_dated: bool
    changes: list[EntitlementChangeOut]


class EntitlementChangesOut(Schema):
    since_batch: int | None = Field(description="the batch before, computed without these changes")
    since_period: str | None
    count: int = Field(description="the people this batch pays whose entitlement changed")
    back_dated: int = Field(description="of them, those with a back-dated change")
    people: list[EntitlementPersonOut] = Field(
        description="the first 50: the back-dated first, then in line order"
    )


class LineOut(Schema):
    seq: int
    beneficiary_id: int
    name: str
    township: str
    payee_name: str
    to_payee: bool
    id_number: str
    bank_name: str
    bank_account: str
    amount: str
    arrears: str
    one_off: str = Field(description="of the amount: one-off payments")
    pays: str = Field(description="the kinds the line pays, as its 摘要 names them: 抚恤金+临时救助")
    status: str
    reason: str

    @staticmethod
    def resolve_one_off(obj: BatchLine) -> str:
        return money(obj.one_off_fen)

    @staticmethod
    def resolve_pays(obj: BatchLine) -> str:
        return obj.kinds

    @staticmethod
    def resolve_name(obj: BatchLine) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_township(obj: BatchLine) -> str:
        return obj.township_id

    @staticmethod
    def resolve_id_number(obj: BatchLine) -> str:
        return obj.payee_id_number_masked

    @staticmethod
    def resolve_bank_account(obj: BatchLine) -> str:
        return obj.bank_account_masked

    @staticmethod
    def resolve_amount(obj: BatchLine) -> str:
        return money(obj.amount_fen)

    @staticmethod
    def resolve_arrears(obj: BatchLine) -> str:
        return money(obj.arrears_fen)


class ExportIn(Schema):
    format: Choice = Field("csv", description="csv or xlsx")
    encoding: Choice = Field("utf-8", description="utf-8 (with BOM) or gbk; CSV only")
    bank: ShortText = Field(
        "", description="one bank's file (序号 from 1), named PERIOD-BANK; empty: the whole batch"
    )


class ReturnsOut(Schema):
    ok: bool
    paid: int
    paid_total: str
    failed: int
    failed_total: str
    banks: list[str] = Field(description="the banks this file answered for")
    banks_missing: list[str] = Field(description="the banks whose returns are still missing")


class RecoveryOut(Schema):
    id: int
    batch_id: int
    beneficiary_id: int
    name: str
    benefit: str
    month: str
    due: str
    paid: str
    amount: str
    status: str
    settled_at: datetime | None
    note: str

    @staticmethod
    def resolve_name(obj: Recovery) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_month(obj: Recovery) -> str:
        return obj.month_label

    @staticmethod
    def resolve_due(obj: Recovery) -> str:
        return money(obj.due_fen)

    @staticmethod
    def resolve_paid(obj: Recovery) -> str:
        return money(obj.paid_fen)

    @staticmethod
    def resolve_amount(obj: Recovery) -> str:
        return money(obj.amount_fen)


class SettleIn(Schema):
    outcome: Choice = Field(..., description="recovered (money returned) or waived (a leader's decision)")
    note: Note = ""


class LumpSumOut(Schema):
    id: int
    beneficiary_id: int
    name: str
    death_date: date | None
    recorded_at: datetime
    amount: str
    found_at: datetime
    payee_name: str
    named_at: datetime | None

    @staticmethod
    def resolve_name(obj: PendingLumpSum) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_death_date(obj: PendingLumpSum) -> date | None:
        return obj.beneficiary.death_date

    @staticmethod
    def resolve_recorded_at(obj: PendingLumpSum) -> datetime:
        return obj.life_event.recorded_at

    @staticmethod
    def resolve_amount(obj: PendingLumpSum) -> str:
        return money(obj.amount_fen)


class PayeeIn(Schema):
    name: PersonName = ""
    id_number: IdNumberText = ""
    bank_name: ShortText = ""
    bank_account: AccountText = ""


# --- standards, top-ups, settings ---------------------------------------------------------------


@router.get("/standards", response=list[StandardOut])
@paginate(PageNumberPagination)
def list_standards(request: HttpRequest) -> QuerySet[Standard]:
    """Every standard row ever imported, newest first within each category: the history.
    Each row carries its version's ``state``: only approved rows apply."""
    _settings_reader(request)
    return selectors.standards_history()


@router.post("/standards/import", response=StandardsImportOut)
def import_standards(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """A county clerk imports the columns 优抚类别, 伤残性质, 伤残等级, 户籍性质, 年标准(元),
    生效日期, 计发方式; all or nothing (400 with ``error.rows`` naming each bad row). The new
    version is ``pending`` until a leader approves it."""
    result = do_import_standards(file.read(), acting_user=acting_user(request), filename=file.name or "")
    return result.as_dict()


@router.get("/standards/versions", response=list[StandardVersionOut])
@paginate(PageNumberPagination)
def list_standard_versions(request: HttpRequest, state: Choice = "") -> QuerySet[StandardImport]:
    """Every imported version, newest first, with its state (``?state=pending``: those awaiting
    approval)."""
    _settings_reader(request)
    if state and state not in ParameterState.values:
        raise InvalidInput(
            Message(
                gettext_noop("%(value)s is not a state; use pending, approved or refused."), {"value": state}
            ),
            fields={"state": gettext_noop("pending, approved or refused")},
        )
    return selectors.standard_versions(state=state)


def _version(version_id: int) -> StandardImport:
    version = StandardImport.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound()
    return version


@router.post("/standards/{version_id}/approve", response=StandardVersionOut)
def approve_standards(request: HttpRequest, version_id: int) -> StandardImport:
    """A county leader who did not import the version puts it in force (403 otherwise; 409 when
    it is not pending, or when standards approved since overlap it)."""
    return do_approve_standards(_version(version_id), acting_user=acting_user(request))


@router.post("/standards/{version_id}/refuse", response=StandardVersionOut)
def refuse_standards(request: HttpRequest, version_id: int, payload: RefuseIn) -> StandardImport:
    """A county leader who did not import the version refuses it, with a reason."""
    return do_refuse_standards(_version(version_id), acting_user=acting_user(request), reason=payload.reason)


@router.get("/topups", response=list[TopUpOut])
@paginate(PageNumberPagination)
def list_topups(request: HttpRequest) -> QuerySet[LocalTopUp]:
    user = _settings_reader(request)
    return selectors.topups_for(user)


@router.post("/topups", response={201: TopUpOut})
def set_topup(request: HttpRequest, payload: TopUpIn) -> Status[LocalTopUp]:
    user = acting_user(request)
    topup = do_set_topup(parse_topup(str(payload.percent)), payload.effective_on, acting_user=user)
    return Status(201, topup)


@router.post("/topups/{topup_id}/approve", response=TopUpOut)
def approve_topup(request: HttpRequest, topup_id: int) -> LocalTopUp:
    """A county leader who did not enter the top-up puts it in force (one approved for the same
    date is replaced); 403 otherwise, 409 when it is not pending."""
    user = acting_user(request)
    topup = get_visible_or_404(selectors.topups_for(user), user, pk=topup_id)
    return do_approve_topup(topup, acting_user=user)


@router.post("/topups/{topup_id}/refuse", response=TopUpOut)
def refuse_topup(request: HttpRequest, topup_id: int, payload: RefuseIn) -> LocalTopUp:
    """A county leader who did not enter the top-up refuses it, with a reason."""
    user = acting_user(request)
    topup = get_visible_or_404(selectors.topups_for(user), user, pk=topup_id)
    return do_refuse_topup(topup, acting_user=user, reason=payload.reason)


@router.get("/benefit-settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> dict[str, Any]:
    user = _settings_reader(request)
    county = selectors.county_code_of(user.region_id or "")
    start = payments_start(county)
    return {
        "payments_start": month_label(start) if start else None,
        "payments_start_configured": settings_for(county).payments_start is not None,
        "allowance_month": settings_for(county).allowance_month,
    }


@router.put("/benefit-settings", response=SettingsOut)
def put_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    user = acting_user(request)
    changes: dict[str, Any] = {}
    fields = payload.model_fields_set
    if "payments_start" in fields:
        changes["payments_start"] = _month(payload.payments_start or "", "payments_start")
    if "allowance_month" in fields and payload.allowance_month is not None:
        changes["allowance_month"] = payload.allowance_month
    do_update_benefit_settings(acting_user=user, **changes)
    return get_settings(request)


# --- batches ----------------------------------------------------------------------------------


@router.get("/batches", response=list[BatchOut])
@paginate(PageNumberPagination)
def list_batches(request: HttpRequest) -> QuerySet[Batch]:
    return selectors.batches_for(_reader(request))


@router.post("/batches", response={201: BatchOut})
def create_batch(request: HttpRequest, payload: BatchIn) -> Status[Batch]:
    """Compute the month's batch. 409 while another batch is open or one exists for the period."""
    user = acting_user(request)
    batch = do_create_batch(_month(payload.period, "period"), acting_user=user)
    return Status(201, batch)


@router.get("/batches/{batch_id}", response=BatchDetailOut)
def get_batch(request: HttpRequest, batch_id: int) -> Batch:
    """The batch, its life (who did what), and its totals per township and benefit (a
    township clerk sees their own township's)."""
    user = _reader(request)
    return _batch(user, batch_id)


@router.get("/batches/{batch_id}/payee-changes", response=PayeeChangesOut)
def get_payee_changes(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """The people this batch pays whose bank account or payee was changed after the batch before
    it was computed: what the leader reviews before approving (each change was one clerk's act).
    Only the lines the user may see."""
    user = _reader(request)
    found = selectors.payee_changes(_batch(user, batch_id), user)
    return {
        "since_batch": found.since.pk if found.since else None,
        "since_period": found.since.period_label if found.since else None,
        "count": found.count,
        "changes": [
            {
                "seq": c.line.seq,
                "beneficiary_id": c.line.beneficiary_id,
                "name": c.line.beneficiary.name,
                "township": c.line.township.name,
                "change": c.what,
                "before": c.before,
                "after": c.after,
                "by": c.by,
                "at": c.at,
            }
            for c in found.rows
        ],
    }


@router.get("/batches/{batch_id}/entitlement-changes", response=EntitlementChangesOut)
def get_entitlement_changes(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """The people this batch pays whose entitlement was changed after the batch before it was
    computed — a qualification added (back-dated approvals flagged, with how far back), changed
    or ended, a disability level, a suspension or its lifting, a death, a move out of the
    county, the residence — with who did it and when, and what this batch pays them: what the
    leader reviews before approving (each change was one clerk's act). Only the lines the user
    may see."""
    user = _reader(request)
    found = selectors.entitlement_changes(_batch(user, batch_id), user)
    return {
        "since_batch": found.since.pk if found.since else None,
        "since_period": found.since.period_label if found.since else None,
        "count": found.count,
        "back_dated": found.back_dated,
        "people": [
            {
                "seq": row.line.seq,
                "beneficiary_id": row.line.beneficiary_id,
                "name": row.line.beneficiary.name,
                "township": row.line.township.name,
                "payee_name": row.line.payee_name,
                "to_payee": row.line.to_payee,
                "id_number": row.line.payee_id_number_masked,
                "amount": money(row.line.amount_fen),
                "arrears": money(row.line.arrears_fen),
                "back_dated": row.back_dated,
                "changes": [
                    {
                        "change": c.what,
                        "label": c.label,
                        "category": c.category,
                        "category_label": c.category_label,
                        "approved_on_before": c.approved_before,
                        "approved_on_after": c.approved_after,
                        "ended_on_before": c.ended_before,
                        "ended_on_after": c.ended_after,
                        "before": c.before,
                        "after": c.after,
                        "effective_on": c.effective_on,
                        "back_dated": c.back_dated,
                        "months_back": c.months_back,
                        "details": c.details,
                        "by": c.by,
                        "at": c.at,
                    }
                    for c in row.changes
                ],
            }
            for row in found.rows
        ],
    }


@router.get("/batches/{batch_id}/lines", response=list[LineOut])
@paginate(PageNumberPagination)
def list_lines(
    request: HttpRequest, batch_id: int, status: Choice = "", township: ShortText = "", one_off: bool = False
) -> QuerySet[BatchLine]:
    """The batch's lines; ``one_off=true``: only those carrying one-off payments."""
    user = _reader(request)
    return selectors.lines_for(
        _batch(user, batch_id), user, status=status, township=township, one_off=one_off
    )


@router.get("/batches/{batch_id}/lines/{seq}/items", response=list[ItemOut])
def list_line_items(request: HttpRequest, batch_id: int, seq: int) -> list[dict[str, Any]]:
    user = _reader(request)
    batch = _batch(user, batch_id)
    line = get_visible_or_404(BatchLine.objects.filter(batch=batch), user, seq=seq)
    return [
        {
            "benefit": i.benefit,
            "month": i.month_label,
            "due": money(i.due_fen),
            "paid_before": money(i.paid_before_fen),
            "amount": money(i.amount_fen),
            "arrears": i.arrears,
        }
        for i in selectors.items_of_line(line)
    ]


def _step(request: HttpRequest, batch_id: int, step: Any, note: str = "") -> Batch:
    user = acting_user(request)
    result: Batch = step(_batch(user, batch_id), acting_user=user, note=note)
    return result


@router.post("/batches/{batch_id}/approve", response=BatchDetailOut)
def approve_batch(
    request: HttpRequest, batch_id: int, note: Note = "", changes_checked: bool = False
) -> Batch:
    """A leader who did not create the batch (403 otherwise); 409 unless it is a draft.
    ``changes_checked``: the leader checked the payee and entitlement changes the batch's page
    lists since the batch before; the approval's audit record keeps it with how many there were."""
    user = acting_user(request)
    batch = _batch(user, batch_id)
    return do_approve_batch(
        batch,
        acting_user=user,
        note=note,
        changes=selectors.listed_changes(batch, user).as_dict(),
        changes_checked=changes_checked,
    )


@router.post("/batches/{batch_id}/discard", response=BatchDetailOut)
def discard_batch(request: HttpRequest, batch_id: int, note: Note = "") -> Batch:
    return _step(request, batch_id, do_discard_batch, note)


@router.post("/batches/{batch_id}/close", response=BatchDetailOut)
def close_batch(request: HttpRequest, batch_id: int, note: Note = "") -> Batch:
    return _step(request, batch_id, do_close_batch, note)


@router.post(
    "/batches/{batch_id}/export",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The bank file with full ID numbers and accounts; the export is audited.",
                "content": {"text/csv": {}, XLSX: {}},
            }
        }
    },
)
def export_batch(request: HttpRequest, batch_id: int, options: Query[ExportIn]) -> HttpResponse:
    """The whole batch's file, or one bank's (``bank=``). Only the county clerk who sends
    the files (403 for a leader: the approver is not given the full numbers)."""
    user = acting_user(request)
    # The right first, so a role without it learns nothing of which batches exist.
    if not may_send_bank_files(user):
        raise PermissionDenied(code="bank_file_forbidden")
    batch = _batch(user, batch_id)
    out = io.BytesIO()
    result = do_export_batch(
        batch,
        out,
        fmt=options.format,
        encoding=options.encoding,
        acting_user=user,
        bank=options.bank.strip() or None,
    )
    charset = "gbk" if result.encoding == "gbk" else "utf-8"
    content_type = XLSX if result.fmt == "xlsx" else f"text/csv; charset={charset}"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    name = (
        bank_file_name(batch, result.bank, result.fmt)
        if result.bank
        else f"batch-{batch.period_label}-{batch.pk}.{result.fmt}"
    )
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


@router.post("/batches/{batch_id}/returns", response=ReturnsOut)
def import_returns(request: HttpRequest, batch_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    """The exported file with 状态 (成功|失败) and 原因; every line must match by 序号, 银行账号
    and 金额, or nothing is imported (400 with ``error.rows``)."""
    user = acting_user(request)
    batch = _batch(user, batch_id)
    return do_import_bank_returns(batch, file.read(), acting_user=user, filename=file.name or "").as_dict()


# --- recoveries and lump sums -----------------------------------------------------------------


@router.get("/recoveries", response=list[RecoveryOut])
@paginate(PageNumberPagination)
def list_recoveries(request: HttpRequest, status: Choice = "open") -> QuerySet[Recovery]:
    """追缴: money paid beyond what was due, to claim back (``status=`` open, recovered,
    waived, superseded, or empty for all)."""
    return selectors.recoveries_for(_reader(request), status=status)


@router.post("/recoveries/{recovery_id}/settle", response=RecoveryOut)
def settle_recovery(request: HttpRequest, recovery_id: int, payload: SettleIn) -> Recovery:
    user = _reader(request)
    recovery = get_visible_or_404(selectors.recoveries_for(user, status=""), user, pk=recovery_id)
    return do_settle_recovery(recovery, payload.outcome, acting_user=user, note=payload.note)


@router.get("/lump-sums", response=list[LumpSumOut])
@paginate(PageNumberPagination)
def list_lump_sums(request: HttpRequest, waiting: bool = True) -> QuerySet[PendingLumpSum]:
    """Death lump sums that fell due without a payee (``waiting=false`` includes those named since)."""
    return selectors.pending_lump_sums_for(_reader(request), waiting_only=waiting)


@router.post("/lump-sums/{lump_sum_id}/payee", response=LumpSumOut)
def name_payee(request: HttpRequest, lump_sum_id: int, payload: PayeeIn) -> PendingLumpSum:
    user = _reader(request)
    pending = get_visible_or_404(
        selectors.pending_lump_sums_for(user, waiting_only=False), user, pk=lump_sum_id
    )
    return do_name_lump_sum_payee(pending, clean_payee(payload.model_dump()), acting_user=user)


def clean_payee(raw: dict[str, Any]) -> Payee:
    fields: dict[str, Message | str] = {}
    name = ""
    try:
        name = parse_name(raw.get("name"), payee=True)  # the bank matches it: the registry's rule
    except Invalid as exc:
        fields["name"] = exc.message
    bank_name = ""
    try:
        bank_name = parse_bank(raw.get("bank_name"))
    except Invalid as exc:
        fields["bank_name"] = exc.message
    if not bank_name and "bank_name" not in fields:
        fields["bank_name"] = gettext_noop("required")
    number = None
    try:
        number = parse_id_number(raw.get("id_number"))
    except InvalidIdNumber as exc:
        fields["id_number"] = exc.message
    account = ""
    try:
        account = parse_account(raw.get("bank_account"))
    except Invalid as exc:
        fields["bank_account"] = exc.message
    if not account and "bank_account" not in fields:
        fields["bank_account"] = gettext_noop("required")
    if fields or number is None:
        raise InvalidInput(
            Message(gettext_noop("Give the payee's name, ID number, bank and account.")), fields=fields
        )
    return Payee(name=name, id_number=number, bank_name=bank_name, bank_account=account)


# --- one person, and the reconciliation ---------------------------------------------------------


class RangeQuery(Schema):
    from_: OptionalMonth = Field("", alias="from", description="YYYY-MM")
    to: OptionalMonth = Field("", description="YYYY-MM")


@router.get("/beneficiaries/{beneficiary_id}/entitlements")
def entitlements(
    request: HttpRequest,
    beneficiary_id: int,
    span: Query[RangeQuery],
) -> dict[str, Any]:
    """Per month and benefit: the standard row used, the top-up, what was due, what the bank
    confirmed as paid, and the difference the next batch pays (or claims back). Computed by
    the payment engine itself. Months before the payments start are settled history."""
    user = _reader(request)
    person = get_visible_or_404(Beneficiary, user, pk=beneficiary_id)
    from_, to = span.from_, span.to
    default_first, default_last = selectors.default_explanation_range(person)
    last = _month(to, "to") if to else default_last
    first = _month(from_, "from") if from_ else (default_first if not to else add_months(last, -11))
    if first > last:
        raise InvalidInput(
            Message(gettext_noop("The range ends before it begins.")),
            fields={"from": gettext_noop("after to")},
        )
    if (last.year - first.year) * 12 + last.month - first.month >= 120:
        raise InvalidInput(
            Message(gettext_noop("Ask for ten years at most.")), fields={"from": gettext_noop("too far back")}
        )
    return selectors.explain_entitlements(person, first, last).as_dict()


class FullCheckIn(Schema):
    batch: int | None = Field(
        None,
        description="the batch to check (the county's latest); none: the open batch, or else the batch "
        "the county would make next",
    )


@router.post("/reconciliation/full")
def reconcile_full(request: HttpRequest, payload: FullCheckIn) -> dict[str, Any]:
    """The batch against the full recomputation of every person, benefit and month from the
    payments start month, item by item; as ``youfu reconcile --full --json`` prints it. Writes
    nothing but its audit record. ``agree`` false lists the differences."""
    user = _reader(request)
    require_payments_reader(user)
    batch = None
    if payload.batch is not None:
        batch = get_visible_or_404(selectors.batches_for(user), user, pk=payload.batch)
    return do_reconcile(acting_user=user, batch=batch).as_dict()


@router.get("/reconciliation")
def reconciliation(request: HttpRequest) -> dict[str, Any]:
    """Holders paid nothing in the last three closed batches; confirmed payments without a
    payable qualification (there should be none); totals by benefit against the bank returns.
    403 ``payments_not_read`` for a role that reads no payments (a department liaison)."""
    user = _reader(request)
    require_payments_reader(user)
    report = selectors.reconciliation_for(user)
    return {
        "batches": [b.period_label for b in report.batches],
        "unpaid_holders": {
            "count": report.unpaid_count,
            "results": [
                {"id": p.pk, "name": p.name, "township": p.township_id} for p in report.unpaid_holders
            ],
        },
        "paid_without_qualification": [
            {**row, "amount": f"{row['amount']:.2f}"} for row in report.without_qualification
        ],
        "by_benefit": [
            {
                "batch": batch.period_label,
                "matches_bank_returns": report.bank_matches[batch.pk],
                "bank_paid_total": money(batch.returned_paid_fen),
                "benefits": [
                    {
                        "benefit": t.benefit,
                        "items": money(t.items_fen),
                        "paid": money(t.paid_fen),
                        "failed": money(t.failed_fen),
                    }
                    for t in report.by_benefit[batch.pk]
                ],
            }
            for batch in report.batches
        ],
    }
