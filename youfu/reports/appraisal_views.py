"""The appraisal pages: the townships' scores for a year, one township's score explained, and
the county's weights (a county leader changes them; everyone who reads the appraisal sees them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from youfu.core.authed import acting_user
from youfu.core.errors import InvalidInput, PermissionDenied, YoufuError
from youfu.core.replica import reads_from_replica
from youfu.core.roles import Capability, Role
from youfu.core.views import capability_required, form_error
from youfu.regions.models import RegionLevel
from youfu.reports import selectors
from youfu.reports.appraisal import (
    MAX_WEIGHT,
    MEASURES,
    appraisal,
    county_of,
    parse_year,
    require_appraisal_reader,
    township_appraisal,
    weights_in_force,
)
from youfu.reports.appraisal_models import NOTE_LENGTH, AppraisalWeights
from youfu.reports.appraisal_services import do_set_appraisal_weights
from youfu.reports.views import refused

REGION_CODE_LENGTH = 12
READ = Capability.READ_PERSONAL_DATA


def _year(request: HttpRequest) -> tuple[str, int | None, InvalidInput | None]:
    raw = request.GET.get("year", str(timezone.localdate().year))[:10]
    try:
        return raw, parse_year(raw), None
    except InvalidInput as exc:
        return raw, None, exc


@capability_required(READ)
@require_GET
@reads_from_replica
def appraisal_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        require_appraisal_reader(user)
    except PermissionDenied as exc:
        return refused(request, exc, _("Township appraisal"))
    raw, year, error = _year(request)
    code = request.GET.get("region", "").strip()
    if len(code) > REGION_CODE_LENGTH:
        raise Http404
    region = selectors.report_region(user, code or None)
    context: dict[str, Any] = {"raw_year": raw, "region": region, "measures": MEASURES}
    if error is not None:
        context["error"] = error
        return render(request, "reports/appraisal.html", context, status=400)
    assert year is not None
    if region.level == RegionLevel.VILLAGE:
        raise Http404
    context["appraisal"] = appraisal(user, year, region)
    return render(request, "reports/appraisal.html", context)


@capability_required(READ)
@require_GET
@reads_from_replica
def township_view(request: HttpRequest, township: str) -> HttpResponse:
    user = acting_user(request)
    try:
        require_appraisal_reader(user)
    except PermissionDenied as exc:
        return refused(request, exc, _("Township appraisal"))
    if len(township) > REGION_CODE_LENGTH:
        raise Http404
    raw, year, error = _year(request)
    region = selectors.report_region(user, township)
    if region.level != RegionLevel.TOWNSHIP:
        raise Http404
    context: dict[str, Any] = {"raw_year": raw, "region": region}
    if error is not None:
        context["error"] = error
        return render(request, "reports/appraisal_township.html", context, status=400)
    assert year is not None
    context.update(
        {
            "year": year,
            "score": township_appraisal(user, year, region.code),
            "weights": weights_in_force(county_of(region)),
        }
    )
    return render(request, "reports/appraisal_township.html", context)


class WeightsForm(forms.Form):
    """Reads each weight as a whole number and the note; whether the weights may be set is the
    service's one rule (``appraisal_services.check_weights``), the API's too. The inputs' min and
    max only help the browser."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # the labels are a table's row headings
        super().__init__(*args, **kwargs)
        for m in MEASURES:
            self.fields[m.key] = forms.IntegerField(
                label=str(m.label), widget=forms.NumberInput(attrs={"min": 0, "max": MAX_WEIGHT})
            )
        self.fields["note"] = forms.CharField(
            label=_("Why (optional)"),
            required=False,
            max_length=NOTE_LENGTH,
            widget=forms.Textarea(attrs={"rows": 2}),
        )


@capability_required(READ)
@require_http_methods(["GET", "POST"])
def weights_view(request: HttpRequest) -> HttpResponse:
    """The weights in force and their history; a county's leader changes them here."""
    user = acting_user(request)
    try:
        require_appraisal_reader(user)
    except PermissionDenied as exc:
        return refused(request, exc, _("Township appraisal weights"))
    assert user.region is not None  # checked by require_appraisal_reader
    county = county_of(user.region)
    current = weights_in_force(county)
    may_set = (
        user.role == Role.LEADER and user.region.level == RegionLevel.COUNTY and user.can(Capability.APPROVE)
    )
    form = WeightsForm(request.POST or None, initial=dict(current.weights))
    if request.method == "POST":
        if not may_set:
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = do_set_appraisal_weights(
                    acting_user=user, weights={m.key: data[m.key] for m in MEASURES}, note=data["note"]
                )
            except YoufuError as exc:
                form_error(form, exc)
            else:
                if version.pk is None or version.pk == current.pk:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(request, _("Weights version %(n)d is in force.") % {"n": version.number})
                return redirect("reports:appraisal_weights")
    history = list(
        AppraisalWeights.objects.visible_to(user)
        .filter(county_id=county)
        .select_related("set_by")
        .order_by("-number")[:50]
    )
    rows = [(m, current.weights[m.key]) for m in MEASURES]
    return render(
        request,
        "reports/appraisal_weights.html",
        {
            "current": current,
            "rows": rows,
            "history": [(v, [v.weights.get(m.key, "") for m in MEASURES]) for v in history],
            "measures": MEASURES,
            "form": form if may_set else None,
        },
        status=400 if request.method == "POST" else 200,
    )
