"""Writes to benefits. Each is one transaction and writes its audit record in it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.roles import Capability
from youfu.accounts.services import require
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import engine
from youfu.benefits.models import (
    BASIS_BY_CHINESE_NAME,
    CHINESE_BENEFIT,
    EXPORT_STATES,
    OPEN_STATES,
    PARAMETER_TRANSITIONS,
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    BatchTotal,
    BatchTransition,
    BenefitSettings,
    LineStatus,
    LocalTopUp,
    ParameterState,
    PendingLumpSum,
    Recovery,
    RecoveryStatus,
    Standard,
    StandardBasis,
    StandardImport,
)
from youfu.benefits.money import (
    add_months,
    money,
    month_label,
    parse_amount,
    to_fen,
    ym_label,
    yuan,
)
from youfu.benefits.rates import StandardRow, approved_standards
from youfu.benefits.tables import TableRow, cell_text, read_table
from youfu.core.banks import bank_key, bank_names, normalize_bank
from youfu.core.crypto import decrypt, encrypt
from youfu.core.csvio import SafeCsvWriter, xlsx_cells
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import BENEFIT_OF, CHINESE_CAUSE, CHINESE_NAMES, MAX_LEVEL, Category
from youfu.registry.models import Qualification, Residence
from youfu.registry.services import Payee, mask_account
from youfu.registry.validation import Invalid, parse_category, parse_cause, parse_date, parse_level

if TYPE_CHECKING:
    from youfu.accounts.models import User


# The county's own clerks keep the payments, as they keep the registry (a department
# liaison, who has casework rights, does not).
WRITE = Capability.WRITE_REGISTRY


# --- who may act for which county ------------------------------------------------------------


def county_of(user: User) -> Region:
    """Standards' top-ups, settings and batches belong to a county: only its county-level
    users change them."""
    region = user.region
    if region is None or region.level != RegionLevel.COUNTY:
        raise PermissionDenied(Message(gettext_noop("Only a county-level user can do this.")))
    return region


def _check_batch_county(user: User, batch: Batch) -> None:
    if county_of(user).code != batch.county_id:
        raise PermissionDenied()


def _transition(batch: Batch, state: str, user: User, note: str = "") -> None:
    BatchTransition.objects.create(batch=batch, state=state, by=user, note=note[:500])


def _move(batch: Batch, from_states: Iterable[str], to_state: str, **fields: Any) -> None:
    """Compare-and-set: only a batch still in one of ``from_states`` moves."""
    changed = Batch.objects.filter(pk=batch.pk, state__in=list(from_states)).update(state=to_state, **fields)
    if not changed:
        batch.refresh_from_db(fields=["state"])
        raise Conflict(
            Message(
                gettext_noop("This batch is %(state)s: that step is not possible now."),
                {"state": batch.get_state_display()},
            ),
            code="batch_state",
        )
    batch.state = to_state
    for name, value in fields.items():
        setattr(batch, name, value)


# --- standards --------------------------------------------------------------------------------

STANDARD_COLUMNS = ("优抚类别", "伤残性质", "伤残等级", "户籍性质", "年标准(元)", "生效日期", "计发方式")
_RESIDENCE = {"城镇": Residence.URBAN, "农村": Residence.RURAL, "urban": Residence.URBAN, "rural": "rural"}


@dataclass
class StandardsImportResult:
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    version: int | None = None
    effective_dates: list[str] = field(default_factory=list)
    # "pending" until a leader approves it; None when every row was in force already.
    state: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "rows": self.rows,
            "added": self.added,
            "unchanged": self.unchanged,
            "version": self.version,
            "effective_dates": self.effective_dates,
            "id": self.version,
            "state": self.state,
        }


@dataclass(frozen=True)
class _ParsedStandard:
    row: int
    standard: StandardRow


def describe_standard_key(category: str, cause: str, level: int | None, residence: str) -> str:
    """A standard's qualification in Chinese, as the standards file names it: 残疾军人 因战 1级 农村."""
    parts = [CHINESE_NAMES[Category(category)]]
    if cause:
        parts.append(CHINESE_CAUSE[cause])  # type: ignore[index]
    if level:
        parts.append(f"{level}级")
    if residence:
        parts.append("城镇" if residence == Residence.URBAN else "农村")
    return " ".join(parts)


