"""Which of a report's sections a user's role reads at all, asked of the areas' own scopes.

A department liaison's scope holds only what is assigned to the department (its pairings and the
petitions it handles: ``department_path`` on those models); the registry, payments, relief,
medical, housing, visits and needs checks are not there for the role at all. Counted anyway, they
would tell a liaison "0 people on the registry", which is not true, only unseen. So a report asks
the scopes themselves which sections the user reads (a scope that can hold no row for the user is
an empty query, known without running it: no second copy of who may read what) and leaves the
others out, saying so. The reports that read every area at once (the dashboard, the appraisal)
and the bureau's report files (the workbook, the PDF, the monthly archive, the report jobs: the
county's form of the report, headed 填报单位, which a partial copy would misrepresent) refuse such
a user instead, with the reason.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.models import BatchLine, LinePart, Recovery
from youfu.core.errors import PermissionDenied
from youfu.core.messages import Message
from youfu.outreach.needs.models import Finding
from youfu.outreach.pairing.models import PairingActivity
from youfu.outreach.visits.models import Visit, VisitTarget
from youfu.petitions.models import Petition
from youfu.registry.models import Beneficiary, Qualification
from youfu.relief.grants.models import ReliefGrant
from youfu.relief.housing.models import HousingCase, HousingDisbursement
from youfu.relief.medical.models import MedicalClaim

# The summary's sections (``youfu/reports/selectors.py`` ``Summary``) and the records each counts.
SECTION_MODELS: dict[str, tuple[type[models.Model], ...]] = {
    "registry": (Beneficiary, Qualification),
    "payments": (BatchLine, LinePart, Recovery),
    "relief": (ReliefGrant,),
    "medical": (MedicalClaim,),
    "housing": (HousingCase, HousingDisbursement),
    "pairing": (PairingActivity,),
    "visits": (Visit, VisitTarget),
    "petitions": (Petition,),
    "needs_checks": (Finding,),
}

PARTIAL_READER = Message(
    gettext_noop(
        "This report counts the records of every area, and your role reads only some of them"
        " (a department liaison: the department's pairing and petitions). The summary report"
        " shows the figures of what your role reads."
    )
)


def _never_visible(model: type[models.Model], user: User) -> bool:
    return bool(model.objects.visible_to(user).query.is_empty())  # type: ignore[attr-defined]


def hidden_sections(user: User) -> list[str]:
    """The summary's sections whose records the user's role never reads, in the summary's order."""
    return [
        key for key, kinds in SECTION_MODELS.items() if any(_never_visible(model, user) for model in kinds)
    ]


def reads_every_area(user: User) -> bool:
    """Whether the user's role reads the records of every section (not a department liaison)."""
    return not hidden_sections(user)


def require_every_area(user: User) -> None:
    """For a report that reads every area at once, or is the bureau's report of all of them (the
    workbook, the PDF, the monthly archive, the report jobs): a role that reads only some gets a
    403. The menu asks the same function (``ReportsConfig.ready``), so it never offers a report
    that would answer 403."""
    if not reads_every_area(user):
        raise PermissionDenied(PARTIAL_READER, code="partial_reader")
