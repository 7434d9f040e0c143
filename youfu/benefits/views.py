"""Benefits pages: batches (list, detail with totals per township and benefit, lines,
who did what; approval; downloads; bank returns), standards and top-up history, recoveries,
pending lump sums, the reconciliation report and a person's payments. Views validate and
call a service; every read goes through the region scope."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from youfu.benefits import selectors
from youfu.benefits.api import clean_payee
from youfu.benefits.models import (
    EXPORT_STATES,
    ONE_OFF_BENEFITS,
    Batch,
    BatchState,
    LineStatus,
    ParameterState,
    PaymentBenefit,
    RecoveryStatus,
    StandardImport,
)
from youfu.benefits.money import add_months, month_label, parse_month, ym_label, yuan
from youfu.benefits.services import (
    STANDARD_COLUMNS,
    BankStatus,
    bank_file_name,
    bank_statuses,
    do_approve_batch,
    do_approve_standards,
    do_approve_topup,
    do_close_batch,
    do_create_batch,
    do_discard_batch,
    do_export_batch,
    do_export_recoveries,
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
    start_month_fixed,
)
from youfu.benefits.services.common import require_payments_reader
from youfu.benefits.services.reconcile import Reconciled, do_reconcile
from youfu.core.authed import acting_user
from youfu.core.banks import banks
from youfu.core.errors import YoufuError
from youfu.core.imports import ImportRejected
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required
from youfu.registry.models import Beneficiary

if TYPE_CHECKING:
    from youfu.accounts.models import User

PAGE_SIZE = 100


def _is_county_user(user: User) -> bool:
    return user.region is not None and user.region.level == "county"


def _report(request: HttpRequest, exc: YoufuError) -> None:
    """A refusal as a message (a rejected file's row errors are shown on the page instead)."""
    messages.error(request, str(exc.message))


def _batch(request: HttpRequest, batch_id: int) -> Batch:
    user = acting_user(request)
    return get_visible_or_404(selectors.batches_for(user), user, pk=batch_id)


# --- batches ----------------------------------------------------------------------------------


@capability_required(Capability.READ_PERSONAL_DATA)
def batch_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        period = parse_month(request.POST.get("period", ""))
        if period is None:
            messages.error(request, _("Enter the month to pay, like 2026-11."))
        else:
            try:
                batch = do_create_batch(period, acting_user=user)
            except YoufuError as exc:
                _report(request, exc)
            else:
                messages.success(
                    request, _("The %(period)s batch was computed.") % {"period": batch.period_label}
                )
                return redirect("benefits:batch", batch_id=batch.pk)
        return redirect("benefits:batches")
    page = Paginator(selectors.batches_for(user), 50).get_page(request.GET.get("page"))
    county = selectors.county_code_of(user.region_id or "")
    start = payments_start(county)
    suggested = selectors.next_period(county) or timezone.localdate().replace(day=1)
    return render(
        request,
        "benefits/batch_list.html",
        {
            "page": page,
            "can_create": user.can(Capability.WRITE_REGISTRY) and _is_county_user(user) and start is not None,
            "county_user": _is_county_user(user),
            "this_month": month_label(suggested),
            "payments_start": month_label(start) if start else "",
            "can_set_start": user.can(Capability.MANAGE_SETTINGS) and _is_county_user(user),
        },
    )


def _batch_page(request: HttpRequest, batch: Batch, **extra: Any) -> HttpResponse:
    user = acting_user(request)
    status = request.GET.get("status", "")
    township = request.GET.get("township", "")
    one_off = request.GET.get("one_off", "") == "1"
    totals = list(selectors.totals_for(batch, user))
    page = Paginator(
        selectors.lines_for(batch, user, status=status, township=township, one_off=one_off), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = selectors.line_counts(batch, user)
    county_user = _is_county_user(user)
    banks = bank_statuses(batch) if county_user else []
    can_approve = (
        user.can(Capability.APPROVE)
        and county_user
        and batch.state == BatchState.DRAFT
        and batch.created_by_id != user.pk
    )
    can_export = may_send_bank_files(user) and county_user and batch.state in EXPORT_STATES
    can_write = user.can(Capability.WRITE_REGISTRY) and county_user
    return render(
        request,
        "benefits/batch_detail.html",
        {
            "batch": batch,
            "banks": banks,
            "banks_missing": [b.bank for b in banks if not b.returned],
            "next_step": _next_step(
                batch, banks, can_approve=can_approve, can_export=can_export, can_write=can_write
            ),
            "totals": totals,
            "visible_total": yuan(sum(t.amount_fen for t in totals)),
            "visible_arrears": yuan(sum(t.arrears_fen for t in totals)),
            "visible_one_off": yuan(sum(t.amount_fen for t in totals if t.benefit in ONE_OFF_BENEFITS)),
            "one_offs": selectors.one_off_summary(batch, user),
            "payee_changes": selectors.payee_changes(batch, user),
            "entitlement_changes": selectors.entitlement_changes(batch, user),
            # total = this month's regular payments + arrears + one-off payments
            "regular_current": yuan(batch.total_fen - batch.arrears_fen - batch.one_off_fen),
            "one_off": one_off,
            "visible_persons": sum(n for n, _amount in counts.values()),
            "county_user": county_user,
            "counts": counts,
            "timeline": selectors.batch_timeline(batch),
            "page": page,
            "status": status,
            "township": township,
            "statuses": LineStatus.choices,
            "can_approve": can_approve,
            "can_discard": (user.can(Capability.WRITE_REGISTRY) or user.can(Capability.APPROVE))
            and county_user
            and batch.state == BatchState.DRAFT,
            "can_export": can_export,
            "can_import_returns": user.can(Capability.WRITE_REGISTRY)
            and county_user
            and batch.state == BatchState.EXPORTED,
            "can_close": user.can(Capability.WRITE_REGISTRY)
            and county_user
            and batch.state == BatchState.RETURNS_IMPORTED,
            "own_draft": batch.state == BatchState.DRAFT and batch.created_by_id == user.pk,
            **extra,
        },
    )


@dataclass(frozen=True)
class NextStep:
    """What is left to do with a batch, who does it, and whether it is the reader's to do."""

    text: str
    who: str
    yours: bool


def _next_step(
    batch: Batch, banks: list[BankStatus], *, can_approve: bool, can_export: bool, can_write: bool
) -> NextStep:
    state = batch.state
    if state == BatchState.DRAFT:
        return NextStep(
            _(
                "Check the totals and lines below. A leader approves the batch, and from then on it "
                "cannot change; or the clerk discards it and computes the month again."
            ),
            _("a leader who did not compute the batch"),
            can_approve,
        )
    if state == BatchState.APPROVED:
        return NextStep(
            _(
                "Download the bank files, one for each bank, and send each bank its own file. The "
                "first download marks the batch exported."
            ),
            _("the county clerk who sends the files to the banks"),
            can_export,
        )
    if state == BatchState.EXPORTED:
        missing = [b.bank for b in banks if not b.returned]
        text = _(
            "Send each bank its file. When a bank answers, import its returns file (its bank file "
            "with 状态 and 原因 added); each bank's returns are imported once, and the batch is "
            "complete when every bank's are in."
        )
        if missing:
            text += " " + _("Returns still missing from: %(banks)s.") % {"banks": "、".join(missing)}
        return NextStep(text, _("the county clerk"), can_write)
    if state == BatchState.RETURNS_IMPORTED:
        return NextStep(
            _(
                "Every bank's returns are in. Check the failed lines (the next batch pays them "
                "again), then close the batch: the next month's batch can be computed only once "
                "this one is closed."
            ),
            _("the county clerk"),
            can_write,
        )
    if state == BatchState.CLOSED:
        return NextStep(
            _("Nothing is left to do: the batch is closed. Failed transfers are paid by the next batch."),
            "",
            False,
        )
    return NextStep(
        _("Discarded: this batch pays nothing. Compute the month again when it is ready."),
        _("the county clerk"),
        can_write,
    )


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def batch_detail_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _batch_page(request, _batch(request, batch_id))


def _step(request: HttpRequest, batch_id: int, step: Callable[..., Batch], done: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    try:
        step(batch, acting_user=acting_user(request), note=request.POST.get("note", ""))
    except YoufuError as exc:
        _report(request, exc)
    else:
        messages.success(request, done)
    return redirect("benefits:batch", batch_id=batch_id)


@require_POST
@capability_required(Capability.APPROVE)
def batch_approve_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The leader approves with a tick that they checked the changes the page lists since the
    batch before (payees, entitlements); without it, when there are any, nothing happens."""
    user = acting_user(request)
    batch = _batch(request, batch_id)
    listed = selectors.listed_changes(batch, user)
    checked = request.POST.get("changes_checked") == "on"
    if listed.total and not checked:
        messages.error(
            request,
            _("Tick that you checked the changes listed below against their papers, then approve."),
        )
        return redirect("benefits:batch", batch_id=batch_id)
    try:
        do_approve_batch(
            batch,
            acting_user=user,
            note=request.POST.get("note", ""),
            changes=listed.as_dict(),
            changes_checked=checked,
        )
    except YoufuError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The batch was approved."))
    return redirect("benefits:batch", batch_id=batch_id)


@require_POST
@capability_required(Capability.READ_PERSONAL_DATA)
def batch_discard_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _step(request, batch_id, do_discard_batch, _("The batch was discarded."))


@require_POST
@capability_required(Capability.WRITE_REGISTRY)
def batch_close_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _step(request, batch_id, do_close_batch, _("The batch was closed."))


@require_POST
@capability_required(Capability.REVEAL_ID_NUMBER)
def batch_export_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The bank file of the whole batch or of one bank, downloaded: full ID numbers and
    accounts, so a POST, audited, and only for the county clerk who sends it (403 for the
    leader, whose page does not offer it)."""
    if not may_send_bank_files(acting_user(request)):
        raise DjangoPermissionDenied
    batch = _batch(request, batch_id)
    fmt = request.POST.get("format", "csv")
    encoding = request.POST.get("encoding", "utf-8")
    bank = request.POST.get("bank", "").strip()[:100] or None
    out = io.BytesIO()
    try:
        result = do_export_batch(
            batch, out, fmt=fmt, encoding=encoding, acting_user=acting_user(request), bank=bank
        )
    except YoufuError as exc:
        _report(request, exc)
        return redirect("benefits:batch", batch_id=batch_id)
    if result.fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content_type = f"text/csv; charset={'gbk' if result.encoding == 'gbk' else 'utf-8'}"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    name = (
        bank_file_name(batch, result.bank, result.fmt)
        if result.bank
        else f"batch-{batch.period_label}-{batch.pk}.{result.fmt}"
    )
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required(Capability.WRITE_REGISTRY)
def batch_returns_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the bank's returns file."))
        return redirect("benefits:batch", batch_id=batch_id)
    filename = upload.name or ""
    try:
        result = do_import_bank_returns(
            batch, upload.read(), acting_user=acting_user(request), filename=filename
        )
    except ImportRejected as exc:
        # Nothing was changed: the lines that do not match, on the batch's page.
        return _batch_page(request, batch, rejected=exc, errors=exc.errors, filename=filename)
    except YoufuError as exc:
        _report(request, exc)
    else:
        done = _(
            "Bank returns of %(banks)s imported: %(paid)d paid, %(failed)d failed (paid again in the "
            "next batch)."
        ) % {
            "banks": "、".join(result.banks),
            "paid": result.paid,
            "failed": result.failed,
        }
        if result.banks_missing:
            done += " " + _("Returns still missing from: %(banks)s.") % {
                "banks": "、".join(result.banks_missing)
            }
        messages.success(request, done)
    return redirect("benefits:batch", batch_id=batch_id)


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def banks_view(request: HttpRequest) -> HttpResponse:
    """The bank list (one bank file each), and the people whose 开户银行 is not on it: old
    records kept as written, to correct with a bank change before the next batch."""
    user = acting_user(request)
    people = Paginator(selectors.unlisted_bank_holders(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/banks.html",
        {"banks": banks(), "page": people, "can_write": user.can(Capability.WRITE_REGISTRY)},
    )


# --- standards, top-ups and settings ----------------------------------------------------------


def _settings_page_allowed(user: User) -> bool:
    return user.can(Capability.READ_PERSONAL_DATA) or user.can(Capability.MANAGE_SETTINGS)


def _standards_page(request: HttpRequest, **extra: Any) -> HttpResponse:
    user = acting_user(request)
    county = selectors.county_code_of(user.region_id or "")
    configured = settings_for(county)
    start = payments_start(county)
    context = {
        "standards": selectors.standards_with_validity(),
        "versions": selectors.standard_versions(),
        "topups": selectors.topups_for(user),
        "payments_start": month_label(start) if start else "",
        "payments_start_configured": configured.payments_start is not None,
        "start_fixed": start_month_fixed(county),
        "allowance_month": configured.allowance_month,
        "can_manage": user.can(Capability.MANAGE_SETTINGS) and _is_county_user(user),
        # Maker-checker: a county clerk enters standards and top-ups, a county leader decides.
        "can_enter": user.can(Capability.WRITE_REGISTRY) and _is_county_user(user),
        "can_decide": user.can(Capability.APPROVE) and _is_county_user(user),
        "pending_standards": selectors.pending_standards(),
        "pending_topups": selectors.pending_topups(user),
        "months": range(1, 13),
        "columns": STANDARD_COLUMNS,
        **extra,
    }
    return render(request, "benefits/standards.html", context)


def standards_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not _settings_page_allowed(acting_user(request)):
        raise DjangoPermissionDenied
    return _standards_page(request)


@require_POST
@capability_required(Capability.WRITE_REGISTRY)
def standards_import_view(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a standards file (.xlsx or .csv)."))
        return redirect("benefits:standards")
    filename = upload.name or ""
    try:
        result = do_import_standards(upload.read(), acting_user=acting_user(request), filename=filename)
    except ImportRejected as exc:
        # Every row error on the page, in both languages, next to the form to try again.
        return _standards_page(request, rejected=exc, errors=exc.errors, filename=filename)
    except YoufuError as exc:
        _report(request, exc)
    else:
        if result.version is None:
            messages.success(
                request,
                _("Every row of this file is in force already: nothing to approve."),
            )
        else:
            messages.success(
                request,
                _(
                    "%(added)d standard(s) imported, %(unchanged)d already in force: they apply once "
                    "a leader approves them."
                )
                % {"added": result.added, "unchanged": result.unchanged},
            )
    return redirect("benefits:standards")


@require_POST
@capability_required(Capability.WRITE_REGISTRY)
def topup_view(request: HttpRequest) -> HttpResponse:
    try:
        percent = parse_topup(request.POST.get("percent", ""))
        effective_on = date.fromisoformat(request.POST.get("effective_on", ""))
    except ValueError:
        messages.error(request, _("Enter the date the top-up takes effect."))
        return redirect("benefits:standards")
    except YoufuError as exc:
        _report(request, exc)
        return redirect("benefits:standards")
    try:
        topup = do_set_topup(percent, effective_on, acting_user=acting_user(request))
    except YoufuError as exc:
        _report(request, exc)
    else:
        if topup.state == ParameterState.PENDING:
            messages.success(request, _("The top-up was entered: it applies once a leader approves it."))
        else:
            messages.success(request, _("This top-up is in force already: nothing to approve."))
    return redirect("benefits:standards")


@require_POST
@capability_required(Capability.APPROVE)
def standards_decide_view(request: HttpRequest, version_id: int, action: str) -> HttpResponse:
    version = get_object_or_404(StandardImport, pk=version_id)
    try:
        if action == "approve":
            do_approve_standards(version, acting_user=acting_user(request))
            messages.success(request, _("The standards are approved and in force."))
        else:
            do_refuse_standards(
                version, acting_user=acting_user(request), reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The standards were refused; the clerk sees your reason."))
    except YoufuError as exc:
        _report(request, exc)
    return redirect("benefits:standards")


@require_POST
@capability_required(Capability.APPROVE)
def topup_decide_view(request: HttpRequest, topup_id: int, action: str) -> HttpResponse:
    user = acting_user(request)
    topup = get_visible_or_404(selectors.topups_for(user), user, pk=topup_id)
    try:
        if action == "approve":
            do_approve_topup(topup, acting_user=user)
            messages.success(request, _("The top-up is approved and in force."))
        else:
            do_refuse_topup(topup, acting_user=user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The top-up was refused; the clerk sees your reason."))
    except YoufuError as exc:
        _report(request, exc)
    return redirect("benefits:standards")


@require_POST
@capability_required(Capability.MANAGE_SETTINGS)
def settings_view(request: HttpRequest) -> HttpResponse:
    changes: dict[str, Any] = {}
    start_text = request.POST.get("payments_start", "").strip()
    if start_text:
        start = parse_month(start_text)
        if start is None:
            messages.error(request, _("Enter the payments start month like 2026-01."))
            return redirect("benefits:standards")
        changes["payments_start"] = start
    month = request.POST.get("allowance_month", "")
    if month.isdigit():
        changes["allowance_month"] = int(month)
    try:
        do_update_benefit_settings(acting_user=acting_user(request), **changes)
    except YoufuError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The settings were saved."))
    return redirect("benefits:standards")


# --- recoveries and lump sums -----------------------------------------------------------------


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def recoveries_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    status = request.GET.get("status", RecoveryStatus.OPEN)
    recoveries = selectors.recoveries_for(user, status=status)
    page = Paginator(recoveries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/recoveries.html",
        {
            "page": page,
            "status": status,
            "statuses": RecoveryStatus.choices,
            "can_recover": user.can(Capability.WRITE_REGISTRY),
            "can_waive": user.can(Capability.APPROVE),
        },
    )


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def recoveries_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    status = request.GET.get("status", RecoveryStatus.OPEN)
    data = do_export_recoveries(selectors.recoveries_for(user, status=status), acting_user=user)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recoveries.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required(Capability.READ_PERSONAL_DATA)
def recovery_settle_view(request: HttpRequest, recovery_id: int) -> HttpResponse:
    user = acting_user(request)
    recovery = get_visible_or_404(selectors.recoveries_for(user, status=""), user, pk=recovery_id)
    try:
        do_settle_recovery(
            recovery, request.POST.get("outcome", ""), acting_user=user, note=request.POST.get("note", "")
        )
    except YoufuError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The recovery was settled."))
    return redirect("benefits:recoveries")


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def lump_sums_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    waiting = request.GET.get("all") != "1"
    page = Paginator(selectors.pending_lump_sums_for(user, waiting_only=waiting), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "benefits/lump_sums.html",
        {"page": page, "waiting": waiting, "can_write": user.can(Capability.WRITE_REGISTRY)},
    )


@capability_required(Capability.READ_PERSONAL_DATA)
def lump_sum_payee_view(request: HttpRequest, lump_sum_id: int) -> HttpResponse:
    user = acting_user(request)
    pending = get_visible_or_404(
        selectors.pending_lump_sums_for(user, waiting_only=False), user, pk=lump_sum_id
    )
    values = {k: request.POST.get(k, "") for k in ("name", "id_number", "bank_name", "bank_account")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not user.can(Capability.WRITE_REGISTRY):
            raise DjangoPermissionDenied
        try:
            do_name_lump_sum_payee(pending, clean_payee(values), acting_user=user)
        except YoufuError as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The payee was named: the next batch pays the lump sum."))
            return redirect("benefits:lump_sums")
    return render(
        request,
        "benefits/lump_sum_payee.html",
        {
            "pending": pending,
            "values": values,
            "errors": errors,
            "can_write": user.can(Capability.WRITE_REGISTRY),
        },
    )


# --- the reconciliation and a person's payments ---------------------------------------------------


@capability_required(Capability.READ_PERSONAL_DATA)
@require_http_methods(["GET", "POST"])
def reconciliation_view(request: HttpRequest) -> HttpResponse:
    """The three checks after a batch closes; on POST, also the latest batch (or the one the
    county would make next) against the full recomputation. Refused to a role that reads no
    payments (a department liaison)."""
    user = acting_user(request)
    require_payments_reader(user)
    full = None
    if request.method == "POST":
        try:
            full = do_reconcile(acting_user=user)
        except YoufuError as exc:
            _report(request, exc)
            return redirect("benefits:reconciliation")
    report = selectors.reconciliation_for(user)
    return render(
        request,
        "benefits/reconciliation.html",
        {
            "full": full,
            "full_rows": _full_rows(full, user) if full else [],
            "report": report,
            "county_user": _is_county_user(user),
            "by_batch": [
                (
                    batch,
                    report.by_benefit[batch.pk],
                    report.bank_matches[batch.pk],
                    yuan(sum(t.paid_fen for t in report.by_benefit[batch.pk])),
                )
                for batch in report.batches
            ],
        },
    )


FULL_CHECK_KINDS = {
    "item": _("payment"),
    "recovery": _("claim back"),
    "superseded": _("claim replaced"),
}


def _full_rows(full: Reconciled, user: User) -> list[dict[str, Any]]:
    differences = full.check.differences
    names = selectors.names_of([d.beneficiary_id for d in differences], user)

    def amounts(values: tuple[int, int, int] | None) -> tuple[Decimal, ...] | None:
        return tuple(yuan(v) for v in values) if values else None

    return [
        {
            "kind": FULL_CHECK_KINDS[d.kind],
            "person": d.beneficiary_id,
            "name": names.get(d.beneficiary_id, ""),
            "benefit": PaymentBenefit(d.benefit).label,
            "month": ym_label(d.ym),
            "batch": amounts(d.batch),
            "full": amounts(d.full),
        }
        for d in differences
    ]


SECTION_TRANSFERS = 12


def person_payments_context(
    person: Beneficiary,
    user: User,
    first: date | None = None,
    last: date | None = None,
    *,
    transfers: int | None = 36,
) -> dict[str, Any]:
    """What the payments section of a person's page shows (also used by the template tag):
    the entitlements explained month by month and the latest ``transfers`` bank lines
    (all of them when None)."""
    default_first, default_last = selectors.default_explanation_range(person)
    first, last = first or default_first, last or default_last
    explanation = selectors.explain_entitlements(person, first, last)
    history = selectors.payment_history(person, user)
    return {
        "person": person,
        "explanation": explanation,
        "rows": explanation.rows,
        "first": month_label(first),
        "last": month_label(last),
        "history": list(history if transfers is None else history[:transfers]),
        "benefit_labels": dict(PaymentBenefit.choices),
        "zero": Decimal("0.00"),
    }


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def person_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    user = acting_user(request)
    person = get_visible_or_404(Beneficiary.objects.select_related("township"), user, pk=beneficiary_id)
    last = parse_month(request.GET.get("to", ""))
    first = parse_month(request.GET.get("from", ""))
    if last and first and (first > last or add_months(first, 120) <= last):
        messages.error(request, _("Choose a range of ten years at most, ending after it begins."))
        first = last = None
    return render(
        request, "benefits/person.html", person_payments_context(person, user, first, last, transfers=None)
    )


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def person_section_view(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    """The payments section of the registry's person page, loaded into it by htmx."""
    user = acting_user(request)
    person = get_visible_or_404(Beneficiary.objects.select_related("township"), user, pk=beneficiary_id)
    context = person_payments_context(person, user, transfers=SECTION_TRANSFERS)
    return render(request, "benefits/_person_payments.html", {**context, "section": True})
