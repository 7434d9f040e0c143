"""/api/v1/pairings: 结对帮扶 — departments paired with people, their activities, yearly totals.

No ``from __future__ import annotations`` here: django-ninja reads the annotations. Scoped (a
pairing outside the caller's region, or a liaison's other departments, is a 404) and audited
(every write is a service in ``services``)."""

from datetime import date
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.benefits.money import money
from youfu.core.authed import acting_user
from youfu.core.bounds import BoundedDate, Choice, Id, Money, Note, RegionCode, Year
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.outreach.pairing import selectors, services
from youfu.outreach.pairing.models import Pairing, PairingActivity
from youfu.outreach.pairing.rules import MAX_ACTIVITY_COUNT
from youfu.outreach.pairing.selectors import PairingFilters, Totals
from youfu.registry.models import Beneficiary

router = Router(tags=["pairing"])


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    selectors.require_reader(user)
    return user


# --- schemas -------------------------------------------------------------------------------


class PairingIn(Schema):
    department: Id
    beneficiary: Id
    started_on: BoundedDate
    note: Note = ""


class EndIn(Schema):
    ended_on: BoundedDate
    reason: Note = ""


class ActivityIn(Schema):
    kind: Choice = Field(..., description="policy | funds | skills | projects | jobs")
    done_on: BoundedDate
    amount: Money | None = Field(None, description="yuan; required for funds, none for policy and jobs")
    count: Annotated[int, Field(ge=1, le=MAX_ACTIVITY_COUNT)] | None = Field(
        None, description="people informed or trained, projects, jobs found; none for funds"
    )
    note: Note = Field(..., description="what was done")


class DepartmentRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str
    township: str

    @staticmethod
    def resolve_township(obj: Beneficiary) -> str:
        return obj.township.name


class ActivityOut(Schema):
    id: int
    pairing: int
    kind: str
    kind_label: str
    done_on: date
    amount: str | None = Field(..., description="yuan, two decimals")
    count: int | None
    note: str
    recorded_by: str

    @staticmethod
    def resolve_pairing(obj: PairingActivity) -> int:
        return obj.pairing_id

    @staticmethod
    def resolve_kind_label(obj: PairingActivity) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_amount(obj: PairingActivity) -> str | None:
        return None if obj.amount_fen is None else money(obj.amount_fen)

    @staticmethod
    def resolve_recorded_by(obj: PairingActivity) -> str:
        return obj.recorded_by.username


class PairingOut(Schema):
    id: int
    department: DepartmentRef
    beneficiary: PersonRef
    started_on: date
    ended_on: date | None
    state: str = Field(..., description="open or ended")
    note: str
    end_reason: str
    activities: int
    last_activity_on: date | None

    @staticmethod
    def resolve_state(obj: Pairing) -> str:
        return "open" if obj.ended_on is None else "ended"

    @staticmethod
    def resolve_activities(obj: Pairing) -> int:
        return int(getattr(obj, "activity_count", 0))

    @staticmethod
    def resolve_last_activity_on(obj: Pairing) -> date | None:
        return getattr(obj, "last_activity_on", None)


class PairingDetailOut(PairingOut):
    activity_list: list[ActivityOut]

    @staticmethod
    def resolve_activity_list(obj: Pairing) -> list[PairingActivity]:
        return list(getattr(obj, "activity_list", []))


class KindTotalOut(Schema):
    activities: int
    amount: str
    count: int


class TotalsOut(Schema):
    households: int
    pairings: int
    activities: int
    amount: str
    by_kind: dict[str, KindTotalOut]


class DepartmentTotalsOut(TotalsOut):
    department: DepartmentRef


class SummaryOut(Schema):
    year: int
    departments: list[DepartmentTotalsOut]
    county: TotalsOut = Field(..., description="everything the caller sees: the county for county staff")


def _totals_out(totals: Totals) -> dict[str, Any]:
    return {
        "households": totals.households,
        "pairings": totals.pairings,
        "activities": totals.activities,
        "amount": money(totals.amount_fen),
        "by_kind": {
            kind: {"activities": t.activities, "amount": money(t.amount_fen), "count": t.count}
            for kind, t in totals.by_kind.items()
        },
    }


