"""Pairing's rules, each in one place: who may pair and record, what each kind of activity
carries, and the quarter a "quiet" pairing is counted in. The services, the forms, the pages'
buttons, the API and the totals all read these."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from youfu.core.roles import Capability, Role
from youfu.outreach.pairing.models import ActivityKind

if TYPE_CHECKING:
    from youfu.accounts.models import User
    from youfu.outreach.pairing.models import Pairing

# One activity for one household: a department's money for a household never comes near this
# (the API's Money bound is larger; a figure above this is a typing slip).
MAX_ACTIVITY_YUAN = 200_000
# People trained, jobs found, people told about a policy: one household's numbers.
MAX_ACTIVITY_COUNT = 100


class Amount(enum.Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


@dataclass(frozen=True)
class KindRule:
    amount: Amount
    amount_label: str | Promise  # what the yuan are, where the kind carries any
    count_label: str | Promise  # what the number counts; empty: the kind carries no number

    @property
    def takes_count(self) -> bool:
        return bool(self.count_label)


KIND_RULES: dict[str, KindRule] = {
    ActivityKind.POLICY: KindRule(Amount.NONE, "", _("people informed")),
    ActivityKind.FUNDS: KindRule(Amount.REQUIRED, _("money given"), ""),
    ActivityKind.SKILLS: KindRule(Amount.OPTIONAL, _("training subsidy"), _("people trained")),
    ActivityKind.PROJECTS: KindRule(Amount.OPTIONAL, _("project funds"), _("projects")),
    ActivityKind.JOBS: KindRule(Amount.NONE, "", _("jobs found")),
}

KINDS_WITH_MONEY = [kind for kind, rule in KIND_RULES.items() if rule.amount is not Amount.NONE]


# --- who ---------------------------------------------------------------------------------------
#
# County clerks pair departments with people and end pairings: the county decides which
# department cares for which household (a county document), and the bureau's clerk enters it.
# Leaders read the totals but do not enter records (no money passes through the bureau, so there
# is nothing for them to approve). A department's liaison records what the department did for
# its own households; a county clerk may record it for a department that reports on paper.
# Township clerks and village assistants see the pairings of their people and record nothing.


def may_manage_pairings(user: User) -> bool:
    return user.can(Capability.WRITE_RECORDS) and user.role == Role.COUNTY_CLERK


def may_record_activities(user: User) -> bool:
    """The role part; the department and the region are the pairing's scope."""
    return user.can(Capability.WRITE_RECORDS) and user.role in (Role.COUNTY_CLERK, Role.DEPARTMENT_LIAISON)


def may_record_for(user: User, pairing: Pairing) -> bool:
    if not may_record_activities(user):
        return False
    return user.role != Role.DEPARTMENT_LIAISON or user.department_id == pairing.department_id


# --- when --------------------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)