def _describe(row: StandardRow) -> str:
    key = describe_standard_key(row.category, row.cause, row.level, row.residence)
    return f"{key} {row.effective_on.isoformat()}"


def _parse_standard(row: TableRow) -> tuple[StandardRow | None, list[RowError]]:
    v = row.values
    errors: list[RowError] = []

    def take(column: str, parse: Any) -> Any:
        try:
            return parse(v.get(column))
        except Invalid as exc:
            errors.append(RowError(row.number, column, exc.message))
            return None

    category = take("优抚类别", parse_category)
    if category is None and not errors:
        errors.append(RowError(row.number, "优抚类别", Message(gettext_noop("The category is required."))))
    elif category is not None and category not in BENEFIT_OF:
        errors.append(
            RowError(
                row.number,
                "优抚类别",
                Message(
                    gettext_noop("No regular benefit is paid to %(category)s."), {"category": category.label}
                ),
            )
        )
    cause = take("伤残性质", parse_cause)
    level = take("伤残等级", parse_level)
    if category is not None and category != Category.DISABLED_VETERAN and (cause or level):
        errors.append(
            RowError(
                row.number,
                "伤残性质",
                Message(gettext_noop("Only a disabled veteran's standard has a disability cause or level.")),
            )
        )
    if cause and level and level > MAX_LEVEL[cause]:
        errors.append(
            RowError(
                row.number,
                "伤残等级",
                Message(gettext_noop("Disability from illness is recognised at levels 1 to 6 only.")),
            )
        )
    residence_text = cell_text(v.get("户籍性质"))
    residence = ""
    if residence_text:
        found = _RESIDENCE.get(residence_text.lower() if residence_text.isascii() else residence_text)
        if found is None:
            errors.append(
                RowError(
                    row.number,
                    "户籍性质",
                    Message(
                        gettext_noop("%(value)s is not a residence; use 城镇 or 农村, or leave it blank."),
                        {"value": residence_text},
                    ),
                )
            )
        else:
            residence = str(found)
    amount = parse_amount(v.get("年标准(元)")) if cell_text(v.get("年标准(元)")) else None
    if amount is None:
        errors.append(
            RowError(
                row.number,
                "年标准(元)",
                Message(gettext_noop("Give the annual amount in yuan, at most two decimals, not negative.")),
            )
        )
    effective_on = take("生效日期", parse_date)
    if effective_on is None and not any(e.column == "生效日期" for e in errors):
        errors.append(
            RowError(row.number, "生效日期", Message(gettext_noop("The effective date is required.")))
        )
    basis_text = cell_text(v.get("计发方式")) or "每人"
    basis = BASIS_BY_CHINESE_NAME.get(basis_text) or (
        StandardBasis(basis_text) if basis_text in StandardBasis.values else None
    )
    if basis is None:
        errors.append(
            RowError(
                row.number,
                "计发方式",
                Message(gettext_noop("%(value)s: use 每人 or 每服役年."), {"value": basis_text}),
            )
        )
    elif basis == StandardBasis.PER_SERVICE_YEAR and category not in (None, Category.ELDERLY_RURAL_VETERAN):
        errors.append(
            RowError(
                row.number,
                "计发方式",
                Message(gettext_noop("Only the rural veterans over 60 are paid per year of service.")),
            )
        )
    if errors or category is None or amount is None or effective_on is None or basis is None:
        return None, errors
    return (
        StandardRow(
            id=0,
            category=category.value,
            cause=cause.value if cause else "",
            level=level,
            residence=residence,
            annual_fen=to_fen(amount),
            effective_on=effective_on,
            basis=basis.value,
        ),
        errors,
    )


