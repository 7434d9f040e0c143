"""A race in the visits (issue 15): two township clerks recording the same person's visit in the
same campaign at once — real processes at one barrier, through the API (see
``youfu/core/tests/faults.py``). Exactly one visit is recorded, with one audit record; the other
clerk gets a 409 ``already_visited`` in youfu's error envelope, never a 500 or a second visit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.roles import Role
from youfu.core.tests.faults import Shared, answer_of, race, record_figures
from youfu.outreach.tests.factories_visits import campaign, person
from youfu.outreach.visits.models import Visit
from youfu.testing import World, bearer, make_user, run_command

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared(tmp_path: Path) -> Shared:
    return Shared(tmp_path)


def visit_racer(i: int, wait: Callable[[], None], users: list[str], body: dict[str, Any]) -> dict[str, Any]:
    headers = bearer(User.objects.get(username=users[i]))
    payload = {**body, "visitors": f"{users[i]}、村干部"}
    client = Client()
    wait()
    started = time.monotonic()
    answer = client.post("/api/v1/visits", json.dumps(payload), content_type="application/json", **headers)
    return answer_of(answer, started)


def test_two_clerks_recording_the_same_visit_at_once_one_records_it(world: World, shared: Shared) -> None:
    make_user("township2", Role.TOWNSHIP_CLERK, world.township_a)
    who = person(world)
    held = campaign(world)
    shared.push()
    body = {
        "campaign": held.pk,
        "beneficiary": who.pk,
        "visited_on": timezone.localdate().isoformat(),
        "money": "500.00",
        "goods": "米一袋",
    }
    answers = race(shared, f"{__name__}.visit_racer", users=["township", "township2"], body=body)
    assert not any("crashed" in a for a in answers), answers
    assert sorted(a["status"] for a in answers) == [201, 409], answers
    (loser,) = [a for a in answers if a["status"] == 409]
    assert loser["body"]["error"]["code"] == "already_visited", loser
    shared.pull()
    assert Visit.objects.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.VISIT_RECORDED).count() == 1
    code, out, err = run_command("verify-audit", "--json")
    assert code == 0, (out, err)
    record_figures("visit", "race", 1, 1)
