"""Reads of the needs checks, each within the user's region scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import ROLE_CAPABILITIES, Capability, Role
from youfu.core.scope import ancestor_codes, get_visible_or_404
from youfu.outreach.needs.models import (
    CheckOutcome,
    Finding,
    FindingKind,
    FindingNote,
    FindingState,
    HouseholdCheck,
    NeedsRound,
)
from youfu.outreach.needs.periods import Period, period_containing
from youfu.outreach.needs.services import ROUND_LEVELS, ROUND_OPENERS, period_months_for
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary, PersonStatus
from youfu.registry.selectors import of_home

# --- rounds ----------------------------------------------------------------------------------


def rounds_for(user: User) -> QuerySet[NeedsRound]:
    qs: QuerySet[NeedsRound] = NeedsRound.objects.visible_to(user).select_related("region", "opened_by")
    return qs


def get_round(user: User, round_id: int) -> NeedsRound:
    return get_visible_or_404(rounds_for(user), user, pk=round_id)


def may_open_rounds(user: User) -> bool:
    return user.can(Capability.WRITE_RECORDS) and user.role in ROUND_OPENERS and user.region is not None


def round_regions(user: User) -> list[Region]:
    """Where ``user`` may open a round: their own county or township, and a county clerk's townships."""
    if not may_open_rounds(user) or user.region is None:
        return []
    own = user.region
    regions = [own] if own.level in ROUND_LEVELS else []
    regions += list(
        Region.objects.filter(code__startswith=own.scope_prefix, level__in=ROUND_LEVELS)
        .exclude(code=own.code)
        .order_by("code")
    )
    return regions


@dataclass(frozen=True)
class Proposal:
    name: str
    due_on: date
    period: Period


def propose_round(region: Region, today: date | None = None) -> Proposal:
    """The round form's default: the first period from today's on that has no round of that
    name in the region yet (quarterly unless a leader set another period)."""
    today = today or timezone.localdate()
    period = period_containing(today, period_months_for(region))
    taken = set(
        NeedsRound.objects.filter(region=region).values_list("name", flat=True)  # scope: names only
    )
    for _ in range(24):
        if period.name not in taken:
            break
        period = period.following()
    return Proposal(period.name, period.end, period)


# --- households of a round -------------------------------------------------------------------


def checks_for(
    user: User, round_: NeedsRound, *, state: str = "", township: str = ""
) -> QuerySet[HouseholdCheck]:
    qs = (
        HouseholdCheck.objects.visible_to(user)
        .filter(round=round_)
        .select_related("household__region", "township", "checked_by")
        .order_by("township", "household__region", "household")
    )
    if state == "checked":
        qs = qs.exclude(outcome=CheckOutcome.NOT_YET)
    elif state == "unchecked":
        qs = qs.filter(outcome=CheckOutcome.NOT_YET)
    elif state in (CheckOutcome.NO_DIFFICULTY, CheckOutcome.FINDINGS):
        qs = qs.filter(outcome=state)
    if township:
        qs = qs.filter(township_id=township)
    return qs


def get_check(user: User, check_id: int) -> HouseholdCheck:
    return get_visible_or_404(
        HouseholdCheck.objects.select_related("round__region", "household__region", "township", "checked_by"),
        user,
        pk=check_id,
    )


def household_members(user: User, check: HouseholdCheck) -> QuerySet[Beneficiary]:
    """The household's living members the user may see, with their categories."""
    qs: QuerySet[Beneficiary] = (
        Beneficiary.objects.visible_to(user)
        .filter(household_id=check.household_id, status=PersonStatus.ALIVE)
        .prefetch_related("qualifications")
        .order_by("birth_date", "pk")
    )
    return qs


@dataclass
class TownshipProgress:
    code: str
    name: str
    households: int
    checked: int
    no_difficulty: int
    with_findings: int

    @property
    def unchecked(self) -> int:
        return self.households - self.checked

    @property
    def percent(self) -> int:
        return round(100 * self.checked / self.households) if self.households else 100


@dataclass
class RoundProgress:
    total: TownshipProgress
    townships: list[TownshipProgress]
    by_kind: list[tuple[str, str, int, int]] = field(default_factory=list)  # kind, label, open, solved
    findings_open: int = 0
    findings_solved: int = 0
    findings_overdue: int = 0