def _standard_conflicts(
    parsed: list[_ParsedStandard], existing: list[StandardRow]
) -> tuple[list[RowError], list[_ParsedStandard]]:
    """Overlapping or ambiguous rows, and the rows that are new (identical rows already
    imported are skipped, so importing the same file twice changes nothing)."""
    errors: list[RowError] = []
    new: list[_ParsedStandard] = []
    for p in parsed:
        same = [e for e in existing if e.same_key(p.standard)]
        if same:
            old = same[0]
            if (old.annual_fen, old.basis) == (p.standard.annual_fen, p.standard.basis):
                continue
            errors.append(
                RowError(
                    p.row,
                    "生效日期",
                    Message(
                        gettext_noop(
                            "%(standard)s is already in force from this date at %(amount)s yuan; "
                            "a change takes a later effective date."
                        ),
                        {"standard": _describe(old), "amount": money(old.annual_fen)},
                    ),
                )
            )
            continue
        clash = next((e for e in existing if e.overlaps(p.standard)), None)
        if clash is not None:
            errors.append(
                RowError(
                    p.row,
                    "优抚类别",
                    Message(
                        gettext_noop("Overlaps the standard in force for %(standard)s: both would apply."),
                        {"standard": _describe(clash)},
                    ),
                )
            )
            continue
        earlier = next((q for q in new if q.standard.overlaps(p.standard)), None)
        if earlier is not None:
            errors.append(
                RowError(
                    p.row,
                    "优抚类别",
                    Message(
                        gettext_noop("Overlaps row %(row)d from the same date: both would apply."),
                        {"row": earlier.row},
                    ),
                )
            )
            continue
        new.append(p)
    return errors, new


