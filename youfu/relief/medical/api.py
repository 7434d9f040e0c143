"""/api/v1/medical: claims (enter, preview, approve, refuse, list, detail), premiums (record,
covered and missing), outpatient subsidies, yearly totals per township, the settings in force.

No ``from __future__ import annotations`` here: django-ninja reads the annotations.
Amounts are yuan strings with two decimals; a person or claim outside the user's region is a 404.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.audit.services import record_view
from youfu.benefits.money import money
from youfu.core.authed import acting_user
from youfu.core.bounds import BoundedDate, Choice, Id, Money, Note, RegionCode, ShortText, Year
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404
from youfu.registry.models import Beneficiary
from youfu.relief.medical import selectors
from youfu.relief.medical.models import ClaimState, MedicalClaim, OutpatientSubsidy
from youfu.relief.medical.services import (
    clean_amount,
    clean_outpatient,
    county_code,
    do_approve_claim,
    do_enter_claim,
    do_record_outpatient,
    do_record_premium,
    do_refuse_claim,
    preview_claim,
    settings_in_force,
)
from youfu.relief.medical.services.transitions import available_actions
from youfu.relief.medical.validation import clean_claim

router = Router(tags=["medical"])


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    require(user, Capability.READ_PERSONAL_DATA)
    return user


def _person(user: User, beneficiary_id: int) -> Beneficiary:
    person: Beneficiary = get_visible_or_404(Beneficiary, user, pk=beneficiary_id)
    return person


def _claim(user: User, claim_id: int) -> MedicalClaim:
    claim: MedicalClaim = get_visible_or_404(selectors.claims_for(user), user, pk=claim_id)
    return claim


def _state(value: str | None) -> str:
    if value and value not in ClaimState.values:
        raise InvalidInput(
            Message(gettext_noop("Unknown state %(value)s."), {"value": value}),
            fields={"state": gettext_noop("pending, approved, refused or paid")},
        )
    return value or ""


# --- schemas ------------------------------------------------------------------------------


class ClaimIn(Schema):
    beneficiary: Id
    hospital: ShortText
    admitted_on: BoundedDate
    discharged_on: BoundedDate
    total_cost: Money
    insurance_paid: Money
    serious_illness_paid: Money
    other_paid: Money


class PreviewOut(Schema):
    target: str = Field(..., description="percent in force, e.g. 90.00")
    year_cap: str
    year: int = Field(..., description="the calendar year of discharge, whose cap the claim takes")
    computed: str = Field(
        ..., description="target × total cost − the others' payments, half-up to the fen, ≥ 0"
    )
    used: str = Field(..., description="what the person's other claims of the year already take")
    cap_left: str = Field(..., description="what is left of the year's cap before this claim")
    subsidy: str = Field(..., description="what this claim would take")
    capped: bool


class ClaimOut(Schema):
    id: int
    beneficiary: int
    name: str
    township: str
    hospital: str
    admitted_on: date
    discharged_on: date
    year: int
    total_cost: str
    insurance_paid: str
    serious_illness_paid: str
    other_paid: str
    target: str
    year_cap: str
    computed: str
    cap_left: str
    subsidy: str
    capped: bool
    state: str = Field(..., description="pending, approved, refused or paid")
    entered_by: str
    entered_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    paid_at: datetime | None
    actions: list[str] = Field(..., description="what the caller may do now: approve, refuse")


def claim_out(claim: MedicalClaim, user: User) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "beneficiary": claim.beneficiary_id,
        "name": claim.beneficiary.name,
        "township": claim.beneficiary.township.name,
        "hospital": claim.hospital,
        "admitted_on": claim.admitted_on,
        "discharged_on": claim.discharged_on,
        "year": claim.year,
        "total_cost": money(claim.total_cost_fen),
        "insurance_paid": money(claim.insurance_paid_fen),
        "serious_illness_paid": money(claim.serious_illness_paid_fen),
        "other_paid": money(claim.other_paid_fen),
        "target": f"{claim.target_percent:.2f}",
        "year_cap": money(claim.year_cap_fen),
        "computed": money(claim.computed_fen),
        "cap_left": money(claim.cap_left_fen),
        "subsidy": money(claim.subsidy_fen),
        "capped": claim.capped,
        "state": claim.state,
        "entered_by": claim.entered_by.username,
        "entered_at": claim.entered_at,
        "decided_by": claim.decided_by.username if claim.decided_by else None,
        "decided_at": claim.decided_at,
        "reason": claim.refusal_reason,
        "paid_at": claim.paid_at,
        "actions": [str(a) for a in available_actions(claim, user)],
    }


class RefuseIn(Schema):
    reason: Note


class PremiumIn(Schema):
    beneficiary: Id
    year: Year
    amount: Money


class PremiumOut(Schema):
    id: int
    beneficiary: int
    year: int
    amount: str
    recorded_at: datetime
    recorded_by: str


class PremiumPersonOut(Schema):
    beneficiary: int
    name: str
    id_number: str = Field(..., description="masked")
    township: str
    year: int
    covered: bool
    amount: str | None


class OutpatientIn(Schema):
    beneficiary: Id
    year: Year
    amount: Money
    paid_on: BoundedDate
    note: str = Field("", max_length=200)


class OutpatientOut(Schema):
    id: int
    beneficiary: int
    name: str
    township: str
    year: int
    amount: str
    paid_on: date
    note: str
    recorded_by: str

    @staticmethod
    def resolve_name(obj: OutpatientSubsidy) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_beneficiary(obj: OutpatientSubsidy) -> int:
        return obj.beneficiary_id

    @staticmethod
    def resolve_township(obj: OutpatientSubsidy) -> str:
        return obj.beneficiary.township.name

    @staticmethod
    def resolve_amount(obj: OutpatientSubsidy) -> str:
        return money(obj.amount_fen)

    @staticmethod
    def resolve_recorded_by(obj: OutpatientSubsidy) -> str:
        return obj.recorded_by.username


class TownshipTotalsOut(Schema):
    code: str
    name: str
    claims: int
    subsidy: str = Field(..., description="approved or paid")
    pending: str = Field(..., description="waiting for a leader")
    premiums: int
    premium_amount: str
    outpatient: int
    outpatient_amount: str


class TotalsOut(Schema):
    year: int
    townships: list[TownshipTotalsOut]
    total: TownshipTotalsOut


class SettingsOut(Schema):
    target: str
    year_cap: str
    categories: list[str]
    set_at: str | None
    set_by: str | None


# --- claims -------------------------------------------------------------------------------


@router.get("/settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> dict[str, Any]:
    user = _reader(request)
    return settings_in_force(county_code(user.region_id)).as_dict()


@router.get("/claims", response=list[ClaimOut])
@paginate(PageNumberPagination)
def list_claims(
    request: HttpRequest,
    state: Choice | None = None,
    year: Year | None = None,
    township: RegionCode | None = None,
) -> list[dict[str, Any]]:
    user = _reader(request)
    claims = selectors.claims_for(user, state=_state(state), year=year, township=township or "")
    return _LazyClaims(claims, user)  # type: ignore[return-value]


class _LazyClaims:
    """The paginator slices the queryset; each slice is rendered with the caller's actions."""

    def __init__(self, claims: QuerySet[MedicalClaim], user: User) -> None:
        self.claims = claims
        self.user = user

    def count(self) -> int:
        return self.claims.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [claim_out(c, self.user) for c in self.claims[window]]


