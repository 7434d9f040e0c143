"""/api/v1/reports/dashboard: the figures the dashboard's charts draw, for a year and a region.

No ``from __future__ import annotations`` here: django-ninja reads the annotations. Scoped as the
summary (a township clerk gets their township; a region outside the scope is a 404) and for the
roles that read personal data. Amounts are strings with two decimals. Petitions are counted, never
named, ranked or scored."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from youfu.core.authed import acting_user
from youfu.core.bounds import RegionCode
from youfu.core.replica import reads_from_replica
from youfu.reports import selectors
from youfu.reports.appraisal import parse_year
from youfu.reports.dashboard import dashboard, dashboard_data
from youfu.reports.readable import require_every_area

router = Router(tags=["reports"])


class DashboardQuery(Schema):
    # Text rather than a number: a malformed year gets the appraisal's own message.
    year: str = Field("", max_length=10, description="YYYY")
    region: RegionCode = Field("", description="a region in your scope; your own when left out")


class RegionOut(Schema):
    code: str
    name: str
    level: str


class MonthOut(Schema):
    month: int = Field(..., description="1–12")
    paid: str = Field(..., description="confirmed paid by the bank in the batch of that month")
    persons_paid: int
    prev_paid: str = Field(..., description="the same month of the year before")
    prev_persons_paid: int


class TownshipOut(Schema):
    code: str
    name: str
    persons: int = Field(..., description="on the registry at the end of the year")
    persons_paid: int = Field(..., description="with a paid line in a batch of the year")
    petitions_received: int


class CareOut(Schema):
    visit_targets: int
    visited: int
    findings_open: int
    findings_solved: int
    homes_cd: int = Field(..., description="homes graded C or D by their latest survey")
    homes_served: int
    homes_unserved: int
    relief_grants: int
    relief_amount: str


class DashboardOut(Schema):
    region: RegionOut
    year: int
    counted_at: datetime | None = Field(
        None,
        description="when the figures that read many rows (townships' persons and persons_paid,"
        " by_category, months when both years were counted, the care's visits and homes) were"
        " counted ahead by the queue; null: everything counted for this answer. Petitions, needs"
        " checks and relief grants are always counted for the answer",
    )
    months: list[MonthOut]
    townships: list[TownshipOut]
    by_category: dict[str, int]
    petitions_by_state: dict[str, int]
    petitions_by_urgency: dict[str, int] = Field(
        ..., description="open petitions: overdue, soon, later, none"
    )
    care: CareOut


@router.get("/dashboard", response=DashboardOut)
@decorate_view(reads_from_replica)
def get_dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """The year's figures for ``region``: payments by month against the year before, townships,
    categories, petitions by state and urgency (counts only), and care coverage. A role that
    reads only some areas (a department liaison) gets a 403 ``partial_reader``."""
    user = acting_user(request)
    selectors.require_reader(user)
    require_every_area(user)  # a liaison's charts would be zeros for what it cannot see
    year = parse_year(query.year)
    region = selectors.report_region(user, query.region.strip() or None)
    return dashboard_data(dashboard(user, year, region))
