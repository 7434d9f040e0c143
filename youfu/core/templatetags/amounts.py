"""``{% load amounts %}{{ value|amount }}``: money on pages as ``12,345.67``.

Pages only: CSV and bank files and JSON keep the plain ``12345.67`` a bank's or a script's
parser expects. The separator is the comma in both languages, as Chinese banks print it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

FEN = Decimal("0.01")


@register.filter(is_safe=True)
def amount(value: Any) -> Any:
    """Yuan with two decimals and thousands separators; anything that is not a number
    (``None``, an empty string, a dash) is returned as it is."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    try:
        number = Decimal(str(value)).quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    return f"{number:,.2f}"
