"""Reads of benefits, region-scoped: batches, lines, recoveries, a person's entitlements
explained month by month, and the reconciliation report."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.selectors import events_about, events_between
from youfu.benefits import engine
from youfu.benefits.models import (
    CHINESE_BASIS,
    ONE_OFF_BENEFITS,
    OPEN_STATES,
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    BatchTotal,
    LineStatus,
    LocalTopUp,
    OneOffPayment,
    ParameterState,
    PaymentBenefit,
    PendingLumpSum,
    Recovery,
    RecoveryStatus,
    Standard,
    StandardImport,
)
from youfu.benefits.money import add_months, ym, ym_label, yuan
from youfu.benefits.rates import StandardRow, approved_standards
from youfu.benefits.services import describe_standard_key, payments_start, settings_for
from youfu.benefits.services.one_offs import holding_batches
from youfu.core.banks import normalize_bank
from youfu.core.scope import region_prefix
from youfu.registry.categories import PRIORITY_CATEGORIES, Category
from youfu.registry.models import (
    Beneficiary,
    LifeEvent,
    LifeEventKind,
    PersonStatus,
    Qualification,
    QualificationStatus,
    Residence,
)


def county_code_of(region_code: str) -> str:
    return region_code[:6].ljust(12, "0")


# --- one-off payments -----------------------------------------------------------------------

ONE_OFF_STATUSES = ("scheduled", "in_batch", "paid", "failed", "held", "withdrawn")
ONE_OFF_STATUS_LABELS = {
    "scheduled": _("to be paid by the next batch"),
    "in_batch": _("in a batch"),
    "paid": _("paid"),
    "failed": _("transfer failed: the next batch pays it again"),
    "held": _("held: no bank account on record; paid by the first batch after one is recorded"),
    "withdrawn": _("withdrawn"),
}


def one_off_status(one_off: OneOffPayment) -> str:
    """Where a one-off payment stands: ``scheduled`` (no batch holds it yet), ``in_batch`` (the
    latest batch holding it awaits the bank, or is a draft), ``paid`` (the bank confirmed all
    of it), ``failed`` (the latest batch holding it could not transfer it: the next one pays it
    again), ``held`` (no bank account on record: paid once one is), or ``withdrawn``."""
    if one_off.withdrawn_at is not None:
        return "withdrawn"
    if one_off.paid_at is not None:
        return "paid"
    held = holding_batches(one_off)
    if not held:
        return "scheduled"
    line = BatchLine.objects.filter(batch=held[0], beneficiary_id=one_off.beneficiary_id).first()
    if line is not None and line.status == LineStatus.FAILED:
        return "failed"
    if line is not None and line.status == LineStatus.HELD:
        return "held"
    return "in_batch"


def one_offs_for(user: User) -> QuerySet[OneOffPayment]:
    qs: QuerySet[OneOffPayment] = OneOffPayment.objects.visible_to(user).select_related("beneficiary")
    return qs


# --- lists ----------------------------------------------------------------------------------


def batches_for(user: User) -> QuerySet[Batch]:
    qs: QuerySet[Batch] = Batch.objects.visible_to(user).select_related("created_by", "approved_by")
    return qs


def next_period(county: str) -> date | None:
    """The month after the county's latest batch (None before its first batch, which is
    usually for the current month: it pays every month since the start month with it)."""
    latest = (
        Batch.objects.filter(county_id=county)
        .exclude(state=BatchState.DISCARDED)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    return add_months(latest, 1) if latest else None


def unlisted_bank_holders(user: User) -> QuerySet[Beneficiary]:
    """People in the user's region whose 开户银行 is not on the bank list: names recorded before
    the list that could not be folded onto it, kept as written for a clerk to correct. Found by
    the distinct names written (a handful), never person by person."""
    visible = Beneficiary.objects.visible_to(user)
    written = visible.exclude(bank_name="").values_list("bank_name", flat=True).order_by().distinct()
    unlisted = [name for name in written if normalize_bank(name) is None]
    qs: QuerySet[Beneficiary] = (
        visible.filter(bank_name__in=unlisted)
        .select_related("township")
        .order_by("bank_name", "township", "name")
    )
    return qs


def lines_for(
    batch: Batch, user: User, *, status: str = "", township: str = "", one_off: bool = False
) -> QuerySet[BatchLine]:
    qs: QuerySet[BatchLine] = (
        BatchLine.objects.visible_to(user)
        .filter(batch=batch)
        .select_related("township", "beneficiary")
        .order_by("seq")
    )
    if status:
        qs = qs.filter(status=status)
    if township:
        qs = qs.filter(township_id=township)
    if one_off:
        qs = qs.filter(one_off_fen__gt=0)  # read through the partial index line_one_off
    return qs


@dataclass(frozen=True)
class OneOffKindTotal:
    kind: str
    label: str
    persons: int
    items: int
    amount_fen: int

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


@dataclass(frozen=True)
class OneOffLine:
    """A bank line carrying one-off payments, with the one-offs it pays."""

    line: BatchLine
    one_offs: list[OneOffPayment]


@dataclass(frozen=True)
class OneOffSummary:
    """A batch's one-off payments (relief grants, medical claims), apart from the regular
    benefits: per kind (lines to be transferred, as the totals), and the lines carrying them."""

    kinds: list[OneOffKindTotal]
    lines: list[OneOffLine]
    line_count: int

    @property
    def amount_fen(self) -> int:
        return sum(k.amount_fen for k in self.kinds)

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


ONE_OFF_LINES_SHOWN = 50


def one_off_summary(batch: Batch, user: User, *, limit: int = ONE_OFF_LINES_SHOWN) -> OneOffSummary:
    """The one-off part of ``batch`` the user may see; cheap for a batch without one-offs."""
    rows = (
        totals_for(batch, user)
        .filter(benefit__in=list(ONE_OFF_BENEFITS))
        .values("benefit")
        .annotate(persons=Sum("persons"), items=Sum("items"), fen=Sum("amount_fen"))
        .order_by()
    )
    found = {r["benefit"]: r for r in rows}
    kinds = [
        OneOffKindTotal(b.value, str(b.label), int(r["persons"]), int(r["items"]), int(r["fen"]))
        for b in ONE_OFF_BENEFITS
        if (r := found.get(b.value)) is not None
    ]
    carrying = lines_for(batch, user, one_off=True)
    shown = list(carrying[:limit])
    if not shown:
        return OneOffSummary(kinds, [], 0)
    persons = [line.beneficiary_id for line in shown]
    paid_here = set(
        BatchItem.objects.filter(
            batch=batch, beneficiary_id__in=persons, benefit__in=list(ONE_OFF_BENEFITS)
        ).values_list("beneficiary_id", "benefit", "month")
    )
    one_offs: dict[int, list[OneOffPayment]] = {}
    for one_off in OneOffPayment.objects.filter(
        beneficiary_id__in=persons, withdrawn_at__isnull=True, month__lte=batch.period
    ).order_by("month", "pk"):
        if (one_off.beneficiary_id, one_off.kind, ym(one_off.month)) in paid_here:
            one_offs.setdefault(one_off.beneficiary_id, []).append(one_off)
    return OneOffSummary(
        kinds,
        [OneOffLine(line, one_offs.get(line.beneficiary_id, [])) for line in shown],
        carrying.count() if len(shown) == limit else len(shown),
    )


def totals_for(batch: Batch, user: User) -> QuerySet[BatchTotal]:
    qs: QuerySet[BatchTotal] = (
        BatchTotal.objects.visible_to(user)
        .filter(batch=batch)
        .select_related("township")
        .order_by("township", "benefit")
    )
    return qs


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a batch's life (a state change) or a download of its bank file."""

    at: datetime
    kind: str  # a BatchState value, or "download"
    state_label: str
    by: str
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def batch_timeline(batch: Batch) -> list[TimelineEntry]:
    """Who did what and when: the batch's steps, and every download of its bank file (the
    first one moves it to exported; later ones change nothing but are recorded too)."""
    entries = [
        TimelineEntry(t.at, t.state, t.get_state_display(), str(t.by), t.note)
        for t in batch.transitions.select_related("by")
    ]
    for event in events_about(batch, [EventType.BATCH_EXPORTED, EventType.BANK_RETURNS_IMPORTED]):
        extra = event.extra or {}
        by = str(event.actor) if event.actor else event.actor_name
        if event.event_type == EventType.BANK_RETURNS_IMPORTED:
            # Each bank's returns file, as it came in (the last one also completes the step).
            new = event.new or {}
            entries.append(
                TimelineEntry(
                    event.created_at,
                    "returns",
                    "",
                    by,
                    details={
                        "banks": list(new.get("banks", [])),
                        "paid": new.get("paid", 0),
                        "failed": new.get("failed", 0),
                        "filename": extra.get("filename", ""),
                    },
                )
            )
            continue
        entries.append(
            TimelineEntry(
                event.created_at,
                "download",
                "",
                by,
                details={
                    "format": str(extra.get("format", "")).upper(),
                    "encoding": str(extra.get("encoding", "")).upper(),
                    "lines": extra.get("lines"),
                    "total": extra.get("total"),
                    "banks": list(extra.get("banks", [])),
                },
            )
        )
    # Entries of one moment (a first download and the step it causes) in the life's order.
    rank = {state: i for i, state in enumerate(BatchState.values)}
    rank["download"] = rank[BatchState.EXPORTED]
    rank["returns"] = rank[BatchState.EXPORTED]
    return sorted(
        entries, key=lambda e: (e.at, rank.get(e.kind, len(rank)), e.kind in ("download", "returns"))
    )