def _claim_input(payload: ClaimIn) -> Any:
    return clean_claim(
        hospital=payload.hospital,
        admitted_on=payload.admitted_on,
        discharged_on=payload.discharged_on,
        total_cost=payload.total_cost,
        insurance_paid=payload.insurance_paid,
        serious_illness_paid=payload.serious_illness_paid,
        other_paid=payload.other_paid,
    )


@router.post("/claims", response={201: ClaimOut})
def create_claim(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    require(user, Capability.WRITE_RECORDS)
    person = _person(user, payload.beneficiary)
    claim = do_enter_claim(person, _claim_input(payload), acting_user=user)
    return Status(201, claim_out(_claim(user, claim.pk), user))


@router.post("/claims/preview", response=PreviewOut)
def preview(request: HttpRequest, payload: ClaimIn) -> dict[str, Any]:
    """What the claim would take if it were entered now; nothing is written."""
    user = acting_user(request)
    require(user, Capability.WRITE_RECORDS)
    person = _person(user, payload.beneficiary)
    data = _claim_input(payload)
    rule = settings_in_force(county_code(person.region_id))
    figures = preview_claim(person, data, rule)
    return {
        "target": f"{rule.target_percent:.2f}",
        "year_cap": money(rule.year_cap_fen),
        "year": data.year,
        "computed": money(figures.computed_fen),
        "used": money(figures.used_fen),
        "cap_left": money(figures.cap_left_fen),
        "subsidy": money(figures.subsidy_fen),
        "capped": figures.capped,
    }


@router.get("/claims/{claim_id}", response=ClaimOut)
def get_claim(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    user = _reader(request)
    claim = _claim(user, claim_id)
    record_view(user, claim, region=claim.beneficiary.region_id)
    return claim_out(claim, user)


@router.post("/claims/{claim_id}/approve", response=ClaimOut)
def approve_claim(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    user = _reader(request)
    claim = do_approve_claim(_claim(user, claim_id), acting_user=user)
    return claim_out(_claim(user, claim.pk), user)


@router.post("/claims/{claim_id}/refuse", response=ClaimOut)
def refuse_claim(request: HttpRequest, claim_id: Id, payload: RefuseIn) -> dict[str, Any]:
    user = _reader(request)
    claim = do_refuse_claim(_claim(user, claim_id), acting_user=user, reason=payload.reason)
    return claim_out(_claim(user, claim.pk), user)


# --- premiums -----------------------------------------------------------------------------


def _covered(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise InvalidInput(
        Message(gettext_noop("covered is true or false.")), fields={"covered": gettext_noop("true or false")}
    )


@router.get("/premiums", response=list[PremiumPersonOut])
@paginate(PageNumberPagination)
def list_premiums(
    request: HttpRequest, year: Year | None = None, covered: Choice | None = None
) -> list[dict[str, Any]]:
    """Disabled veterans of levels 1–6 with a payable qualification in ``year`` (default this
    year), each covered (a premium recorded) or not; ``covered=false`` is who is missing."""
    user = _reader(request)
    year = year or timezone.localdate().year
    people = selectors.premium_people_for(user, year, covered=_covered(covered))
    return _LazyPremiums(people, year)  # type: ignore[return-value]


class _LazyPremiums:
    def __init__(self, people: QuerySet[Beneficiary], year: int) -> None:
        self.people = people
        self.year = year

    def count(self) -> int:
        return self.people.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        rows = list(self.people[window])
        amounts = selectors.premium_amounts([p.pk for p in rows], self.year)
        return [
            {
                "beneficiary": p.pk,
                "name": p.name,
                "id_number": p.id_number_masked,
                "township": p.township.name,
                "year": self.year,
                "covered": bool(p.has_premium),  # type: ignore[attr-defined]
                "amount": money(amounts[p.pk]) if p.pk in amounts else None,
            }
            for p in rows
        ]


@router.post("/premiums", response={201: PremiumOut})
def record_premium(request: HttpRequest, payload: PremiumIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    require(user, Capability.WRITE_RECORDS)
    person = _person(user, payload.beneficiary)
    premium = do_record_premium(person, payload.year, clean_amount(payload.amount), acting_user=user)
    return Status(
        201,
        {
            "id": premium.pk,
            "beneficiary": person.pk,
            "year": premium.year,
            "amount": money(premium.amount_fen),
            "recorded_at": premium.recorded_at,
            "recorded_by": user.username,
        },
    )


# --- outpatient subsidies -----------------------------------------------------------------


@router.get("/outpatient", response=list[OutpatientOut])
@paginate(PageNumberPagination)
def list_outpatient(
    request: HttpRequest, year: Year | None = None, township: RegionCode | None = None
) -> QuerySet[OutpatientSubsidy]:
    user = _reader(request)
    return selectors.outpatient_for(user, year=year, township=township or "")


@router.post("/outpatient", response={201: OutpatientOut})
def record_outpatient(request: HttpRequest, payload: OutpatientIn) -> Status[OutpatientSubsidy]:
    user = acting_user(request)
    require(user, Capability.WRITE_RECORDS)
    person = _person(user, payload.beneficiary)
    data = clean_outpatient(payload.year, payload.amount, payload.paid_on, payload.note)
    subsidy = do_record_outpatient(person, data, acting_user=user)
    return Status(201, subsidy)


# --- totals -------------------------------------------------------------------------------


@router.get("/totals", response=TotalsOut)
def totals(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """Per township of the caller's region, for ``year`` (default this year)."""
    user = _reader(request)
    year = year or timezone.localdate().year
    rows, total = selectors.totals_by_township(user, year)
    return {"year": year, "townships": [r.as_dict() for r in rows], "total": total.as_dict()}
