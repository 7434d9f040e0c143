"""/api/v1/discoveries: 应享未享, the people who appear to qualify for something they do not
get. Region-scoped (another region's finding or region is a 404); resolving and refreshing are
services with their audit record."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from youfu.core.authed import acting_user
from youfu.core.bounds import Choice, Id, RegionCode
from youfu.core.pagination import PageNumberPagination
from youfu.core.scope import get_visible_or_404
from youfu.relief.discoveries import selectors, services
from youfu.relief.discoveries.models import Discovery, Rule
from youfu.relief.discoveries.schemas import (
    DiscoveryOut,
    RefreshOut,
    ResolveIn,
    SummaryOut,
    refresh_out,
)

router = Router(tags=["discoveries"])


@router.get("", response=list[DiscoveryOut])
@paginate(PageNumberPagination)
def list_discoveries(
    request: HttpRequest,
    rule: Choice | None = None,
    region: RegionCode | None = None,
    state: Choice | None = None,
    beneficiary: Id | None = None,
) -> QuerySet[Discovery]:
    """Open findings by default (``state=resolved|lapsed|all`` for the others), by rule and region."""
    user = acting_user(request)
    return selectors.listed(
        user,
        rule=selectors.clean_rule(rule),
        region=selectors.region_in_scope(user, region),
        state=selectors.clean_state(state),
        person=beneficiary,
    )


@router.get("/summary", response=SummaryOut)
def summary(request: HttpRequest, region: RegionCode | None = None) -> dict[str, Any]:
    """Open findings per rule, and when the user's region was last refreshed."""
    user = acting_user(request)
    counts = selectors.open_counts(user, region=selectors.region_in_scope(user, region))
    last = selectors.last_refresh_for(user)
    return {
        "last_refreshed_at": last.at if last else None,
        "rules": [{"rule": r.value, "label": str(r.label), "open": counts[r.value]} for r in Rule],
    }


@router.post("/refresh", response=RefreshOut)
def refresh(request: HttpRequest) -> dict[str, Any]:
    """Run the rules now over the user's region (they also run every night)."""
    result = services.do_refresh_discoveries(acting_user=acting_user(request))
    return refresh_out(result.refresh, result.by_rule)


def _finding(user: Any, discovery_id: int) -> Discovery:
    found: Discovery = get_visible_or_404(
        selectors.listed(user, state=selectors.ALL_STATES), user, pk=discovery_id
    )
    return found


@router.get("/{discovery_id}", response=DiscoveryOut)
def get_discovery(request: HttpRequest, discovery_id: Id) -> Discovery:
    user = acting_user(request)
    return _finding(user, discovery_id)


@router.post("/{discovery_id}/resolve", response=DiscoveryOut)
def resolve(request: HttpRequest, discovery_id: Id, payload: ResolveIn) -> Discovery:
    """Take a finding off the list: ``acted`` with the resulting record as ``reference``
    ("qualification:123", "housing_case:45", "premium:7"), or ``not_applicable`` with the
    reason as ``note``."""
    user = acting_user(request)
    finding = _finding(user, discovery_id)
    services.do_resolve_discovery(
        finding, acting_user=user, outcome=payload.outcome, note=payload.note, reference=payload.reference
    )
    return _finding(user, discovery_id)
