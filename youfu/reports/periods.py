"""The period of a report, read from the request's ``from`` and ``to``: one check for the API
and the page, each refusal a 400 that names the field."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop

from youfu.core.bounds import EARLIEST_DATE, latest_date
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


def _day(raw: str | None, name: str) -> date:
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(
            Message(gettext_noop("Give the period: from and to, as YYYY-MM-DD.")),
            code="period_missing",
            fields={name: Message(gettext_noop("This date is required (YYYY-MM-DD)."))},
        )
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(
            Message(gettext_noop("%(value)s is not a date: give YYYY-MM-DD."), {"value": text[:20]}),
            code="invalid_date",
            fields={name: Message(gettext_noop("Give a date as YYYY-MM-DD."))},
        )
    latest = latest_date()
    if not EARLIEST_DATE <= day <= latest:
        message = Message(
            gettext_noop("Give a date between %(earliest)s and %(latest)s."),
            {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
        )
        raise InvalidInput(message, code="date_out_of_range", fields={name: message})
    return day


def parse_period(raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    """``(start, end)``, both days included; a period of one day is a period."""
    start = _day(raw_from, "from")
    end = _day(raw_to, "to")
    if end < start:
        raise InvalidInput(
            Message(
                gettext_noop("The period ends before it begins: %(to)s is before %(from)s."),
                {"from": start.isoformat(), "to": end.isoformat()},
            ),
            code="period_reversed",
            fields={"to": Message(gettext_noop("Give a date on or after the start of the period."))},
        )
    return start, end
