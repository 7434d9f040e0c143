"""Bank files out and bank returns back: per-bank transfer files for an approved batch, and
the banks' returns checked and applied all or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import engine
from youfu.benefits.models import (
    EXPORT_STATES,
    Batch,
    BatchLine,
    BatchState,
    LineStatus,
    LineSum,
    PaidMonths,
    memo_kinds,
    month_bit,
)
from youfu.benefits.money import (
    money,
    parse_amount,
    to_fen,
    yuan,
)
from youfu.benefits.services.common import WRITE, add_transition, check_batch_county, move_batch
from youfu.benefits.services.one_offs import settle_one_offs
from youfu.benefits.tables import TableRow, cell_text, read_table
from youfu.core.banks import bank_key, bank_names, normalize_bank
from youfu.core.crypto import decrypt
from youfu.core.csvio import SafeCsvWriter, xlsx_cells
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.core.roles import Capability, require

if TYPE_CHECKING:
    from youfu.accounts.models import User


# --- bank files -------------------------------------------------------------------------------

BANK_COLUMNS = ("序号", "姓名", "公民身份号码", "开户银行", "银行账号", "金额", "摘要")
RETURN_COLUMNS = (*BANK_COLUMNS, "状态", "原因")
TOTAL_MARK = "合计"
PAID_MARK, FAILED_MARK = "成功", "失败"
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gbk"}


def may_send_bank_files(user: User) -> bool:
    """The bank file holds full ID numbers and accounts: it is for the county clerk who sends
    it to the bank. The leader who approved the batch reads its lines masked, and is not
    offered the file (separation of duties: the approver never handles the transfer data)."""
    return user.can(WRITE) and user.can(Capability.REVEAL_ID_NUMBER)


def _require_bank_file_rights(user: User) -> None:
    if not may_send_bank_files(user):
        raise PermissionDenied(
            Message(
                gettext_noop(
                    "The bank file (full ID numbers and accounts) is for the county clerk who sends it "
                    "to the bank."
                )
            ),
            code="bank_file_forbidden",
        )


@dataclass(frozen=True)
class ExportResult:
    lines: int
    total_fen: int
    fmt: str
    encoding: str
    bank: str = ""  # one bank's file, or "" for the whole batch

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, "lines": self.lines, "total": money(self.total_fen), "format": self.fmt}


@dataclass
class BankStatus:
    """One bank's part of a batch (held lines, which have no account, are in no bank's file):
    its lines, and how many of them its returns have answered."""

    bank: str
    listed: bool  # False: an old record names a bank that is not on the list
    lines: int = 0
    amount_fen: int = 0
    pending: int = 0
    paid: int = 0
    failed: int = 0

    @property
    def returned(self) -> bool:
        return self.pending == 0

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


def bank_statuses(batch: Batch) -> list[BankStatus]:
    """The batch's banks in the order of the bank list: one bank file and one returns file each."""
    rows = (
        BatchLine.objects.filter(batch=batch)
        .exclude(status=LineStatus.HELD)
        .values("bank_name", "status")
        .annotate(n=Count("pk"), fen=Sum("amount_fen"))
        .order_by()
    )
    found: dict[str, BankStatus] = {}
    for row in rows:
        bank = bank_key(row["bank_name"])
        status = found.setdefault(bank, BankStatus(bank, normalize_bank(bank) is not None))
        status.lines += row["n"]
        status.amount_fen += int(row["fen"] or 0)
        if row["status"] == LineStatus.PENDING:
            status.pending += row["n"]
        elif row["status"] == LineStatus.PAID:
            status.paid += row["n"]
        elif row["status"] == LineStatus.FAILED:
            status.failed += row["n"]
    order = {name: i for i, name in enumerate(bank_names())}
    return sorted(found.values(), key=lambda s: (order.get(s.bank, len(order)), s.bank))


