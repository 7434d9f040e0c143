"""/api/v1/public: the petitioner's status lookup, no login.

``GET /api/v1/public/petitions/{receipt_code}?phone_tail=NNNN`` answers what the /p/
lookup page shows. A wrong code or phone answers exactly like an unknown code (404); a
client that keeps failing on a code is held back on it (429, ``ratelimit``), while the right
pair from anyone else is still answered.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from youfu.accounts.middleware import client_ip
from youfu.core.bounds import Choice, Note, PhoneText
from youfu.core.errors import also_answers
from youfu.petitions.models import Petition
from youfu.petitions.public import find_for_petitioner, public_status, shown_for
from youfu.petitions.services import do_rate_petition
from youfu.petitions.validation import clean_text

router = Router(tags=["public"])


class DeadlineOut(Schema):
    kind: str
    label: str
    due: date


class TimelineOut(Schema):
    on: date
    state: str
    label: str


class PublicPetitionOut(Schema):
    receipt_code: str
    linked_to_earlier_case: bool
    state: str
    state_label: str
    received_on: date
    accepted_on: date | None
    declined_on: date | None
    decline_notice: str
    forwarded_on: date | None
    forwarded_to: str
    handling_unit: str | None
    extension_days: int | None
    extension_reason: str
    replied_on: date | None
    reply_text: str
    review_requested_on: date | None
    review_replied_on: date | None
    review_reply_text: str
    rereview_requested_on: date | None
    rereview_replied_on: date | None
    rereview_reply_text: str
    concluded_on: date | None
    accept_due: date | None
    handle_due: date | None
    review_request_due: date | None
    review_due: date | None
    rereview_request_due: date | None
    rereview_due: date | None
    deadlines: list[DeadlineOut]
    calendar_complete: bool
    satisfaction: str
    can_rate: bool
    review_advice: str
    timeline: list[TimelineOut]


class RatingIn(Schema):
    phone_tail: PhoneText
    rating: Choice
    comment: Note = ""


@router.get(
    "/petitions/{receipt_code}", auth=None, response=PublicPetitionOut, openapi_extra=also_answers(429)
)
def lookup(request: HttpRequest, receipt_code: str, phone_tail: str = "") -> dict[str, Any]:
    petition = find_for_petitioner(receipt_code, phone_tail, ip=client_ip(request))
    return public_status(petition, phone_tail)


@router.post(
    "/petitions/{receipt_code}/satisfaction",
    auth=None,
    response=PublicPetitionOut,
    openapi_extra=also_answers(429),
)
def rate(request: HttpRequest, receipt_code: str, payload: RatingIn) -> dict[str, Any]:
    """满意 / 基本满意 / 不满意 with a comment, once the matter was replied."""
    petition = find_for_petitioner(receipt_code, payload.phone_tail, ip=client_ip(request))
    do_rate_petition(
        shown_for(petition, payload.phone_tail).petition,
        rating=payload.rating,
        comment=clean_text(payload.comment, "comment", max_length=2000, required=False),
        acting_user=None,
    )
    return public_status(  # scope: re-reads the petition shown_for() found by code and phone tail
        Petition.objects.select_related("handling_unit", "repeat_of").get(pk=petition.pk), payload.phone_tail
    )