def _fresh(user: User, pairing_id: int) -> Pairing:
    """The pairing as stored now, with its activity count, in the caller's scope."""
    return selectors.with_activity_stats(selectors.pairings_for(user).filter(pk=pairing_id)).get()


# --- routes --------------------------------------------------------------------------------


class ListQuery(Schema):
    department: Id | None = None
    township: RegionCode = ""
    beneficiary: Id | None = None
    state: Choice = Field("", description="open, ended, or empty for both")
    quiet: bool = Field(False, description="open pairings with no activity this quarter")


@router.get("", response=list[PairingOut])
@paginate(PageNumberPagination)
def list_pairings(request: HttpRequest, filters: Query[ListQuery]) -> QuerySet[Pairing]:
    user = _reader(request)
    if filters.state not in ("", *selectors.STATES):
        raise InvalidInput(
            Message(
                gettext_noop("Unknown state %(state)s: open, ended, or empty for both."),
                {"state": filters.state},
            ),
            fields={"state": Message(gettext_noop("open or ended"))},
        )
    chosen = PairingFilters(
        department=filters.department,
        township=filters.township.strip(),
        state=filters.state,
        quiet=filters.quiet,
        beneficiary=filters.beneficiary,
    )
    return selectors.filtered_pairings(user, chosen)


@router.post("", response={201: PairingOut})
def create_pairing(request: HttpRequest, payload: PairingIn) -> Status[Pairing]:
    user = acting_user(request)
    pairing = services.do_start_pairing(
        department_id=payload.department,
        beneficiary_id=payload.beneficiary,
        started_on=payload.started_on,
        note=payload.note,
        acting_user=user,
    )
    return Status(201, _fresh(user, pairing.pk))


@router.get("/summary", response=SummaryOut)
def pairing_summary(
    request: HttpRequest, year: Year | None = None, department: Id | None = None
) -> dict[str, Any]:
    user = _reader(request)
    found = selectors.summary(user, year or timezone.localdate().year, department=department)
    return {
        "year": found.year,
        "departments": [
            {"department": {"id": row.department.pk, "name": row.department.name}, **_totals_out(row.totals)}
            for row in found.departments
        ],
        "county": _totals_out(found.county),
    }


@router.get("/{pairing_id}", response=PairingDetailOut)
def get_pairing(request: HttpRequest, pairing_id: Id) -> Pairing:
    user = _reader(request)
    pairing = _fresh(user, selectors.get_pairing(user, pairing_id).pk)
    pairing.activity_list = list(selectors.activities_of(user, pairing))  # type: ignore[attr-defined]
    return pairing


@router.post("/{pairing_id}/end", response=PairingOut)
def end_pairing(request: HttpRequest, pairing_id: Id, payload: EndIn) -> Pairing:
    user = _reader(request)
    pairing = selectors.get_pairing(user, pairing_id)
    services.do_end_pairing(pairing, ended_on=payload.ended_on, reason=payload.reason, acting_user=user)
    return _fresh(user, pairing.pk)


@router.get("/{pairing_id}/activities", response=list[ActivityOut])
@paginate(PageNumberPagination)
def list_activities(request: HttpRequest, pairing_id: Id) -> QuerySet[PairingActivity]:
    user = _reader(request)
    return selectors.activities_of(user, selectors.get_pairing(user, pairing_id))


@router.post("/{pairing_id}/activities", response={201: ActivityOut})
def record_activity(request: HttpRequest, pairing_id: Id, payload: ActivityIn) -> Status[PairingActivity]:
    user = _reader(request)
    pairing = selectors.get_pairing(user, pairing_id)
    activity = services.do_record_activity(
        pairing,
        kind=payload.kind.strip(),
        done_on=payload.done_on,
        amount=payload.amount,
        count=payload.count,
        note=payload.note,
        acting_user=user,
    )
    return Status(201, activity)
