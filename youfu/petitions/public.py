"""What a petitioner sees of their matter: receipt code + the last four digits of the
phone number → state, dates, the deadlines that apply, the reply once given.

No staff names and no internal notes are shown. A wrong code, a wrong phone and an
unknown code all get the same answer; attempts are rate-limited per IP and per code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop

from youfu.core.errors import InvalidInput, NotFound, YoufuError
from youfu.core.messages import Message
from youfu.petitions.codes import CodeShape, format_code, normalize_code
from youfu.petitions.models import DeadlineKind, Petition, Satisfaction, State
from youfu.petitions.ratelimit import lookup_allowed
from youfu.petitions.services import RATEABLE

NO_MATCH = Message(gettext_noop("No matter matches this receipt code and phone number."))
TYPO = Message(
    gettext_noop("This receipt code contains a typo (its check character does not match); please check it.")
)
TOO_MANY = Message(
    gettext_noop("Too many attempts. Please try again in an hour, or call the petition office.")
)


class TooManyAttempts(YoufuError):
    status = 429
    code = "too_many_requests"


class NoMatch(NotFound):
    pass


def find_for_petitioner(raw_code: str, phone_tail: str, *, ip: str | None) -> Petition:
    """The petition the code and phone tail identify, or ``NoMatch`` (always the same),
    ``InvalidInput`` for a code with a typo, ``TooManyAttempts`` when rate-limited."""
    code, shape = normalize_code(raw_code)
    if not lookup_allowed(ip, code):
        raise TooManyAttempts(TOO_MANY)
    if shape == CodeShape.TYPO:
        raise InvalidInput(TYPO, code="receipt_code_typo", fields={"receipt_code": TYPO})
    tail = re.sub(r"\D", "", phone_tail or "")
    if shape != CodeShape.OK or len(tail) != 4:
        raise NoMatch(NO_MATCH)
    # One query whatever is wrong: the code and the phone are checked together.
    petition = (
        Petition.objects.select_related("handling_unit", "repeat_of", "repeat_of__handling_unit")
        .filter(receipt_code=code, petitioners__phone_tail=tail)
        .first()
    )
    if petition is None:
        raise NoMatch(NO_MATCH)
    return petition


@dataclass(frozen=True)
class Shown:
    """The petition the public sees for a code: a repeat shows the case it was linked to."""

    code: str
    petition: Petition
    is_repeat: bool


def shown_for(petition: Petition) -> Shown:
    if petition.repeat_of_id is not None and petition.repeat_of is not None:
        return Shown(petition.receipt_code, petition.repeat_of, True)
    return Shown(petition.receipt_code, petition, False)


def applicable_deadlines(p: Petition) -> list[dict[str, Any]]:
    """The deadlines that bind the bureau or the petitioner at the matter's stage."""
    rows: list[tuple[str, Any]] = []
    if p.state == State.REGISTERED:
        rows.append((DeadlineKind.ACCEPT, p.accept_due))
    if p.state in (State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED):
        rows.append((DeadlineKind.HANDLE, p.handle_due))
    if p.state in (State.REPLIED, State.CONCLUDED) and p.review_requested_on is None and p.replied_on:
        rows.append((DeadlineKind.REVIEW_REQUEST, p.review_request_due))
    if p.state == State.REVIEW_REQUESTED:
        rows.append((DeadlineKind.REVIEW, p.review_due))
    if (
        p.state in (State.REVIEW_REPLIED, State.CONCLUDED)
        and p.review_replied_on
        and not p.rereview_requested_on
    ):
        rows.append((DeadlineKind.REREVIEW_REQUEST, p.rereview_request_due))
    if p.state == State.REREVIEW_REQUESTED:
        rows.append((DeadlineKind.REREVIEW, p.rereview_due))
    return [
        {"kind": str(kind), "label": str(DeadlineKind(kind).label), "due": due} for kind, due in rows if due
    ]


def review_advice(p: Petition) -> str:
    """How and until when a review (or re-review) can be requested, for a dissatisfied
    petitioner. Empty when no request is open to them."""
    if p.replied_on and p.review_requested_on is None and p.review_request_due:
        return gettext(
            "If you do not accept the reply, you may ask for a review (复查) in writing by "
            "%(due)s, addressed to the authority one level above the handling unit "
            "(%(unit)s). Quote your receipt code. (信访工作条例 Art. 35)"
        ) % {
            "due": p.review_request_due.isoformat(),
            "unit": p.handling_unit.name if p.handling_unit else "-",
        }
    if p.review_replied_on and p.rereview_requested_on is None and p.rereview_request_due:
        return gettext(
            "If you do not accept the review opinion, you may ask for a re-review (复核) in "
            "writing by %(due)s, addressed to the authority one level above the reviewing "
            "authority. Quote your receipt code. (信访工作条例 Art. 36)"
        ) % {"due": p.rereview_request_due.isoformat()}
    return ""


def public_status(petition: Petition) -> dict[str, Any]:
    shown = shown_for(petition)
    p = shown.petition
    replied = p.replied_on is not None
    events = [
        {"on": e.on or e.at.date(), "state": e.to_state, "label": str(State(e.to_state).label)}
        for e in p.events.order_by("at", "pk")
        if e.from_state != e.to_state
    ]
    return {
        "receipt_code": format_code(shown.code),
        "linked_to_earlier_case": shown.is_repeat,
        "state": p.state,
        "state_label": str(State(p.state).label),
        "received_on": petition.received_on,
        "accepted_on": p.accepted_on,
        "declined_on": p.declined_on,
        "decline_notice": p.decline_notice,
        "forwarded_on": p.forwarded_on,
        "forwarded_to": p.forwarded_to,
        "handling_unit": p.handling_unit.name if p.handling_unit else None,
        "extension_days": p.extension_days,
        "extension_reason": p.extension_reason,
        "replied_on": p.replied_on,
        "reply_text": p.reply_text if replied else "",
        "review_requested_on": p.review_requested_on,
        "review_replied_on": p.review_replied_on,
        "review_reply_text": p.review_reply_text,
        "rereview_requested_on": p.rereview_requested_on,
        "rereview_replied_on": p.rereview_replied_on,
        "rereview_reply_text": p.rereview_reply_text,
        "concluded_on": p.concluded_on,
        "accept_due": p.accept_due,
        "handle_due": p.handle_due,
        "review_request_due": p.review_request_due,
        "review_due": p.review_due,
        "rereview_request_due": p.rereview_request_due,
        "rereview_due": p.rereview_due,
        "deadlines": applicable_deadlines(p),
        "calendar_complete": p.calendar_complete,
        "satisfaction": p.satisfaction,
        "can_rate": p.state in RATEABLE,
        "review_advice": review_advice(p) if p.satisfaction == Satisfaction.DISSATISFIED else "",
        "timeline": events,
    }