def round_progress(user: User, round_: NeedsRound) -> RoundProgress:
    """Households checked and not yet, per township, and the findings by kind: two aggregate
    queries, whatever the round's size."""
    rows = (
        HouseholdCheck.objects.visible_to(user)
        .filter(round=round_)
        .values("township_id", "township__name")
        .annotate(
            households=Count("pk"),
            checked=Count("pk", filter=~Q(outcome=CheckOutcome.NOT_YET)),
            no_difficulty=Count("pk", filter=Q(outcome=CheckOutcome.NO_DIFFICULTY)),
            with_findings=Count("pk", filter=Q(outcome=CheckOutcome.FINDINGS)),
        )
        .order_by("township_id")
    )
    townships = [
        TownshipProgress(
            r["township_id"],
            r["township__name"],
            r["households"],
            r["checked"],
            r["no_difficulty"],
            r["with_findings"],
        )
        for r in rows
    ]
    total = TownshipProgress(
        "",
        "",
        sum(t.households for t in townships),
        sum(t.checked for t in townships),
        sum(t.no_difficulty for t in townships),
        sum(t.with_findings for t in townships),
    )
    today = timezone.localdate()
    kinds = {
        r["kind"]: r
        for r in Finding.objects.visible_to(user)
        .filter(round=round_)
        .values("kind")
        .annotate(
            open=Count("pk", filter=Q(state=FindingState.OPEN)),
            solved=Count("pk", filter=Q(state=FindingState.SOLVED)),
            overdue=Count("pk", filter=Q(state=FindingState.OPEN, due_on__lt=today)),
        )
        .order_by()
    }
    by_kind = [
        (k.value, str(k.label), kinds[k.value]["open"], kinds[k.value]["solved"])
        for k in FindingKind
        if k.value in kinds
    ]
    return RoundProgress(
        total,
        townships,
        by_kind,
        findings_open=sum(r["open"] for r in kinds.values()),
        findings_solved=sum(r["solved"] for r in kinds.values()),
        findings_overdue=sum(r["overdue"] for r in kinds.values()),
    )


# --- findings --------------------------------------------------------------------------------


def outstanding_order(qs: QuerySet[Finding], today: date | None = None) -> QuerySet[Finding]:
    """Open and overdue first, then open by due date, then the solved ones, latest first."""
    today = today or timezone.localdate()
    return qs.annotate(
        _rank=Case(
            When(state=FindingState.OPEN, due_on__lt=today, then=Value(0)),
            When(state=FindingState.OPEN, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("_rank", "due_on", "-solved_on", "pk")


def findings_for(
    user: User,
    *,
    state: str = "",
    region: str = "",
    kind: str = "",
    owner: str = "",
    round_id: int | None = None,
    overdue: bool = False,
) -> QuerySet[Finding]:
    """The findings ``user`` may see, filtered, overdue ones first. ``region`` is a region code:
    findings of the people living inside it."""
    qs = Finding.objects.visible_to(user).select_related(
        "beneficiary__township", "beneficiary__region", "owner", "round", "solved_by"
    )
    if state in FindingState.values:
        qs = qs.filter(state=state)
    if region:
        qs = qs.filter(beneficiary__region__code__startswith=_prefix(region))
    if kind in FindingKind.values:
        qs = qs.filter(kind=kind)
    if owner:
        qs = qs.filter(owner__username=owner)
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    if overdue:
        qs = qs.filter(state=FindingState.OPEN, due_on__lt=timezone.localdate())
    return outstanding_order(qs)


def _prefix(code: str) -> str:
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        message = Message(gettext_noop("Unknown region code %(code)s."), {"code": code})
        raise InvalidInput(message, fields={"region": message})
    return region.scope_prefix


def get_finding(user: User, finding_id: int) -> Finding:
    return get_visible_or_404(
        Finding.objects.select_related(
            "beneficiary__township",
            "beneficiary__region",
            "owner",
            "round__region",
            "solved_by",
            "created_by",
        ),
        user,
        pk=finding_id,
    )


def finding_notes(user: User, finding: Finding) -> QuerySet[FindingNote]:
    qs: QuerySet[FindingNote] = (
        FindingNote.objects.visible_to(user).filter(finding=finding).select_related("written_by")
    )
    return qs


def person_findings(user: User, person: Beneficiary) -> QuerySet[Finding]:
    """The findings of the person and of the other members of their household."""
    return findings_for(user).filter(of_home(person))


def eligible_owners(person_region: str) -> QuerySet[User]:
    """Who may follow up a finding of a person living in ``person_region`` (a code): active users
    with casework whose region is that place or above it. Liaisons work on their department's
    cases, never on a household's, so they are left out (they could not see the finding)."""
    region = Region.objects.filter(code=person_region).first()
    codes = [*ancestor_codes(region.scope_prefix), region.code] if region is not None else []
    roles = [
        r
        for r, can in ROLE_CAPABILITIES.items()
        if Capability.WRITE_RECORDS in can and r != Role.DEPARTMENT_LIAISON
    ]
    qs: QuerySet[User] = User.objects.filter(  # scope: staff accounts, not personal data
        is_active=True, role__in=roles, region_id__in=codes
    ).order_by("region_id", "username")
    return qs


def overdue_count(qs: QuerySet[Finding]) -> int:
    return qs.filter(state=FindingState.OPEN, due_on__lt=timezone.localdate()).count()
