"""Receipt codes: unguessable, short enough to read over the phone, typo-checked.

12 symbols of Crockford base32 carry 60 random bits from ``secrets``; a 13th symbol is a
Luhn mod 32 check character, which catches every single wrong symbol and nearly every
swap of two neighbours. Shown as ``ABCD-EFGH-JKMNP``. Crockford's alphabet has no I, L,
O or U, so reading back is forgiving: O is taken as 0, I and L as 1, case is ignored.
"""

from __future__ import annotations

import secrets

from youfu.core.text import compact

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_SYMBOLS = 12
LENGTH = RANDOM_SYMBOLS + 1
_N = len(ALPHABET)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _luhn_sum(symbols: str, *, first_factor: int) -> int:
    total = 0
    factor = first_factor
    for ch in reversed(symbols):
        addend = factor * ALPHABET.index(ch)
        total += addend // _N + addend % _N
        factor = 1 if factor == 2 else 2
    return total


def check_symbol(payload: str) -> str:
    return ALPHABET[(_N - _luhn_sum(payload, first_factor=2) % _N) % _N]


def new_code() -> str:
    value = secrets.randbits(5 * RANDOM_SYMBOLS)
    payload = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(RANDOM_SYMBOLS))
    return payload + check_symbol(payload)


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == LENGTH else code


class CodeShape:
    OK = "ok"
    MALFORMED = "malformed"  # wrong length or symbols
    TYPO = "typo"  # the check symbol does not match


def normalize_code(raw: object) -> tuple[str, str]:
    """(canonical code, CodeShape) for what a person typed."""
    text = compact(raw).upper().replace("-", "").replace("_", "").translate(_READ_AS)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return text, CodeShape.MALFORMED
    if _luhn_sum(text, first_factor=1) % _N != 0:
        return text, CodeShape.TYPO
    return text, CodeShape.OK
