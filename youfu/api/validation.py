"""What is wrong with a field, in the request's language, from a pydantic error.

Pydantic's own messages are English and name Python types ("Input should be a valid
integer"); a clerk reading the envelope in Chinese needs the bound in their language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from youfu.core.bounds import MONTH_PATTERN, OPTIONAL_MONTH_PATTERN


def field_message(error: Any) -> str:
    kind = str(error.get("type", ""))
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return gettext("This field is required.")
    if kind == "string_too_long":
        return gettext("At most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return gettext("This field is required.")
        return gettext("At least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind == "too_long":
        return gettext("At most %(n)s items.") % {"n": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") in (MONTH_PATTERN, OPTIONAL_MONTH_PATTERN):
            return gettext("Write the month as YYYY-MM, for example 2026-01.")
        return gettext("This is not in the expected form.")
    if kind in ("less_than_equal", "less_than"):
        return gettext("At most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("greater_than_equal", "greater_than"):
        return gettext("At least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind == "decimal_max_places":
        return gettext("At most %(n)s decimal places.") % {"n": ctx.get("decimal_places")}
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return gettext("The number is too large.")
    if kind in (
        "int_parsing",
        "int_type",
        "float_parsing",
        "decimal_parsing",
        "decimal_type",
        "int_from_float",
    ):
        return gettext("Give a number.")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return gettext("Give a date as YYYY-MM-DD.")
    if kind == "date_out_of_range":
        return gettext("Give a date between %(earliest)s and %(latest)s.") % {
            "earliest": ctx.get("earliest"),
            "latest": ctx.get("latest"),
        }
    return str(error.get("msg", ""))