def bank_file_name(batch: Batch, bank: str, fmt: str) -> str:
    """``PERIOD-BANK.csv``: 2026-11-中国农业银行.csv (characters a file name cannot hold become _)."""
    safe = "".join("_" if c in '/\\:*?"<>|' or not c.isprintable() or c.isspace() else c for c in bank)
    return f"{batch.period_label}-{safe[:60]}.{fmt}"


def _memo(batch: Batch, arrears_fen: int, to_payee: bool, benefits: int = 0) -> str:
    """摘要: the month and the kinds of money the line pays (2026年12月抚恤金+临时救助), whether
    it holds arrears (含补发), and whether a payee receives it (代领)."""
    text = f"{batch.period.year}年{batch.period.month:02d}月{memo_kinds(benefits) or '优抚金'}"
    if arrears_fen:
        text += "(含补发)"
    if to_payee:
        text += "(代领)"
    return text


def _names_of_bank(batch: Batch, bank: str) -> list[str]:
    """The 开户银行 texts of the batch's lines that belong to ``bank`` (one, once normalised)."""
    names = (
        BatchLine.objects.filter(batch=batch)
        .exclude(status=LineStatus.HELD)
        .values_list("bank_name", flat=True)
        .order_by()
        .distinct()
    )
    return [name for name in names if bank_key(name) == bank]


def _bank_rows(batch: Batch, bank: str | None = None) -> Iterable[list[str]]:
    """The file's rows. The whole batch's file numbers them by the line's 序号; one bank's
    file numbers its lines from 1 in the same order (the returns file is matched the same way)."""
    lines = BatchLine.objects.filter(batch=batch).exclude(status=LineStatus.HELD)
    if bank is not None:
        lines = lines.filter(bank_name__in=_names_of_bank(batch, bank))
    rows = lines.order_by("seq").values_list(
        "seq",
        "payee_name",
        "payee_id_number_encrypted",
        "bank_name",
        "bank_account_encrypted",
        "amount_fen",
        "arrears_fen",
        "to_payee",
        "benefits",
    )
    for number, (
        seq,
        name,
        id_token,
        bank_name,
        account_token,
        amount,
        arrears,
        to_payee,
        benefits,
    ) in enumerate(rows.iterator(chunk_size=5000), start=1):
        yield [
            str(number if bank is not None else seq),
            name,
            decrypt(id_token),
            bank_name,
            decrypt(account_token),
            money(amount),
            _memo(batch, arrears, to_payee, benefits),
        ]


