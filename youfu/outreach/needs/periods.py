"""The period a round covers (quarterly by default), and the name and due date the round form
proposes for it: "2026年第四季度困难排查", due on the quarter's last day.

Round names are records kept in the bureau's language, like the names of its campaigns, so they
are written in Chinese whatever language the clerk's pages use.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

# Months per round → how the settings page calls it.
PERIODS = {1: _("monthly"), 3: _("quarterly"), 6: _("half-yearly"), 12: _("yearly")}
DEFAULT_PERIOD_MONTHS = 3

_QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    months: int
    start: date  # the first day of its first month

    @property
    def end(self) -> date:
        month = self.start.month + self.months - 1
        return date(self.start.year, month, calendar.monthrange(self.start.year, month)[1])

    @property
    def name(self) -> str:
        year, month = self.start.year, self.start.month
        match self.months:
            case 1:
                label = f"{year}年{month}月"
            case 3:
                label = f"{year}年第{_QUARTERS[(month - 1) // 3]}季度"
            case 6:
                label = f"{year}年{'上' if month == 1 else '下'}半年"
            case _:
                label = f"{year}年度"
        return f"{label}困难排查"

    def following(self) -> Period:
        month = self.start.month + self.months
        return Period(self.months, date(self.start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1))


def period_containing(day: date, months: int = DEFAULT_PERIOD_MONTHS) -> Period:
    if months not in PERIODS:
        raise ValueError(f"a round covers 1, 3, 6 or 12 months, not {months}")
    first_month = (day.month - 1) // months * months + 1
    return Period(months, date(day.year, first_month, 1))
