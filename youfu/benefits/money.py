"""Money and months as the payment engine counts them.

Amounts are kept as integer fen in the database: SQLite has no exact decimal type, and
integer arithmetic gives the same answer on SQLite and PostgreSQL. Code outside the
engine sees ``Decimal`` yuan with two places. Months are ``date`` objects on the first
day in Python and ``yyyymm`` integers in the bulk tables (compact, and compared the same
way on both databases).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

FEN = Decimal("0.01")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(FEN)


def money(fen: int | None) -> str:
    """The 2-decimal string the CLI and the API print: 1234.50."""
    return f"{yuan(fen):.2f}"


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def parse_amount(value: object) -> Decimal | None:
    """A non-negative amount with at most two decimals, or None when it is not one."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(FEN) or amount >= 10**9:
        return None
    return amount.quantize(FEN)


# --- the rounding rule (DESIGN.md §5) ----------------------------------------------------

TOPUP_SCALE = 10000  # top-ups are kept in basis points: 8% = 800


def percent_to_bp(percent: Decimal) -> int:
    return int((percent * 100).to_integral_value(rounding=ROUND_HALF_UP))


def amount_fen(annual_fen: int, topup_bp: int, units: int = 1, divisor: int = 12) -> int:
    """annual × units × (1 + top-up) / divisor, rounded half-up to the fen, exactly.

    The engine computes the same expression in SQL (``engine.AMOUNT_SQL``) over whole
    tables; this is the one-row form used by explanations and tests.
    """
    numerator = annual_fen * units * (TOPUP_SCALE + topup_bp)
    denominator = divisor * TOPUP_SCALE
    return (2 * numerator + denominator) // (2 * denominator)


def monthly_amount(annual: Decimal, topup_percent: Decimal, units: int = 1) -> Decimal:
    """The rule in yuan, written as DESIGN.md states it (a reference for the tests)."""
    with localcontext() as ctx:
        ctx.prec = 40
        exact = annual * units * (1 + topup_percent / 100) / 12
        return exact.quantize(FEN, rounding=ROUND_HALF_UP)


# --- months -----------------------------------------------------------------------------


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def ym(month: date) -> int:
    """2026-11 → 202611, the engine's month key."""
    return month.year * 100 + month.month


def ym_label(value: int) -> str:
    return f"{value // 100:04d}-{value % 100:02d}"


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> date | None:
    """``YYYY-MM`` → the first day of that month, or None."""
    m = _MONTH.match((text or "").strip())
    if not m:
        return None
    year, month = int(m[1]), int(m[2])
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        return None
    return date(year, month, 1)


def months(first: date, last: date) -> list[date]:
    """Every month from ``first`` through ``last`` (first days)."""
    out = []
    month = first_of_month(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out
