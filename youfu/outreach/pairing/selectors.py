"""Pairing's reads, each in the user's scope: the pairings a user may see (by region, and for a
liaison by department), the list filters the pages and the API share, and the yearly totals,
aggregated in the database per department and kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from youfu.accounts.models import Department, User
from youfu.benefits.money import yuan
from youfu.core.roles import Capability, Role, require
from youfu.core.scope import get_visible_or_404
from youfu.outreach.pairing.models import ActivityKind, Pairing, PairingActivity
from youfu.outreach.pairing.rules import KIND_RULES, quarter_start, year_bounds
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import PersonStatus


def require_reader(user: User) -> None:
    require(user, Capability.READ_PERSONAL_DATA)


def pairings_for(user: User) -> QuerySet[Pairing]:
    qs: QuerySet[Pairing] = Pairing.objects.visible_to(user)
    return qs.select_related("department", "beneficiary", "beneficiary__township")


def activities_for(user: User) -> QuerySet[PairingActivity]:
    qs: QuerySet[PairingActivity] = PairingActivity.objects.visible_to(user)
    return qs


def get_pairing(user: User, pairing_id: int) -> Pairing:
    require_reader(user)
    return get_visible_or_404(pairings_for(user), user, pk=pairing_id)


def activities_of(user: User, pairing: Pairing) -> QuerySet[PairingActivity]:
    return (
        activities_for(user).filter(pairing=pairing).select_related("recorded_by").order_by("-done_on", "-pk")
    )


def with_activity_stats(qs: QuerySet[Pairing]) -> QuerySet[Pairing]:
    return qs.annotate(activity_count=Count("activities"), last_activity_on=Max("activities__done_on"))


# --- filters -------------------------------------------------------------------------------

STATES = ("open", "ended")
# Open pairings (no end date) before ended ones, on SQLite and PostgreSQL alike.
OPEN_FIRST = F("ended_on").asc(nulls_first=True)


def active_in(first: date, last: date) -> Q:
    """Pairings that ran on at least one day between ``first`` and ``last``."""
    return Q(started_on__lte=last) & (Q(ended_on__isnull=True) | Q(ended_on__gte=first))


def quiet_since(day: date) -> Q:
    """Open pairings with no activity done on or after ``day`` (the quarter's first day)."""
    recent = PairingActivity.objects.filter(
        pairing=OuterRef("pk"), done_on__gte=day
    )  # scope: within a visible pairing
    return Q(ended_on__isnull=True) & ~Q(Exists(recent))


def open_with_deceased() -> Q:
    return Q(ended_on__isnull=True, beneficiary__status=PersonStatus.DECEASED)


@dataclass
class PairingFilters:
    department: int | None = None
    township: str = ""
    state: str = ""  # "", "open" or "ended"
    quiet: bool = False  # open, with no activity this quarter
    deceased: bool = False  # open, with a person who has died
    beneficiary: int | None = None

    def apply(self, qs: QuerySet[Pairing], today: date | None = None) -> QuerySet[Pairing]:
        today = today or timezone.localdate()
        if self.department:
            qs = qs.filter(department_id=self.department)
        if self.township:
            qs = qs.filter(beneficiary__township_id=self.township)
        if self.state == "open":
            qs = qs.filter(ended_on__isnull=True)
        elif self.state == "ended":
            qs = qs.filter(ended_on__isnull=False)
        if self.quiet:
            qs = qs.filter(quiet_since(quarter_start(today)))
        if self.deceased:
            qs = qs.filter(open_with_deceased())
        if self.beneficiary:
            qs = qs.filter(beneficiary_id=self.beneficiary)
        return qs

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


def filtered_pairings(user: User, filters: PairingFilters) -> QuerySet[Pairing]:
    require_reader(user)
    return with_activity_stats(filters.apply(pairings_for(user))).order_by(
        "department__name", "beneficiary__township_id", "beneficiary__name", "pk"
    )


def departments_in_use(user: User) -> QuerySet[Department]:
    """The departments of the pairings the user sees (a township clerk sees county departments
    only through their people's pairings), for the filters."""
    ids = pairings_for(user).order_by().values("department_id")
    return Department.objects.filter(pk__in=ids).order_by("name")


def departments_to_pair(user: User) -> QuerySet[Department]:
    qs: QuerySet[Department] = Department.objects.visible_to(user).order_by("region_id", "name")
    return qs


def townships_for(user: User) -> QuerySet[Region]:
    qs: QuerySet[Region] = Region.objects.visible_to(user).filter(level=RegionLevel.TOWNSHIP)
    return qs.order_by("code")


def department_for(user: User, department_id: int) -> Department:
    """A department the user may look at: one in their region, or one with a pairing they see
    (a township clerk opens the county department paired with their people); a liaison, their own."""
    require_reader(user)
    if user.role == Role.DEPARTMENT_LIAISON and user.department_id != department_id:
        raise Http404
    found = (
        Department.objects.filter(pk=department_id)
        .filter(
            Q(pk__in=departments_to_pair(user).values("pk")) | Q(pk__in=departments_in_use(user).values("pk"))
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- totals --------------------------------------------------------------------------------


@dataclass
class KindTotal:
    activities: int = 0
    amount_fen: int = 0
    count: int = 0

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)


@dataclass
class Totals:
    households: int = 0
    pairings: int = 0
    activities: int = 0
    amount_fen: int = 0
    by_kind: dict[str, KindTotal] = field(
        default_factory=lambda: {k: KindTotal() for k in ActivityKind.values}
    )

    @property
    def amount(self) -> Decimal:
        return yuan(self.amount_fen)

    def add(self, kind: str, activities: int, amount_fen: int, count: int) -> None:
        total = self.by_kind[kind]
        total.activities += activities
        total.amount_fen += amount_fen
        total.count += count
        self.activities += activities
        self.amount_fen += amount_fen


@dataclass
class DepartmentTotals:
    department: Department
    totals: Totals


@dataclass
class Summary:
    year: int
    departments: list[DepartmentTotals]
    county: Totals


def summary(user: User, year: int, *, department: int | None = None) -> Summary:
    """Per department and for everything the user sees: the households paired during ``year``,
    and the activities done in it, with their amounts and numbers per kind. Three grouped
    queries, however many pairings there are."""
    require_reader(user)
    first, last = year_bounds(year)
    pairings = Pairing.objects.visible_to(user).filter(active_in(first, last))
    activities = PairingActivity.objects.visible_to(user).filter(done_on__range=(first, last))
    if department:
        pairings = pairings.filter(department_id=department)
        activities = activities.filter(pairing__department_id=department)
    per_department: dict[int, Totals] = {}
    for row in (
        pairings.order_by()
        .values("department_id")
        .annotate(households=Count("beneficiary_id", distinct=True), pairings=Count("pk"))
    ):
        per_department[row["department_id"]] = Totals(households=row["households"], pairings=row["pairings"])
    county = Totals(
        households=pairings.order_by().values("beneficiary_id").distinct().count(),
        pairings=sum(t.pairings for t in per_department.values()),
    )
    for row in (
        activities.order_by()
        .values("pairing__department_id", "kind")
        .annotate(n=Count("pk"), amount=Sum("amount_fen"), number=Sum("count"))
    ):
        figures = (row["n"], row["amount"] or 0, row["number"] or 0)
        per_department.setdefault(row["pairing__department_id"], Totals()).add(row["kind"], *figures)
        county.add(row["kind"], *figures)
    names = {d.pk: d for d in Department.objects.filter(pk__in=per_department)}
    rows = sorted(
        (DepartmentTotals(names[pk], totals) for pk, totals in per_department.items()),
        key=lambda r: (r.department.name, r.department.pk),
    )
    return Summary(year=year, departments=rows, county=county)


def kind_columns() -> list[tuple[str, str, Any, Any]]:
    """(code, label, amount label or "", count label or "") for each kind, in order."""
    return [
        (kind.value, str(kind.label), KIND_RULES[kind].amount_label, KIND_RULES[kind].count_label)
        for kind in ActivityKind
    ]