def line_counts(batch: Batch, user: User) -> dict[str, tuple[int, Decimal]]:
    rows = (
        BatchLine.objects.visible_to(user)
        .filter(batch=batch)
        .values("status")
        .annotate(n=Count("pk"), fen=Sum("amount_fen"))
        .order_by()
    )
    return {r["status"]: (r["n"], yuan(r["fen"])) for r in rows}


def items_of_line(line: BatchLine) -> QuerySet[BatchItem]:
    qs: QuerySet[BatchItem] = BatchItem.objects.filter(
        batch_id=line.batch_id, beneficiary_id=line.beneficiary_id
    )
    return qs.order_by("month", "benefit")


def recoveries_for(user: User, *, status: str = RecoveryStatus.OPEN) -> QuerySet[Recovery]:
    qs: QuerySet[Recovery] = (
        Recovery.objects.visible_to(user)
        .exclude(batch__state__in=[BatchState.DRAFT, BatchState.DISCARDED])
        .select_related("beneficiary__township", "batch", "settled_by")
        .order_by("beneficiary__township", "beneficiary__name", "month", "pk")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def pending_lump_sums_for(user: User, *, waiting_only: bool = True) -> QuerySet[PendingLumpSum]:
    qs: QuerySet[PendingLumpSum] = (
        PendingLumpSum.objects.visible_to(user)
        .select_related("beneficiary__township", "life_event", "named_by")
        .order_by("found_at", "pk")
    )
    if waiting_only:
        qs = qs.filter(named_at__isnull=True)
    return qs


def standards_history(*, approved_only: bool = False) -> QuerySet[Standard]:
    """Every standard row with its version (and the version's state); ``approved_only``: the
    rows in force, as the engine reads them."""
    base = approved_standards() if approved_only else Standard.objects.all()
    qs: QuerySet[Standard] = base.select_related(
        "version", "version__imported_by", "version__decided_by"
    ).order_by("category", "disability_cause", "disability_level", "residence", "-effective_on")
    return qs


@dataclass(frozen=True)
class StandardVersion:
    """One row of the standards' history: in force from ``standard.effective_on`` until the
    day before the next row for the same qualification (``until`` is None while current)."""

    standard: Standard
    until: date | None

    @property
    def residence_label(self) -> str:
        residence = self.standard.residence
        return str(Residence(residence).label) if residence in Residence.values else residence


def standards_with_validity() -> list[StandardVersion]:
    """Every approved standard row, grouped by qualification in the registry's category
    order, newest first within a group, each with the day its successor took over."""
    order = {c.value: i for i, c in enumerate(Category)}
    rows = sorted(
        standards_history(approved_only=True),
        key=lambda s: (
            order.get(s.category, len(order)),
            s.disability_cause,
            s.disability_level or 0,
            s.residence,
            -s.effective_on.toordinal(),
        ),
    )
    result: list[StandardVersion] = []
    previous: Standard | None = None
    for standard in rows:
        same = previous is not None and StandardKey.of(previous) == StandardKey.of(standard)
        until = previous.effective_on - timedelta(days=1) if same and previous is not None else None
        result.append(StandardVersion(standard, until))
        previous = standard
    return result


@dataclass(frozen=True)
class StandardKey:
    category: str
    cause: str
    level: int | None
    residence: str

    @classmethod
    def of(cls, s: Standard) -> StandardKey:
        return cls(s.category, s.disability_cause, s.disability_level, s.residence)


def standard_versions(*, state: str = "") -> QuerySet[StandardImport]:
    qs: QuerySet[StandardImport] = StandardImport.objects.select_related("imported_by", "decided_by")
    if state:
        qs = qs.filter(state=state)
    return qs


def topups_for(user: User, *, state: str = "") -> QuerySet[LocalTopUp]:
    qs: QuerySet[LocalTopUp] = LocalTopUp.objects.visible_to(user).select_related(
        "created_by", "decided_by", "region"
    )
    if state:
        qs = qs.filter(state=state)
    return qs


@dataclass(frozen=True)
class StandardChange:
    """A row of a version awaiting approval beside the amount in force for the same
    qualification on its date (None: no standard applied to it then)."""

    standard: Standard
    description: str
    in_force_fen: int | None

    @property
    def in_force(self) -> Decimal | None:
        return None if self.in_force_fen is None else yuan(self.in_force_fen)


@dataclass(frozen=True)
class PendingStandards:
    version: StandardImport
    changes: list[StandardChange]


def pending_standards() -> list[PendingStandards]:
    """What each version awaiting approval would change: its rows, old amount → new."""
    versions = list(standard_versions(state=ParameterState.PENDING).order_by("imported_at", "pk"))
    if not versions:
        return []
    in_force = [StandardRow.of(s) for s in approved_standards()]
    rows = Standard.objects.filter(version__in=versions).order_by(
        "category", "disability_cause", "disability_level", "residence", "effective_on"
    )
    by_version: dict[int, list[StandardChange]] = {v.pk: [] for v in versions}
    for s in rows:
        row = StandardRow.of(s)
        current = max(
            (e for e in in_force if e.effective_on <= row.effective_on and e.overlaps_key(row)),
            key=lambda e: e.effective_on,
            default=None,
        )
        by_version[s.version_id].append(
            StandardChange(s, describe_standard(s), current.annual_fen if current else None)
        )
    return [PendingStandards(v, by_version[v.pk]) for v in versions]


@dataclass(frozen=True)
class PendingTopUp:
    topup: LocalTopUp
    in_force: Decimal | None  # the top-up in force on its date, before it
    corrects: bool  # an approved top-up from the very same date is replaced


def pending_topups(user: User) -> list[PendingTopUp]:
    approved = list(topups_for(user, state=ParameterState.APPROVED))
    out = []
    for t in topups_for(user, state=ParameterState.PENDING).order_by("created_at", "pk"):
        before = [a for a in approved if a.region_id == t.region_id and a.effective_on <= t.effective_on]
        current = max(before, key=lambda a: a.effective_on, default=None)
        out.append(
            PendingTopUp(
                t,
                current.percent if current else None,
                current is not None and current.effective_on == t.effective_on,
            )
        )
    return out


def describe_standard(standard: Standard) -> str:
    return describe_standard_key(
        standard.category, standard.disability_cause, standard.disability_level, standard.residence
    )


# --- a person's entitlements, explained ---------------------------------------------------------


@dataclass
class Entitlement:
    month: str
    benefit: str
    qualification_id: int | None = None
    category: str = ""
    standard: Standard | None = None
    top_up_percent: Decimal | None = None
    units: int = 1
    due: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")
    in_open_batch: Decimal = Decimal("0.00")
    claimed: Decimal = Decimal("0.00")  # open recoveries
    waiting_for_payee: bool = False
    problem: str = ""
    references: list[str] = field(default_factory=list)  # a one-off's records: "relief:12"

    @property
    def difference(self) -> Decimal:
        """What the next batch pays (positive) or claims back (negative)."""
        if self.waiting_for_payee:
            return Decimal("0.00")
        return self.due - (self.paid - self.refunded)

    @property
    def benefit_label(self) -> str:
        return str(PaymentBenefit(self.benefit).label)

    def as_dict(self) -> dict[str, Any]:
        s = self.standard
        return {
            "month": self.month,
            "benefit": self.benefit,
            "qualification_id": self.qualification_id,
            "category": self.category,
            "standard": None
            if s is None
            else {
                "id": s.pk,
                "description": describe_standard(s),
                "category": s.category,
                "disability_cause": s.disability_cause,
                "disability_level": s.disability_level,
                "residence": s.residence,
                "annual_amount": f"{s.annual_amount:.2f}",
                "effective_on": s.effective_on.isoformat(),
                "basis": s.basis,
                "basis_label": CHINESE_BASIS.get(s.basis, s.basis),
                "version": s.version_id,
            },
            "top_up_percent": None if self.top_up_percent is None else f"{self.top_up_percent:.2f}",
            "units": self.units,
            "due": f"{self.due:.2f}",
            "paid": f"{self.paid:.2f}",
            "refunded": f"{self.refunded:.2f}",
            "difference": f"{self.difference:.2f}",
            "in_open_batch": f"{self.in_open_batch:.2f}",
            "claimed_back": f"{self.claimed:.2f}",
            "waiting_for_payee": self.waiting_for_payee,
            "problem": self.problem,
            "references": list(self.references),
        }


@dataclass
class Explanation:
    beneficiary_id: int
    first: date
    last: date
    payments_start: date | None
    rows: list[Entitlement] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "beneficiary_id": self.beneficiary_id,
            "from": ym_label(ym(self.first)),
            "to": ym_label(ym(self.last)),
            "payments_start": None if self.payments_start is None else ym_label(ym(self.payments_start)),
            "count": len(self.rows),
            "results": [r.as_dict() for r in self.rows],
        }


