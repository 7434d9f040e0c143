"""/api/v1/reports/appraisal: the township appraisal (考评) of a year, and the county's weights
(``/reports/appraisal/weights``: read by whoever reads the appraisal, set by the county's leader).

No ``from __future__ import annotations`` here: django-ninja reads the annotations. Scoped as the
summary (a township clerk gets their township; a region outside the scope is a 404) and for the
roles that read personal data. ``value`` is a share in [0, 1] as a string with four decimals,
``points``, ``effective_weight`` and ``score`` strings with two (out of 100); a measure with
nothing to measure has ``value`` and ``points`` null, and a township with nothing applicable has
``score`` null with the ``reason``."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from youfu.core.authed import acting_user
from youfu.core.bounds import Note, RegionCode
from youfu.core.replica import reads_from_replica
from youfu.reports import appraisal, selectors
from youfu.reports.appraisal import MAX_WEIGHT, MEASURES, county_of, township_out, weights_in_force
from youfu.reports.appraisal_models import AppraisalWeights
from youfu.reports.appraisal_services import do_set_appraisal_weights

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
@decorate_view(reads_from_replica)
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


# --- the weights ------------------------------------------------------------------------------


class WeightsOut(Schema):
    county: str
    version: int = Field(..., description="0: the defaults, which no leader has set")
    weights: dict[str, int] = Field(..., description="every measure's weight, a whole number 0–100")
    set_by: str | None = Field(..., description="the leader's user name; null for the defaults")
    set_at: datetime | None
    note: str = Field(..., description="the leader's note on why")
    measures: list[MeasureOut]


class WeightsIn(Schema):
    # Any JSON here: the weights' one rule (``appraisal_services.check_weights``) judges the
    # values, so the page and the API answer the same input with the same fields.
    weights: dict[str, Any] = Field(
        ...,
        description=f"every measure's key (see ``measures``) and its weight, a whole number 0–{MAX_WEIGHT};"
        " at least one above 0; 0 leaves the measure out",
    )
    note: Note = Field("", description="why the weights change")


def weights_out(version: AppraisalWeights) -> dict[str, Any]:
    return {
        "county": version.county_id,
        "version": version.number,
        "weights": dict(version.weights),
        "set_by": version.set_by.username if version.pk else None,
        "set_at": version.set_at if version.pk else None,
        "note": version.note,
        "measures": [
            {"key": m.key, "label": str(m.label), "explanation": str(m.explanation)} for m in MEASURES
        ],
    }


@router.get("/appraisal/weights", response=WeightsOut)
def get_appraisal_weights(request: HttpRequest) -> dict[str, Any]:
    """The weights in force for your county's appraisal, their version and who set them when;
    for the roles that read the appraisal (a liaison and a village assistant get a 403)."""
    user = acting_user(request)
    appraisal.require_appraisal_reader(user)
    assert user.region is not None  # checked by require_appraisal_reader
    return weights_out(weights_in_force(county_of(user.region)))


@router.put("/appraisal/weights", response=WeightsOut)
def put_appraisal_weights(request: HttpRequest, payload: WeightsIn) -> dict[str, Any]:
    """A county's leader sets every measure's weight (setting is the approval): a new version in
    force from now, recorded in the audit log; the same weights again change nothing. Anyone else
    gets a 403; weights that break the rule a 400 ``invalid_weights`` naming each field, and
    nothing changes."""
    user = acting_user(request)
    version = do_set_appraisal_weights(acting_user=user, weights=payload.weights, note=payload.note)
    return weights_out(weights_in_force(version.county_id))