def write_bank_file(
    batch: Batch, out: IO[bytes], *, fmt: str, encoding: str = "utf-8", bank: str | None = None
) -> ExportResult:
    """The bank file (of one bank, or of the whole batch): one line per person and a totals
    line the bank can check."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(
            Message(gettext_noop("Export as .csv or .xlsx.")), fields={"format": gettext_noop("csv or xlsx")}
        )
    if encoding not in ENCODINGS:
        raise InvalidInput(
            Message(gettext_noop("The encoding is utf-8 or gbk.")),
            fields={"encoding": gettext_noop("utf-8 or gbk")},
        )
    count = 0
    total = 0
    if fmt == "xlsx":
        from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(batch.period_label)
        sheet.append(list(BANK_COLUMNS))
        for row in _bank_rows(batch, bank):
            sheet.append(xlsx_cells(sheet, row))
            count += 1
            total += to_fen(Decimal(row[5]))
        sheet.append([TOTAL_MARK, "", "", "", "", money(total), f"共{count}笔"])
        workbook.save(out)
        return ExportResult(count, total, fmt, "utf-8", bank or "")
    text = io.TextIOWrapper(
        out, encoding=ENCODINGS[encoding], errors="strict", newline="", write_through=True
    )
    writer = SafeCsvWriter(text)
    writer.writerow(BANK_COLUMNS)
    unencodable: list[str] = []
    for row in _bank_rows(batch, bank):
        try:
            writer.writerow(row)
        except UnicodeEncodeError:
            unencodable.append(row[0])
            continue
        count += 1
        total += to_fen(Decimal(row[5]))
    if unencodable:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "Line(s) %(lines)s hold characters GBK cannot write (rare characters in names); "
                    "export in UTF-8 instead."
                ),
                {"lines": ", ".join(unencodable[:20])},
            ),
            fields={"encoding": gettext_noop("use utf-8")},
        )
    writer.writerow([TOTAL_MARK, "", "", "", "", money(total), f"共{count}笔"])
    text.flush()
    text.detach()
    return ExportResult(count, total, fmt, encoding, bank or "")


def _check_exportable(batch: Batch, acting_user: User) -> None:
    _require_bank_file_rights(acting_user)
    check_batch_county(acting_user, batch)
    if batch.state not in EXPORT_STATES:
        raise Conflict(
            Message(
                gettext_noop("Only an approved batch can be exported; this one is %(state)s."),
                {"state": batch.get_state_display()},
            ),
            code="batch_state",
        )


def _record_export(batch: Batch, acting_user: User, results: list[ExportResult], per_bank: bool) -> None:
    """The download of full ID numbers and accounts, recorded; the first one of an approved
    batch moves it to exported."""
    with transaction.atomic():
        old_state = batch.state
        if batch.state == BatchState.APPROVED:
            move_batch(batch, [BatchState.APPROVED], BatchState.EXPORTED)
            add_transition(batch, BatchState.EXPORTED, acting_user)
        first = results[0]
        record_event(
            EventType.BATCH_EXPORTED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": old_state},
            new={"state": batch.state},
            extra={
                "personal_data": ["id_number", "bank_account"],
                "format": first.fmt,
                "encoding": first.encoding,
                "lines": sum(r.lines for r in results),
                "total": money(sum(r.total_fen for r in results)),
                "banks": [r.bank for r in results if r.bank],
                "per_bank": per_bank,
            },
        )


def do_export_batch(
    batch: Batch,
    out: IO[bytes],
    *,
    fmt: str,
    encoding: str = "utf-8",
    acting_user: User,
    bank: str | None = None,
) -> ExportResult:
    """Write the bank file of the whole batch, or of one ``bank`` (full ID numbers and
    accounts: the bank checks them), and record the export."""
    _check_exportable(batch, acting_user)
    if bank is not None and bank not in {s.bank for s in bank_statuses(batch)}:
        raise InvalidInput(
            Message(gettext_noop("No line of this batch is paid through %(bank)s."), {"bank": bank[:100]}),
            fields={"bank": gettext_noop("not a bank of this batch")},
        )
    result = write_bank_file(batch, out, fmt=fmt, encoding=encoding, bank=bank)
    _record_export(batch, acting_user, [result], per_bank=bank is not None)
    return result


def do_export_batch_per_bank(
    batch: Batch,
    open_file: Callable[[str], IO[bytes]],
    *,
    fmt: str,
    encoding: str = "utf-8",
    acting_user: User,
) -> list[ExportResult]:
    """One file per bank, each with 序号 from 1, written to ``open_file(bank)``; one record of
    the export. A bank a file cannot be written for (GBK) stops the whole export."""
    _check_exportable(batch, acting_user)
    statuses = bank_statuses(batch)
    if not statuses:
        raise InvalidInput(Message(gettext_noop("No line of this batch goes to a bank.")))
    results = []
    for status in statuses:
        out = open_file(status.bank)
        results.append(write_bank_file(batch, out, fmt=fmt, encoding=encoding, bank=status.bank))
    _record_export(batch, acting_user, results, per_bank=True)
    return results


@dataclass(frozen=True)
class ReturnsResult:
    """What one returns file said (``paid``, ``failed``), which banks it answered for, and the
    banks whose returns are still missing."""

    paid: int
    paid_fen: int
    failed: int
    failed_fen: int
    banks: tuple[str, ...] = ()
    banks_missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "paid": self.paid,
            "paid_total": money(self.paid_fen),
            "failed": self.failed,
            "failed_total": money(self.failed_fen),
            "banks": list(self.banks),
            "banks_missing": list(self.banks_missing),
        }


MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True)
class _Exported:
    seq: int
    bank: str
    token: str
    amount_fen: int
    status: str


def _check_returns(
    batch: Batch, rows: list[TableRow]
) -> tuple[list[RowError], dict[int, tuple[str, str, int]], list[str]]:
    """Each line the file answers for exactly once, with the same 序号, 开户银行, 银行账号 and
    金额 as exported, not answered before, and every line of each bank it names. A file that
    names one bank is that bank's file (序号 from 1, as exported per bank); a file naming
    several is the whole batch's (序号 as on the batch). Returns the errors, each answered
    line's outcome by its 序号 on the batch, and the 开户银行 texts of the banks answered."""
    keys: dict[str, str] = {}

    def key(name: str) -> str:
        if name not in keys:
            keys[name] = bank_key(name)
        return keys[name]

    exported = [
        _Exported(seq, key(name), token, amount, status)
        for seq, name, token, amount, status in BatchLine.objects.filter(batch=batch)
        .exclude(status=LineStatus.HELD)
        .order_by("seq")
        .values_list("seq", "bank_name", "bank_account_encrypted", "amount_fen", "status")
        .iterator(chunk_size=10000)
    ]
    body = [row for row in rows if cell_text(row.values.get("序号")) != TOTAL_MARK]
    named = {
        key(cell_text(row.values.get("开户银行"))) for row in body if cell_text(row.values.get("开户银行"))
    }
    errors: list[RowError] = []
    if len(named) == 1:
        (only,) = named
        of_bank = [line for line in exported if line.bank == only]
        numbered = {number: line for number, line in enumerate(of_bank, start=1)}
        if not of_bank:
            errors.append(
                RowError(
                    0,
                    "开户银行",
                    Message(gettext_noop("No line of this batch is paid through %(bank)s."), {"bank": only}),
                )
            )
            return errors, {}, []
    else:
        numbered = {line.seq: line for line in exported}
    outcome: dict[int, tuple[str, str, int]] = {}
    seen: dict[int, int] = {}
    for row in body:
        v = row.values
        seq_text = cell_text(v.get("序号"))
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
        if not seq_text.isdigit() or int(seq_text) not in numbered:
            errors.append(
                RowError(
                    row.number,
                    "序号",
                    Message(gettext_noop("No line %(seq)s in this batch."), {"seq": seq_text}),
                )
            )
            continue
        number = int(seq_text)
        if number in seen:
            errors.append(
                RowError(
                    row.number,
                    "序号",
                    Message(
                        gettext_noop("Line %(seq)s appears again (first on row %(row)d)."),
                        {"seq": number, "row": seen[number]},
                    ),
                )
            )
            continue
        seen[number] = row.number
        line = numbered[number]
        if line.status != LineStatus.PENDING:
            errors.append(
                RowError(
                    row.number,
                    "序号",
                    Message(
                        gettext_noop(
                            "Line %(seq)s was returned already by an earlier returns file: a line is "
                            "returned once."
                        ),
                        {"seq": number},
                    ),
                )
            )
            continue
        if key(cell_text(v.get("开户银行"))) != line.bank:
            errors.append(
                RowError(
                    row.number,
                    "开户银行",
                    Message(gettext_noop("The bank does not match the exported line.")),
                )
            )
        account = v.get("银行账号")
        if isinstance(account, float) or "E+" in cell_text(account).upper():
            errors.append(
                RowError(
                    row.number,
                    "银行账号",
                    Message(
                        gettext_noop(
                            "The account was turned into a number by a spreadsheet; keep it as text."
                        )
                    ),
                )
            )
        elif cell_text(account).replace(" ", "") != decrypt(line.token):
            errors.append(
                RowError(
                    row.number,
                    "银行账号",
                    Message(gettext_noop("The account does not match the exported line.")),
                )
            )
        amount = parse_amount(v.get("金额"))
        if amount is None or to_fen(amount) != line.amount_fen:
            errors.append(
                RowError(
                    row.number,
                    "金额",
                    Message(
                        gettext_noop("The amount does not match the exported %(amount)s."),
                        {"amount": money(line.amount_fen)},
                    ),
                )
            )
        status = cell_text(v.get("状态"))
        if status not in (PAID_MARK, FAILED_MARK):
            errors.append(RowError(row.number, "状态", Message(gettext_noop("状态 is 成功 or 失败."))))
        outcome[line.seq] = (
            status,
            cell_text(v.get("原因"))[:200] if status == FAILED_MARK else "",
            line.amount_fen,
        )
    answered = {numbered[n].bank for n in seen}
    missing = sorted(
        n
        for n, line in numbered.items()
        if n not in seen and line.bank in answered and line.status == LineStatus.PENDING
    )
    if missing and len(errors) < MAX_REPORTED_ERRORS:
        errors.append(
            RowError(
                0,
                "序号",
                Message(
                    gettext_noop("%(count)d exported line(s) are missing from the returns, e.g. %(lines)s."),
                    {"count": len(missing), "lines": ", ".join(str(s) for s in missing[:10])},
                ),
            )
        )
    if not seen and not errors and any(line.status == LineStatus.PENDING for line in exported):
        errors.append(RowError(0, "序号", Message(gettext_noop("The returns file has no line."))))
    return errors, outcome, [name for name, bank in keys.items() if bank in answered]


