"""走访慰问 pages: campaigns, a campaign's coverage with its not-visited and visited lists, the
campaign form and the quick visit form. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from youfu.accounts.models import User
from youfu.benefits.money import to_fen
from youfu.core.authed import acting_user
from youfu.core.csvio import xlsx_response
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required, form_error
from youfu.outreach.visits import exports, selectors
from youfu.outreach.visits.forms import MAX_OPTIONS, CampaignChangeForm, CampaignForm, VisitForm
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.outreach.visits.services import (
    CampaignData,
    VisitData,
    do_change_campaign,
    do_create_campaign,
    do_record_visit,
    may_change_campaign,
    may_create_campaigns,
)
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary

PAGE_SIZE = 50
STATES = [
    ("open", gettext_lazy("running")),
    ("upcoming", gettext_lazy("upcoming")),
    ("ended", gettext_lazy("ended")),
]


def _campaign(user: User, campaign_id: int) -> VisitCampaign:
    return get_visible_or_404(selectors.campaigns_for(user), user, pk=campaign_id)


def _year(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 1900 <= int(text) <= 2100 else None


def category_names() -> dict[str, str]:
    return {value: str(label) for value, label in Category.choices}


# --- campaigns -------------------------------------------------------------------------------


def _campaign_filters(request: HttpRequest, user: User) -> tuple[QuerySet[VisitCampaign], str, int | None]:
    state = request.GET.get("state", "")
    state = state if state in dict(STATES) else ""
    year = _year(request.GET.get("year"))
    return selectors.campaigns_for(user, state=state, year=year, on=timezone.localdate()), state, year


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    campaigns, state, year = _campaign_filters(request, user)
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_counts(page.object_list, user)
    names = category_names()
    return render(
        request,
        "outreach/visits/campaigns.html",
        {
            "page": page,
            "rows": [
                (
                    c,
                    targets,
                    visited,
                    selectors.coverage_percent(visited, targets),
                    [names.get(x, x) for x in c.categories],
                )
                for c, targets, visited in rows
            ],
            "state": state,
            "year": year or "",
            "states": STATES,
            "today": timezone.localdate(),
            "can_create": may_create_campaigns(user),
        },
    )


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def campaign_list_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    campaigns = _campaign_filters(request, user)[0]
    rows = selectors.with_counts(campaigns, user)
    return xlsx_response(
        exports.campaign_list(rows, category_names()), f"visit-campaigns-{timezone.localdate():%Y%m%d}.xlsx"
    )


def campaign_regions(user: User) -> QuerySet[Region]:
    """Where the user may hold a campaign: their county or any township in it, or their township."""
    return (
        Region.objects.visible_to(user)
        .filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .order_by("code")
    )


@capability_required(Capability.WRITE_RECORDS)
def campaign_new_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not may_create_campaigns(user):
        raise PermissionDenied
    regions = campaign_regions(user)
    form = CampaignForm(request.POST or None, regions=regions, initial={"region": user.region_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign, targets = do_create_campaign(
                CampaignData(
                    name=data["name"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    categories=tuple(data["categories"]),
                    region=data["region"],
                    min_age=data["min_age"],
                ),
                acting_user=user,
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Campaign created: %(count)d people to visit.") % {"count": targets})
            return redirect("outreach_visits:campaign", campaign_id=campaign.pk)
    return render(request, "outreach/visits/campaign_form.html", {"form": form})


# --- one campaign ----------------------------------------------------------------------------

LISTS = ("not_visited", "visited")


@dataclass(frozen=True)
class Row:
    item: Visit | VisitTarget
    categories: str
    age: int


def _about(person: Beneficiary, campaign: VisitCampaign) -> tuple[str, int]:
    return exports.categories_label(person, campaign), exports.age_on(person, campaign.starts_on)


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def campaign_detail_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = acting_user(request)
    campaign = _campaign(user, campaign_id)
    shown = request.GET.get("list", "not_visited")
    shown = shown if shown in LISTS else "not_visited"
    township = request.GET.get("township", "")[:12]
    name = request.GET.get("name", "")[:50]
    coverage = selectors.coverage_for(campaign, user)
    rows: QuerySet[Visit] | QuerySet[VisitTarget]
    if shown == "visited":
        rows = selectors.visits_for(user, campaign=campaign, township=township, name=name).prefetch_related(
            "target__beneficiary__qualifications"
        )
    else:
        rows = selectors.not_visited_for(campaign, user, township=township, name=name).prefetch_related(
            "beneficiary__qualifications"
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = [
        Row(item, *_about(item.target.beneficiary if isinstance(item, Visit) else item.beneficiary, campaign))
        for item in page.object_list
    ]
    today = timezone.localdate()
    names = category_names()
    return render(
        request,
        "outreach/visits/campaign_detail.html",
        {
            "campaign": campaign,
            "categories": [names.get(c, c) for c in campaign.categories],
            "coverage": coverage,
            "list": shown,
            "page": page,
            "rows": listed,
            "township": township,
            "name": name,
            "townships": [(t.code, t.name) for t in coverage.by_township],
            "is_open": campaign.starts_on <= today <= campaign.ends_on,
            "can_record": user.can(Capability.WRITE_RECORDS) and campaign.starts_on <= today,
            "can_change": may_change_campaign(user, campaign),
            "filters": f"list={shown}&township={township}&name={name}",
        },
    )


@capability_required(Capability.WRITE_RECORDS)
def campaign_change_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Rename the campaign or move its last day (extend it, or close it early)."""
    user = acting_user(request)
    campaign = _campaign(user, campaign_id)
    if not may_change_campaign(user, campaign):
        raise PermissionDenied
    form = CampaignChangeForm(
        request.POST or None, initial={"name": campaign.name, "ends_on": campaign.ends_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            do_change_campaign(
                campaign,
                acting_user=user,
                name=form.cleaned_data["name"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The campaign was changed."))
            return redirect("outreach_visits:campaign", campaign_id=campaign.pk)
    return render(request, "outreach/visits/campaign_change.html", {"campaign": campaign, "form": form})


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def not_visited_export_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = acting_user(request)
    campaign = _campaign(user, campaign_id)
    targets = selectors.not_visited_for(
        campaign, user, township=request.GET.get("township", "")[:12], name=request.GET.get("name", "")[:50]
    )
    content = exports.not_visited_list(campaign, targets, user=user)
    return xlsx_response(content, f"not-visited-{campaign.pk}.xlsx")


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def visits_export_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = acting_user(request)
    campaign = _campaign(user, campaign_id)
    visits = selectors.visits_for(
        user,
        campaign=campaign,
        township=request.GET.get("township", "")[:12],
        name=request.GET.get("name", "")[:50],
    )
    content = exports.visit_register(campaign, visits, user=user)
    return xlsx_response(content, f"visit-register-{campaign.pk}.xlsx")


@capability_required(Capability.WRITE_RECORDS)
def record_visit_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Quick entry: pick a not-visited target (the not-visited list links here with the person
    chosen), the date, who went, the money and the goods."""
    user = acting_user(request)
    campaign = _campaign(user, campaign_id)
    township = request.GET.get("township", "")[:12]
    name = request.GET.get("name", "")[:50]
    targets = selectors.not_visited_for(campaign, user)
    shown = list(selectors.not_visited_for(campaign, user, township=township, name=name)[:MAX_OPTIONS])
    initial: dict[str, object] = {"visited_on": min(timezone.localdate(), campaign.ends_on)}
    person = request.GET.get("person", "")
    if person.isdigit():
        chosen = targets.filter(beneficiary_id=int(person)).first()
        if chosen is not None:
            initial["target"] = chosen.pk
            if chosen not in shown:
                shown.insert(0, chosen)
    form = VisitForm(request.POST or None, targets=targets, shown=shown, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data["target"]
        amount = data["money"]
        try:
            do_record_visit(
                campaign,
                target.beneficiary,
                VisitData(
                    visited_on=data["visited_on"],
                    visitors=data["visitors"],
                    money_fen=to_fen(amount) if amount is not None else 0,
                    goods=data["goods"],
                ),
                acting_user=user,
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": target.beneficiary.name})
            return redirect(f"{reverse('outreach_visits:campaign', args=[campaign.pk])}?list=not_visited")
    return render(
        request,
        "outreach/visits/visit_form.html",
        {
            "campaign": campaign,
            "form": form,
            "township": township,
            "name": name,
            "townships": selectors.townships_in(campaign, user),
            "more": targets.count() > len(shown),
        },
    )