def explain_entitlements(person: Beneficiary, first: date, last: date) -> Explanation:
    """Per month and benefit: the standard row used, the top-up, due, paid and the
    difference. Computed by the engine's own SQL for this one person, so it explains
    exactly what the batches pay. Months before the payments start month are settled
    history and are not shown, but for one-off payments, which are due until paid."""
    county = county_code_of(person.region_id)
    start = payments_start(county)
    explanation = Explanation(person.pk, first, last, start)
    effective_first = max(first, start) if start else first
    entries: dict[tuple[str, int], Entitlement] = {}
    for one_off in OneOffPayment.objects.filter(
        beneficiary=person, withdrawn_at__isnull=True, month__gte=first, month__lte=last
    ).order_by("pk"):
        key = (one_off.kind, ym(one_off.month))
        entry = entries.setdefault(key, Entitlement(month=ym_label(key[1]), benefit=one_off.kind))
        entry.due += one_off.amount
        entry.references.append(one_off.reference)
    if effective_first > last and not entries:
        return explanation
    window = engine.Window(county, effective_first, last, settings_for(county).allowance_month)
    chosen: dict[tuple[str, int], engine.DueRow] = {}
    for row in engine.due_rows_for(window, person.pk) if effective_first <= last else []:
        key = (row.benefit, row.ym)
        best = chosen.get(key)
        if best is None or (row.due_fen, -row.qualification_id) > (best.due_fen, -best.qualification_id):
            chosen[key] = row
    standards = Standard.objects.in_bulk([r.standard_id for r in chosen.values() if r.standard_id])
    categories = dict(Qualification.objects.filter(beneficiary=person).values_list("pk", "category"))
    for (benefit, month), row in chosen.items():
        entries[(benefit, month)] = Entitlement(
            month=ym_label(month),
            benefit=benefit,
            qualification_id=row.qualification_id,
            category=categories.get(row.qualification_id, ""),
            standard=standards.get(row.standard_id) if row.standard_id else None,
            top_up_percent=None
            if row.topup_bp is None
            else (Decimal(row.topup_bp) / 100).quantize(Decimal("0.01")),
            units=row.units,
            due=yuan(row.due_fen),
            waiting_for_payee=not row.has_payee,
            problem={engine.NO_STANDARD: "no_standard", engine.NO_SERVICE_YEARS: "no_service_years"}.get(
                row.problem, ""
            ),
        )
    low, high = ym(effective_first), ym(last)
    one_off_low = min(low, ym(first))
    statuses = dict(
        BatchLine.objects.filter(
            month__in=line_months(county), beneficiary=person, batch__county_id=county
        ).values_list("batch_id", "status")
    )
    open_batches = set(
        Batch.objects.filter(pk__in=list(statuses), state__in=[s.value for s in OPEN_STATES]).values_list(
            "pk", flat=True
        )
    )
    items = BatchItem.objects.filter(
        batch_id__in=list(statuses), beneficiary=person, month__gte=one_off_low, month__lte=high
    ).values_list("batch_id", "benefit", "month", "amount_fen")
    for batch_id, benefit, month, amount in items:
        if month < low and benefit not in ONE_OFF_BENEFITS:
            continue
        entry = entries.setdefault((benefit, month), Entitlement(month=ym_label(month), benefit=benefit))
        if statuses[batch_id] == LineStatus.PAID:
            entry.paid += yuan(amount)
        elif batch_id in open_batches and statuses[batch_id] != LineStatus.FAILED:
            entry.in_open_batch += yuan(amount)
    recoveries = Recovery.objects.filter(
        beneficiary=person,
        batch__county_id=county,
        month__gte=low,
        month__lte=high,
        status__in=[RecoveryStatus.OPEN, RecoveryStatus.RECOVERED],
    ).exclude(batch__state=BatchState.DISCARDED)
    for recovery in recoveries:
        entry = entries.setdefault(
            (recovery.benefit, recovery.month),
            Entitlement(month=ym_label(recovery.month), benefit=recovery.benefit),
        )
        if recovery.status == RecoveryStatus.RECOVERED:
            entry.refunded += recovery.amount
        else:
            entry.claimed += recovery.amount
    order = {b.value: i for i, b in enumerate(PaymentBenefit)}
    explanation.rows = sorted(entries.values(), key=lambda e: (e.month, order.get(e.benefit, 99)))
    return explanation


