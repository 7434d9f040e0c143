"""Text as clerks type it: full-width characters, ideographic spaces, stray blanks."""

from __future__ import annotations

import unicodedata


def normalize_text(value: object) -> str:
    """NFKC folds full-width digits and letters (１２Ｘ → 12X) and U+3000 into ASCII space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def compact(value: object) -> str:
    """``normalize_text`` with every space removed: for codes, numbers, phone numbers."""
    return "".join(normalize_text(value).split())