def _lock_standards() -> None:
    """Two imports or approvals at once must not both pass the overlap check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Standard._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def _require_entering_clerk(user: User) -> Region:
    """Money parameters are business, not IT settings: the county's clerks enter them (the
    admin keeps the payments start month and the allowance month)."""
    require(user, WRITE)
    return county_of(user)


def _require_decider(user: User, entered_by_id: int) -> Region:
    """Maker-checker: a county leader who did not enter it approves or refuses it."""
    require(user, Capability.APPROVE)
    county = county_of(user)
    if entered_by_id == user.pk:
        raise PermissionDenied(
            Message(gettext_noop("You entered this yourself: a leader who did not enter it decides on it.")),
            code="own_entry",
        )
    return county


def clean_refusal_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            Message(gettext_noop("Give the reason for refusing: the clerk reads it to correct the entry.")),
            fields={"reason": gettext_noop("required")},
        )
    if len(text) > 500:
        raise InvalidInput(
            Message(gettext_noop("The reason is at most 500 characters.")),
            fields={"reason": gettext_noop("at most 500 characters")},
        )
    return text


def _decide(obj: StandardImport | LocalTopUp, action: str, **fields: Any) -> str:
    """Compare-and-set along ``PARAMETER_TRANSITIONS``: only an entry still in the state the
    table starts from moves, so two leaders deciding at once cannot both succeed."""
    model = type(obj)
    current = model.objects.filter(pk=obj.pk).values_list("state", flat=True).first()
    target = PARAMETER_TRANSITIONS.get((str(current), action))
    changed = 0
    if target is not None:
        changed = model.objects.filter(pk=obj.pk, state=current).update(state=target, **fields)
    if target is None or not changed:
        obj.refresh_from_db(fields=["state"])
        raise Conflict(
            Message(
                gettext_noop(
                    "This entry is %(state)s: only one awaiting approval can be approved or refused."
                ),
                {"state": obj.get_state_display()},
            ),
            code="parameter_state",
        )
    obj.state = target
    for name, value in fields.items():
        setattr(obj, name, value)
    return str(target)


def do_import_standards(data: bytes, *, acting_user: User, filename: str = "") -> StandardsImportResult:
    """A county clerk imports a standards file: all or nothing, as a version awaiting a
    leader's approval. Rows identical to the standards in force are skipped; a later
    生效日期 adds a version; history is kept. Only approved versions count in the overlap
    check, so a pending or refused file never blocks a corrected one."""
    _require_entering_clerk(acting_user)
    _, rows = read_table(data, STANDARD_COLUMNS)
    if not rows:
        raise InvalidInput(Message(gettext_noop("The file has no rows.")))
    parsed: list[_ParsedStandard] = []
    errors: list[RowError] = []
    for row in rows:
        standard, row_errors = _parse_standard(row)
        errors.extend(row_errors)
        if standard is not None:
            parsed.append(_ParsedStandard(row.number, standard))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        _lock_standards()
        existing = [StandardRow.of(s) for s in approved_standards()]
        errors, new = _standard_conflicts(parsed, existing)
        if errors:
            raise ImportRejected(errors)
        result = StandardsImportResult(rows=len(parsed), added=len(new), unchanged=len(parsed) - len(new))
        if not new:
            return result  # every row is in force already: nothing to approve
        version = StandardImport.objects.create(
            filename=filename[:200],
            imported_by=acting_user,
            rows=len(new),
            unchanged=result.unchanged,
            state=ParameterState.PENDING,
        )
        Standard.objects.bulk_create(
            Standard(
                version=version,
                category=p.standard.category,
                disability_cause=p.standard.cause,
                disability_level=p.standard.level,
                residence=p.standard.residence,
                annual_fen=p.standard.annual_fen,
                effective_on=p.standard.effective_on,
                basis=p.standard.basis,
            )
            for p in new
        )
        result.version = version.pk
        result.state = version.state
        result.effective_dates = sorted({p.standard.effective_on.isoformat() for p in new})
        record_event(
            EventType.STANDARDS_IMPORTED,
            actor=acting_user,
            obj=version,
            new={
                "filename": filename,
                "added": len(new),
                "effective_dates": result.effective_dates,
                "state": ParameterState.PENDING.value,
            },
            extra={"unchanged": result.unchanged},
        )
    return result


def do_approve_standards(version: StandardImport, *, acting_user: User) -> StandardImport:
    """A leader who did not import the version puts it in force. The overlap with the
    standards in force is checked again: another version may have been approved since."""
    _require_decider(acting_user, version.imported_by_id)
    with transaction.atomic():
        _lock_standards()
        version.refresh_from_db(fields=["state"])
        if version.state == ParameterState.PENDING:
            existing = [StandardRow.of(s) for s in approved_standards()]
            clashes = sorted(
                {
                    _describe(e)
                    for s in version.standards.all()
                    for e in existing
                    if e.overlaps(StandardRow.of(s))
                }
            )
            if clashes:
                raise Conflict(
                    Message(
                        gettext_noop(
                            "Standards in force since this file was imported overlap it (%(standards)s): "
                            "refuse it and import a corrected file."
                        ),
                        {"standards": "、".join(clashes[:5]) + ("…" if len(clashes) > 5 else "")},
                    ),
                    code="standards_overlap",
                )
        _decide(version, "approve", decided_at=timezone.now(), decided_by=acting_user)
        dates = sorted({d.isoformat() for d in version.standards.values_list("effective_on", flat=True)})
        record_event(
            EventType.STANDARDS_APPROVED,
            actor=acting_user,
            obj=version,
            old={"state": ParameterState.PENDING.value},
            new={"state": ParameterState.APPROVED.value, "rows": version.rows, "effective_dates": dates},
        )
    return version


def do_refuse_standards(version: StandardImport, *, acting_user: User, reason: str) -> StandardImport:
    """A leader refuses a version awaiting approval, saying why; its rows never apply."""
    reason = clean_refusal_reason(reason)
    _require_decider(acting_user, version.imported_by_id)
    with transaction.atomic():
        _decide(version, "refuse", decided_at=timezone.now(), decided_by=acting_user, reason=reason)
        record_event(
            EventType.STANDARDS_REFUSED,
            actor=acting_user,
            obj=version,
            old={"state": ParameterState.PENDING.value},
            new={"state": ParameterState.REFUSED.value},
        )
    return version


# --- top-up and settings ----------------------------------------------------------------------


def parse_topup(text: str) -> Decimal:
    """ "8", "8.5", "8%", "-3" → Decimal percent; between -100 and 100, two decimals at most."""
    raw = (text or "").strip().removesuffix("%").strip()
    try:
        percent = Decimal(raw)
    except ArithmeticError:
        percent = Decimal("NaN")
    # Out of range first: quantizing 1e308 would raise instead of answering.
    if percent.is_finite() and not Decimal(-100) <= percent <= Decimal(100):
        raise InvalidInput(
            Message(gettext_noop("A top-up lies between -100%% and 100%%, not %(value)s%%."), {"value": raw}),
            fields={"percent": gettext_noop("between -100 and 100")},
        )
    if not percent.is_finite() or percent != percent.quantize(Decimal("0.01")):
        raise InvalidInput(
            Message(gettext_noop("%(value)s is not a percentage such as 8 or 8.5."), {"value": text}),
            fields={"percent": gettext_noop("not a percentage")},
        )
    if not Decimal(-100) <= percent <= Decimal(100):
        raise InvalidInput(
            Message(gettext_noop("A top-up lies between -100%% and 100%%, not %(value)s%%."), {"value": raw}),
            fields={"percent": gettext_noop("between -100 and 100")},
        )
    return percent.quantize(Decimal("0.01"))


def do_set_topup(percent: Decimal, effective_on: date, *, acting_user: User) -> LocalTopUp:
    """A county clerk enters the county's top-up from ``effective_on`` on; it applies once a
    leader approves it (then, for a date that already has one, it corrects it). The very
    top-up already in force is not entered again: it is returned as it is."""
    county = _require_entering_clerk(acting_user)
    percent = parse_topup(str(percent))
    with transaction.atomic():
        in_force = LocalTopUp.objects.filter(
            region=county, effective_on=effective_on, state=ParameterState.APPROVED
        ).first()
        if in_force is not None and in_force.percent == percent:
            return in_force
        topup = LocalTopUp.objects.create(
            region=county,
            percent=percent,
            effective_on=effective_on,
            created_by=acting_user,
            state=ParameterState.PENDING,
        )
        record_event(
            EventType.TOPUP_SET,
            actor=acting_user,
            region=county,
            obj=topup,
            old={"percent": in_force.percent, "effective_on": effective_on} if in_force else None,
            new={"percent": percent, "effective_on": effective_on, "state": ParameterState.PENDING.value},
        )
    return topup


def do_approve_topup(topup: LocalTopUp, *, acting_user: User) -> LocalTopUp:
    """A leader of the county who did not enter the top-up puts it in force; one already in
    force from the same date is replaced (kept as history, superseded)."""
    county = _require_decider(acting_user, topup.created_by_id)
    if topup.region_id != county.code:
        raise PermissionDenied()
    with transaction.atomic():
        topup.refresh_from_db(fields=["state"])
        previous = (
            LocalTopUp.objects.select_for_update()
            .filter(region=county, effective_on=topup.effective_on, state=ParameterState.APPROVED)
            .exclude(pk=topup.pk)
            .first()
        )
        if previous is not None and (topup.state == ParameterState.PENDING):
            _decide(previous, "supersede")
        _decide(topup, "approve", decided_at=timezone.now(), decided_by=acting_user)
        record_event(
            EventType.TOPUP_APPROVED,
            actor=acting_user,
            region=county,
            obj=topup,
            old={"percent": previous.percent, "state": ParameterState.APPROVED.value}
            if previous is not None
            else {"state": ParameterState.PENDING.value},
            new={
                "percent": topup.percent,
                "effective_on": topup.effective_on,
                "state": ParameterState.APPROVED.value,
            },
            extra={"superseded": previous.pk} if previous is not None else None,
        )
    return topup


def do_refuse_topup(topup: LocalTopUp, *, acting_user: User, reason: str) -> LocalTopUp:
    """A leader refuses a top-up awaiting approval, saying why; it never applies."""
    reason = clean_refusal_reason(reason)
    county = _require_decider(acting_user, topup.created_by_id)
    if topup.region_id != county.code:
        raise PermissionDenied()
    with transaction.atomic():
        _decide(topup, "refuse", decided_at=timezone.now(), decided_by=acting_user, reason=reason)
        record_event(
            EventType.TOPUP_REFUSED,
            actor=acting_user,
            region=county,
            obj=topup,
            old={"state": ParameterState.PENDING.value},
            new={"state": ParameterState.REFUSED.value, "percent": topup.percent},
        )
    return topup


def settings_for(county: Region | str) -> BenefitSettings:
    code = county if isinstance(county, str) else county.code
    found = BenefitSettings.objects.filter(region_id=code).first()
    return found or BenefitSettings(region_id=code)


_UNSET: Any = object()


def do_update_benefit_settings(
    *, acting_user: User, payments_start: date = _UNSET, allowance_month: int = _UNSET
) -> BenefitSettings:
    """The admin's settings of the county's payments. The start month is a month, never
    "unset": once set, it stays set (it may only move as ``_check_start_move`` allows)."""
    require(acting_user, Capability.MANAGE_SETTINGS)
    county = county_of(acting_user)
    if payments_start is None:
        raise InvalidInput(
            Message(gettext_noop("Give the payments start month, like 2026-01.")),
            fields={"payments_start": gettext_noop("YYYY-MM")},
        )
    if allowance_month is not _UNSET and not 1 <= allowance_month <= 12:
        raise InvalidInput(
            Message(gettext_noop("The allowance month is 1 to 12.")),
            fields={"allowance_month": gettext_noop("1 to 12")},
        )
    with transaction.atomic():
        current, _ = BenefitSettings.objects.select_for_update().get_or_create(region=county)
        before = {"payments_start": current.payments_start, "allowance_month": current.allowance_month}
        if payments_start is not _UNSET:
            _check_start_move(county, payments_start.replace(day=1))
            current.payments_start = payments_start.replace(day=1)
        if allowance_month is not _UNSET:
            current.allowance_month = allowance_month
        after = {"payments_start": current.payments_start, "allowance_month": current.allowance_month}
        if after == before:
            return current
        current.updated_at = timezone.now()
        current.updated_by = acting_user
        current.save()
        record_event(
            EventType.BENEFIT_SETTINGS_CHANGED,
            actor=acting_user,
            region=county,
            obj=current,
            old=before,
            new=after,
        )
    return current


def _check_start_move(county: Region, new: date) -> None:
    """Months before the start month are settled history, never due. Once the county has
    paid through youfu the start may only move forward, over months in which nothing is
    left to pay or to claim back, and not while a batch is open: otherwise settled months
    would be paid again, or money owed in them lost."""
    batches = Batch.objects.filter(county=county).exclude(state=BatchState.DISCARDED)
    if not batches.exists():
        return  # nothing paid yet: the start is the county's to choose
    if batches.filter(state__in=OPEN_STATES).exists():
        raise Conflict(
            Message(
                gettext_noop("A batch is open: close or discard it before moving the payments start month.")
            )
        )
    first = batches.order_by("period").values_list("period", flat=True).first()
    # Batches made before the start month had to be set began at the first one's period.
    current = payments_start(county) or first
    target = new
    if current is None or target == current:
        return
    if target < current:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "Months before %(start)s are settled history: moving the start back to %(month)s "
                    "would pay them again."
                ),
                {"start": month_label(current), "month": month_label(target)},
            ),
            fields={"payments_start": gettext_noop("later than the current start month")},
        )
    window = engine.Window(county.code, current, add_months(target, -1), settings_for(county).allowance_month)
    left = engine.outstanding(window)
    if not left.settled:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "Months %(from)s to %(to)s are not settled: %(persons)d people are still owed "
                    "%(to_pay)s yuan or owe %(to_recover)s yuan back, and %(waiting)d death lump sums "
                    "wait for a payee. Pay them in a batch (or recover or waive the claims) first."
                ),
                {
                    "from": month_label(current),
                    "to": month_label(window.period),
                    "persons": left.persons,
                    "to_pay": money(left.to_pay_fen),
                    "to_recover": money(left.to_recover_fen),
                    "waiting": left.lump_sums_waiting,
                },
            ),
            fields={"payments_start": gettext_noop("months before it are not settled")},
        )


def payments_start(county: Region | str) -> date | None:
    """The county's payments start month, None until the admin sets it. It is never taken
    from a batch: a first batch made for the current month would silently have made every
    earlier month settled history, never paid."""
    code = county if isinstance(county, str) else county.code
    return settings_for(code).payments_start


def start_month_missing_message() -> Message:
    return Message(
        gettext_noop(
            "The payments start month is not set, so youfu cannot know from which month to pay "
            "(months before it are never paid). The county admin sets it first, on the standards "
            "page (/benefits/standards/) or with: youfu benefit-settings --start-month YYYY-MM "
            "--as ADMIN. Choose the first month the bureau pays through youfu."
        )
    )


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
    try:
        with transaction.atomic():
            # The insert comes first: a racing request waits on (or fails at) the unique
            # indexes before any work is done.
            batch = Batch.objects.create(
                county=county, period=period, created_by=acting_user, payments_start=start
            )
            outcome = engine.compute_batch(batch, window)
            batch.persons = outcome.persons
            batch.items = outcome.items
            batch.total_fen = outcome.total_fen
            batch.arrears_fen = outcome.arrears_fen
            batch.recoveries = outcome.recoveries
            batch.recoveries_fen = outcome.recoveries_fen
            batch.save(
                update_fields=["persons", "items", "total_fen", "arrears_fen", "recoveries", "recoveries_fen"]
            )
            _transition(batch, BatchState.DRAFT, acting_user)
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


def do_approve_batch(batch: Batch, *, acting_user: User, note: str = "") -> Batch:
    """A leader who did not create the batch approves it; from then on it cannot change."""
    require(acting_user, Capability.APPROVE)
    _check_batch_county(acting_user, batch)
    if batch.created_by_id == acting_user.pk:
        raise PermissionDenied(
            Message(gettext_noop("You created this batch: another leader must approve it.")), code="own_batch"
        )
    with transaction.atomic():
        _move(
            batch,
            [BatchState.DRAFT],
            BatchState.APPROVED,
            approved_at=timezone.now(),
            approved_by=acting_user,
        )
        _transition(batch, BatchState.APPROVED, acting_user, note)
        record_event(
            EventType.BATCH_APPROVED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.DRAFT},
            new={"state": BatchState.APPROVED, "total": money(batch.total_fen), "persons": batch.persons},
        )
    return batch


def do_discard_batch(batch: Batch, *, acting_user: User, note: str = "") -> Batch:
    """A draft is discarded whole: its lines, items and recoveries go; claims it had
    superseded are open again. The batch row and its history stay."""
    if not (acting_user.can(WRITE) or acting_user.can(Capability.APPROVE)):
        raise PermissionDenied()
    _check_batch_county(acting_user, batch)
    with transaction.atomic():
        _move(batch, [BatchState.DRAFT], BatchState.DISCARDED)
        BatchTotal.objects.filter(batch=batch).delete()
        BatchItem.objects.filter(batch=batch).delete()
        BatchLine.objects.filter(batch=batch).delete()
        Recovery.objects.filter(batch=batch).delete()
        Recovery.objects.filter(superseded_by=batch).update(status=RecoveryStatus.OPEN, superseded_by=None)
        _transition(batch, BatchState.DISCARDED, acting_user, note)
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
    _check_batch_county(acting_user, batch)
    with transaction.atomic():
        _move(batch, [BatchState.RETURNS_IMPORTED], BatchState.CLOSED)
        _transition(batch, BatchState.CLOSED, acting_user, note)
        record_event(
            EventType.BATCH_CLOSED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.RETURNS_IMPORTED},
            new={"state": BatchState.CLOSED},
        )
    return batch


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


def _memo(batch: Batch, arrears_fen: int, to_payee: bool) -> str:
    text = f"{batch.period.year}年{batch.period.month:02d}月优抚金"
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
    )
    for number, (seq, name, id_token, bank_name, account_token, amount, arrears, to_payee) in enumerate(
        rows.iterator(chunk_size=5000), start=1
    ):
        yield [
            str(number if bank is not None else seq),
            name,
            decrypt(id_token),
            bank_name,
            decrypt(account_token),
            money(amount),
            _memo(batch, arrears, to_payee),
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
    _check_batch_county(acting_user, batch)
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
            _move(batch, [BatchState.APPROVED], BatchState.EXPORTED)
            _transition(batch, BatchState.EXPORTED, acting_user)
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


def do_import_bank_returns(
    batch: Batch, data: bytes, *, acting_user: User, filename: str = ""
) -> ReturnsResult:
    """A bank's answer: its file (or the whole batch's) with 状态 and 原因. Rejected whole
    unless every line matches; then each line is paid or failed. Banks answer one by one:
    the batch has its returns once every bank's are in. A line is returned once. A failed
    line is simply not paid: the next batch pays it again."""
    require(acting_user, WRITE)
    _check_batch_county(acting_user, batch)
    if batch.state != BatchState.EXPORTED:
        raise Conflict(
            Message(
                gettext_noop(
                    "Bank returns are imported into an exported batch, bank by bank until every bank's "
                    "are in; this one is %(state)s."
                ),
                {"state": batch.get_state_display()},
            ),
            code="batch_state",
        )
    _, rows = read_table(data, RETURN_COLUMNS)
    errors, outcome, bank_names_answered = _check_returns(batch, rows)
    if errors:
        raise ImportRejected(errors)
    table = BatchLine._meta.db_table
    paid = [(seq, amount) for seq, (status, _r, amount) in outcome.items() if status == PAID_MARK]
    failed = [(seq, amount) for seq, (status, _r, amount) in outcome.items() if status == FAILED_MARK]
    with transaction.atomic():
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
            cursor.execute(
                f"SELECT status, COUNT(*), COALESCE(SUM(amount_fen), 0) FROM {table} "  # noqa: S608
                "WHERE batch_id = %s AND status IN (%s, %s) GROUP BY status",
                [batch.pk, LineStatus.PAID.value, LineStatus.FAILED.value],
            )
            counts = {status: (int(n), int(s)) for status, n, s in cursor.fetchall()}
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
            _move(batch, [BatchState.EXPORTED], BatchState.RETURNS_IMPORTED)
            _transition(batch, BatchState.RETURNS_IMPORTED, acting_user, filename)
        record_event(
            EventType.BANK_RETURNS_IMPORTED,
            actor=acting_user,
            region=batch.county_id,
            obj=batch,
            old={"state": BatchState.EXPORTED},
            new={"state": batch.state, **result.as_dict()},
            extra={"filename": filename},
        )
    batch.refresh_from_db()
    return result


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
    _check_batch_county(acting_user, batch)
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
