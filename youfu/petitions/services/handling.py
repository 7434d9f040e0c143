"""Working on an accepted matter: start, reply, conclude, the petitioner's satisfaction, and
the deadlines recomputed when the calendar changes."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.workdays import WorkCalendar
from youfu.petitions import deadlines
from youfu.petitions.models import (
    DUE_FIELDS,
    Petition,
    Satisfaction,
)
from youfu.petitions.services._common import (
    _check_date,
    _latest,
    _require_visible,
    _today,
    begin,
)
from youfu.petitions.services.transitions import (
    RECOMPUTE,
    Action,
    _transition,
    move,
    require_role,
    row_for,
)
from youfu.petitions.validation import invalid

# --- handling ------------------------------------------------------------------------------


def do_start_petition(
    petition: Petition, *, acting_user: User, started_on: date | None = None, note: str = ""
) -> Petition:
    begin(petition, Action.START, acting_user)
    started_on = started_on or _today()
    _check_date(started_on, "started_on", not_before=petition.assigned_on, before_what=_lazy("assignment"))
    with transaction.atomic():
        return move(
            petition,
            Action.START,
            acting_user=acting_user,
            changes={"started_on": started_on},
            on=started_on,
            note=note,
        )


def do_reply_petition(petition: Petition, *, replied_on: date, text: str, acting_user: User) -> Petition:
    """The written reply (答复意见书)."""
    begin(petition, Action.REPLY, acting_user)
    _check_date(
        replied_on,
        "replied_on",
        not_before=_latest(petition.accepted_on, petition.assigned_on, petition.started_on),
        before_what=_lazy("the previous step"),
    )
    if not text.strip():
        raise invalid("text", gettext_noop("The reply text is required."))
    with transaction.atomic():
        return move(
            petition,
            Action.REPLY,
            acting_user=acting_user,
            changes={
                "replied_on": replied_on,
                "reply_text": text.strip(),
                "days_to_reply": (replied_on - petition.received_on).days,
            },
            on=replied_on,
        )


def do_conclude_petition(
    petition: Petition, *, acting_user: User, concluded_on: date | None = None, note: str = ""
) -> Petition:
    """Close the file (办结) after a reply."""
    begin(petition, Action.CONCLUDE, acting_user)
    concluded_on = concluded_on or _today()
    _check_date(
        concluded_on,
        "concluded_on",
        not_before=_latest(petition.replied_on, petition.review_replied_on, petition.rereview_replied_on),
        before_what=_lazy("the last reply"),
    )
    with transaction.atomic():
        return move(
            petition,
            Action.CONCLUDE,
            acting_user=acting_user,
            changes={"concluded_on": concluded_on},
            on=concluded_on,
            note=note,
        )


def do_rate_petition(petition: Petition, *, rating: str, comment: str, acting_user: User | None) -> Petition:
    """The petitioner's satisfaction with the reply (满意 / 基本满意 / 不满意); from the
    public lookup (``acting_user=None``) or recorded by a clerk who asked by phone."""
    if acting_user is not None:
        require_role(Action.RATE, acting_user)
        _require_visible(petition, acting_user)
    row_for(petition, Action.RATE)
    if rating not in Satisfaction.values:
        raise invalid(
            "rating",
            gettext_noop("Choose one of %(choices)s."),
            {"choices": ", ".join(Satisfaction.values)},
        )
    with transaction.atomic():
        return move(
            petition,
            Action.RATE,
            acting_user=acting_user,
            changes={
                "satisfaction": rating,
                "satisfaction_comment": comment.strip()[:2000],
                "rated_at": timezone.now(),
            },
            on=_today(),
            note=rating,
        )


# --- the calendar changed ------------------------------------------------------------------


def recompute_deadlines(*, acting_user: User | None, since: date) -> int:
    """Recompute the stored deadlines of every petition that may depend on calendar days
    from ``since`` on (any deadline on or after it), auditing each change. Run in the
    calendar import's transaction."""
    calendar = WorkCalendar()
    touches = Q()
    for name in DUE_FIELDS.values():
        touches |= Q(**{f"{name}__gte": since})
    changed = 0
    for petition in Petition.objects.filter(touches).order_by("pk").iterator(chunk_size=500):
        values = deadlines.compute(petition, calendar)
        if all(getattr(petition, k) == v for k, v in values.items()):
            continue
        _transition(
            petition,
            RECOMPUTE,
            acting_user=acting_user,
            allowed_from={petition.state},
            to_state=None,
            changes={},
            on=None,
            calendar=calendar,
            note="calendar",
        )
        changed += 1
    return changed


def on_calendar_changed(sender: object, *, since: date, acting_user: User | None, **kwargs: object) -> int:
    return recompute_deadlines(acting_user=acting_user, since=since)
