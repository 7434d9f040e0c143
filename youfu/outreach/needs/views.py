"""The needs-check pages: rounds, a round's progress, the household check form, the findings list
and a finding's page. Thin: a form checks the input, a service does the rest; a refusal shows on
the form in zh-Hans and changes nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from youfu.accounts.models import User
from youfu.core.authed import acting_user
from youfu.core.errors import PermissionDenied, YoufuError
from youfu.core.roles import Capability
from youfu.core.views import capability_required, form_error
from youfu.outreach.needs import exports, selectors, services
from youfu.outreach.needs.forms import (
    CloseRoundForm,
    FindingForm,
    NoDifficultyForm,
    NoteForm,
    ReassignForm,
    RoundForm,
    SettingsForm,
    SolveForm,
)
from youfu.outreach.needs.models import CheckOutcome, Finding, FindingKind, FindingState, NeedsRound
from youfu.outreach.needs.periods import PERIODS
from youfu.outreach.needs.transitions import actions_for
from youfu.regions.models import Region, RegionLevel

READ = Capability.READ_PERSONAL_DATA
PAGE_SIZE = 50


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(**params: Any) -> str:
    """The filters as a query string for the pager's and the export's links."""
    return urlencode({k: v for k, v in params.items() if v not in ("", None, False)})


# --- rounds ----------------------------------------------------------------------------------


@capability_required(READ)
@require_GET
def rounds_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    state = request.GET.get("state", "")
    qs = selectors.rounds_for(user)
    if state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    return render(
        request,
        "outreach/needs/rounds.html",
        {
            "page": _page(request, qs),
            "state": state,
            "query": _query(state=state),
            "can_open": selectors.may_open_rounds(user),
            "can_set": user.can(Capability.APPROVE),
            "period": PERIODS[services.period_months_for(user.region)] if user.region else "",
        },
    )


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["GET", "POST"])
def round_new_view(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    all_regions = selectors.round_regions(user)
    if not all_regions:
        raise DjangoPermissionDenied
    # Only the places where a round may open now are offered; the others say why not.
    covered = {r.code: services.covering_round(r) for r in all_regions}
    regions = [r for r in all_regions if covered[r.code] is None]
    blocked = {c.pk: c for c in covered.values() if c is not None}
    if not regions:
        reasons = [services.covered_message(c).render() for c in blocked.values()]
        return render(request, "outreach/needs/round_form.html", {"form": None, "reasons": reasons})
    choices = [(r.code, r.name) for r in regions]
    if request.method == "POST":
        form = RoundForm(request.POST, regions=choices)
        if form.is_valid():
            region = next(r for r in regions if r.code == form.cleaned_data["region"])
            try:
                round_ = services.do_open_round(
                    form.cleaned_data["name"], region, form.cleaned_data["due_on"], acting_user=user
                )
            except YoufuError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Round opened: %(n)d households to check.") % {"n": round_.households},
                )
                return redirect("outreach_needs:round", round_id=round_.pk)
    else:
        proposal = selectors.propose_round(regions[0])
        form = RoundForm(
            initial={"region": regions[0].code, "name": proposal.name, "due_on": proposal.due_on},
            regions=choices,
        )
    return render(request, "outreach/needs/round_form.html", {"form": form, "reasons": []})


@capability_required(Capability.APPROVE)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    current = services.period_months_for(user.region) if user.region else 3
    form = SettingsForm(request.POST or None, initial={"period_months": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.do_set_needs_settings(form.cleaned_data["period_months"], acting_user=user)
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved: new rounds are proposed for the new period."))
            return redirect("outreach_needs:settings")
    return render(request, "outreach/needs/settings.html", {"form": form, "current": PERIODS[current]})


@capability_required(READ)
@require_GET
def round_view(request: HttpRequest, round_id: int) -> HttpResponse:
    user = acting_user(request)
    return _round_page(request, user, selectors.get_round(user, round_id))


def _round_page(
    request: HttpRequest, user: User, round_: NeedsRound, close_form: CloseRoundForm | None = None
) -> HttpResponse:
    state = request.GET.get("state", "unchecked")
    township = request.GET.get("township", "")
    checks = selectors.checks_for(user, round_, state=state, township=township)
    progress = selectors.round_progress(user, round_)
    return render(
        request,
        "outreach/needs/round.html",
        {
            "round": round_,
            "progress": progress,
            "page": _page(request, checks),
            "state": state,
            "township": township,
            "query": _query(state=state, township=township),
            "states": [
                ("unchecked", _("not checked yet")),
                ("checked", _("checked")),
                (CheckOutcome.NO_DIFFICULTY.value, str(CheckOutcome.NO_DIFFICULTY.label)),
                (CheckOutcome.FINDINGS.value, str(CheckOutcome.FINDINGS.label)),
            ],
            "today": timezone.localdate(),
            "can_check": user.can(Capability.WRITE_RECORDS) and round_.is_open,
            "check_form": NoDifficultyForm(initial={"checked_on": timezone.localdate()}, prefix="nd"),
            "close_form": close_form
            or CloseRoundForm(initial={"closed_on": timezone.localdate()}, prefix="close"),
            "can_close": services.may_close_round(round_, user),
        },
        status=400 if close_form is not None else 200,
    )


@capability_required(Capability.WRITE_RECORDS)
@require_POST
def round_close_view(request: HttpRequest, round_id: int) -> HttpResponseBase:
    """结束本轮排查: the round ends early on a date; a refusal shows on the round page's form."""
    user = acting_user(request)
    round_ = selectors.get_round(user, round_id)
    form = CloseRoundForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            services.do_close_round(round_, form.cleaned_data["closed_on"], acting_user=user)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied from exc
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The round is closed. Its open findings are still followed up."))
            return redirect("outreach_needs:round", round_id=round_.pk)
    return _round_page(request, user, round_, close_form=form)


