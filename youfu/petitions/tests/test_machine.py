"""One petition state machine: for every stage a petition can be in and every role that
works on petitions, the petition page offers, and the API accepts, exactly the actions the
transition table gives. A rule added in one place only (a page filter, an API check, a
service condition) makes this fail."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.petitions.models import Petition, State
from youfu.petitions.selectors import petitions_for
from youfu.petitions.services import (
    EXTENSION_TRANSITIONS,
    PETITION_TRANSITIONS,
    Action,
    do_accept_petition,
    do_conclude_petition,
    do_decline_petition,
    do_forward_petition,
    do_link_repeat,
    do_reply_petition,
    do_reply_rereview,
    do_reply_review,
    do_request_extension,
    do_request_rereview,
    do_request_review,
    do_start_petition,
    live_extension,
)
from youfu.petitions.services.transitions import Who, is_in_role
from youfu.petitions.tests.factories import petitioner, register
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 16)  # the conftest's clock: every step is taken today


def _new(world: World) -> Petition:
    return register(world.township_clerk, world.township_a, received_on=TODAY, petitioners=[petitioner()])


def _assigned(world: World) -> Petition:
    p = _new(world)
    return do_accept_petition(
        p,
        accepted_on=TODAY,
        handling_unit=world.department,
        lead=world.leader,
        acting_user=world.county_clerk,
    )


def _started(world: World) -> Petition:
    return do_start_petition(_assigned(world), started_on=TODAY, acting_user=world.county_clerk)


def _replied(world: World) -> Petition:
    return do_reply_petition(_started(world), replied_on=TODAY, text="答复", acting_user=world.county_clerk)


def _review_requested(world: World) -> Petition:
    return do_request_review(_replied(world), requested_on=TODAY, acting_user=world.county_clerk)


def _review_replied(world: World) -> Petition:
    p = _review_requested(world)
    return do_reply_review(p, replied_on=TODAY, text="复查意见", acting_user=world.county_clerk)


def _rereview_requested(world: World) -> Petition:
    return do_request_rereview(_review_replied(world), requested_on=TODAY, acting_user=world.county_clerk)


def _rereview_replied(world: World) -> Petition:
    p = _rereview_requested(world)
    return do_reply_rereview(p, replied_on=TODAY, text="复核意见", acting_user=world.county_clerk)


def _concluded(build: Callable[[World], Petition]) -> Callable[[World], Petition]:
    return lambda world: do_conclude_petition(
        build(world), concluded_on=TODAY, acting_user=world.county_clerk
    )


def _extension_pending(world: World) -> Petition:
    p = _started(world)
    do_request_extension(p, days=10, reason="调档", acting_user=world.county_clerk)
    return p


def _replied_while_extension_pending(world: World) -> Petition:
    # The request can still be refused (closed), but no longer approved: the matter is replied.
    p = _extension_pending(world)
    return do_reply_petition(p, replied_on=TODAY, text="答复", acting_user=world.county_clerk)


def _extended(world: World) -> Petition:
    p = _started(world)
    do_request_extension(p, days=10, reason="调档", acting_user=world.leader)
    return p


def _repeat(world: World) -> Petition:
    original = _new(world)
    return do_link_repeat(_new(world), original=original, acting_user=world.county_clerk)


SCENARIOS: dict[str, Callable[[World], Petition]] = {
    "registered": _new,
    "accepted": lambda w: do_accept_petition(_new(w), accepted_on=TODAY, acting_user=w.county_clerk),
    "declined": lambda w: do_decline_petition(
        _new(w), declined_on=TODAY, reason="不属于受理范围", notice_text="告知书", acting_user=w.county_clerk
    ),
    "forwarded": lambda w: do_forward_petition(
        _new(w), forwarded_on=TODAY, forwarded_to="县人社局", acting_user=w.county_clerk
    ),
    "repeat": _repeat,
    "assigned": _assigned,
    "in_progress": _started,
    "extension_pending": _extension_pending,
    "extended": _extended,
    "replied_while_extension_pending": _replied_while_extension_pending,
    "replied": _replied,
    "review_requested": _review_requested,
    "review_replied": _review_replied,
    "rereview_requested": _rereview_requested,
    "rereview_replied": _rereview_replied,
    "concluded_after_reply": _concluded(_replied),
    "concluded_after_review": _concluded(_review_replied),
    "concluded_after_rereview": _concluded(_rereview_replied),
}

ROLES = ("county_clerk", "township_clerk", "liaison", "leader", "village_assistant")


def table_says(p: Petition, user: User) -> set[str]:
    """The table, read directly: rows from the petition's state whose guard holds and whose
    role the user has (an extension row: the extension's own table from its state)."""
    live = live_extension(p)
    extension_state = live.state if live is not None else None
    allowed = set()
    for (state, action), row in PETITION_TRANSITIONS.items():
        if state != p.state or not row.guard(p):
            continue
        if row.who is Who.EXTENSION:
            ok = any(
                (t := EXTENSION_TRANSITIONS.get((extension_state, x))) is not None and user.can(t.capability)
                for x in row.extension
            )
        else:
            ok = is_in_role(row.who, user)
        if ok:
            allowed.add(str(action))
    return allowed


def _payloads(world: World, p: Petition, original: Petition) -> dict[str, tuple[str, dict[str, Any]]]:
    today = TODAY.isoformat()
    reply = {"replied_on": today, "text": "答复意见"}
    return {
        Action.ACCEPT: ("accept", {"accepted_on": today}),
        Action.DECLINE: (
            "decline",
            {"declined_on": today, "reason": "不属于受理范围", "notice_text": "告知书"},
        ),
        Action.FORWARD: ("forward", {"forwarded_on": today, "forwarded_to": "县人社局"}),
        Action.LINK_REPEAT: ("link-repeat", {"original": original.pk}),
        Action.ROUTE: ("route", {"region": world.township_b.code}),
        Action.ASSIGN: ("assign", {"handling_unit": world.department.pk, "lead": world.leader.username}),
        Action.START: ("start", {"started_on": today}),
        Action.EXTEND: ("extend", {"days": 10, "reason": "调档"}),
        Action.EXTENSION_APPROVE: ("extend/approve", {}),
        Action.EXTENSION_REFUSE: ("extend/refuse", {"reason": "不必延期"}),
        Action.REPLY: ("reply", reply),
        Action.REVIEW_REQUEST: ("review-request", {"requested_on": today}),
        Action.REVIEW_REPLY: ("review-reply", reply),
        Action.REREVIEW_REQUEST: ("rereview-request", {"requested_on": today}),
        Action.REREVIEW_REPLY: ("rereview-reply", reply),
        Action.CONCLUDE: ("conclude", {"concluded_on": today}),
        Action.RATE: ("satisfaction", {"rating": "satisfied"}),
        Action.BENEFICIARY: ("beneficiary", {"beneficiary": None}),
    }


def test_every_action_has_an_api_payload_here(world: World) -> None:
    p = _new(world)
    assert set(_payloads(world, p, p)) == set(Action)


def _page_actions(client: Client, p: Petition) -> set[str] | None:
    response = client.get(f"/petitions/{p.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(re.findall(r'data-action="([a-z_]+)"', response.content.decode()))


def _api_accepts(client: Client, key: str, world: World, p: Petition, original: Petition) -> set[str]:
    accepted = set()
    for action, (path, body) in _payloads(world, p, original).items():
        # Each try is undone, so that every action is tried on the same petition.
        with transaction.atomic():
            response = client.post(
                f"/api/v1/petitions/{p.pk}/{path}",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            transaction.set_rollback(True)
        assert response.status_code in (200, 400, 403, 404, 409), (action, response.content)
        if response.status_code == 200:
            accepted.add(str(action))
    return accepted


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_page_and_the_api_offer_what_the_table_says(world: World, scenario: str) -> None:
    p = SCENARIOS[scenario](world)
    p.refresh_from_db()
    # The repeat's original: an open matter of the same petitioner.
    original = _new(world)
    seen_any = False
    for role in ROLES:
        user: User = getattr(world, role)
        client = Client()
        log_in(client, user)
        key, _ = do_issue_token(user, acting_user=user)
        page = _page_actions(client, p)
        api = _api_accepts(client, key, world, p, original)
        if not petitions_for(user).filter(pk=p.pk).exists():
            assert page is None and api == set(), (scenario, role)
            continue
        seen_any = True
        expected = table_says(p, user)
        assert page == expected, (scenario, role, "page")
        assert api == expected, (scenario, role, "api")
        assert Petition.objects.get(pk=p.pk).state == p.state  # every try was undone
    assert seen_any


def test_a_row_names_the_deadline_it_starts(world: World) -> None:
    from youfu.petitions.models import DUE_FIELDS

    p = _replied(world)
    row = PETITION_TRANSITIONS[(State.IN_PROGRESS, Action.REPLY)]
    assert row.starts is not None and getattr(p, DUE_FIELDS[row.starts]) is not None
    assert PETITION_TRANSITIONS[(State.REGISTERED, Action.ACCEPT)].to_state == State.ACCEPTED


def test_the_page_can_run_every_action_of_the_table() -> None:
    from youfu.petitions.views_detail import ACTION_LABELS, ACTIONS

    assert set(ACTIONS) == {str(a) for a in Action} == set(ACTION_LABELS)
