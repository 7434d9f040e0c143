"""The checks of a claim's figures and dates, in one place: the claim form, the API and the
service all call ``clean_claim`` (the service again, so that no caller can skip it). Every
problem is reported at once, field by field, as one 400."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.benefits.money import FEN, to_fen
from youfu.core.bounds import EARLIEST_DATE, MAX_AMOUNT
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message

HOSPITAL_MAX = 100
AMOUNT_FIELDS = ("total_cost", "insurance_paid", "serious_illness_paid", "other_paid")


@dataclass(frozen=True)
class ClaimInput:
    hospital: str
    admitted_on: date
    discharged_on: date
    total_cost_fen: int
    insurance_paid_fen: int
    serious_illness_paid_fen: int
    other_paid_fen: int

    @property
    def year(self) -> int:
        return self.discharged_on.year

    @property
    def others_fen(self) -> int:
        return self.insurance_paid_fen + self.serious_illness_paid_fen + self.other_paid_fen


def clean_hospital(value: object) -> str:
    """Spaces collapsed, so that " 县人民医院" and "县人民医院" are the same hospital."""
    return " ".join(str(value or "").replace("\u3000", " ").split())


def _amount(value: object) -> tuple[Decimal | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, gettext_noop("required")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None, gettext_noop("an amount in yuan, such as 1234.50")
    if not amount.is_finite():
        return None, gettext_noop("an amount in yuan, such as 1234.50")
    if amount < 0:
        return None, gettext_noop("not negative")
    if amount > MAX_AMOUNT:
        return None, gettext_noop("at most 999999.99")
    if amount != amount.quantize(FEN):
        return None, gettext_noop("at most two decimals")
    return amount.quantize(FEN), None


def clean_claim(
    *,
    hospital: object,
    admitted_on: date | None,
    discharged_on: date | None,
    total_cost: object,
    insurance_paid: object,
    serious_illness_paid: object,
    other_paid: object,
    today: date | None = None,
) -> ClaimInput:
    today = today or timezone.localdate()
    fields: dict[str, str] = {}
    name = clean_hospital(hospital)
    if not name:
        fields["hospital"] = gettext_noop("required")
    elif len(name) > HOSPITAL_MAX:
        fields["hospital"] = gettext_noop("at most 100 characters")
    for field_name, day in (("admitted_on", admitted_on), ("discharged_on", discharged_on)):
        if day is None:
            fields[field_name] = gettext_noop("required")
        elif day > today:
            fields[field_name] = gettext_noop("not in the future")
        elif day < EARLIEST_DATE:
            fields[field_name] = gettext_noop("after 1900-01-01")
    if admitted_on and discharged_on and discharged_on < admitted_on and "discharged_on" not in fields:
        fields["discharged_on"] = gettext_noop("not before the admission")
    amounts: dict[str, Decimal] = {}
    for field_name, value in zip(
        AMOUNT_FIELDS, (total_cost, insurance_paid, serious_illness_paid, other_paid), strict=True
    ):
        amount, problem = _amount(value)
        if problem:
            fields[field_name] = problem
        elif amount is not None:
            amounts[field_name] = amount
    if "total_cost" in amounts and amounts["total_cost"] == 0:
        fields["total_cost"] = gettext_noop("more than 0")
    if len(amounts) == len(AMOUNT_FIELDS) and "total_cost" not in fields:
        paid = amounts["insurance_paid"] + amounts["serious_illness_paid"] + amounts["other_paid"]
        if paid > amounts["total_cost"]:
            fields["other_paid"] = gettext_noop("the payments exceed the cost")
            raise InvalidInput(
                Message(
                    gettext_noop(
                        "The insurance and other payments (%(paid)s yuan) exceed the total cost "
                        "(%(total)s yuan): check the figures."
                    ),
                    {"paid": f"{paid:.2f}", "total": f"{amounts['total_cost']:.2f}"},
                ),
                code="payments_exceed_cost",
                fields={**fields},
            )
    if fields:
        raise InvalidInput(_summary(fields), code="invalid_claim", fields=fields)
    assert admitted_on is not None and discharged_on is not None
    return ClaimInput(
        hospital=name,
        admitted_on=admitted_on,
        discharged_on=discharged_on,
        total_cost_fen=to_fen(amounts["total_cost"]),
        insurance_paid_fen=to_fen(amounts["insurance_paid"]),
        serious_illness_paid_fen=to_fen(amounts["serious_illness_paid"]),
        other_paid_fen=to_fen(amounts["other_paid"]),
    )


def _summary(fields: dict[str, str]) -> Message:
    if any(v == "not negative" for v in fields.values()):
        return Message(gettext_noop("Amounts cannot be negative."))
    if fields.get("discharged_on") == "not before the admission":
        return Message(gettext_noop("The discharge date is before the admission date."))
    if any(v == "not in the future" for v in fields.values()):
        return Message(gettext_noop("A hospital stay cannot end or begin in the future."))
    return Message(gettext_noop("Check the claim: some fields are missing or wrong."))
