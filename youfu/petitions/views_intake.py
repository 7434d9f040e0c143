"""Registering a petition at the counter, with the repeats it may be."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.authed import acting_user
from youfu.core.errors import YoufuError
from youfu.core.roles import Capability
from youfu.core.views import capability_required, form_error
from youfu.petitions import forms as f
from youfu.petitions import services
from youfu.petitions.selectors import (
    petitions_for,
    possible_repeats,
    reception_days_for_intake,
)
from youfu.petitions.validation import (
    PetitionData,
    clean_group_size,
    clean_petitioners,
    clean_text,
)
from youfu.regions.models import Region, RegionLevel

# --- registering ---------------------------------------------------------------------------


def _regions_for_intake(user: User) -> QuerySet[Region]:
    qs: QuerySet[Region] = Region.objects.visible_to(user).exclude(level=RegionLevel.VILLAGE).order_by("code")
    return qs


def _register_form(request: HttpRequest, user: User) -> f.RegisterForm:
    return f.RegisterForm(
        request.POST or None,
        regions=_regions_for_intake(user),
        receptions=reception_days_for_intake(user),
        initial={"received_on": timezone.localdate(), "region": user.region_id, "channel": "letter"},
    )


@capability_required(Capability.WRITE_RECORDS)
def register_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = _register_form(request, user)
    candidates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            people = clean_petitioners(form.raw_petitioners())
            data = PetitionData(
                channel=d["channel"],
                received_on=d["received_on"],
                category=d["category"],
                subject=clean_text(d["subject"], "subject", max_length=200),
                content=clean_text(d["content"], "content", max_length=20000),
                region=d["region"],
                petitioners=people,
                group_size=clean_group_size(d["group_size"], people),
                referred_by=d["referred_by"],
                reception=d["reception"],
            )
            decision = request.POST.get("decision", "")
            repeat_of = None
            if decision.startswith("repeat:"):
                repeat_of = petitions_for(user).filter(pk=decision.split(":", 1)[1] or 0).first()
            elif decision != "new":
                candidates = possible_repeats(user, people, data.subject, on=data.received_on)
            if not candidates:
                petition = services.do_register_petition(data, acting_user=user, repeat_of=repeat_of)
                messages.success(
                    request,
                    _("Registered with receipt code %(code)s.") % {"code": petition.receipt_code_display},
                )
                return redirect("petitions:detail", petition_id=petition.pk)
        except YoufuError as exc:
            _place_error(form, exc)
    return render(request, "petitions/register.html", {"form": form, "candidates": candidates})


def _place_error(form: forms.Form, exc: YoufuError) -> None:
    # "petitioners.0.phone" → the form's "phone_0".
    remapped = {}
    for name, message in exc.fields.items():
        parts = name.split(".")
        remapped[f"{parts[2]}_{parts[1]}" if len(parts) == 3 else name] = message
    exc.fields = remapped
    form_error(form, exc)
