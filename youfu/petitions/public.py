"""What a petitioner sees of their matter: receipt code + the last four digits of the
phone number → state, dates, the deadlines that apply, the reply once given.

No staff names and no internal notes are shown. A wrong code, a wrong phone and an
unknown code all get the same answer; failed tries are limited per client and per code,
but the right code and phone pair is never refused because of someone else's tries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from youfu.core.errors import InvalidInput, NotFound, YoufuError
from youfu.core.messages import Message
from youfu.petitions.codes import CodeShape, format_code, normalize_code
from youfu.petitions.models import DeadlineKind, Petition, Satisfaction, State
from youfu.petitions.ratelimit import lookup_refused, record_failure
from youfu.petitions.services import Action, from_states

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the petitioner's own lookup has no user: the receipt code and the phone tail together are "
    "the key, and failed tries are limited"
)

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
    ``InvalidInput`` for a code with a typo, ``TooManyAttempts`` when this client is held
    back on this code (``ratelimit``: only by its own failures, never by other people's)."""
    code, shape = normalize_code(raw_code)
    tail = re.sub(r"\D", "", phone_tail or "")
    petition = None
    if shape == CodeShape.OK and len(tail) == 4:
        # One query whatever is wrong: the code and the phone are checked together, and
        # before the limits, so that a held-back try costs what any other does.
        petition = (
            Petition.objects.select_related("handling_unit", "repeat_of", "repeat_of__handling_unit")
            .filter(receipt_code=code, petitioners__phone_tail=tail)
            .first()
        )
    if lookup_refused(ip, code):
        raise TooManyAttempts(TOO_MANY)
    if shape == CodeShape.TYPO:
        # Never a real code (its check character is wrong): not a guess, not counted.
        raise InvalidInput(TYPO, code="receipt_code_typo", fields={"receipt_code": TYPO})
    if petition is None:
        # A wrong pair and an unknown code count alike, so they are answered alike too.
        record_failure(ip, code)
        raise NoMatch(NO_MATCH)
    return petition


@dataclass(frozen=True)
class Shown:
    """The petition the public sees for a code: a repeat shows the case it was linked to
    when the person who asked is a petitioner of that case too."""

    code: str
    petition: Petition
    is_repeat: bool


def _asker_in(petition: Petition, original: Petition, phone_tail: str | None) -> bool:
    """Whether the petitioner whose phone ends in ``phone_tail`` (the one who asked) is also a
    petitioner of ``original``: the same ID number (blind index) or the same phone."""
    tail = re.sub(r"\D", "", phone_tail or "")
    if len(tail) != 4:
        return False
    keys = list(petition.petitioners.filter(phone_tail=tail).values_list("id_number_index", "phone"))
    same_person = Q(pk__in=[])
    for index, phone in keys:
        if index:
            same_person |= Q(id_number_index=index)
        if phone:
            same_person |= Q(phone=phone)
    return original.petitioners.filter(same_person).exists()


def shown_for(petition: Petition, phone_tail: str | None = None) -> Shown:
    """A public page shows only what belongs to the code and phone it was asked with: the
    case a repeat was joined to only when the asker is a petitioner of that case as well
    (a link made before links were checked, or a group member not named in the earlier
    case, sees their own petition and no more)."""
    original = petition.repeat_of if petition.repeat_of_id is not None else None
    if original is not None and _asker_in(petition, original, phone_tail):
        return Shown(petition.receipt_code, original, True)
    return Shown(petition.receipt_code, petition, petition.repeat_of_id is not None)


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


def public_status(petition: Petition, phone_tail: str | None = None) -> dict[str, Any]:
    shown = shown_for(petition, phone_tail)
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
        "can_rate": p.state in from_states(Action.RATE),
        "review_advice": review_advice(p) if p.satisfaction == Satisfaction.DISSATISFIED else "",
        "timeline": events,
    }