def line_months(county: str | None = None) -> list[int]:
    """The months (yyyymm) that have bank lines: the periods of the batches (of ``county``).
    A person's lines are read with them: ``line_person`` is led by the month (a batch's lines
    go in at its end), so a read by the person alone would not find them through it."""
    batches = Batch.objects.all()  # scope: periods only; the lines read with them are scoped
    if county is not None:
        batches = batches.filter(county_id=county)
    return sorted({ym(period) for period in batches.order_by().values_list("period", flat=True).distinct()})


def payment_history(person: Beneficiary, user: User) -> QuerySet[BatchLine]:
    """The person's bank lines, newest first (the person page's payment history)."""
    qs: QuerySet[BatchLine] = (
        BatchLine.objects.visible_to(user)
        .filter(month__in=line_months(), beneficiary=person)
        .exclude(batch__state=BatchState.DISCARDED)
        .select_related("batch")
        .order_by("-batch__period", "-pk")
    )
    return qs


# --- reconciliation ---------------------------------------------------------------------------


def names_of(ids: list[int], user: User) -> dict[int, str]:
    """The names of the people among ``ids`` that ``user`` may see (the rest stay numbers)."""
    return dict(Beneficiary.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "name"))


@dataclass(frozen=True)
class BenefitTotal:
    benefit: str
    label: str
    items_fen: int
    paid_fen: int
    failed_fen: int

    @property
    def items(self) -> Decimal:
        return yuan(self.items_fen)

    @property
    def paid(self) -> Decimal:
        return yuan(self.paid_fen)

    @property
    def failed(self) -> Decimal:
        return yuan(self.failed_fen)


@dataclass
class Reconciliation:
    batches: list[Batch]
    unpaid_holders: list[Beneficiary]
    unpaid_count: int
    without_qualification: list[dict[str, Any]]
    by_benefit: dict[int, list[BenefitTotal]]
    bank_matches: dict[int, bool]


def _last_closed(county: str, count: int = 3) -> list[Batch]:
    return list(Batch.objects.filter(county_id=county, state=BatchState.CLOSED).order_by("-period")[:count])


def reconciliation_for(user: User, *, limit: int = 200) -> Reconciliation:
    """Three checks a county runs after closing a batch:

    1. active regular-benefit holders paid nothing in the last three closed batches;
    2. confirmed payments of a regular benefit for a month in which the person held no
       payable qualification of it (there should be none);
    3. per closed batch, totals by benefit of the confirmed lines, which must add up to
       what the bank's returns said was paid, to the fen.
    """
    # A user without a region sees an empty report (no batches, no people), not an error.
    county = county_code_of(user.region.code) if user.region else ""
    closed = _last_closed(county)
    visible = Beneficiary.objects.visible_to(user)
    unpaid: QuerySet[Beneficiary] = visible.none()
    if len(closed) == 3:
        paid_people = BatchLine.objects.filter(batch__in=closed, status=LineStatus.PAID).values(
            "beneficiary_id"
        )
        # Held a payable qualification through all three periods.
        holders = Qualification.objects.filter(
            category__in=PRIORITY_CATEGORIES,
            status=QualificationStatus.ACTIVE,
            approved_on__lt=add_months(closed[-1].period, 1),
        ).values("beneficiary_id")
        unpaid = (
            visible.filter(pk__in=holders, status=PersonStatus.ALIVE)
            .exclude(pk__in=paid_people)
            .select_related("township")
            .order_by("township", "name", "pk")
        )
    by_benefit: dict[int, list[BenefitTotal]] = {}
    matches: dict[int, bool] = {}
    for batch in closed:
        rows = _benefit_totals(batch)
        by_benefit[batch.pk] = rows
        matches[batch.pk] = (
            sum(r.paid_fen for r in rows) == batch.returned_paid_fen
            and sum(r.failed_fen for r in rows) == batch.returned_failed_fen
        )
    return Reconciliation(
        batches=closed,
        unpaid_holders=list(unpaid[:limit]),
        unpaid_count=unpaid.count(),
        without_qualification=_paid_without_qualification(user, county, limit),
        by_benefit=by_benefit,
        bank_matches=matches,
    )


