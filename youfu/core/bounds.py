"""Bounds a real bureau never exceeds, as typed pieces that every API schema uses.

One place says how long a name may be, which dates are plausible, how large an amount or
a percent can get and how many items a list holds: the API rejects anything beyond with
the error envelope (400) before a service runs, and the OpenAPI document shows the same
bounds (``maxLength``, ``pattern``, ``minimum``/``maximum``, ``maxItems``). String bounds
follow the model columns they end up in, so PostgreSQL never sees a value its column
refuses (SQLite would have stored it silently).

No ``from __future__ import annotations``: pydantic reads these at import time.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# --- dates -------------------------------------------------------------------------------

EARLIEST_DATE = date(1900, 1, 1)
# Reception days, effective dates of standards and the like are planned ahead; nothing a
# bureau records lies further ahead than this.
FUTURE_YEARS = 5


def latest_date(years: int = FUTURE_YEARS) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def check_date(value: date, *, future_years: int = FUTURE_YEARS) -> date:
    latest = latest_date(future_years)
    if not EARLIEST_DATE <= value <= latest:
        raise PydanticCustomError(
            "date_out_of_range",
            "A date between {earliest} and {latest}.",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
        )
    return value


def date_in_range(value: date) -> date:
    return check_date(value)


def validate_date_in_range(value: date) -> None:
    """The same range for the pages' Django forms."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            gettext("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            code="date_out_of_range",
        )


BoundedDate = Annotated[
    date,
    AfterValidator(date_in_range),
    Field(description=f"YYYY-MM-DD, from {EARLIEST_DATE.isoformat()} to {FUTURE_YEARS} years ahead"),
]

# A date as clerks type it (2019-08-01, 2019/8/1, 2019年8月1日); the registry's own parser
# reads it and applies the same range.
DateText = Annotated[str, Field(max_length=20, description="YYYY-MM-DD, from 1900-01-01")]

MONTH_PATTERN = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"
Month = Annotated[
    str, Field(pattern=MONTH_PATTERN, min_length=7, max_length=7, description="YYYY-MM", examples=["2026-01"])
]
OPTIONAL_MONTH_PATTERN = r"^((19|20)\d\d-(0[1-9]|1[0-2]))?$"
OptionalMonth = Annotated[
    str, Field(pattern=OPTIONAL_MONTH_PATTERN, max_length=7, description="YYYY-MM, or empty for the default")
]

# --- numbers -----------------------------------------------------------------------------

# One person's yearly standard or one payment never comes near a million yuan; a county's
# batch total stays far below a billion.
MAX_AMOUNT = Decimal("999999.99")
Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, max_digits=8, decimal_places=2, description="yuan, two decimals"),
]
Percent = Annotated[
    Decimal,
    Field(ge=-100, le=100, max_digits=5, decimal_places=2, description="between -100 and 100, two decimals"),
]
DisabilityLevel = Annotated[int, Field(ge=1, le=10, description="伤残等级 1–10 (illness: 1–6)")]
# A database id: a positive 64-bit integer. Larger numbers would overflow the query.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Year = Annotated[int, Field(ge=EARLIEST_DATE.year, le=2100)]
ServiceYears = Annotated[int, Field(ge=0, le=80)]
# An offset beyond a 64-bit integer crashes the query: no list is ever this long.
MAX_PAGE = 10_000_000
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]

# --- strings (the bounds of the model columns) --------------------------------------------

Username = Annotated[str, Field(max_length=150)]  # Django's user name column
# Hashing cost does not grow with the length, but nobody types more than this.
Password = Annotated[str, Field(max_length=1024)]
PersonName = Annotated[str, Field(max_length=50)]
ShortText = Annotated[str, Field(max_length=100)]  # names of units, titles, bank names
Text200 = Annotated[str, Field(max_length=200)]  # subjects, places, addressees
Note = Annotated[str, Field(max_length=2000)]  # notes, reasons, comments
LongText = Annotated[str, Field(max_length=20000)]  # a petition's content, a reply
RegionCode = Annotated[str, Field(max_length=12, description="GB/T 2260 / statistical code")]
# Input forms of an ID number, a phone and an account may carry spaces or dashes.
IdNumberText = Annotated[str, Field(max_length=30)]
PhoneText = Annotated[str, Field(max_length=30)]
AccountText = Annotated[str, Field(max_length=40)]
Choice = Annotated[str, Field(max_length=40)]  # a code of a fixed list (state, kind, category)
Identifier = Annotated[str, Field(max_length=64)]  # an object type or id, as the audit log keeps it
Otp = Annotated[str, Field(max_length=10)]

# --- lists -------------------------------------------------------------------------------

# A joint letter's signatories are recorded by name; beyond this it is a collective
# petition that names representatives (Art. 20: at most five).
MAX_PETITIONERS = 100
MAX_QUALIFICATIONS = 10
