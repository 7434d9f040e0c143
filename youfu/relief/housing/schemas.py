"""The housing API's bodies. Amounts are yuan strings with two decimals in and out; dates ISO."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from youfu.benefits.money import money
from youfu.core.bounds import MAX_AMOUNT, BoundedDate, Choice, Id, Note
from youfu.relief.housing.models import HousingCase, HousingPhoto, HousingSurvey

# A payment or a budget: above zero, at most the bound every amount of youfu has.
Amount = Annotated[
    Decimal,
    Field(gt=0, le=MAX_AMOUNT, max_digits=8, decimal_places=2, description="yuan, two decimals, above 0"),
]
Reason = Annotated[str, Field(max_length=500)]


class SurveyIn(Schema):
    beneficiary: Id
    grade: Choice = Field(..., description="A (sound), B, C or D (dangerous)")
    surveyed_on: BoundedDate
    note: Note = ""


class PhotoOut(Schema):
    id: int
    content_type: str
    width: int
    height: int
    size: int
    url: str

    @staticmethod
    def resolve_url(obj: HousingPhoto) -> str:
        return f"/api/v1/housing/surveys/{obj.survey_id}/photos/{obj.pk}"


class SurveyOut(Schema):
    id: int
    beneficiary: int
    name: str
    township: str
    grade: str
    surveyed_on: date
    note: str
    entered_by: str
    created_at: datetime

    @staticmethod
    def resolve_beneficiary(obj: HousingSurvey) -> int:
        return obj.beneficiary_id

    @staticmethod
    def resolve_name(obj: HousingSurvey) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_township(obj: HousingSurvey) -> str:
        return obj.beneficiary.township.code

    @staticmethod
    def resolve_entered_by(obj: HousingSurvey) -> str:
        return obj.entered_by.username


class SurveyDetailOut(SurveyOut):
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(obj: HousingSurvey) -> list[HousingPhoto]:
        return list(obj.photos.all())


class UnservedOut(Schema):
    survey: int
    beneficiary: int
    household: int | None
    name: str
    township: str
    grade: str
    surveyed_on: date

    @staticmethod
    def resolve_survey(obj: HousingSurvey) -> int:
        return obj.pk

    @staticmethod
    def resolve_beneficiary(obj: HousingSurvey) -> int:
        return obj.beneficiary_id

    @staticmethod
    def resolve_household(obj: HousingSurvey) -> int | None:
        return obj.beneficiary.household_id

    @staticmethod
    def resolve_name(obj: HousingSurvey) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_township(obj: HousingSurvey) -> str:
        return obj.beneficiary.township.code


class CaseIn(Schema):
    beneficiary: Id
    kind: Choice = Field(..., description="new (a new house) or repair")
    budget: Amount
    note: Note = ""


class ApproveIn(Schema):
    note: Reason = ""


class RefuseIn(Schema):
    reason: Reason = Field(..., min_length=1)


class BudgetIn(Schema):
    budget: Amount
    reason: Reason = Field(..., min_length=1)


class DisburseIn(Schema):
    amount: Amount
    paid_on: BoundedDate
    note: Reason = ""


class CompleteIn(Schema):
    completed_on: BoundedDate


class CaseOut(Schema):
    id: int
    beneficiary: int
    name: str
    township: str
    kind: str
    state: str
    budget: str  # in force (0.00 until a leader approves)
    proposed_budget: str | None  # waiting for a leader
    paid: str
    left_to_pay: str
    opened_on: date
    approved_on: date | None
    completed_on: date | None
    refused_reason: str

    @staticmethod
    def resolve_beneficiary(obj: HousingCase) -> int:
        return obj.beneficiary_id

    @staticmethod
    def resolve_name(obj: HousingCase) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_township(obj: HousingCase) -> str:
        return obj.beneficiary.township.code

    @staticmethod
    def resolve_budget(obj: HousingCase) -> str:
        return money(obj.budget_fen)

    @staticmethod
    def resolve_proposed_budget(obj: HousingCase) -> str | None:
        return None if obj.proposed_fen is None else money(obj.proposed_fen)

    @staticmethod
    def resolve_paid(obj: HousingCase) -> str:
        return money(obj.paid_fen)

    @staticmethod
    def resolve_left_to_pay(obj: HousingCase) -> str:
        return money(obj.budget_fen - obj.paid_fen)


class BudgetOut(Schema):
    id: int
    amount: str
    reason: str
    state: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


class DisbursementOut(Schema):
    id: int
    amount: str
    paid_on: date
    note: str
    entered_by: str


class CaseDetailOut(CaseOut):
    budgets: list[BudgetOut]  # the budget history, oldest first
    disbursements: list[DisbursementOut]
    actions: list[str]  # what the requesting user may do now

    @staticmethod
    def resolve_budgets(obj: HousingCase) -> list[dict[str, Any]]:
        return [
            {
                "id": b.pk,
                "amount": money(b.amount_fen),
                "reason": b.reason,
                "state": b.state,
                "proposed_by": b.proposed_by.username,
                "proposed_at": b.proposed_at,
                "decided_by": b.decided_by.username if b.decided_by else None,
                "decided_at": b.decided_at,
                "decision_note": b.decision_note,
            }
            for b in obj.budgets.select_related("proposed_by", "decided_by")
        ]

    @staticmethod
    def resolve_disbursements(obj: HousingCase) -> list[dict[str, Any]]:
        return [
            {
                "id": d.pk,
                "amount": money(d.amount_fen),
                "paid_on": d.paid_on,
                "note": d.note,
                "entered_by": d.entered_by.username,
            }
            for d in obj.disbursements.select_related("entered_by")
        ]

    @staticmethod
    def resolve_actions(obj: HousingCase) -> list[str]:
        return list(getattr(obj, "actions_now", []))