def _benefit_totals(batch: Batch) -> list[BenefitTotal]:
    items, lines = BatchItem._meta.db_table, BatchLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.benefit, CAST(SUM(i.amount_fen) AS BIGINT), "  # noqa: S608
            "CAST(SUM(CASE WHEN l.status = %s THEN i.amount_fen ELSE 0 END) AS BIGINT), "
            "CAST(SUM(CASE WHEN l.status = %s THEN i.amount_fen ELSE 0 END) AS BIGINT) "
            f"FROM {items} i JOIN {lines} l ON l.batch_id = i.batch_id AND l.beneficiary_id = "
            "i.beneficiary_id "
            "WHERE i.batch_id = %s AND l.status <> %s GROUP BY i.benefit ORDER BY i.benefit",
            [LineStatus.PAID.value, LineStatus.FAILED.value, batch.pk, LineStatus.HELD.value],
        )
        return [
            BenefitTotal(b, str(PaymentBenefit(b).label), int(total), int(paid), int(failed))
            for b, total, paid, failed in cursor.fetchall()
        ]


def _paid_without_qualification(user: User, county: str, limit: int) -> list[dict[str, Any]]:
    """Confirmed regular payments for a month with no payable qualification behind them,
    by the engine's own rule (the months from the payments start to the last closed batch)."""
    start = payments_start(county)
    last = Batch.objects.filter(county_id=county, state=BatchState.CLOSED).order_by("-period").first()
    if start is None or last is None:
        return []
    window = engine.Window(county, start, last.period, settings_for(county).allowance_month)
    rows = engine.paid_without_payable(window, region_prefix(user) or "-", limit)
    people = {r[1] for r in rows}
    names = dict(Beneficiary.objects.filter(pk__in=people).values_list("pk", "name"))
    # The claim back (追缴) each such month has, if a batch has raised it since: its standing one
    # (a superseded claim was replaced by a later batch's). None: nothing raised yet.
    claims = {
        (who, benefit, month): RecoveryStatus(status)
        for who, benefit, month, status in Recovery.objects.filter(  # scope: the people of the rows above
            beneficiary_id__in=people, superseded_by__isnull=True
        ).values_list("beneficiary_id", "benefit", "month", "status")
    }
    return [
        {
            "batch_id": batch_id,
            "beneficiary_id": beneficiary_id,
            "name": names.get(beneficiary_id, ""),
            "benefit": benefit,
            "benefit_label": str(PaymentBenefit(benefit).label),
            "month": ym_label(month),
            "amount": yuan(amount),
            "claim": claims.get((beneficiary_id, benefit, month)),
        }
        for batch_id, beneficiary_id, benefit, month, amount in rows
    ]


def default_explanation_range(person: Beneficiary) -> tuple[date, date]:
    """The last twelve months through the latest batch's period (or this month)."""
    from django.utils import timezone

    county = county_code_of(person.region_id)
    latest = (
        Batch.objects.filter(county_id=county).exclude(state=BatchState.DISCARDED).order_by("-period").first()
    )
    last = latest.period if latest else timezone.localdate().replace(day=1)
    return add_months(last, -11), last


# --- payees changed since the last batch (for the leader who approves) ------------------------

PAYEE_CHANGES_SHOWN = 50
PAYEE_EVENTS = (
    EventType.BENEFICIARY_CHANGED,  # a bank account or bank changed on the person
    EventType.LIFE_EVENT_RECORDED,  # an account changed; a death recorded with its payee
    EventType.LUMP_SUM_PAYEE_NAMED,  # the payee of a death's lump sum named
)


PAYEE_CHANGE_LABELS = {
    "account": _("bank account changed"),
    "death_payee": _("payee named at death"),
    "lump_sum_payee": _("lump-sum payee named"),
}


@dataclass(frozen=True)
class PayeeChange:
    line: BatchLine
    what: str  # "account" | "death_payee" | "lump_sum_payee"
    before: str  # masked, as the audit log keeps it
    after: str
    by: str
    at: datetime

    @property
    def label(self) -> str:
        return str(PAYEE_CHANGE_LABELS[self.what])


@dataclass(frozen=True)
class PayeeChanges:
    since: Batch | None  # the batch before, whose lines carried the earlier accounts
    count: int
    rows: list[PayeeChange] = field(default_factory=list)


def _previous_batch(batch: Batch) -> Batch | None:
    return (
        Batch.objects.filter(county_id=batch.county_id, period__lt=batch.period)
        .exclude(state=BatchState.DISCARDED)
        .order_by("-period", "-pk")
        .first()
    )


def _payee_change(event: Any, lump_sum_people: dict[int, int]) -> tuple[int, str, str, str] | None:
    """(person, what, before, after) of one recorded event, or None if it changed no payee."""
    new, old = event.new or {}, event.old or {}
    if event.event_type == EventType.BENEFICIARY_CHANGED:
        if "bank_account" not in new and "bank_name" not in new:
            return None
        before = " ".join(str(old.get(k) or "") for k in ("bank_name", "bank_account") if k in new).strip()
        after = " ".join(str(new.get(k) or "") for k in ("bank_name", "bank_account") if k in new).strip()
        return int(event.object_id), "account", before, after
    if event.event_type == EventType.LIFE_EVENT_RECORDED:
        if "beneficiary" not in new:
            return None
        if new.get("kind") == LifeEventKind.BANK_CHANGE:
            # The person page's and the API's way to change an account: the old and new ones,
            # masked (the bank's name is kept only as "(given)").
            return int(new["beneficiary"]), "account", str(new.get("old") or ""), str(new.get("new") or "")
        if not new.get("payee"):
            return None
        return int(new["beneficiary"]), "death_payee", "", str(new["payee"])
    if event.event_type == EventType.LUMP_SUM_PAYEE_NAMED:
        person = lump_sum_people.get(int(event.object_id))
        if person is None:
            return None
        after = " ".join(str(new.get(k) or "") for k in ("payee", "bank_account"))
        return person, "lump_sum_payee", "", after
    return None


