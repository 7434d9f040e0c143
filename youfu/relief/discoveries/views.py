"""应享未享 pages: the list (filters by rule, region and state, counts per rule, when it was last
refreshed, a refresh button, the .xlsx export) and the resolve form. Views parse and call a
service; every read goes through the region scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from youfu.core.authed import acting_user
from youfu.core.csvio import local_datetime, xlsx_response
from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required, form_error
from youfu.regions.models import Region, RegionLevel
from youfu.relief.discoveries import selectors, services
from youfu.relief.discoveries.forms import ResolveForm
from youfu.relief.discoveries.models import Discovery, DiscoveryState, Rule
from youfu.relief.discoveries.present import action, evidence_text

PAGE_SIZE = 50
EXPORT_HEADER = [
    "规则",
    "乡镇(街道)",
    "姓名",
    "公民身份号码",
    "依据",
    "发现时间",
    "状态",
    "处理结果",
    "关联记录",
    "说明",
]


def _filters(request: HttpRequest, user: Any) -> dict[str, Any]:
    """The list's filters from the address; a region outside the user's is a 404 (checked
    first: a message queued before it would show on the next page instead)."""
    region = selectors.region_in_scope(user, request.GET.get("region"))
    try:
        rule = selectors.clean_rule(request.GET.get("rule"))
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        rule = None
    try:
        state = selectors.clean_state(request.GET.get("state"))
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        state = DiscoveryState.OPEN.value
    return {"rule": rule, "state": state, "region": region}


def _query(filters: dict[str, Any]) -> str:
    region: Region | None = filters["region"]
    return urlencode(
        {
            "rule": filters["rule"].value if filters["rule"] else "",
            "state": filters["state"],
            "region": region.code if region else "",
        }
    )


def _rows(findings: Any) -> list[dict[str, Any]]:
    year = timezone.localdate().year
    return [
        {
            "finding": f,
            "rule": Rule(f.rule).label,
            "evidence": evidence_text(f, year),
            "action": action(f),
        }
        for f in findings
    ]


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _filters(request, user)
    findings = selectors.listed(user, **filters)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.open_counts(user, region=filters["region"])
    townships = Region.objects.visible_to(user).filter(level=RegionLevel.TOWNSHIP).order_by("code")
    return render(
        request,
        "relief/discoveries/list.html",
        {
            "page": page,
            "rows": _rows(page.object_list),
            "rule": filters["rule"].value if filters["rule"] else "",
            "state": filters["state"],
            "region": filters["region"].code if filters["region"] else "",
            "rules": [(r.value, r.label, counts[r.value]) for r in Rule],
            "states": [*DiscoveryState.choices, (selectors.ALL_STATES, _("all"))],
            "townships": townships,
            "query": _query(filters),
            "last_refresh": selectors.last_refresh_for(user),
            "can_act": user.can(Capability.WRITE_RECORDS),
        },
    )


@capability_required(Capability.WRITE_RECORDS)
@require_POST
def refresh_view(request: HttpRequest) -> HttpResponse:
    result = services.do_refresh_discoveries(acting_user=acting_user(request))
    messages.success(
        request,
        _("Refreshed: %(added)s found, %(closed)s no longer apply, %(reopened)s apply again.")
        % {"added": result.added, "closed": result.closed, "reopened": result.reopened},
    )
    return redirect("relief_discoveries:list")


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _filters(request, user)
    year = timezone.localdate().year
    rows = (
        [
            str(Rule(f.rule).label),
            f.beneficiary.township.name,
            f.beneficiary.name,
            f.beneficiary.id_number_masked,
            evidence_text(f, year),
            local_datetime(f.found_at),
            f.get_state_display(),
            f.get_outcome_display() if f.outcome else "",
            f.reference,
            f.note,
        ]
        for f in selectors.listed(user, **filters).iterator(chunk_size=2000)
    )
    described = {k: v for k, v in (("rule", filters["rule"]), ("state", filters["state"])) if v}
    if filters["region"] is not None:
        described["region"] = filters["region"].code
    data = services.do_export_discoveries(
        rows, EXPORT_HEADER, acting_user=user, filters={k: str(v) for k, v in described.items()}
    )
    return xlsx_response(data, f"discoveries-{timezone.localdate():%Y%m%d}.xlsx")


@capability_required(Capability.READ_PERSONAL_DATA)
def resolve_view(request: HttpRequest, discovery_id: int) -> HttpResponse:
    user = acting_user(request)
    finding: Discovery = get_visible_or_404(
        selectors.listed(user, state=selectors.ALL_STATES), user, pk=discovery_id
    )
    references = selectors.reference_choices(user, finding) if finding.state == DiscoveryState.OPEN else []
    form = ResolveForm(request.POST or None, references=references)
    if request.method == "POST":
        if not user.can(Capability.WRITE_RECORDS):
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                services.do_resolve_discovery(
                    finding,
                    acting_user=user,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    reference=form.cleaned_data["reference"],
                )
            except YoufuError as exc:
                form_error(form, exc, default_field="reference")
            else:
                messages.success(request, _("The finding was resolved."))
                return redirect(f"{reverse('relief_discoveries:list')}?rule={finding.rule}")
    return render(
        request,
        "relief/discoveries/resolve.html",
        {
            "form": form,
            "row": _rows([finding])[0],
            "finding": finding,
            "can_act": user.can(Capability.WRITE_RECORDS) and finding.state == DiscoveryState.OPEN,
        },
    )
