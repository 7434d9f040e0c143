"""Reads of temporary relief, region-scoped: the list and its filters, one grant, the queue of
what waits for a user's step, and a person's grants with this year's total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from youfu.accounts.models import User
from youfu.benefits.money import yuan
from youfu.benefits.selectors import ONE_OFF_STATUS_LABELS, one_off_status
from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability, Role
from youfu.core.scope import get_visible_or_404
from youfu.registry.models import Beneficiary
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import ChainStep, GrantState, ReliefGrant, ReliefSettings, ReliefStep
from youfu.relief.grants.services import county_code, settings_in_force, year_total_fen


def require_reader(user: User) -> None:
    if not user.can(Capability.READ_PERSONAL_DATA):
        raise PermissionDenied()


def grants_for(user: User) -> QuerySet[ReliefGrant]:
    qs: QuerySet[ReliefGrant] = ReliefGrant.objects.visible_to(user).select_related(
        "beneficiary", "township", "submitted_by"
    )
    return qs


def get_grant(user: User, grant_id: int) -> ReliefGrant:
    require_reader(user)
    grant: ReliefGrant = get_visible_or_404(
        ReliefGrant.objects.select_related(
            "beneficiary", "township", "region", "submitted_by", "settings_version", "one_off"
        ),
        user,
        pk=grant_id,
    )
    return grant


@dataclass(frozen=True)
class GrantFilters:
    state: str = ""
    next_step: str = ""
    reason: str = ""
    township: str = ""  # region code
    year: int | None = None
    beneficiary: int | None = None
    waiting: bool = False  # only what waits for the user's own step


def filtered(user: User, f: GrantFilters) -> QuerySet[ReliefGrant]:
    qs = waiting_for(user) if f.waiting else grants_for(user)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.next_step:
        qs = qs.filter(next_step=f.next_step)
    if f.reason:
        qs = qs.filter(reason=f.reason)
    if f.township:
        qs = qs.filter(township_id=f.township)
    if f.year:
        qs = qs.filter(applied_on__year=f.year)
    if f.beneficiary:
        qs = qs.filter(beneficiary_id=f.beneficiary)
    return qs.order_by("-applied_on", "-pk")


def waiting_for(user: User) -> QuerySet[ReliefGrant]:
    """The applications waiting for a step ``user`` holds and may take: not entered nor
    approved earlier in the round by them (the same rule as the table's)."""
    steps = t.waiting_for(user)
    held = Q(next_step__in=steps)
    if user.role == Role.LEADER:  # the county step of a county clerk's own application, too
        held |= Q(next_step=ChainStep.COUNTY, submitted_by__role=Role.COUNTY_CLERK)
    qs = grants_for(user).filter(held, state=GrantState.PENDING)
    if not steps:
        return qs.none()
    if ChainStep.TOWNSHIP in steps:
        qs = qs.filter(township_id=user.region_id)
    elif user.region is None or user.region.level != "county":
        return qs.none()
    mine = ReliefStep.objects.filter(  # scope: narrows grants already in the user's scope
        grant=OuterRef("pk"), round=OuterRef("round"), action=t.Action.APPROVE, actor=user
    )
    return qs.exclude(submitted_by=user).exclude(Exists(mine))


def returned_to(user: User) -> QuerySet[ReliefGrant]:
    """The user's own applications returned to them for correction."""
    return grants_for(user).filter(state=GrantState.RETURNED, submitted_by=user)


def history(grant: ReliefGrant) -> QuerySet[ReliefStep]:
    return grant.steps.select_related("actor").order_by("at", "pk")


def settings_for(user: User) -> ReliefSettings:
    """The settings in force in the user's county."""
    require_reader(user)
    if user.region is None:
        raise PermissionDenied()
    return settings_in_force(county_code(user.region.code))


def settings_history(user: User) -> QuerySet[ReliefSettings]:
    require_reader(user)
    qs: QuerySet[ReliefSettings] = (
        ReliefSettings.objects.visible_to(user)
        .filter(county_id=county_code(user.region.code if user.region else ""))
        .select_related("set_by")
        .order_by("-number")
    )
    return qs


@dataclass(frozen=True)
class PersonRelief:
    grants: list[ReliefGrant]
    total: int
    year: int
    year_total_fen: int
    year_cap_fen: int

    @property
    def year_total(self) -> Decimal:
        return yuan(self.year_total_fen)

    @property
    def year_cap(self) -> Decimal:
        return yuan(self.year_cap_fen)


def person_relief(user: User, person: Beneficiary, limit: int = 20) -> PersonRelief | None:
    """The person's grants the user may see, and what this year's grants hold of the cap."""
    if not user.can(Capability.READ_PERSONAL_DATA):
        return None
    qs = grants_for(user).filter(beneficiary=person).order_by("-applied_on", "-pk")
    total = qs.count()
    if total == 0:
        return None
    year = timezone.localdate().year
    return PersonRelief(
        grants=list(qs[:limit]),
        total=total,
        year=year,
        year_total_fen=year_total_fen(person, year),
        year_cap_fen=settings_in_force(county_code(person.region_id)).year_cap_fen,
    )


def years(user: User) -> list[int]:
    today = timezone.localdate()
    first = grants_for(user).order_by("applied_on").values_list("applied_on", flat=True).first()
    start = first.year if isinstance(first, date) else today.year
    return list(range(today.year, start - 1, -1))


def one_off_label(grant: ReliefGrant) -> str:
    """Where the grant's payment stands in the batches (scheduled, in a batch, failed and to
    be paid again, paid, withdrawn), or "" before it is approved."""
    if grant.one_off is None:
        return ""
    return str(ONE_OFF_STATUS_LABELS[one_off_status(grant.one_off)])