@capability_required(Capability.WRITE_RECORDS)
@require_POST
def round_check_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """The households ticked on the round page: checked, no difficulty, on one date."""
    user = acting_user(request)
    round_ = selectors.get_round(user, round_id)
    form = NoDifficultyForm(request.POST, prefix="nd")
    ids = [int(i) for i in request.POST.getlist("check") if i.isdigit() and len(i) < 18]
    if not ids:
        messages.error(request, _("Tick the households checked."))
    elif not form.is_valid():
        messages.error(request, _("Enter the date of the check."))
    else:
        try:
            count = services.do_check_no_difficulty(
                round_,
                ids,
                checked_on=form.cleaned_data["checked_on"],
                note=form.cleaned_data["note"],
                acting_user=user,
            )
        except YoufuError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(count)d households checked: no difficulty.") % {"count": count})
    return redirect(f"{reverse('outreach_needs:round', kwargs={'round_id': round_.pk})}?state=unchecked")


@capability_required(READ)
@require_GET
def round_export_view(request: HttpRequest, round_id: int) -> HttpResponse:
    user = acting_user(request)
    round_ = selectors.get_round(user, round_id)
    return exports.do_export_round(
        round_,
        selectors.checks_for(user, round_),
        selectors.findings_for(user, round_id=round_.pk),
        acting_user=user,
    )


# --- the household check ---------------------------------------------------------------------


def _owners(region_code: str) -> list[tuple[str, str]]:
    return [
        (u.username, f"{u} ({u.region.name if u.region else ''})")
        for u in selectors.eligible_owners(region_code).select_related("region")
    ]


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def check_view(request: HttpRequest, needs_check_id: int) -> HttpResponseBase:
    user = acting_user(request)
    check = selectors.get_check(user, needs_check_id)
    members = list(selectors.household_members(user, check))
    people = [(str(p.pk), p.name) for p in members]
    owners = _owners(check.household.region_id)
    today = timezone.localdate()
    action = request.POST.get("action", "")
    no_difficulty = NoDifficultyForm(
        request.POST if action == "no_difficulty" else None, initial={"checked_on": today}, prefix="nd"
    )
    finding_form = FindingForm(
        request.POST if action == "finding" else None,
        initial={"found_on": today, "owner": user.username},
        people=people,
        owners=owners,
        prefix="f",
    )
    if request.method == "POST":
        if not user.can(Capability.WRITE_RECORDS):
            raise DjangoPermissionDenied
        if action == "no_difficulty" and no_difficulty.is_valid():
            try:
                services.do_check_no_difficulty(
                    check.round,
                    [check.pk],
                    checked_on=no_difficulty.cleaned_data["checked_on"],
                    note=no_difficulty.cleaned_data["note"],
                    acting_user=user,
                )
            except YoufuError as exc:
                form_error(no_difficulty, exc)
            else:
                messages.success(request, _("Checked: no difficulty."))
                return redirect("outreach_needs:round", round_id=check.round_id)
        elif action == "finding" and finding_form.is_valid():
            data = finding_form.cleaned_data
            person = next(p for p in members if str(p.pk) == data["beneficiary"])
            try:
                services.do_record_finding(
                    check.round,
                    person,
                    kind=data["kind"],
                    description=data["description"],
                    owner=data["owner"],
                    due_on=data["due_on"],
                    found_on=data["found_on"],
                    acting_user=user,
                )
            except YoufuError as exc:
                form_error(finding_form, exc, default_field="beneficiary")
            else:
                messages.success(request, _("Finding recorded."))
                return redirect("outreach_needs:check", needs_check_id=check.pk)
    findings = selectors.findings_for(user).filter(household_check=check)
    return render(
        request,
        "outreach/needs/check.html",
        {
            "check": check,
            "round": check.round,
            "members": members,
            "findings": findings,
            "no_difficulty": no_difficulty,
            "finding_form": finding_form,
            "action": action,
            "can_write": user.can(Capability.WRITE_RECORDS) and check.round.is_open,
            "today": today,
        },
    )