def _not_exported(batch: Batch) -> Conflict:
    return Conflict(
        Message(
            gettext_noop(
                "Bank returns are imported into an exported batch, bank by bank until every bank's "
                "are in; this one is %(state)s."
            ),
            {"state": batch.get_state_display()},
        ),
        code="batch_state",
    )


def do_import_bank_returns(
    batch: Batch, data: bytes, *, acting_user: User, filename: str = ""
) -> ReturnsResult:
    """A bank's answer: its file (or the whole batch's) with 状态 and 原因. Rejected whole
    unless every line matches; then each line is paid or failed. Banks answer one by one:
    the batch has its returns once every bank's are in. A line is returned once. A failed
    line is simply not paid: the next batch pays it again."""
    require(acting_user, WRITE)
    check_batch_county(acting_user, batch)
    if batch.state != BatchState.EXPORTED:
        raise _not_exported(batch)
    _, rows = read_table(data, RETURN_COLUMNS)
    errors, outcome, bank_names_answered = _check_returns(batch, rows)
    if errors:
        raise ImportRejected(errors)
    table = BatchLine._meta.db_table
    paid = [(seq, amount) for seq, (status, _r, amount) in outcome.items() if status == PAID_MARK]
    failed = [(seq, amount) for seq, (status, _r, amount) in outcome.items() if status == FAILED_MARK]
    with transaction.atomic():
        # One import into a batch at a time. Each decides, from every bank's lines, whether the
        # batch now has all its returns: two banks' files imported at once would each see the
        # other's lines still pending (not yet committed) and leave the batch waiting for ever.
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != BatchState.EXPORTED:
            raise _not_exported(locked)
        with connection.cursor() as cursor:
            # Compare-and-set, set-based: every line still awaiting the bank, of the banks
            # this file answers for, is paid (the check made sure the file holds each of
            # them). A line another file returned meanwhile makes the count fall short, and
            # nothing is kept. Then the few failed lines get their status and reason.
            names = ", ".join(["%s"] * len(bank_names_answered)) or "NULL"
            cursor.execute(
                f"UPDATE {table} SET status = %s, reason = '' "  # noqa: S608
                f"WHERE batch_id = %s AND status = %s AND bank_name IN ({names})",
                [LineStatus.PAID.value, batch.pk, LineStatus.PENDING.value, *bank_names_answered],
            )
            if cursor.rowcount != len(outcome):
                raise Conflict(
                    Message(
                        gettext_noop(
                            "Some of these lines were returned meanwhile by another file: nothing was "
                            "imported."
                        )
                    ),
                    code="returned_already",
                )
            cursor.execute("DROP TABLE IF EXISTS benefits_tmp_failed")
            cursor.execute(
                "CREATE TEMPORARY TABLE benefits_tmp_failed (seq INTEGER PRIMARY KEY, reason VARCHAR(200))"
            )
            cursor.executemany(
                "INSERT INTO benefits_tmp_failed (seq, reason) VALUES (%s, %s)",
                [(seq, reason) for seq, (status, reason, _a) in outcome.items() if status == FAILED_MARK],
            )
            cursor.execute(
                f"UPDATE {table} SET status = %s, reason = (SELECT f.reason FROM benefits_tmp_failed f "  # noqa: S608
                f"WHERE f.seq = {table}.seq) WHERE batch_id = %s AND seq IN (SELECT seq FROM "
                "benefits_tmp_failed)",
                [LineStatus.FAILED.value, batch.pk],
            )
            cursor.execute("DROP TABLE IF EXISTS benefits_tmp_failed")
            # The month of the lines paid now, added to their people's paid months (the
            # reports' people paid): one upsert, in this transaction.
            cursor.execute(
                f"INSERT INTO {PaidMonths._meta.db_table} (beneficiary_id, year, months) "  # noqa: S608
                f"SELECT beneficiary_id, %s, %s FROM {table} "
                f"WHERE batch_id = %s AND status = %s AND bank_name IN ({names}) "
                "ON CONFLICT (beneficiary_id, year) DO UPDATE SET "
                f"months = {PaidMonths._meta.db_table}.months | excluded.months",
                [
                    batch.period.year,
                    month_bit(batch.period.month),
                    batch.pk,
                    LineStatus.PAID.value,
                    *bank_names_answered,
                ],
            )
        # The batch's lines summed by status and benefits, as they now are: what a county's
        # reports read instead of its lines (``LineSum``); the batch's returned figures are
        # their sums by status (one pass over the lines for both).
        engine.write_line_sums(batch.pk)
        counts: dict[str, tuple[int, int]] = {}
        for status, n, fen in LineSum.objects.filter(  # scope: the batch's county was checked above
            batch_id=batch.pk, status__in=[LineStatus.PAID, LineStatus.FAILED]
        ).values_list("status", "lines", "amount_fen"):
            was = counts.get(status, (0, 0))
            counts[status] = (was[0] + n, was[1] + fen)
        statuses = bank_statuses(batch)
        Batch.objects.filter(pk=batch.pk).update(
            returned_paid=counts.get(LineStatus.PAID, (0, 0))[0],
            returned_paid_fen=counts.get(LineStatus.PAID, (0, 0))[1],
            returned_failed=counts.get(LineStatus.FAILED, (0, 0))[0],
            returned_failed_fen=counts.get(LineStatus.FAILED, (0, 0))[1],
        )
        answered = {bank_key(name) for name in bank_names_answered}
        result = ReturnsResult(
            len(paid),
            sum(a for _s, a in paid),
            len(failed),
            sum(a for _s, a in failed),
            tuple(s.bank for s in statuses if s.bank in answered),
            tuple(s.bank for s in statuses if not s.returned),
        )
        if not result.banks_missing:
            move_batch(batch, [BatchState.EXPORTED], BatchState.RETURNS_IMPORTED)
            add_transition(batch, BatchState.RETURNS_IMPORTED, acting_user, filename)
        settled = settle_one_offs(batch) if batch.one_off_fen else []
        record_event(
            EventType.BANK_RETURNS_IMPORTED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.EXPORTED},
            new={"state": batch.state, **result.as_dict()},
            extra={"filename": filename, "one_offs_paid": settled} if settled else {"filename": filename},
        )
    batch.refresh_from_db()
    return result
