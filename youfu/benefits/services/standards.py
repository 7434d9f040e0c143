"""The provincial standards and the county's top-up: entered by one clerk, approved by a
different leader (maker-checker); only approved versions apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes
from youfu.benefits.models import (
    BASIS_BY_CHINESE_NAME,
    PARAMETER_TRANSITIONS,
    LocalTopUp,
    ParameterState,
    Standard,
    StandardBasis,
    StandardImport,
)
from youfu.benefits.money import (
    money,
    parse_amount,
    to_fen,
)
from youfu.benefits.rates import StandardRow, approved_standards
from youfu.benefits.services.common import WRITE, county_of
from youfu.benefits.tables import TableRow, cell_text, read_table
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import Region
from youfu.registry.categories import BENEFIT_OF, CHINESE_CAUSE, CHINESE_NAMES, Category, level_refusal
from youfu.registry.models import Residence
from youfu.registry.validation import Invalid, parse_category, parse_cause, parse_date, parse_level

if TYPE_CHECKING:
    from youfu.accounts.models import User


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
    if cause and level and (refusal := level_refusal(cause, level)):
        errors.append(RowError(row.number, "伤残等级", refusal))
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
        # Every county's next batch recomputes each category the version sets, from its first date.
        for category, first in (
            version.standards.values_list("category").annotate(first=Min("effective_on")).order_by()
        ):
            changes.mark_categories(None, [category], first, "standards")
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
        changes.mark_categories(county, [""], topup.effective_on, "topup")
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