# --- findings --------------------------------------------------------------------------------


def _finding_filters(request: HttpRequest) -> dict[str, Any]:
    get = request.GET
    round_id = get.get("round", "")
    return {
        "state": get.get("state", FindingState.OPEN),
        "region": get.get("township", ""),
        "kind": get.get("kind", ""),
        "owner": get.get("owner", ""),
        "round_id": int(round_id) if round_id.isdigit() and len(round_id) < 18 else None,
        "overdue": get.get("overdue", "") == "1",
    }


@capability_required(READ)
@require_GET
def findings_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _finding_filters(request)
    try:
        qs = selectors.findings_for(user, **filters)
    except YoufuError as exc:
        messages.error(request, str(exc.message))
        filters["region"] = ""
        qs = selectors.findings_for(user, **filters)
    return render(
        request,
        "outreach/needs/findings.html",
        {
            "page": _page(request, qs),
            "f": filters,
            "query": _query(
                state=filters["state"],
                township=filters["region"],
                kind=filters["kind"],
                owner=filters["owner"],
                round=filters["round_id"],
                overdue="1" if filters["overdue"] else "",
            ),
            "states": [("", _("all")), *FindingState.choices],
            "kinds": FindingKind.choices,
            "townships": Region.objects.visible_to(user).filter(level=RegionLevel.TOWNSHIP).order_by("code"),
            "today": timezone.localdate(),
        },
    )


@capability_required(READ)
@require_GET
def findings_export_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = _finding_filters(request)
    try:
        qs = selectors.findings_for(user, **filters)
    except YoufuError as exc:
        messages.error(request, str(exc.message))
        return HttpResponse(status=400)
    return exports.do_export_findings(qs, filters=filters, acting_user=user)


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def finding_view(request: HttpRequest, finding_id: int) -> HttpResponseBase:
    user = acting_user(request)
    finding = selectors.get_finding(user, finding_id)
    allowed = {a.name: a for a in actions_for(finding, user)}
    owners = _owners(finding.beneficiary.region_id)
    action = request.POST.get("action", "")
    bound = request.POST if request.method == "POST" else None
    today = timezone.localdate()
    forms_by_action: dict[str, Any] = {
        "solve": SolveForm(
            bound if action == "solve" else None, initial={"solved_on": today}, prefix="solve"
        ),
        "note": NoteForm(bound if action == "note" else None, initial={"written_on": today}, prefix="note"),
        "reassign": ReassignForm(bound if action == "reassign" else None, owners=owners, prefix="reassign"),
    }
    if request.method == "POST":
        if action not in forms_by_action:
            return HttpResponse(status=400)
        if action not in allowed:
            if not user.can(Capability.WRITE_RECORDS):
                raise DjangoPermissionDenied
            messages.error(request, _("This finding is solved already; nothing more can be done with it."))
            return redirect("outreach_needs:finding", finding_id=finding.pk)
        form = forms_by_action[action]
        if form.is_valid():
            try:
                _apply(action, finding, form.cleaned_data, user)
            except YoufuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, DONE[action])
                return redirect("outreach_needs:finding", finding_id=finding.pk)
    return render(
        request,
        "outreach/needs/finding.html",
        {
            "finding": finding,
            "overdue": finding.is_overdue(today),
            "notes": selectors.finding_notes(user, finding),
            "actions": [(a, forms_by_action[a.name]) for a in allowed.values()],
            "open_action": action,
        },
    )


DONE = {
    "solve": gettext_lazy("The finding is solved."),
    "note": gettext_lazy("The progress note is added."),
    "reassign": gettext_lazy("The finding has a new owner."),
}


def _apply(action: str, finding: Finding, data: dict[str, Any], user: User) -> None:
    if action == "solve":
        services.do_solve_finding(
            finding, solution=data["solution"], solved_on=data["solved_on"], acting_user=user
        )
    elif action == "note":
        services.do_add_finding_note(
            finding, text=data["note"], written_on=data["written_on"], acting_user=user
        )
    else:
        services.do_reassign_finding(finding, owner=data["owner"], acting_user=user)
