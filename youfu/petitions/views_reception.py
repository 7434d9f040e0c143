"""Leaders' reception days (领导接待日): the list, a day's page, changing and cancelling."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from youfu.accounts.models import User
from youfu.core.authed import acting_user
from youfu.core.errors import Conflict, YoufuError
from youfu.core.roles import Capability, Role
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required, form_error
from youfu.petitions import forms as f
from youfu.petitions import services
from youfu.petitions.models import (
    ReceptionDay,
)
from youfu.petitions.selectors import (
    leads_for,
    petitions_for,
    reception_days_for,
)
from youfu.petitions.views import READ, _rows
from youfu.regions.models import Region

# --- reception days ------------------------------------------------------------------------


def _manages_receptions(user: User) -> bool:
    return user.can(Capability.WRITE_RECORDS) and user.role != Role.DEPARTMENT_LIAISON


def _reception_leaders(region: Region | None) -> QuerySet[User] | None:
    return leads_for(region).filter(role=Role.LEADER) if region is not None else None


def _reception_day_fields(d: dict[str, Any]) -> dict[str, Any]:
    """The reception-day form's cleaned data as the services take it."""
    return {
        "on": d["date"],
        "time": d["time"],
        "place": d["place"],
        "leader": d["leader"],
        "leader_name": d["leader_name"],
        "leader_title": d["leader_title"],
        "topics": d["topics"],
    }


@capability_required(READ)
def receptions_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    can_create = _manages_receptions(user)
    region = user.region
    form = f.ReceptionDayForm(request.POST or None, leaders=_reception_leaders(region))
    if request.method == "POST" and can_create and form.is_valid() and region is not None:
        d = form.cleaned_data
        try:
            services.do_create_reception_day(
                region=region,
                **_reception_day_fields(d),
                acting_user=user,
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The reception day was added."))
            return redirect("petitions:receptions")
    today = timezone.localdate()
    days = reception_days_for(user)
    return render(
        request,
        "petitions/receptions.html",
        {
            "upcoming": days.filter(date__gte=today).order_by("date", "pk"),
            "past": days.filter(date__lt=today)[:50],
            "form": form if can_create else None,
        },
    )


def _reception_page(
    request: HttpRequest,
    day: ReceptionDay,
    *,
    edit_form: f.ReceptionDayForm | None = None,
    cancel_form: f.CancelReceptionDayForm | None = None,
) -> HttpResponse:
    user = acting_user(request)
    is_past = day.date < timezone.localdate()
    # Only a coming day that is still on can be changed: the rest is history.
    can_change = _manages_receptions(user) and not day.is_cancelled and not is_past
    if can_change:
        edit_form = edit_form or f.ReceptionDayForm(
            initial={
                "date": day.date,
                "time": day.time,
                "place": day.place,
                "leader": day.leader_id,
                "leader_name": day.leader_name,
                "leader_title": day.leader_title,
                "topics": day.topics,
            },
            leaders=_reception_leaders(day.region),
        )
        cancel_form = cancel_form or f.CancelReceptionDayForm()
    # The form that was sent (and came back with errors) stays open.
    opened = ""
    if edit_form is not None and edit_form.is_bound:
        opened = "edit"
    elif cancel_form is not None and cancel_form.is_bound:
        opened = "cancel"
    return render(
        request,
        "petitions/reception_detail.html",
        {
            "day": day,
            "is_past": is_past,
            "rows": _rows(petitions_for(user).filter(reception=day)),
            "edit_form": edit_form if can_change else None,
            "cancel_form": cancel_form if can_change else None,
            "open_form": opened,
        },
    )


def _managed_reception(request: HttpRequest, reception_id: int) -> ReceptionDay:
    """The day, if the user's region holds it (else 404) and the user may change days (else 403)."""
    user = acting_user(request)
    day = get_visible_or_404(
        ReceptionDay.objects.select_related("region", "cancelled_by"), user, pk=reception_id
    )
    if not _manages_receptions(user):
        raise DjangoPermissionDenied
    return day


def _refused(request: HttpRequest, exc: Conflict, day: ReceptionDay) -> HttpResponse:
    messages.error(request, str(exc.message))
    return redirect("petitions:reception_detail", reception_id=day.pk)


@capability_required(READ)
def reception_detail_view(request: HttpRequest, reception_id: int) -> HttpResponse:
    day = get_visible_or_404(
        ReceptionDay.objects.select_related("region", "cancelled_by"), acting_user(request), pk=reception_id
    )
    return _reception_page(request, day)


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["POST"])
def reception_edit_view(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = acting_user(request)
    day = _managed_reception(request, reception_id)
    form = f.ReceptionDayForm(request.POST, leaders=_reception_leaders(day.region))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.do_update_reception_day(
                day,
                **_reception_day_fields(d),
                acting_user=user,
            )
        except Conflict as exc:
            return _refused(request, exc, day)
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The reception day was changed."))
            return redirect("petitions:reception_detail", reception_id=day.pk)
    return _reception_page(request, day, edit_form=form)


@capability_required(Capability.WRITE_RECORDS)
@require_http_methods(["POST"])
def reception_cancel_view(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = acting_user(request)
    day = _managed_reception(request, reception_id)
    form = f.CancelReceptionDayForm(request.POST)
    if form.is_valid():
        try:
            services.do_cancel_reception_day(day, reason=form.cleaned_data["reason"], acting_user=user)
        except Conflict as exc:
            return _refused(request, exc, day)
        except YoufuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The reception day was cancelled."))
            return redirect("petitions:reception_detail", reception_id=day.pk)
    return _reception_page(request, day, cancel_form=form)
