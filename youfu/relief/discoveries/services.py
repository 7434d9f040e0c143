"""应享未享 writes: refreshing the findings (set-based, audited once per refresh), resolving one
(acted, with what was done as a reference, or not applicable, with the reason), and the export."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event, record_export
from youfu.core.csvio import DATETIME_FORMAT, XlsxSheet, xlsx_bytes
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.core.scope import region_prefix
from youfu.registry.categories import Category
from youfu.registry.models import Qualification
from youfu.relief.discoveries import rules
from youfu.relief.discoveries.models import Discovery, DiscoveryRefresh, DiscoveryState, Outcome, Rule
from youfu.relief.discoveries.selectors import payee_indexes
from youfu.relief.housing.models import SERVING_STATES, HousingCase
from youfu.relief.medical.models import MedicalPremium

if TYPE_CHECKING:
    from youfu.accounts.models import User

MAX_NOTE = 2000


# --- refresh ------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    refresh: DiscoveryRefresh
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def added(self) -> int:
        return self.refresh.added

    @property
    def closed(self) -> int:
        return self.refresh.closed

    @property
    def reopened(self) -> int:
        return self.refresh.reopened


def do_refresh_discoveries(*, acting_user: User) -> RefreshResult:
    """Run every rule now over the clerk's own region ("refresh now")."""
    require(acting_user, Capability.WRITE_REGISTRY)  # the region's clerks: a liaison has no region's list
    prefix = region_prefix(acting_user)
    if prefix is None:
        raise PermissionDenied()
    return _refresh(prefix, acting_user)


def refresh_everywhere() -> RefreshResult:
    """The nightly run over every region, by the system (the job queue), not a user."""
    return _refresh("", None)


def _refresh(prefix: str, actor: User | None) -> RefreshResult:
    now = timezone.now()
    year = timezone.localdate().year
    by_rule: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for rule in Rule:
            counts = {"added": 0, "closed": 0, "reopened": 0}
            for fact_year in _years(rule, year, prefix):
                found = rules.matches(rule, year=fact_year, prefix=prefix)
                if fact_year == year:
                    counts["added"] += _insert(rule, found, now)
                ours = _ours(rule, fact_year, prefix)
                same = found.filter(d_person=OuterRef("beneficiary_id"), d_fact=OuterRef("fact_key"))
                counts["closed"] += (
                    ours.filter(state=DiscoveryState.OPEN)
                    .filter(~Exists(same))
                    .update(state=DiscoveryState.LAPSED, closed_at=now)
                )
                counts["reopened"] += (
                    ours.filter(state=DiscoveryState.LAPSED)
                    .filter(Exists(same))
                    .update(state=DiscoveryState.OPEN, closed_at=None)
                )
            by_rule[rule.value] = counts
        refresh = DiscoveryRefresh.objects.create(
            region_prefix=prefix,
            at=now,
            by=actor,
            added=sum(c["added"] for c in by_rule.values()),
            closed=sum(c["closed"] for c in by_rule.values()),
            reopened=sum(c["reopened"] for c in by_rule.values()),
        )
        record_event(
            EventType.DISCOVERIES_REFRESHED,
            actor=actor,
            obj=refresh,
            extra={"region_prefix": prefix, "year": year, "rules": by_rule},
        )
    return RefreshResult(refresh, by_rule)