def payee_changes(batch: Batch, user: User, *, limit: int = PAYEE_CHANGES_SHOWN) -> PayeeChanges:
    """The people this batch pays whose bank account or payee was changed since the batch before
    it was computed — what the leader who approves reviews, since each such change is one
    clerk's act (maker-checker: the approval is the second pair of eyes). Read from the audit
    records the registry's and the lump sums' services write, between the previous batch's
    creation (its lines carried the accounts as they were) and this one's; only the lines the
    user may see. Cheap at any size: the changes are few, each looked up in this batch's lines."""
    previous = _previous_batch(batch)
    if previous is None:
        return PayeeChanges(None, 0)
    found: dict[int, list[tuple[str, str, str, str, datetime]]] = {}
    events = list(events_between(PAYEE_EVENTS, previous.created_at, batch.created_at))
    named = [int(e.object_id) for e in events if e.event_type == EventType.LUMP_SUM_PAYEE_NAMED]
    lump_sum_people = dict(
        PendingLumpSum.objects.filter(pk__in=named).values_list("pk", "beneficiary_id") if named else []
    )
    for event in events:
        change = _payee_change(event, lump_sum_people)
        if change is None:
            continue
        person, what, before, after = change
        by = str(event.actor) if event.actor else event.actor_name
        found.setdefault(person, []).append((what, before, after, by, event.created_at))
    if not found:
        return PayeeChanges(previous, 0)
    lines = {
        line.beneficiary_id: line
        for line in lines_for(batch, user).filter(beneficiary_id__in=list(found)).order_by()
    }
    rows = [
        PayeeChange(lines[person], what, before, after, by, at)
        for person, changes in found.items()
        if person in lines
        for what, before, after, by, at in changes
    ]
    rows.sort(key=lambda r: (r.line.seq, r.at))
    return PayeeChanges(previous, len(rows), rows[:limit])


@dataclass(frozen=True)
class ListedChanges:
    """What the approval page lists for the leader to check: the payee changes and the people
    whose entitlement changed since the batch before (with the back-dated among them), as the
    approving leader sees them. Recorded with the approval."""

    payees: int
    entitlements: int
    back_dated: int

    @property
    def total(self) -> int:
        return self.payees + self.entitlements

    def as_dict(self) -> dict[str, int]:
        return {"payees": self.payees, "entitlements": self.entitlements, "back_dated": self.back_dated}


def listed_changes(batch: Batch, user: User) -> ListedChanges:
    """The counts of the changes the batch's page lists for ``user`` to check before approving."""
    payees = payee_changes(batch, user, limit=0)
    entitlements = entitlement_changes(batch, user, limit=0)
    return ListedChanges(payees.count, entitlements.count, entitlements.back_dated)


# --- entitlements changed since the last batch (for the leader who approves) ------------------

ENTITLEMENT_CHANGES_SHOWN = 50
ENTITLEMENT_EVENTS = (
    EventType.BENEFICIARY_CREATED,  # a person registered with qualifications
    EventType.BENEFICIARY_CHANGED,  # the residence: the urban or the rural rate
    EventType.QUALIFICATION_ADDED,
    EventType.QUALIFICATION_CHANGED,
    EventType.LIFE_EVENT_RECORDED,  # a death, a level, a suspension and its lifting, an end, a move away
    EventType.REGISTRY_IMPORTED,  # new people and new qualifications, as ranges of ids
)
# Not read: ANNUAL_REVIEW_SUSPENDED (132), whose suspension is also recorded as a life event
# (110); standards and top-ups (2xx), which a leader approves before they are in force.

# The life events that change what is owed. A bank account or a phone does not (an account is
# a payee's change), nor a move within the county; a move out of it is read apart.
_MONEY_LIFE_EVENTS = {
    LifeEventKind.DEATH.value: "died",
    LifeEventKind.LEVEL_CHANGE.value: "level",
    LifeEventKind.SUSPENSION.value: "suspended",
    LifeEventKind.SUSPENSION_END.value: "suspension_lifted",
    LifeEventKind.CANCELLATION.value: "ended",
}
# The fields of a qualification that change what it pays (its notes or service dates do not).
_MONEY_FIELDS = (
    "category",
    "approved_on",
    "ended_on",
    "status",
    "disability_cause",
    "disability_level",
    "service_years",
)

ENTITLEMENT_CHANGE_LABELS = {
    "registered": _("person registered with it"),
    "imported": _("person registered by an import"),
    "qualification_added": _("qualification added"),
    "qualification_imported": _("qualification added by an import"),
    "qualification_changed": _("qualification changed"),
    "level": _("disability level changed"),
    "suspended": _("suspended"),
    "suspension_lifted": _("suspension lifted"),
    "ended": _("qualification ended"),
    "died": _("death recorded"),
    "left_county": _("moved out of the county: every qualification ended"),
    "residence": _("residence changed"),
}


@dataclass(frozen=True)
class EntitlementChange:
    """One recorded change to what a person is owed. ``months_back`` > 0: back-dated — the day
    it pays from (an approval, a new level, the lifting of a suspension) lies that many months
    before the previous batch's period, whose months were settled without it."""

    what: str  # a key of ENTITLEMENT_CHANGE_LABELS
    by: str
    at: datetime
    category: str = ""
    approved_before: date | None = None
    approved_after: date | None = None
    ended_before: date | None = None
    ended_after: date | None = None
    measure: str = ""  # what ``before`` and ``after`` are: "level" | "years" | "residence"
    before: str = ""
    after: str = ""
    effective_on: date | None = None  # a new level, a suspension, its lifting, a death: from when
    since: date | None = None  # a lifted suspension: from when it ran
    months_back: int = 0
    note: str = ""  # an import's file
    # The life event recorded (its qualification names the category), looked up for the rows shown.
    life_event: int | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return str(ENTITLEMENT_CHANGE_LABELS[self.what])

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category in Category.values else self.category

    @property
    def back_dated(self) -> bool:
        return self.months_back > 0

    def _value(self, value: str) -> str:
        if not value:
            return "—"
        if self.measure == "residence" and value in Residence.values:
            return str(Residence(value).label)
        if self.measure == "level":
            return gettext("level %(level)s") % {"level": value}
        if self.measure == "years":
            return gettext("%(years)s years of service") % {"years": value}
        return value

    @property
    def details(self) -> str:
        """The change other than its dates of approval and end, in words."""
        return "; ".join(self.detail_parts)

    @property
    def detail_parts(self) -> list[str]:
        parts: list[str] = []
        if self.measure and (self.before or self.after):
            parts.append(
                f"{self._value(self.before)} → {self._value(self.after)}"
                if self.before
                else self._value(self.after)
            )
        if self.what == "suspension_lifted" and self.since and self.effective_on:
            parts.append(
                gettext("suspended from %(since)s, owed again from %(date)s")
                % {"since": self.since.isoformat(), "date": self.effective_on.isoformat()}
            )
        elif self.what == "died" and self.effective_on:
            parts.append(gettext("died on %(date)s") % {"date": self.effective_on.isoformat()})
        elif self.what in ("level", "suspended") and self.effective_on:
            parts.append(gettext("from %(date)s") % {"date": self.effective_on.isoformat()})
        if self.note:
            parts.append(self.note)
        return parts


@dataclass(frozen=True)
class EntitlementRow:
    """A line of this batch, and the changes to what its person is owed."""

    line: BatchLine
    changes: list[EntitlementChange]

    @property
    def back_dated(self) -> bool:
        return any(c.back_dated for c in self.changes)

    @property
    def months_back(self) -> int:
        return max((c.months_back for c in self.changes), default=0)


