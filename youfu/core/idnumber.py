"""Citizen ID numbers (公民身份号码), DESIGN.md §5.

18 characters: 6 area digits, 8 birth-date digits, 3 sequence digits (odd = male),
one ISO 7064 MOD 11-2 check character. The area code is where the residence was
registered, so old and abolished codes are valid and are never checked against a list
(python-stdnum's ``cn.ric.is_valid`` does that, wrongly; only its check digit is used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_noop
from stdnum.iso7064 import mod_11_2

from youfu.core.messages import Message
from youfu.core.text import compact

_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdNumber:
    value: str

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def sex(self) -> str:
        return "male" if int(self.value[16]) % 2 else "female"

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)

    @property
    def last4(self) -> str:
        return self.value[-4:]


def normalize_id_number(raw: object) -> str:
    return compact(raw).upper()


def mask_id_number(value: str) -> str:
    """110105********002X: the area code and the last four stay, the birth date goes."""
    return value[:6] + "*" * 8 + value[14:] if len(value) == 18 else "*" * len(value)


def parse_id_number(raw: object, *, today: date | None = None) -> IdNumber:
    """Normalize and validate; raise ``InvalidIdNumber`` with the reason."""
    value = normalize_id_number(raw)
    if re.fullmatch(r"\d{15}", value):
        raise InvalidIdNumber(
            Message(gettext_noop("This is an old 15-digit ID number; enter the 18-character number."))
        )
    if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", value) or (value.isdigit() and len(value) in (16, 17)):
        raise InvalidIdNumber(
            Message(
                gettext_noop(
                    "The ID number was turned into a number by Excel and has lost digits; "
                    "format the column as text and type it again."
                )
            )
        )
    if len(value) != 18:
        raise InvalidIdNumber(
            Message(gettext_noop("An ID number has 18 characters, not %(n)d."), {"n": len(value)})
        )
    if not _SHAPE.match(value):
        raise InvalidIdNumber(Message(gettext_noop("An ID number is 17 digits and a final digit or X.")))
    if mod_11_2.calc_check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber(
            Message(gettext_noop("The check character of this ID number is wrong; look for a typo."))
        )
    try:
        number = IdNumber(value)
        born = number.birth_date
    except ValueError:
        raise InvalidIdNumber(
            Message(gettext_noop("The birth date inside this ID number does not exist."))
        ) from None
    if born > (today or date.today()) or born.year < 1880:
        raise InvalidIdNumber(Message(gettext_noop("The birth date inside this ID number is not possible.")))
    return number


class InvalidIdNumber(ValueError):
    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.en)


def make_id_number(area: str, born: date, sequence: int) -> str:
    """A valid ID number (for demo data and tests): area + birth date + sequence + check."""
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    return body + mod_11_2.calc_check_digit(body)