def _years(rule: Rule, year: int, prefix: str) -> list[int]:
    """The years whose facts a refresh checks: this year, and for a yearly rule each earlier
    year that still has findings (few: one per year, never one per person)."""
    if rule != Rule.PREMIUM_MISSING:
        return [year]
    earlier = (
        Discovery.objects.filter(
            rule=rule,
            state__in=[DiscoveryState.OPEN, DiscoveryState.LAPSED],
            beneficiary__region__code__startswith=prefix,
        )
        .exclude(year=year)
        .exclude(year__isnull=True)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted({year, *earlier})


def _ours(rule: Rule, year: int, prefix: str) -> QuerySet[Discovery]:
    ours = Discovery.objects.filter(rule=rule, beneficiary__region__code__startswith=prefix)
    if rule == Rule.PREMIUM_MISSING:
        ours = ours.filter(year=year)
    return ours


def _insert(rule: Rule, found: QuerySet[Any], now: Any) -> int:
    """INSERT … SELECT the facts not yet on record (in any state: a resolved one stays
    resolved). ``ON CONFLICT DO NOTHING`` lets two refreshes that race both finish."""
    select, params = found.values(*rules.COLUMNS).query.sql_with_params()
    table = connection.ops.quote_name(Discovery._meta.db_table)
    q = connection.ops.quote_name
    columns = ", ".join(
        q(c)
        for c in (
            "rule",
            "beneficiary_id",
            "fact_key",
            "year",
            "survey_id",
            "death_id",
            "state",
            "found_at",
            "outcome",
            "note",
            "reference",
        )
    )
    sql = (
        # Names are the model's own, quoted; every value is a parameter.
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        "SELECT %s, m.d_person, m.d_fact, m.d_year, m.d_survey, m.d_death, %s, %s, '', '', '' "
        f"FROM ({select}) m "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} d WHERE d.{q('rule')} = %s "
        f"AND d.{q('beneficiary_id')} = m.d_person AND d.{q('fact_key')} = m.d_fact) "
        "ON CONFLICT DO NOTHING"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [rule.value, DiscoveryState.OPEN.value, stamp, *params, rule.value])
        return max(cursor.rowcount, 0)


# --- resolve ------------------------------------------------------------------------------

# What a clerk's action may be, per rule: the record that shows it was done.
REFERENCE_KINDS: dict[Rule, str] = {
    Rule.RURAL_VETERAN_60: "qualification",
    Rule.PREMIUM_MISSING: "premium",
    Rule.HOUSING_UNSERVED: "housing_case",
    Rule.SURVIVOR_REVIEW: "qualification",
}
MAX_REFERENCE_ID = 2**63 - 1


def _invalid(field_name: str, text: str, params: dict[str, Any] | None = None) -> InvalidInput:
    message = Message(text, params or {})
    return InvalidInput(message, fields={field_name: message})


def clean_resolution(outcome: str, note: str, reference: str) -> tuple[Outcome, str, str]:
    """The outcome, note and reference as a clerk gave them, checked before anything is read."""
    if outcome not in Outcome.values:
        raise _invalid("outcome", gettext_noop("Choose acted or not applicable."))
    note = (note or "").strip()
    reference = (reference or "").strip()
    if len(note) > MAX_NOTE:
        raise _invalid("note", gettext_noop("At most %(n)s characters."), {"n": MAX_NOTE})
    if outcome == Outcome.NOT_APPLICABLE:
        if not note:
            raise _invalid("note", gettext_noop("Say why this does not apply."))
        if reference:
            raise _invalid("reference", gettext_noop("A reference names what was done: it goes with acted."))
    elif not reference and not note:
        raise _invalid(
            "reference", gettext_noop("Name what was done (a reference), or describe it in the note.")
        )
    return Outcome(outcome), note, reference


def parse_reference(reference: str) -> tuple[str, int]:
    kind, sep, number = reference.partition(":")
    if not sep or kind not in set(REFERENCE_KINDS.values()) or not number.isdigit():
        raise _invalid(
            "reference",
            gettext_noop(
                'Give the reference as kind:id, e.g. "qualification:123", "housing_case:45", "premium:7".'
            ),
        )
    pk = int(number)
    if not 1 <= pk <= MAX_REFERENCE_ID:
        raise NotFound(fields={"reference": Message(gettext_noop("not found"))})
    return kind, pk


def _check_reference(discovery: Discovery, reference: str, user: User) -> str:
    """The reference's record exists in the user's scope (else 404) and concerns the finding's
    person or household (else 400); returns it in its normal form."""
    kind, pk = parse_reference(reference)
    rule = Rule(discovery.rule)
    if kind != REFERENCE_KINDS[rule]:
        raise _invalid(
            "reference",
            gettext_noop("This finding is acted on with a %(kind)s reference."),
            {"kind": REFERENCE_KINDS[rule]},
        )
    not_found = NotFound(fields={"reference": Message(gettext_noop("not found in your region"))})
    person = discovery.beneficiary
    if kind == "premium":
        premium = MedicalPremium.objects.visible_to(user).filter(pk=pk).first()
        if premium is None:
            raise not_found
        if premium.beneficiary_id != person.pk or premium.year != discovery.year:
            raise _invalid(
                "reference",
                gettext_noop("This premium is not %(name)s's for %(year)s."),
                {"name": person.name, "year": discovery.year},
            )
    elif kind == "housing_case":
        case = HousingCase.objects.visible_to(user).select_related("beneficiary").filter(pk=pk).first()
        if case is None:
            raise not_found
        same_home = case.beneficiary_id == person.pk or (
            person.household_id is not None and case.beneficiary.household_id == person.household_id
        )
        if not same_home:
            raise _invalid("reference", gettext_noop("This housing case is not for the same home."))
        if case.state not in SERVING_STATES:
            raise _invalid("reference", gettext_noop("A refused housing case does not serve the home."))
    else:
        qualification = (
            Qualification.objects.visible_to(user).select_related("beneficiary").filter(pk=pk).first()
        )
        if qualification is None:
            raise not_found
        _check_qualification(discovery, qualification)
    return f"{kind}:{pk}"