@dataclass(frozen=True)
class EntitlementChanges:
    since: Batch | None  # the batch before, computed without these changes
    count: int  # the people this batch pays (of those the user may see) with a change
    back_dated: int  # of them, those with a back-dated change (the rows list them first)
    rows: list[EntitlementRow] = field(default_factory=list)


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _months_back(start: date | None, period: date) -> int:
    """How many months ``start`` lies before ``period`` (0: not before it)."""
    if start is None or start >= period:
        return 0
    return (period.year * 12 + period.month) - (start.year * 12 + start.month)


def _any(conditions: list[Q]) -> Q | None:
    return reduce(operator.or_, conditions) if conditions else None


@dataclass
class _Window:
    """What the audit records between two batches say, before any line is read: the changes
    of the people they name, and the ranges of ids an import names (its people's approvals are
    in the registry, not the record: read for the lines shown only)."""

    period: date  # the previous batch's: a change paying from before it is back-dated
    until: datetime  # this batch's creation: a qualification made later is the next batch's
    people: dict[int, list[EntitlementChange]] = field(default_factory=dict)
    back_dated: set[int] = field(default_factory=set)
    # A qualification's change whose record does not name its person, by qualification id.
    of_qualification: dict[int, list[EntitlementChange]] = field(default_factory=dict)
    back_dated_qualifications: set[int] = field(default_factory=set)
    # People registered with qualifications (by id, or an import's ranges) and qualifications an
    # import added (ranges): each lists the qualifications, as the registry holds them.
    registered: dict[int, EntitlementChange] = field(default_factory=dict)
    imported_people: list[tuple[int, int, EntitlementChange]] = field(default_factory=list)
    imported_qualifications: list[tuple[int, int, EntitlementChange]] = field(default_factory=list)
    # Qualifications with a record of their own: not listed again under their person's registration.
    named: set[int] = field(default_factory=set)

    def _add(self, person: int, change: EntitlementChange) -> None:
        self.people.setdefault(person, []).append(change)
        if change.back_dated:
            self.back_dated.add(person)

    def _add_to(self, person: Any, qualification: int, change: EntitlementChange) -> None:
        """A qualification's change: to its person if the record names them, else to be found."""
        if person is not None:
            self._add(int(person), change)
            return
        self.of_qualification.setdefault(qualification, []).append(change)
        if change.back_dated:
            self.back_dated_qualifications.add(qualification)

    def read(self, event: Any) -> None:
        new, old = event.new or {}, event.old or {}
        by = str(event.actor) if event.actor else event.actor_name
        at = event.created_at
        if event.event_type == EventType.BENEFICIARY_CREATED:
            if new.get("qualifications"):
                self.registered[int(event.object_id)] = EntitlementChange("registered", by, at)
        elif event.event_type == EventType.BENEFICIARY_CHANGED:
            if "residence" in new:
                self._add(
                    int(event.object_id),
                    EntitlementChange(
                        "residence",
                        by,
                        at,
                        measure="residence",
                        before=str(old.get("residence") or ""),
                        after=str(new["residence"] or ""),
                    ),
                )
        elif event.event_type == EventType.QUALIFICATION_ADDED:
            approved = _day(new.get("approved_on"))
            self.named.add(int(event.object_id))
            self._add_to(
                new.get("beneficiary"),
                int(event.object_id),
                EntitlementChange(
                    "qualification_added",
                    by,
                    at,
                    category=str(new.get("category") or ""),
                    approved_after=approved,
                    measure="level" if new.get("disability_level") else "",
                    after=str(new.get("disability_level") or ""),
                    months_back=_months_back(approved, self.period),
                ),
            )
        elif event.event_type == EventType.QUALIFICATION_CHANGED:
            self._qualification_changed(int(event.object_id), old, new, by, at)
        elif event.event_type == EventType.LIFE_EVENT_RECORDED:
            self._life_event(int(event.object_id), new, by, at)
        elif event.event_type == EventType.REGISTRY_IMPORTED:
            extra = event.extra or {}
            file = str(extra.get("file") or "")
            for lo, hi in extra.get("beneficiary_ids") or []:
                self.imported_people.append(
                    (int(lo), int(hi), EntitlementChange("imported", by, at, note=file))
                )
            for lo, hi in extra.get("qualification_ids") or []:
                self.imported_qualifications.append(
                    (int(lo), int(hi), EntitlementChange("qualification_imported", by, at, note=file))
                )

    def _qualification_changed(
        self, qualification: int, old: dict[str, Any], new: dict[str, Any], by: str, at: datetime
    ) -> None:
        if not any(k in new or k in old for k in _MONEY_FIELDS):
            return  # its notes, its service dates: nothing owed changes
        approved_before, approved_after = _day(old.get("approved_on")), _day(new.get("approved_on"))
        # Only an approval moved earlier reaches back into months already settled.
        earlier = approved_after is not None and (approved_before is None or approved_after < approved_before)
        measure = "level" if "disability_level" in new else "years" if "service_years" in new else ""
        key = {"level": "disability_level", "years": "service_years"}.get(measure, "")
        change = EntitlementChange(
            "qualification_changed",
            by,
            at,
            category=str(new.get("category") or old.get("category") or ""),
            approved_before=approved_before,
            approved_after=approved_after,
            ended_before=_day(old.get("ended_on")),
            ended_after=_day(new.get("ended_on")),
            measure=measure,
            before=str(old.get(key) or "") if key else "",
            after=str(new.get(key) or "") if key else "",
            months_back=_months_back(approved_after, self.period) if earlier else 0,
        )
        self.named.add(qualification)
        self._add_to(new.get("beneficiary", old.get("beneficiary")), qualification, change)

    def _life_event(self, life_event: int, new: dict[str, Any], by: str, at: datetime) -> None:
        person, kind = new.get("beneficiary"), str(new.get("kind") or "")
        effective = _day(new.get("effective_on"))
        if person is None:
            return
        if kind == LifeEventKind.MOVE:
            if new.get("left_county"):
                self._add(int(person), EntitlementChange("left_county", by, at, ended_after=effective))
            return
        what = _MONEY_LIFE_EVENTS.get(kind)
        if what is None:
            return
        change = EntitlementChange(
            what, by, at, effective_on=effective, life_event=None if what == "died" else life_event
        )
        if what == "level":
            change = replace(
                change,
                measure="level",
                before=str(new.get("old_level") or ""),
                after=str(new.get("new_level") or ""),
                months_back=_months_back(effective, self.period),
            )
        elif what == "ended":
            change = replace(change, ended_after=effective)
        elif what == "suspension_lifted":
            # The months from the lifting on are owed again; the suspended ones stay unpaid.
            change = replace(
                change,
                since=_day(new.get("suspended_from")),
                months_back=_months_back(effective, self.period),
            )
        self._add(int(person), change)

    # --- the SQL the lines are read with ----------------------------------------------------

    def _created(self) -> Q | None:
        """The qualifications registered with their person or added by an import, in the window."""
        return _any(
            [
                *([Q(beneficiary_id__in=sorted(self.registered))] if self.registered else []),
                *[
                    Q(beneficiary_id__gte=lo, beneficiary_id__lte=hi)
                    for lo, hi, _change in self.imported_people
                ],
                *[Q(pk__range=(lo, hi)) for lo, hi, _change in self.imported_qualifications],
            ]
        )

    def who(self) -> Q | None:
        """The lines of the people changed: those named, and those an import's ranges hold."""
        by_qualification = _any(
            [
                *[Q(pk__range=(lo, hi)) for lo, hi, _change in self.imported_qualifications],
                *([Q(pk__in=sorted(self.of_qualification))] if self.of_qualification else []),
            ]
        )
        return _any(
            [
                *(
                    [Q(beneficiary_id__in=sorted({*self.people, *self.registered}))]
                    if self.people or self.registered
                    else []
                ),
                *[
                    Q(beneficiary_id__gte=lo, beneficiary_id__lte=hi)
                    for lo, hi, _change in self.imported_people
                ],
                *(
                    [
                        Q(
                            beneficiary_id__in=Qualification.objects.filter(by_qualification).values(
                                "beneficiary_id"
                            )
                        )
                    ]
                    if by_qualification is not None
                    else []
                ),
            ]
        )

    def back_dated_lines(self) -> Q | None:
        """Which of those lines have a back-dated change, as the rows will show it."""
        conditions = []
        if self.back_dated:
            conditions.append(Q(beneficiary_id__in=sorted(self.back_dated)))
        if self.back_dated_qualifications:
            conditions.append(
                Q(
                    beneficiary_id__in=Qualification.objects.filter(
                        pk__in=sorted(self.back_dated_qualifications)
                    ).values("beneficiary_id")
                )
            )
        created = self._created()
        if created is not None:
            early = (
                Qualification.objects.filter(created)
                .filter(beneficiary_id=OuterRef("beneficiary_id"), approved_on__lt=self.period)
                .filter(created_at__lte=self.until)
                .exclude(pk__in=sorted(self.named))
            )
            conditions.append(Q(Exists(early)))
        return _any(conditions)

    # --- the rows shown ---------------------------------------------------------------------

    def _created_change(self, q: Qualification) -> EntitlementChange | None:
        """The registration or import that made ``q``, as a change, or None."""
        if q.pk in self.named or q.created_at > self.until:
            return None
        template = next((c for lo, hi, c in self.imported_qualifications if lo <= q.pk <= hi), None)
        template = template or self.registered.get(q.beneficiary_id)
        template = template or next(
            (c for lo, hi, c in self.imported_people if lo <= q.beneficiary_id <= hi), None
        )
        if template is None:
            return None
        return replace(
            template,
            category=q.category,
            approved_after=q.approved_on,
            ended_after=q.ended_on,
            measure="level" if q.disability_level else "",
            after=str(q.disability_level or ""),
            months_back=_months_back(q.approved_on, self.period),
        )

    def rows(self, lines: Sequence[BatchLine], user: User) -> list[EntitlementRow]:
        persons = [line.beneficiary_id for line in lines]
        life_events = [c.life_event for p in persons for c in self.people.get(p, []) if c.life_event]
        # Only registrations, imports, life events and unnamed qualifications need the registry.
        needed = (
            life_events
            or self.registered
            or self.imported_people
            or self.imported_qualifications
            or self.of_qualification
        )
        qualifications = (
            list(Qualification.objects.visible_to(user).filter(beneficiary_id__in=persons).order_by("pk"))
            if needed
            else []
        )
        by_pk = {q.pk: q for q in qualifications}
        category_of = (
            {
                pk: by_pk[q].category
                for pk, q in LifeEvent.objects.visible_to(user)
                .filter(pk__in=life_events)
                .values_list("pk", "qualification_id")
                if q in by_pk
            }
            if life_events
            else {}
        )
        changes: dict[int, list[EntitlementChange]] = {p: [] for p in persons}
        for person in persons:
            for change in self.people.get(person, []):
                if change.life_event is not None and not change.category:
                    change = replace(change, category=category_of.get(change.life_event, ""))
                changes[person].append(change)
        for q in qualifications:
            for change in self.of_qualification.get(q.pk, []):
                changes[q.beneficiary_id].append(replace(change, category=change.category or q.category))
            created = self._created_change(q)
            if created is not None:
                changes[q.beneficiary_id].append(created)
        return [
            EntitlementRow(line, sorted(changes[line.beneficiary_id], key=lambda c: c.at)) for line in lines
        ]


