"""Review (复查, Art. 35) and re-review (复核, Art. 36): the same two moves at two stages.
The petitioner asks, within 30 days of the previous reply, and the reviewing body answers.
A request after the window is recorded too (and marked): the reviewing body decides on it,
not this system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.petitions.models import Petition
from youfu.petitions.services._common import _check_date, begin
from youfu.petitions.services.transitions import Action, move
from youfu.petitions.validation import invalid


@dataclass(frozen=True)
class Stage:
    request: Action
    reply: Action
    previous_reply: str  # the column of the reply this stage reviews
    previous_reply_name: Promise | str  # for "the date is before …"
    requested: str  # the columns this stage fills
    request_due: str
    request_name: Promise | str
    replied: str
    reply_text: str


REVIEW = Stage(
    request=Action.REVIEW_REQUEST,
    reply=Action.REVIEW_REPLY,
    previous_reply="replied_on",
    previous_reply_name=_lazy("the reply"),
    requested="review_requested_on",
    request_due="review_request_due",
    request_name=_lazy("the review request"),
    replied="review_replied_on",
    reply_text="review_reply_text",
)
REREVIEW = Stage(
    request=Action.REREVIEW_REQUEST,
    reply=Action.REREVIEW_REPLY,
    previous_reply="review_replied_on",
    previous_reply_name=_lazy("the review reply"),
    requested="rereview_requested_on",
    request_due="rereview_request_due",
    request_name=_lazy("the re-review request"),
    replied="rereview_replied_on",
    reply_text="rereview_reply_text",
)
STAGES = {"review": REVIEW, "rereview": REREVIEW}


def do_request_stage(
    stage: Stage, petition: Petition, *, requested_on: date, acting_user: User, note: str = ""
) -> Petition:
    """The petitioner asks for this stage's review (after the reply, or of a concluded file
    once per stage: the table's guard)."""
    begin(petition, stage.request, acting_user)
    _check_date(
        requested_on,
        "requested_on",
        not_before=getattr(petition, stage.previous_reply),
        before_what=stage.previous_reply_name,
    )
    due = getattr(petition, stage.request_due)
    late = due is not None and requested_on > due
    with transaction.atomic():
        return move(
            petition,
            stage.request,
            acting_user=acting_user,
            changes={stage.requested: requested_on, "concluded_on": None},
            on=requested_on,
            note=note,
            audit_extra={"after_window": late},
        )


def do_reply_stage(
    stage: Stage, petition: Petition, *, replied_on: date, text: str, acting_user: User
) -> Petition:
    """The reviewing body's answer at this stage."""
    begin(petition, stage.reply, acting_user)
    _check_date(
        replied_on,
        "replied_on",
        not_before=getattr(petition, stage.requested),
        before_what=stage.request_name,
    )
    if not text.strip():
        raise invalid("text", gettext_noop("The reply text is required."))
    with transaction.atomic():
        return move(
            petition,
            stage.reply,
            acting_user=acting_user,
            changes={stage.replied: replied_on, stage.reply_text: text.strip()},
            on=replied_on,
        )


def do_request_review(
    petition: Petition, *, requested_on: date, acting_user: User, note: str = ""
) -> Petition:
    return do_request_stage(REVIEW, petition, requested_on=requested_on, acting_user=acting_user, note=note)


def do_reply_review(petition: Petition, *, replied_on: date, text: str, acting_user: User) -> Petition:
    return do_reply_stage(REVIEW, petition, replied_on=replied_on, text=text, acting_user=acting_user)


def do_request_rereview(
    petition: Petition, *, requested_on: date, acting_user: User, note: str = ""
) -> Petition:
    return do_request_stage(REREVIEW, petition, requested_on=requested_on, acting_user=acting_user, note=note)


def do_reply_rereview(petition: Petition, *, replied_on: date, text: str, acting_user: User) -> Petition:
    return do_reply_stage(REREVIEW, petition, replied_on=replied_on, text=text, acting_user=acting_user)
