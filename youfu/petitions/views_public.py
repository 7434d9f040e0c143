"""The public pages at /p/: submit a petition, get a receipt, look a matter up, rate the
reply, see the coming reception days. No login; CSRF applies to every form.

The receipt and status pages take no code in their address: the matter is remembered in
the visitor's session after submitting or after a successful lookup, so a code never
lands in a browser history, a referrer or a log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from youfu.accounts.middleware import client_ip
from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.replica import pin_to_primary, reads_from_replica
from youfu.core.views import form_error
from youfu.petitions.forms import LookupForm, PublicPetitionForm, PublicRateForm
from youfu.petitions.models import Channel, Petition
from youfu.petitions.public import NoMatch, TooManyAttempts, find_for_petitioner, public_status, shown_for
from youfu.petitions.selectors import upcoming_reception_days
from youfu.petitions.services import (
    MAX_PUBLIC_ATTACHMENTS,
    do_rate_petition,
    do_register_petition,
    public_intake_region,
)
from youfu.petitions.validation import (
    PetitionData,
    PetitionerData,
    clean_id_number,
    clean_phone,
    clean_text,
)

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the petitioner's pages have no user: they read only the petition this session submitted or"
    " looked up with its code and phone tail"
)

RECEIPT = "petitions.public.receipt"
LOOKUP = "petitions.public.lookup"
LOOKUP_MINUTES = 20


def home_view(request: HttpRequest) -> HttpResponse:
    return render(request, "petitions/public/home.html")


@require_http_methods(["GET", "POST"])
def submit_view(request: HttpRequest) -> HttpResponse:
    form = PublicPetitionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        files = d["attachments"]
        try:
            if len(files) > MAX_PUBLIC_ATTACHMENTS:
                raise InvalidInput(
                    _("At most %(n)d attachments.") % {"n": MAX_PUBLIC_ATTACHMENTS},
                    fields={"attachments": _("At most %(n)d attachments.") % {"n": MAX_PUBLIC_ATTACHMENTS}},
                )
            person = PetitionerData(
                name=clean_text(d["name"], "name", max_length=50),
                phone=clean_phone(d["phone"], "phone", required=True),
                id_number=clean_id_number(d["id_number"], "id_number"),
            )
            data = PetitionData(
                channel=Channel.ONLINE,
                received_on=timezone.localdate(),
                category=d["category"],
                subject=clean_text(d["subject"], "subject", max_length=200),
                content=clean_text(d["content"], "content", max_length=20000),
                region=public_intake_region(),
                petitioners=[person],
            )
            petition = do_register_petition(data, acting_user=None, attachments=files)
        except YoufuError as exc:
            # "attachments.2" → the attachments field
            exc.fields = {k.split(".")[0]: v for k, v in exc.fields.items()}
            form_error(form, exc)
        else:
            request.session[RECEIPT] = petition.pk
            return redirect("public:receipt")
    return render(
        request, "petitions/public/submit.html", {"form": form, "max_files": MAX_PUBLIC_ATTACHMENTS}
    )


@reads_from_replica
def receipt_view(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(RECEIPT)
    petition = _on_replica_or_primary(Petition.objects.filter(pk=pk)) if pk else None
    if petition is None:
        return redirect("public:lookup")
    return render(
        request,
        "petitions/public/receipt.html",
        {"p": petition, "lookup_url": request.build_absolute_uri("/p/lookup/")},
    )


@require_http_methods(["GET", "POST"])
def lookup_view(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    status = 200
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            petition = find_for_petitioner(
                form.cleaned_data["receipt_code"], form.cleaned_data["phone_tail"], ip=client_ip(request)
            )
        except (TooManyAttempts, NoMatch) as exc:
            # The same page whatever was wrong, without echoing what was typed.
            refused = str(exc.message)
            status = exc.status if isinstance(exc, TooManyAttempts) else 200
            form = LookupForm()
        except InvalidInput as exc:
            form.add_error("receipt_code", str(exc.message))
        else:
            request.session.cycle_key()
            # The phone tail asked with decides what of a linked case may be shown (public.shown_for).
            request.session[LOOKUP] = {
                "pk": petition.pk,
                "at": timezone.now().isoformat(),
                "tail": form.cleaned_data["phone_tail"],
            }
            return redirect("public:status")
    return render(request, "petitions/public/lookup.html", {"form": form, "refused": refused}, status=status)


def _on_replica_or_primary(petitions: QuerySet[Petition]) -> Petition | None:
    """The petition this session submitted or looked up on the primary: from the replica when it
    has it, else from the primary (a replica behind the submission or the lookup)."""
    found = petitions.first()
    if found is None:
        pin_to_primary()  # behind: the rest of the page (timeline, reply) from the primary too
        found = petitions.first()
    return found


def _looked_up(request: HttpRequest) -> Petition | None:
    found: Any = request.session.get(LOOKUP)
    if not isinstance(found, dict):
        return None
    try:
        at = datetime.fromisoformat(found["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - at > timedelta(minutes=LOOKUP_MINUTES):
        request.session.pop(LOOKUP, None)
        return None
    return _on_replica_or_primary(
        Petition.objects.select_related("handling_unit", "repeat_of", "repeat_of__handling_unit").filter(
            pk=int(found.get("pk") or 0)
        )
    )


# The lookup itself (lookup_view) reads the primary: a miss counts against the client's limits,
# and must never be the replica not having the matter yet.
@require_http_methods(["GET", "POST"])
@reads_from_replica
def status_view(request: HttpRequest) -> HttpResponse:
    petition = _looked_up(request)
    if petition is None:
        return redirect("public:lookup")
    tail = str(request.session.get(LOOKUP, {}).get("tail", ""))
    rated = shown_for(petition, tail).petition
    # A rating already given shows in the form, so "you may change it" starts from what was said.
    given = (
        {"rating": rated.satisfaction, "comment": rated.satisfaction_comment} if rated.satisfaction else None
    )
    form = PublicRateForm(request.POST or None, initial=given)
    if request.method == "POST" and form.is_valid():
        try:
            do_rate_petition(
                shown_for(petition, tail).petition,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                acting_user=None,
            )
        except YoufuError as exc:
            form_error(form, exc)
        else:
            return redirect("public:status")
    return render(
        request,
        "petitions/public/status.html",
        {"s": public_status(petition, tail), "form": form},
    )


def receptions_view(request: HttpRequest) -> HttpResponse:
    try:
        region = public_intake_region()
    except InvalidInput:  # an installation without regions yet
        days: Any = []
    else:
        days = upcoming_reception_days(timezone.localdate(), region=region)[:100]
    return render(request, "petitions/public/receptions.html", {"days": days})