def entitlement_changes(
    batch: Batch, user: User, *, limit: int = ENTITLEMENT_CHANGES_SHOWN
) -> EntitlementChanges:
    """The people this batch pays whose entitlement was changed since the batch before it was
    computed — a qualification added (a back-dated approval paid as arrears), changed or ended,
    a disability level, a suspension or its lifting, a death, a move out of the county, the
    residence — what the leader who approves reviews, since each such change is one clerk's
    act. Read from the registry's audit records between the previous batch's creation and this
    one's; only the lines the user may see, the back-dated first, then in line order.

    Cheap however many an import added: one query for the records, one for the first lines
    (a count only when there are more), one for their qualifications and one for their life
    events' — never one per row."""
    previous = _previous_batch(batch)
    if previous is None:
        return EntitlementChanges(None, 0, 0)
    window = _Window(previous.period, batch.created_at)
    county = batch.county_id[:6]
    for event in events_between(ENTITLEMENT_EVENTS, previous.created_at, batch.created_at):
        # A person's record carries the person's region: another county's are not this batch's.
        # An import's may carry its importer's (a city's, a province's): its ranges are kept.
        if event.event_type == EventType.REGISTRY_IMPORTED or (event.region_id or county).startswith(county):
            window.read(event)
    who = window.who()
    if who is None:
        return EntitlementChanges(previous, 0, 0)
    back_dated = window.back_dated_lines()
    flag = (
        Case(When(back_dated, then=Value(True)), default=Value(False), output_field=BooleanField())
        if back_dated is not None
        else Value(False, output_field=BooleanField())
    )
    lines = lines_for(batch, user).filter(who).annotate(back_dated=flag)
    shown = list(lines.order_by("-back_dated", "seq")[: limit + 1])
    if len(shown) > limit:
        totals = lines.aggregate(n=Count("pk"), back=Count("pk", filter=Q(back_dated=True)))
        count, back = int(totals["n"]), int(totals["back"])
        shown = shown[:limit]
    else:
        count, back = len(shown), sum(1 for line in shown if line.back_dated)
    return EntitlementChanges(previous, count, back, window.rows(shown, user))
