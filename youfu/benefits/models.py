"""Benefits: standards, top-ups, settings, batches with their items and bank lines,
recoveries and death lump sums waiting for a payee.

Money is integer fen (see ``money.py``); the bulk tables (items, lines, recoveries) key
months as ``yyyymm`` integers. The bulk tables are written by the engine's set-based SQL,
never row by row.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from youfu.benefits.money import month_label, ym_label, yuan
from youfu.core.scope import RegionScoped, ScopedManager, ScopedQuerySet
from youfu.registry.categories import Category, DisabilityCause


class StandardBasis(models.TextChoices):
    PER_PERSON = "per_person", _("per person")
    PER_SERVICE_YEAR = "per_service_year", _("per year of service")


BASIS_BY_CHINESE_NAME = {"每人": StandardBasis.PER_PERSON, "每服役年": StandardBasis.PER_SERVICE_YEAR}
CHINESE_BASIS: dict[str, str] = {v.value: k for k, v in BASIS_BY_CHINESE_NAME.items()}


class ParameterState(models.TextChoices):
    """Where a money parameter (a standards version, a top-up) stands: entered by a county
    clerk, it applies only once a leader who did not enter it approves it."""

    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    # A top-up replaced by a later approved correction for the same date.
    SUPERSEDED = "superseded", _("replaced by a correction")


# The one transition table of money parameters: (state, action) → next state. The
# services, the pages' buttons and the API all read it.
PARAMETER_TRANSITIONS: dict[tuple[str, str], str] = {
    (ParameterState.PENDING, "approve"): ParameterState.APPROVED,
    (ParameterState.PENDING, "refuse"): ParameterState.REFUSED,
    (ParameterState.APPROVED, "supersede"): ParameterState.SUPERSEDED,
}


class StandardImport(models.Model):
    """One imported standards file: a version of the table. Its rows never change; it
    applies once approved."""

    filename = models.CharField(_("file"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)  # rows added (identical rows are skipped)
    unchanged = models.PositiveIntegerField(default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=ParameterState.choices, default=ParameterState.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # why it was refused

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} {self.imported_at:%Y-%m-%d}"


class Standard(models.Model):
    """抚恤补助标准: an annual amount for a category (and, where given, a disability cause,
    level and residence) from a date on. Blank cause, level or residence means "any".
    The row in force for a qualification on a date is the matching row with the latest
    ``effective_on`` on or before it; the import refuses two matching rows on one date."""

    version = models.ForeignKey(StandardImport, on_delete=models.PROTECT, related_name="standards")
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    disability_cause = models.CharField(
        _("disability cause"), max_length=8, choices=DisabilityCause.choices, blank=True
    )
    disability_level = models.PositiveSmallIntegerField(_("disability level"), null=True, blank=True)
    residence = models.CharField(_("residence"), max_length=5, blank=True)
    annual_fen = models.BigIntegerField()
    effective_on = models.DateField(_("effective on"))
    basis = models.CharField(
        _("basis"), max_length=16, choices=StandardBasis.choices, default=StandardBasis.PER_PERSON
    )

    class Meta:
        ordering = ["category", "disability_cause", "disability_level", "residence", "-effective_on"]
        indexes = [models.Index(fields=["category", "effective_on"], name="standard_category_date")]
        constraints = [
            models.CheckConstraint(condition=Q(annual_fen__gte=0), name="standard_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.category} {self.disability_cause}{self.disability_level or ''} from {self.effective_on}"
        )

    @property
    def annual_amount(self) -> Decimal:
        return yuan(self.annual_fen)


class LocalTopUp(models.Model):
    """地方增发: the county's percentage over the standards, from a date on."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(_("top-up (%)"), max_digits=5, decimal_places=2)
    effective_on = models.DateField(_("effective from"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=12, choices=ParameterState.choices, default=ParameterState.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # why it was refused

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", personal_data=False, include_ancestors=True)

    class Meta:
        ordering = ["region", "-effective_on", "-pk"]
        constraints = [
            # One top-up in force per date; entries awaiting approval (or refused) do not
            # block a corrected one.
            models.UniqueConstraint(
                fields=["region", "effective_on"],
                condition=Q(state="approved"),
                name="topup_one_approved_per_date",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=-100, percent__lte=100), name="topup_between_minus_and_plus_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent}% from {self.effective_on}"


class BenefitSettings(models.Model):
    """A county's payment settings."""

    region = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    # Months before it are settled history and never due. Unset: the period of the first batch.
    payments_start = models.DateField(_("payments start month"), null=True, blank=True)
    allowance_month = models.PositiveSmallIntegerField(_("conscript family allowance month"), default=12)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(allowance_month__gte=1, allowance_month__lte=12), name="allowance_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"settings {self.region_id}"


class PaymentBenefit(models.TextChoices):
    """What a batch item pays: the four benefits, and the lump sums paid on a death."""

    DISABILITY_PENSION = "disability_pension", _("disability pension")
    SURVIVOR_PENSION = "survivor_pension", _("survivor pension")
    LIVING_SUBSIDY = "living_subsidy", _("living subsidy")
    CONSCRIPT_FAMILY_ALLOWANCE = "conscript_family_allowance", _("conscript family allowance")
    LUMP_SUM_DISABILITY_PENSION = "lump_sum_disability_pension", _("death lump sum (disability pension)")
    LUMP_SUM_SURVIVOR_PENSION = "lump_sum_survivor_pension", _("death lump sum (survivor pension)")
    LUMP_SUM_LIVING_SUBSIDY = "lump_sum_living_subsidy", _("death lump sum (living subsidy)")
    # One-off payments (``OneOffPayment``): their kinds are benefits of the batch too.
    RELIEF = "relief", _("temporary relief")
    MEDICAL = "medical", _("medical top-up")


class OneOffKind(models.TextChoices):
    """What a one-off payment pays; each kind is also a ``PaymentBenefit`` of the batch items."""

    RELIEF = "relief", _("temporary relief")
    MEDICAL = "medical", _("medical top-up")


ONE_OFF_BENEFITS = (PaymentBenefit.RELIEF, PaymentBenefit.MEDICAL)

CHINESE_BENEFIT = {
    PaymentBenefit.DISABILITY_PENSION: "残疾抚恤金",
    PaymentBenefit.SURVIVOR_PENSION: "定期抚恤金",
    PaymentBenefit.LIVING_SUBSIDY: "定期生活补助",
    PaymentBenefit.CONSCRIPT_FAMILY_ALLOWANCE: "义务兵家属优待金",
    PaymentBenefit.LUMP_SUM_DISABILITY_PENSION: "一次性抚恤(残疾抚恤金)",
    PaymentBenefit.LUMP_SUM_SURVIVOR_PENSION: "一次性抚恤(定期抚恤金)",
    PaymentBenefit.LUMP_SUM_LIVING_SUBSIDY: "一次性抚恤(定期生活补助)",
    PaymentBenefit.RELIEF: "临时救助",
    PaymentBenefit.MEDICAL: "医疗补助",
}

# The 摘要 of a bank line names the kinds of money it pays, in this order, joined by "+":
# 抚恤金+临时救助. Each benefit has a fixed bit (never reused: lines keep them) in
# ``BatchLine.benefits``; a kind is named when any of its benefits' bits is set.
BENEFIT_BIT = {
    PaymentBenefit.DISABILITY_PENSION: 1,
    PaymentBenefit.SURVIVOR_PENSION: 2,
    PaymentBenefit.LIVING_SUBSIDY: 4,
    PaymentBenefit.CONSCRIPT_FAMILY_ALLOWANCE: 8,
    PaymentBenefit.LUMP_SUM_DISABILITY_PENSION: 16,
    PaymentBenefit.LUMP_SUM_SURVIVOR_PENSION: 32,
    PaymentBenefit.LUMP_SUM_LIVING_SUBSIDY: 64,
    PaymentBenefit.RELIEF: 128,
    PaymentBenefit.MEDICAL: 256,
}
# A line whose ``benefits`` is one of these pays a single benefit: its amount is that benefit's.
SINGLE_BENEFIT_BITS = tuple(sorted(BENEFIT_BIT.values()))


def several_benefits_sql(column: str) -> str:
    """SQL true of a line paying more than one benefit (or from before lines kept their benefits):
    the condition of the partial index ``line_mixed``, the benefits written out and not bound as
    parameters, since a partial index serves only a query that visibly implies its condition."""
    return f"NOT ({column} IN ({', '.join(str(int(bit)) for bit in SINGLE_BENEFIT_BITS)}))"


MEMO_KINDS: tuple[tuple[str, tuple[PaymentBenefit, ...]], ...] = (
    ("抚恤金", (PaymentBenefit.DISABILITY_PENSION, PaymentBenefit.SURVIVOR_PENSION)),
    ("定期生活补助", (PaymentBenefit.LIVING_SUBSIDY,)),
    ("义务兵家属优待金", (PaymentBenefit.CONSCRIPT_FAMILY_ALLOWANCE,)),
    (
        "一次性抚恤金",
        (
            PaymentBenefit.LUMP_SUM_DISABILITY_PENSION,
            PaymentBenefit.LUMP_SUM_SURVIVOR_PENSION,
            PaymentBenefit.LUMP_SUM_LIVING_SUBSIDY,
        ),
    ),
    ("临时救助", (PaymentBenefit.RELIEF,)),
    ("医疗补助", (PaymentBenefit.MEDICAL,)),
)


def memo_kinds(benefits: int) -> str:
    """The kinds a line pays, for its 摘要: 抚恤金+临时救助; "" for lines made before lines
    kept their benefits."""
    return "+".join(name for name, members in MEMO_KINDS if any(benefits & BENEFIT_BIT[b] for b in members))


class BatchState(models.TextChoices):
    DRAFT = "draft", _("draft")
    # A batch is 已审批 (approved by a leader), not 已批准 as a petition's extension is.
    APPROVED = "approved", pgettext_lazy("batch state", "approved")
    EXPORTED = "exported", _("exported")
    RETURNS_IMPORTED = "returns_imported", _("bank returns imported")
    CLOSED = "closed", _("closed")
    DISCARDED = "discarded", _("discarded")


OPEN_STATES = (BatchState.DRAFT, BatchState.APPROVED, BatchState.EXPORTED, BatchState.RETURNS_IMPORTED)
# A bank file can be downloaded from approval on (again, later, for the record).
EXPORT_STATES = (BatchState.APPROVED, BatchState.EXPORTED, BatchState.RETURNS_IMPORTED, BatchState.CLOSED)


class Batch(models.Model):
    """发放批次: one month's payments of a county."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("period"))  # the first day of the month paid
    state = models.CharField(_("state"), max_length=16, choices=BatchState.choices, default=BatchState.DRAFT)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payments_start = models.DateField()  # the start month this batch was computed with
    persons = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    arrears_fen = models.BigIntegerField(default=0)
    recoveries = models.PositiveIntegerField(default=0)
    recoveries_fen = models.BigIntegerField(default=0)
    one_off_fen = models.BigIntegerField(default=0)  # of ``total_fen``: one-off payments
    # What the bank's returns file said, kept for the reconciliation.
    returned_paid = models.PositiveIntegerField(default=0)
    returned_paid_fen = models.BigIntegerField(default=0)
    returned_failed = models.PositiveIntegerField(default=0)
    returned_failed_fen = models.BigIntegerField(default=0)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    # County-wide: a township clerk opens the county's batch and sees their township's lines.
    scope = RegionScoped(code_path="county__code", include_ancestors=True)

    class Meta:
        ordering = ["-period", "-pk"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            # The database, not the code, makes a double batch impossible: two requests
            # that race both pass any check made before the insert.
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="batch_one_open_per_county",
            ),
            models.UniqueConstraint(
                fields=["county", "period"],
                condition=~Q(state=BatchState.DISCARDED),
                name="batch_one_per_county_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.period_label}"

    @property
    def period_label(self) -> str:
        return month_label(self.period)

    @property
    def total(self) -> Decimal:
        return yuan(self.total_fen)

    @property
    def arrears_total(self) -> Decimal:
        return yuan(self.arrears_fen)

    @property
    def recoveries_total(self) -> Decimal:
        return yuan(self.recoveries_fen)

    @property
    def one_off_total(self) -> Decimal:
        return yuan(self.one_off_fen)

    @property
    def returned_paid_total(self) -> Decimal:
        return yuan(self.returned_paid_fen)

    @property
    def returned_failed_total(self) -> Decimal:
        return yuan(self.returned_failed_fen)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class BatchTransition(models.Model):
    """A batch's life, one row per step: who did what and when."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="transitions")
    state = models.CharField(max_length=16, choices=BatchState.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["batch", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.state}"


class LineStatus(models.TextChoices):
    PENDING = "pending", _("awaiting the bank")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed")
    HELD = "held", _("held: no bank account")


class BatchLine(models.Model):
    """One bank transfer: a person's items of a batch, summed, to their account or (after
    a death) to the payee named with it."""

    # No foreign-key constraints in the database (as for items): the engine writes a
    # county's lines in one statement from a join with the very rows they point to, and a
    # deferred check per row and key (three million for a million lines) would cost the
    # commit more than writing them. Deletes still go through Django's PROTECT.
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    # Indexed by ``line_person`` below, after the month: read a person's lines with their months.
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    township = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # The batch's period (yyyymm, as an item's ``month``), copied so that PostgreSQL can keep a
    # month's lines in a partition of their own (migration 0010): a batch then writes its million
    # lines into fresh, small indexes, however many months the county has paid before.
    month = models.PositiveIntegerField(_("month"))
    seq = models.PositiveIntegerField(_("no."))
    amount_fen = models.BigIntegerField()
    arrears_fen = models.BigIntegerField(default=0)
    to_payee = models.BooleanField(default=False)
    payee_name = models.CharField(_("name"), max_length=50)
    payee_id_number_encrypted = models.TextField()
    payee_id_number_masked = models.CharField(max_length=18)
    bank_name = models.CharField(_("bank"), max_length=100)
    bank_account_encrypted = models.TextField()
    bank_account_masked = models.CharField(_("bank account"), max_length=40)
    status = models.CharField(
        _("status"), max_length=8, choices=LineStatus.choices, default=LineStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The benefits the line pays, as the sum of their ``BENEFIT_BIT``s (its 摘要), and the
    # part of its amount that is one-off payments.
    benefits = models.PositiveIntegerField(default=0)
    one_off_fen = models.BigIntegerField(default=0)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["batch", "seq"]
        indexes = [
            # The few lines the bank did not pay (failed, held): what the engine subtracts
            # from a closed batch's items to know what was confirmed as paid.
            models.Index(
                fields=["batch", "beneficiary"],
                condition=Q(status__in=["failed", "held"]),
                name="line_not_paid",
            ),
            # The few lines carrying one-off payments: the batch page's one-off section.
            models.Index(fields=["batch", "seq"], condition=Q(one_off_fen__gt=0), name="line_one_off"),
            # A month's lines person by person, with what the reports count of each: a
            # township's summary reads its people's lines of a year's months from this index
            # alone, without the wide rows (names, encrypted numbers), and a person's page reads
            # their lines month by month. Led by the month, not the person, so that a batch's
            # lines go in at the index's end (a month after the last) instead of beside each
            # person's earlier lines all over it: one led by the person made every batch touch
            # every page of an index as large as the months paid, and so cost more each month
            # (migration 0012). Every read by the person names the months (``month__in``).
            models.Index(
                fields=["month", "beneficiary", "status", "benefits", "batch", "amount_fen", "arrears_fen"],
                name="line_person",
            ),
            # A batch's lines by status and benefits, with the person, the amount and the
            # arrears: a county's summary sums a year's lines batch by batch from it alone;
            # the dashboard's months of a township its paid lines.
            models.Index(
                fields=["batch", "status", "benefits", "beneficiary", "amount_fen", "arrears_fen"],
                name="line_sums",
            ),
            # The lines paying more than one benefit (or from before lines kept their
            # benefits): the only ones whose items the reports read to split a paid amount
            # by benefit. Written once with the line, never updated.
            models.Index(
                fields=["batch", "beneficiary", "status"],
                condition=~Q(benefits__in=SINGLE_BENEFIT_BITS),
                name="line_mixed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["batch", "beneficiary"], name="line_one_per_person"),
            models.UniqueConstraint(fields=["batch", "seq"], name="line_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.seq}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)

    @property
    def arrears(self) -> Decimal:
        return yuan(self.arrears_fen)

    @property
    def one_off(self) -> Decimal:
        return yuan(self.one_off_fen)

    @property
    def kinds(self) -> str:
        return memo_kinds(self.benefits)


class LinePart(models.Model):
    """What a bank line paying more than one benefit pays of each: a row per benefit, summed from
    the line's items (its amount and its arrears). Lines paying a single benefit have none: their
    amount is their benefit's (``BatchLine.benefits``). The reports split what the bank paid by
    benefit from these, not from the items, which on PostgreSQL lie in a partition per month,
    arrears reaching back over every month paid (at a million people and two years, reading the
    items cost 12.9 s of a county's 19.4 s summary).

    Written by the engine in the batch's transaction, from the same per-benefit sums as the line
    (``engine._insert_line_parts``), and never changed: a line's amount and benefits never change,
    and its status is on the line. They go when their lines go (a discarded draft); benefits
    migration 0013 made them from the items of the lines there were, and ``youfu reconcile``
    checks them against the items."""

    # The key is the line's own (batch, person) and the benefit: the one index, through which a
    # line's parts are found; no surrogate id (a sequence and a second index for each row written).
    # No foreign-key constraints in the database, as for the lines they belong to (written in
    # one statement from the very rows they point to); deletes go through Django's PROTECT.
    pk = models.CompositePrimaryKey("batch", "beneficiary", "benefit")
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    benefit = models.CharField(_("benefit"), max_length=32, choices=PaymentBenefit.choices)
    amount_fen = models.BigIntegerField()
    arrears_fen = models.BigIntegerField(default=0)  # of ``amount_fen``: months before the period

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["batch", "beneficiary", "benefit"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="line_part_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.beneficiary_id}:{self.benefit}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


class LineSum(models.Model):
    """A batch's bank lines summed by status and benefits: how many, their amount and their arrears.
    A county's summary of a year reads these few rows a batch instead of its million lines (at a
    million people, summing a year's lines from ``line_sums`` cost 3.5 s of the summary's 7.4 s
    on PostgreSQL).

    Written by the bank returns' import, in its transaction, after it has marked the lines paid or
    failed — the only way a line's status changes — from the batch's lines themselves (each import
    writes the batch's rows again). A batch without rows (one the bank has not answered yet) is
    read from its lines. They go when their lines go (a discarded draft); benefits migration 0014
    made those of the batches already answered, and ``youfu reconcile`` checks them against the
    lines."""

    pk = models.CompositePrimaryKey("batch", "status", "benefits")
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    status = models.CharField(_("status"), max_length=8, choices=LineStatus.choices)
    benefits = models.PositiveIntegerField()  # as ``BatchLine.benefits``
    lines = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()
    arrears_fen = models.BigIntegerField()

    class Meta:
        ordering = ["batch", "status", "benefits"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.status}:{self.benefits}"


class PaidMonths(models.Model):
    """The months of a year in which a person had a paid bank line (in a batch of that period,
    of any county), as bits (January 1, February 2, … December 2048): the reports' "people paid"
    of a period without reading its lines person by person. Written by the bank returns' import,
    in its transaction, as it marks lines paid — the only way a line becomes paid, and a paid
    line is never changed again — so the bits only ever grow (migration 0011 made them from the
    lines then)."""

    # Indexed by ``paid_months_once``, which begins with it.
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField()
    months = models.PositiveIntegerField()

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "year"], name="paid_months_once"),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}:{self.year}:{self.months:012b}"


def month_bit(month: int) -> int:
    """A month's bit in ``PaidMonths.months`` (1–12)."""
    return 1 << (month - 1)


class BatchItem(models.Model):
    """What a batch pays one person for one benefit and month: due minus what the bank
    had confirmed as paid (net of money recovered) when the batch was made."""

    # The biggest table (a person-month per row) keeps one index, its key, and no
    # foreign-key constraints of its own: every item belongs to its batch's line for the
    # same person, whose constraints hold, and per-row checks would cost a county-wide
    # batch more than all else together. A person's items are found through their lines.
    pk = models.CompositePrimaryKey("batch", "beneficiary", "benefit", "month")
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    benefit = models.CharField(_("benefit"), max_length=32, choices=PaymentBenefit.choices)
    month = models.PositiveIntegerField(_("month"))  # yyyymm
    due_fen = models.BigIntegerField()
    paid_before_fen = models.BigIntegerField(default=0)
    amount_fen = models.BigIntegerField()
    arrears = models.BooleanField(default=False)  # a month before the batch's period

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["batch", "beneficiary", "month", "benefit"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="item_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.beneficiary_id}:{self.benefit}:{self.month}"

    @property
    def month_label(self) -> str:
        return ym_label(self.month)


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("to recover")
    RECOVERED = "recovered", _("recovered")
    WAIVED = "waived", _("waived")
    SUPERSEDED = "superseded", _("superseded by a later batch")


class Recovery(models.Model):
    """追缴: money paid beyond what is due for a person, benefit and month. Never netted
    against other payments; recovered (refunded) money counts as not paid."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="recovery_items")
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(_("benefit"), max_length=32, choices=PaymentBenefit.choices)
    month = models.PositiveIntegerField(_("month"))
    due_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    status = models.CharField(
        _("status"), max_length=10, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN
    )
    superseded_by = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-batch", "beneficiary", "month"]
        indexes = [models.Index(fields=["beneficiary", "benefit", "month"], name="recovery_key")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="recovery_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}:{self.benefit}:{self.month} {self.amount_fen}"

    @property
    def due(self) -> Decimal:
        return yuan(self.due_fen)

    @property
    def paid(self) -> Decimal:
        return yuan(self.paid_fen)

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)

    @property
    def month_label(self) -> str:
        return ym_label(self.month)


class PendingLumpSum(models.Model):
    """A death lump sum that fell due without a payee: it waits here until one is named."""

    life_event = models.OneToOneField("registry.LifeEvent", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT, related_name="+")
    found_in = models.ForeignKey(Batch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    found_at = models.DateTimeField(default=timezone.now)
    amount_fen = models.BigIntegerField(default=0)  # as computed when found
    payee_name = models.CharField(_("name"), max_length=50, blank=True)
    payee_id_number_encrypted = models.TextField(blank=True)
    payee_id_number_masked = models.CharField(max_length=18, blank=True)
    payee_bank_name = models.CharField(max_length=100, blank=True)
    payee_bank_account_encrypted = models.TextField(blank=True)
    payee_bank_account_masked = models.CharField(max_length=40, blank=True)
    named_at = models.DateTimeField(null=True, blank=True)
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["named_at", "found_at", "pk"]

    def __str__(self) -> str:
        return f"lump sum of {self.beneficiary_id}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


class BatchTotal(models.Model):
    """A batch's totals per township and benefit, computed once when it is made."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="totals")
    township = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(max_length=32, choices=PaymentBenefit.choices)
    persons = models.PositiveIntegerField()
    items = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()
    arrears_fen = models.BigIntegerField()

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="township__code")

    class Meta:
        ordering = ["batch", "township", "benefit"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "township", "benefit"], name="batch_total_once"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.township_id}:{self.benefit}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)

    @property
    def arrears(self) -> Decimal:
        return yuan(self.arrears_fen)


class OneOffPayment(models.Model):
    """A relief grant or medical claim approved for payment: due in ``month``, paid through the
    monthly batches like every other item (due − bank-confirmed paid), so a failed transfer is
    paid again. Scheduled by ``services.do_schedule_one_off`` from the approving app, which
    learns it was paid through the ``signals.one_offs_paid`` signal."""

    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=OneOffKind.choices)
    amount_fen = models.BigIntegerField()
    month = models.DateField(_("month"))  # the first day of the month whose batch pays it
    reference = models.CharField(_("reference"), max_length=40)  # the record it pays: "relief:12"
    scheduled_at = models.DateTimeField(_("scheduled at"), default=timezone.now)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField(_("reason"), max_length=500, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)  # the bank confirmed all of it

    objects = ScopedManager()
    scope = RegionScoped(code_path="beneficiary__region__code")

    class Meta:
        ordering = ["-month", "-pk"]
        verbose_name = _("one-off payment")
        verbose_name_plural = _("one-off payments")
        indexes = [
            # The batch reads the one-offs due by month; returns look for the unpaid ones.
            models.Index(fields=["month"], name="one_off_month"),
            models.Index(fields=["beneficiary", "kind", "month"], name="one_off_key"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="one_off_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in OneOffKind]), name="one_off_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount_fen}"

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)

    @property
    def month_label(self) -> str:
        return month_label(self.month)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class RecomputeMark(models.Model):
    """A change that may alter what is due in months a batch already settled: the next batch
    recomputes those months for those people (or, with no person, for every holder of a
    category), and otherwise only the new month (``changes.py``, docs/architecture.md).

    Written in the same transaction as the change, by the services (and, for the registry,
    through its ``entitlement_changed`` signal); consumed by the batch that recomputes them,
    and given back when that batch is discarded."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # A person's months, all of their benefits; or, with no person, a category's benefit (and
    # its death lump sum) for every holder, "" meaning every category.
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    category = models.CharField(max_length=32, blank=True)
    since = models.PositiveIntegerField(default=0)  # yyyymm of the first month affected; 0: any month
    reason = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        indexes = [models.Index(fields=["county", "batch"], name="recompute_mark_batch")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.beneficiary_id or self.category or '*'} from {self.since}"
