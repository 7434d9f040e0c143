"""Races in temporary relief (issue 15): two county clerks approving the same step of a grant at
once, and one approving while the other returns it — real processes at one barrier, through the
API (see ``youfu/core/tests/faults.py``).

Exactly one wins: the grant moves once, one step row and one audit record are written, and the
last step schedules exactly one payment; the other clerk gets a 409 in youfu's error envelope,
never a 500 or a second step.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import OneOffPayment
from youfu.core.tests.faults import Shared, answer_of, record_figures, steps
from youfu.relief.grants import services
from youfu.relief.grants.models import ChainStep, GrantState, ReliefGrant, ReliefStep
from youfu.relief.tests.factories_grants import apply, eligible_person, second_clerk
from youfu.testing import World, bearer, run_command

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CLERKS = ["clerk", "clerk2"]


@pytest.fixture
def shared(tmp_path: Path) -> Shared:
    return Shared(tmp_path)


def step_racer(
    i: int, wait: Callable[[], None], users: list[str], grant: int, actions: list[str]
) -> dict[str, Any]:
    headers = bearer(User.objects.get(username=users[i]))
    body = {"note": ""} if actions[i] == "approve" else {"reason": "材料不全，请补充"}
    client = Client()
    wait()
    started = time.monotonic()
    answer = client.post(
        f"/api/v1/relief/{grant}/{actions[i]}", json.dumps(body), content_type="application/json", **headers
    )
    return answer_of(answer, started)


def _at_county_step(world: World) -> ReliefGrant:
    """Applied in the village, approved by the township: the county's step is its last."""
    grant = apply(world, eligible_person(world), "800.00")
    grant = services.do_approve(grant, acting_user=world.township_clerk)
    assert (grant.state, grant.next_step) == (GrantState.PENDING, ChainStep.COUNTY)
    return grant


def _one_409(answers: list[dict[str, Any]]) -> None:
    assert not any("crashed" in a for a in answers), answers
    assert sorted(a["status"] for a in answers) == [200, 409], answers
    (loser,) = [a for a in answers if a["status"] == 409]
    assert set(loser["body"]["error"]) >= {"code", "message"}, loser


def test_two_clerks_taking_the_same_step_at_once_one_wins(world: World, shared: Shared) -> None:
    second_clerk(world)
    both_approve = _at_county_step(world)
    approve_or_return = _at_county_step(world)
    shared.push()
    approved, decided = steps(
        shared,
        [
            {
                "race": f"{__name__}.step_racer",
                "args": {"users": CLERKS, "grant": both_approve.pk, "actions": ["approve", "approve"]},
            },
            {
                "race": f"{__name__}.step_racer",
                "args": {"users": CLERKS, "grant": approve_or_return.pk, "actions": ["approve", "return"]},
            },
        ],
    )
    _one_409(approved)
    _one_409(decided)
    shared.pull()
    both_approve.refresh_from_db()
    assert both_approve.state == GrantState.APPROVED
    assert ReliefStep.objects.filter(grant=both_approve, step=ChainStep.COUNTY).count() == 1
    assert OneOffPayment.objects.filter(reference=f"relief:{both_approve.pk}").count() == 1
    approve_or_return.refresh_from_db()
    winner = next(i for i, a in enumerate(decided) if a["status"] == 200)
    expected = GrantState.APPROVED if winner == 0 else GrantState.RETURNED
    assert approve_or_return.state == expected
    assert ReliefStep.objects.filter(grant=approve_or_return, step=ChainStep.COUNTY).count() == 1
    paid = OneOffPayment.objects.filter(reference=f"relief:{approve_or_return.pk}").count()
    assert paid == (1 if expected == GrantState.APPROVED else 0)
    approvals = AuditEvent.objects.filter(event_type=EventType.RELIEF_APPROVED).count()
    assert approvals == 1 + paid
    code, out, err = run_command("verify-audit", "--json")
    assert code == 0, (out, err)
    record_figures("relief step", "race", 2, 2)