def _check_qualification(discovery: Discovery, qualification: Qualification) -> None:
    person = discovery.beneficiary
    if discovery.rule == Rule.RURAL_VETERAN_60:
        if (
            qualification.beneficiary_id != person.pk
            or qualification.category != Category.ELDERLY_RURAL_VETERAN
        ):
            raise _invalid(
                "reference",
                gettext_noop("Give %(name)s's own qualification as a rural veteran over 60."),
                {"name": person.name},
            )
        return
    holder = qualification.beneficiary
    death = discovery.death
    assert death is not None
    if qualification.category not in rules.SURVIVOR_CATEGORIES or holder.pk == person.pk:
        raise _invalid("reference", gettext_noop("Give a survivor's qualification of another person."))
    same_household = person.household_id is not None and holder.household_id == person.household_id
    if not same_household and holder.id_number_index not in payee_indexes(death):
        raise _invalid(
            "reference", gettext_noop("This survivor is neither of the same household nor the death's payee.")
        )


def do_resolve_discovery(
    discovery: Discovery, *, acting_user: User, outcome: str, note: str = "", reference: str = ""
) -> Discovery:
    """Take a finding off the list: acted (with what was done) or not applicable (with why).
    Refused input, a reference outside the region or about someone else, or a finding no longer
    open changes nothing."""
    require(acting_user, Capability.WRITE_RECORDS)
    checked, note, reference = clean_resolution(outcome, note, reference)
    with transaction.atomic():
        locked = (
            Discovery.objects.select_for_update(of=("self",))
            .select_related("beneficiary", "death")
            .get(pk=discovery.pk)
        )
        if locked.state != DiscoveryState.OPEN:
            raise Conflict(Message(gettext_noop("This finding is no longer open.")), code="not_open")
        if reference:
            reference = _check_reference(locked, reference, acting_user)
        now = timezone.now()
        changes = {
            "state": DiscoveryState.RESOLVED.value,
            "outcome": checked.value,
            "note": note,
            "reference": reference,
            "resolved_by": acting_user,
            "closed_at": now,
        }
        if Discovery.objects.filter(pk=locked.pk, state=DiscoveryState.OPEN).update(**changes) != 1:
            raise Conflict(Message(gettext_noop("This finding is no longer open.")), code="not_open")
        record_event(
            EventType.DISCOVERY_RESOLVED,
            actor=acting_user,
            region=locked.beneficiary.region_id,
            obj=locked,
            old={"state": DiscoveryState.OPEN.value},
            new={
                "state": DiscoveryState.RESOLVED.value,
                "rule": locked.rule,
                "beneficiary": locked.beneficiary_id,
                "fact_key": locked.fact_key,
                "outcome": checked.value,
                "note": note,
                "reference": reference,
            },
        )
    locked.refresh_from_db()
    return locked


# --- export -------------------------------------------------------------------------------


def do_export_discoveries(
    rows: Iterable[list[Any]], header: list[str], *, acting_user: User, filters: dict[str, str]
) -> bytes:
    """The list as an .xlsx workbook (cells that look like formulas stay text), audited as an
    export of personal data."""
    require(acting_user, Capability.READ_PERSONAL_DATA)
    data, count = xlsx_bytes(XlsxSheet("应享未享", header, rows, number_formats={5: DATETIME_FORMAT}))
    record_export(acting_user, "discoveries", count, filters=filters, format="xlsx")
    return data
