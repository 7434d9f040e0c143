"""/api/v1/visits: campaigns, their coverage and not-visited lists, and visits. Scoped (a record
outside the user's region is a 404) and audited (every write is a service)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.benefits.money import to_fen
from youfu.core.authed import acting_user
from youfu.core.bounds import BoundedDate, Choice, Id, PersonName, RegionCode, Year
from youfu.core.errors import NotFound, PermissionDenied
from youfu.core.pagination import PageNumberPagination
from youfu.core.scope import get_visible_or_404
from youfu.outreach.visits import selectors
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.outreach.visits.schemas import (
    CampaignCreatedOut,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    CampaignSummaryOut,
    PersonOut,
    VisitIn,
    VisitOut,
    campaign_out,
)
from youfu.outreach.visits.services import (
    CampaignData,
    VisitData,
    do_change_campaign,
    do_create_campaign,
    do_record_visit,
)
from youfu.regions.models import Region

router = Router(tags=["visits"])


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    if not selectors.may_read(user):
        raise PermissionDenied()
    return user


def _campaign(user: User, campaign_id: int) -> VisitCampaign:
    return get_visible_or_404(selectors.campaigns_for(user), user, pk=campaign_id)


@router.get("/campaigns", response=list[CampaignSummaryOut])
@paginate(PageNumberPagination)
def list_campaigns(
    request: HttpRequest, state: Choice = "", year: Year | None = None
) -> QuerySet[VisitCampaign]:
    """``state``: ``open`` (running today), ``upcoming`` or ``ended``; empty for all."""
    user = _reader(request)
    return selectors.campaigns_for(user, state=state, year=year, on=timezone.localdate())


@router.post("/campaigns", response={201: CampaignCreatedOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    region = user.region
    if payload.region:
        # A region outside the user's scope is not there for them.
        region = Region.objects.visible_to(user).filter(code=payload.region.strip()).first()
        if region is None:
            raise NotFound()
    if region is None:
        raise PermissionDenied()
    data = CampaignData(
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        categories=tuple(payload.categories),
        region=region,
        min_age=payload.min_age,
    )
    campaign, targets = do_create_campaign(data, acting_user=user)
    return Status(201, {"id": campaign.pk, "targets": targets})


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Targets and visits in the user's scope: a township clerk in a county-wide campaign gets
    their township's figures, and ``by_township`` lists only the townships they may see."""
    user = _reader(request)
    campaign = _campaign(user, campaign_id)
    return campaign_out(campaign, selectors.coverage_for(campaign, user))


@router.patch("/campaigns/{campaign_id}", response=CampaignOut)
def change_campaign(request: HttpRequest, campaign_id: Id, payload: CampaignPatch) -> dict[str, Any]:
    """Rename the campaign or move its last day; the targets stay as listed on the first day."""
    user = acting_user(request)
    campaign = _campaign(user, campaign_id)
    campaign = do_change_campaign(campaign, acting_user=user, name=payload.name, ends_on=payload.ends_on)
    return campaign_out(campaign, selectors.coverage_for(campaign, user))


@router.get("/campaigns/{campaign_id}/not-visited", response=list[PersonOut])
@paginate(PageNumberPagination)
def not_visited(
    request: HttpRequest, campaign_id: Id, township: RegionCode = "", name: PersonName = ""
) -> QuerySet[VisitTarget]:
    user = _reader(request)
    campaign = _campaign(user, campaign_id)
    return selectors.not_visited_for(campaign, user, township=township, name=name)


@router.get("/campaigns/{campaign_id}/visits", response=list[VisitOut])
@paginate(PageNumberPagination)
def campaign_visits(
    request: HttpRequest, campaign_id: Id, township: RegionCode = "", name: PersonName = ""
) -> QuerySet[Visit]:
    user = _reader(request)
    campaign = _campaign(user, campaign_id)
    return selectors.visits_for(user, campaign=campaign, township=township, name=name)


@router.post("", response={201: VisitOut})
def record_visit(request: HttpRequest, payload: VisitIn) -> Status[Visit]:
    user = acting_user(request)
    campaign = _campaign(user, payload.campaign)
    person = selectors.visible_person(user, payload.beneficiary)
    if person is None:
        raise NotFound()
    data = VisitData(
        visited_on=payload.visited_on,
        visitors=payload.visitors,
        money_fen=to_fen(payload.money) if payload.money is not None else 0,
        goods=payload.goods,
    )
    visit = do_record_visit(campaign, person, data, acting_user=user)
    return Status(201, selectors.visits_for(user).get(pk=visit.pk))


@router.get("", response=list[VisitOut])
@paginate(PageNumberPagination)
def list_visits(
    request: HttpRequest, beneficiary: Id | None = None, visited_from: BoundedDate | None = None
) -> QuerySet[Visit]:
    """Visits in the user's scope, newest first; ``beneficiary`` for one person's."""
    user = _reader(request)
    qs = selectors.visits_for(user).order_by("-visited_on", "-pk")
    if beneficiary is not None:
        qs = qs.filter(target__beneficiary_id=beneficiary)
    if visited_from is not None:
        qs = qs.filter(visited_on__gte=visited_from)
    return qs


@router.get("/{visit_id}", response=VisitOut)
def get_visit(request: HttpRequest, visit_id: Id) -> Visit:
    user = _reader(request)
    return get_visible_or_404(selectors.visits_for(user), user, pk=visit_id)
