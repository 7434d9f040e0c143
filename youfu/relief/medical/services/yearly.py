"""The yearly lists: medical-insurance premiums paid for disabled veterans of levels 1–6 (one
per person and year) and outpatient subsidies paid to people who may claim (one per person
and year). A second record for the same person and year is a 409 that changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.money import FEN, money, to_fen
from youfu.core.bounds import MAX_AMOUNT
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.registry.models import Beneficiary
from youfu.relief.medical.models import MedicalPremium, OutpatientSubsidy
from youfu.relief.medical.selectors import is_premium_person
from youfu.relief.medical.services.claims import holds_eligible_benefit
from youfu.relief.medical.services.settings import county_code, settings_in_force

if TYPE_CHECKING:
    from youfu.accounts.models import User

FIRST_YEAR = 2000
NOTE_MAX = 200


def year_bounds(today: date | None = None) -> tuple[int, int]:
    """Years a record may be for: from 2000 through next year (premiums are paid ahead)."""
    today = today or timezone.localdate()
    return FIRST_YEAR, today.year + 1


def clean_year(value: object) -> int:
    first, last = year_bounds()
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    if not first <= year <= last:
        raise InvalidInput(
            Message(
                gettext_noop("A year from %(first)s to %(last)s, not %(value)s."),
                {"first": first, "last": last, "value": value},
            ),
            code="invalid_year",
            fields={"year": gettext_noop("a year")},
        )
    return year


def clean_amount(value: object, field: str = "amount") -> int:
    """A positive amount in yuan with two decimals at most, as fen."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount != amount.quantize(FEN) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(
            Message(
                gettext_noop("An amount in yuan above 0, such as 360.00; not %(value)s."), {"value": value}
            ),
            code="invalid_amount",
            fields={field: gettext_noop("above 0, two decimals at most")},
        )
    return to_fen(amount)


def _check_visible(beneficiary: Beneficiary, user: User) -> None:
    if not Beneficiary.objects.visible_to(user).filter(pk=beneficiary.pk).exists():
        raise PermissionDenied()


# --- premiums -------------------------------------------------------------------------------


def do_record_premium(
    beneficiary: Beneficiary, year: int, amount_fen: int, *, acting_user: User
) -> MedicalPremium:
    """A clerk records the premium the bureau paid for a disabled veteran of levels 1–6."""
    require(acting_user, Capability.WRITE_RECORDS)
    _check_visible(beneficiary, acting_user)
    year = clean_year(year)
    amount_fen = clean_amount(money(amount_fen))
    if not is_premium_person(beneficiary, year):
        raise InvalidInput(
            Message(
                gettext_noop(
                    "%(name)s is not a disabled veteran of levels 1–6 with a payable qualification "
                    "in %(year)s: premiums are paid for them only."
                ),
                {"name": beneficiary.name, "year": year},
            ),
            code="not_eligible",
            fields={"beneficiary": gettext_noop("not a disabled veteran of levels 1–6")},
        )
    with transaction.atomic():
        if MedicalPremium.objects.filter(beneficiary=beneficiary, year=year).exists():
            raise _premium_exists(year)
        try:
            with transaction.atomic():
                premium = MedicalPremium.objects.create(
                    beneficiary=beneficiary, year=year, amount_fen=amount_fen, recorded_by=acting_user
                )
        except IntegrityError:
            raise _premium_exists(year) from None
        record_event(
            EventType.MEDICAL_PREMIUM_RECORDED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=premium,
            new={"beneficiary_id": beneficiary.pk, "year": year, "amount": money(amount_fen)},
        )
    return premium


def _premium_exists(year: int) -> Conflict:
    return Conflict(
        Message(gettext_noop("A premium for %(year)s is already recorded for this person."), {"year": year}),
        code="premium_exists",
        fields={"year": gettext_noop("already recorded")},
    )


# --- outpatient subsidies -------------------------------------------------------------------


@dataclass(frozen=True)
class OutpatientInput:
    year: int
    amount_fen: int
    paid_on: date
    note: str


def clean_outpatient(
    year: object, amount: object, paid_on: date | None, note: object = ""
) -> OutpatientInput:
    fields: dict[str, str] = {}
    clean = clean_year(year)
    amount_fen = clean_amount(amount)
    today = timezone.localdate()
    if paid_on is None:
        fields["paid_on"] = gettext_noop("required")
    elif paid_on > today:
        fields["paid_on"] = gettext_noop("not in the future")
    elif paid_on.year < clean:
        fields["paid_on"] = gettext_noop("not before the year it is for")
    text = " ".join(str(note or "").split())
    if len(text) > NOTE_MAX:
        fields["note"] = gettext_noop("at most 200 characters")
    if fields:
        raise InvalidInput(
            Message(gettext_noop("Check the outpatient subsidy: the date is missing or wrong.")),
            code="invalid_outpatient",
            fields=fields,
        )
    assert paid_on is not None
    return OutpatientInput(clean, amount_fen, paid_on, text)


def do_record_outpatient(
    beneficiary: Beneficiary, data: OutpatientInput, *, acting_user: User
) -> OutpatientSubsidy:
    """A clerk records the yearly outpatient subsidy paid to a person who may claim top-ups."""
    require(acting_user, Capability.WRITE_RECORDS)
    _check_visible(beneficiary, acting_user)
    data = clean_outpatient(data.year, money(data.amount_fen), data.paid_on, data.note)
    rule = settings_in_force(county_code(beneficiary.region_id))
    if not holds_eligible_benefit(beneficiary, data.paid_on, rule.categories):
        raise InvalidInput(
            Message(
                gettext_noop(
                    "%(name)s holds no regular benefit of the categories that may claim (%(categories)s) "
                    "in the month it was paid."
                ),
                {"name": beneficiary.name, "categories": "、".join(rule.category_labels())},
            ),
            code="not_eligible",
            fields={"beneficiary": gettext_noop("not eligible")},
        )
    with transaction.atomic():
        if OutpatientSubsidy.objects.filter(beneficiary=beneficiary, year=data.year).exists():
            raise _outpatient_exists(data.year)
        try:
            with transaction.atomic():
                subsidy = OutpatientSubsidy.objects.create(
                    beneficiary=beneficiary,
                    year=data.year,
                    amount_fen=data.amount_fen,
                    paid_on=data.paid_on,
                    note=data.note,
                    recorded_by=acting_user,
                )
        except IntegrityError:
            raise _outpatient_exists(data.year) from None
        record_event(
            EventType.MEDICAL_OUTPATIENT_RECORDED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=subsidy,
            new={
                "beneficiary_id": beneficiary.pk,
                "year": data.year,
                "amount": money(data.amount_fen),
                "paid_on": data.paid_on,
                "note": data.note,
            },
        )
    return subsidy


def _outpatient_exists(year: int) -> Conflict:
    return Conflict(
        Message(
            gettext_noop("An outpatient subsidy for %(year)s is already recorded for this person."),
            {"year": year},
        ),
        code="outpatient_exists",
        fields={"year": gettext_noop("already recorded")},
    )
