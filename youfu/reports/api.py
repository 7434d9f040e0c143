"""/api/v1/reports: the summary of a period for a region.

No ``from __future__ import annotations`` here: django-ninja reads the annotations. Read only;
scoped (a region outside the caller's scope is a 404) and for the roles that read personal data
(the admin and the auditor get a 403, as on the petitions statistics). Amounts are strings with
two decimals. A role that reads only some areas (a department liaison) gets the others' sections as
null, named in ``not_shown``, and no ``summary_text``: a zero there would be unseen, not none."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from youfu.accounts.models import User
from youfu.benefits.money import money
from youfu.core.authed import acting_user
from youfu.core.bounds import RegionCode
from youfu.core.replica import reads_from_replica
from youfu.reports import selectors
from youfu.reports.appraisal_api import router as appraisal_router
from youfu.reports.dashboard_api import router as dashboard_router
from youfu.reports.export_api import router as export_router
from youfu.reports.links import api_links
from youfu.reports.periods import parse_period
from youfu.reports.readable import hidden_sections
from youfu.reports.selectors import Summary
from youfu.reports.text import summary_text

router = Router(tags=["reports"])
router.add_router("", appraisal_router)  # /reports/appraisal: youfu/reports/appraisal_api.py
router.add_router("", export_router)  # /reports/summary.xlsx, /reports/archive: youfu/reports/export_api.py
router.add_router("", dashboard_router)  # /reports/dashboard: youfu/reports/dashboard_api.py


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    selectors.require_reader(user)
    return user


# --- schemas -------------------------------------------------------------------------------


class SummaryQuery(Schema):
    # Text rather than dates: a malformed or missing date gets the period's own message.
    from_: str = Field("", alias="from", max_length=20, description="YYYY-MM-DD, the first day")
    to: str = Field("", max_length=20, description="YYYY-MM-DD, the last day (included)")
    region: RegionCode = Field("", description="a region in your scope; your own when left out")


class RegionOut(Schema):
    code: str
    name: str
    level: str


class RegistryOut(Schema):
    persons: int
    by_category: dict[str, int]
    added: int
    ended: int


class PaymentsOut(Schema):
    paid_total: str
    by_kind: dict[str, str] = Field(..., description="regular, lump_sum, relief, medical")
    by_benefit: dict[str, str]
    persons_paid: int
    arrears_total: str
    recoveries_raised: str
    recoveries_settled: str
    recoveries_waived: str
    failed_lines: int


class ReliefOut(Schema):
    grants: int
    amount: str


class MedicalOut(Schema):
    claims: int
    subsidy: str


class HousingOut(Schema):
    cases_completed: int
    households: int
    amount: str


class PairingOut(Schema):
    activities: int
    amount: str
    departments: int
    households: int


class VisitsOut(Schema):
    visited: int
    elderly: int = Field(..., description="of visited: people aged 60 or more on the day")
    targets: int


class PetitionsOut(Schema):
    received: int
    accepted: int
    accepted_on_time: int
    replied: int
    concluded: int
    concluded_on_time: int
    extended: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int


class NeedsOut(Schema):
    found: int
    solved: int
    open: int


NOT_SHOWN = "null when your role does not read the area's records (named in ``not_shown``)"


class SummaryOut(Schema):
    region: RegionOut
    from_: str = Field(..., alias="from")
    to: str
    registry: RegistryOut | None = Field(..., description=NOT_SHOWN)
    payments: PaymentsOut | None = Field(..., description=NOT_SHOWN)
    relief: ReliefOut | None = Field(..., description=NOT_SHOWN)
    medical: MedicalOut | None = Field(..., description=NOT_SHOWN)
    housing: HousingOut | None = Field(..., description=NOT_SHOWN)
    pairing: PairingOut | None = Field(..., description=NOT_SHOWN)
    visits: VisitsOut | None = Field(..., description=NOT_SHOWN)
    petitions: PetitionsOut | None = Field(..., description=NOT_SHOWN)
    needs_checks: NeedsOut | None = Field(..., description=NOT_SHOWN)
    not_shown: list[str] = Field(
        ...,
        description="the sections your role does not read (a department liaison reads the department's"
        " pairing and petitions only); empty for the roles that read every area",
    )
    summary_text: str | None = Field(
        ..., description="the report's opening text; null when not_shown is not empty"
    )
    links: dict[str, str] = Field(..., description="each shown section's list of records, as an API URL")


def summary_out(s: Summary, hidden: Sequence[str] = ()) -> dict[str, Any]:
    """The summary as the API presents it, the sections in ``hidden`` as null."""
    p = s.payments
    out: dict[str, Any] = {
        "region": {"code": s.region.code, "name": s.region.name, "level": s.region.level},
        "from": s.start.isoformat(),
        "to": s.end.isoformat(),
        "registry": {
            "persons": s.registry.persons,
            "by_category": s.registry.by_category,
            "added": s.registry.added,
            "ended": s.registry.ended,
        },
        "payments": {
            "paid_total": money(p.paid_total_fen),
            "by_kind": {kind: money(fen) for kind, fen in p.by_kind_fen.items()},
            "by_benefit": {benefit: money(fen) for benefit, fen in p.by_benefit_fen.items()},
            "persons_paid": p.persons_paid,
            "arrears_total": money(p.arrears_total_fen),
            "recoveries_raised": money(p.recoveries_raised_fen),
            "recoveries_settled": money(p.recoveries_settled_fen),
            "recoveries_waived": money(p.recoveries_waived_fen),
            "failed_lines": p.failed_lines,
        },
        "relief": {"grants": s.relief.grants, "amount": money(s.relief.amount_fen)},
        "medical": {"claims": s.medical.claims, "subsidy": money(s.medical.subsidy_fen)},
        "housing": {
            "cases_completed": s.housing.cases_completed,
            "households": s.housing.households,
            "amount": money(s.housing.amount_fen),
        },
        "pairing": {
            "activities": s.pairing.activities,
            "amount": money(s.pairing.amount_fen),
            "departments": s.pairing.departments,
            "households": s.pairing.households,
        },
        "visits": vars(s.visits).copy(),
        "petitions": vars(s.petitions).copy(),
        "needs_checks": vars(s.needs_checks).copy(),
        "summary_text": summary_text(s),
        "links": api_links(s),
    }
    if hidden:
        out.update(dict.fromkeys(hidden))
        out["summary_text"] = None
        out["links"] = {key: url for key, url in out["links"].items() if key not in hidden}
    out["not_shown"] = list(hidden)
    return out


@router.get("/summary", response=SummaryOut, by_alias=True)
@decorate_view(reads_from_replica)
def get_summary(request: HttpRequest, query: Query[SummaryQuery]) -> dict[str, Any]:
    """The figures of the period ``from``–``to`` (both days included) for ``region``: registry,
    payments, relief, medical, housing, pairing, visits, petitions and needs checks, the report's
    opening text, and each section's list. A township clerk's region is their township; a
    department liaison gets the department's pairing and petitions, the other sections null."""
    user = _reader(request)
    start, end = parse_period(query.from_, query.to)
    region = selectors.report_region(user, query.region.strip() or None)
    return summary_out(selectors.summary(user, start, end, region), hidden_sections(user))
