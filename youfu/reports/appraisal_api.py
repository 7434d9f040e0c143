"""/api/v1/reports/appraisal: the township appraisal (考评) of a year, and the county's weights.

No ``from __future__ import annotations`` here: django-ninja reads the annotations. Scoped as the
summary (a township clerk gets their township; a region outside the scope is a 404) and for the
roles that read personal data. ``value`` is a share in [0, 1] as a string with four decimals,
``points``, ``effective_weight`` and ``score`` strings with two (out of 100); a measure with
nothing to measure has ``value`` and ``points`` null, and a township with nothing applicable has
``score`` null with the ``reason``."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from youfu.core.authed import acting_user
from youfu.core.bounds import RegionCode
from youfu.reports import appraisal, selectors
from youfu.reports.appraisal import MEASURES, township_out

router = Router(tags=["reports"])


class AppraisalQuery(Schema):
    # Text rather than a number: a malformed year gets the appraisal's own message.
    year: str = Field("", max_length=10, description="YYYY")
    region: RegionCode = Field("", description="a county or township in your scope; your own when left out")


class PartOut(Schema):
    measure: str
    value: str | None = Field(..., description="a share in [0, 1], four decimals; null: not applicable")
    weight: int = Field(..., description="the county's weight for the measure")
    points: str | None = Field(..., description="value × effective weight, two decimals")
    effective_weight: str | None = Field(..., description="the weight after spreading, out of 100")
    done: int = Field(..., description="the measure's numerator")
    due: int = Field(..., description="the measure's denominator; 0: not applicable")
    applicable: bool
    reason: str


class TownshipOut(Schema):
    code: str
    name: str
    score: str | None = Field(..., description="out of 100, two decimals; null when nothing applies")
    reason: str
    parts: list[PartOut]


class MeasureOut(Schema):
    key: str
    label: str
    explanation: str


class AppraisalOut(Schema):
    year: int
    region: str
    weights_version: int = Field(..., description="0: the defaults")
    measures: list[MeasureOut]
    townships: list[TownshipOut]


@router.get("/appraisal", response=AppraisalOut)
def get_appraisal(request: HttpRequest, query: Query[AppraisalQuery]) -> dict[str, Any]:
    """Each township's score for ``year`` with its parts: measures of service only, never the
    number of petitions. A measure with nothing to measure is not applicable and its weight is
    spread over the township's other measures."""
    user = acting_user(request)
    selectors.require_reader(user)
    year = appraisal.parse_year(query.year)
    region = selectors.report_region(user, query.region.strip() or None)
    found = appraisal.appraisal(user, year, region)
    return {
        "year": found.year,
        "region": found.region.code,
        "weights_version": found.weights.number,
        "measures": [
            {"key": m.key, "label": str(m.label), "explanation": str(m.explanation)} for m in MEASURES
        ],
        "townships": [township_out(t) for t in found.townships],
    }
