"""The route walk's samples and payloads for needs's routes (see youfu/accounts/tests/walking.py).

The samples are township A's own: a round of 城关镇 (a township's round, so the outsider of
东岭镇 may not open it), the household check of 柳湾张三 in it, and a finding about him."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from youfu.accounts.tests.walking import STAFF, Access, Write, acl, api, page, person_a
from youfu.outreach.needs import services
from youfu.outreach.needs.models import Finding, HouseholdCheck, NeedsRound
from youfu.registry.models import Beneficiary, Household
from youfu.testing import World

WALK_ROUND = "城关镇2026年专项困难排查"


def _today() -> str:
    return timezone.localdate().isoformat()


def _later(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def walk_round(world: World) -> NeedsRound:
    found = NeedsRound.objects.filter(name=WALK_ROUND).first()  # scope: test data
    if found is not None:
        return found
    person = Beneficiary.objects.get(name="柳湾张三")  # scope: test data
    if person.household_id is None:
        home = Household.objects.create(region=world.village_a, address="柳湾村1号")
        Beneficiary.objects.filter(pk=person.pk).update(household=home)  # scope: test data
    return services.do_open_round(
        WALK_ROUND,
        world.township_a,
        timezone.localdate() + timedelta(days=30),
        acting_user=world.township_clerk,
    )


def walk_check(world: World) -> HouseholdCheck:
    person = Beneficiary.objects.get(name="柳湾张三")  # scope: test data
    round_ = walk_round(world)
    return HouseholdCheck.objects.get(round=round_, household_id=person.household_id)  # scope: test data


def walk_finding(world: World) -> Finding:
    round_ = walk_round(world)
    found = Finding.objects.filter(round=round_).first()  # scope: test data
    if found is not None:
        return found
    return services.do_record_finding(
        round_,
        Beneficiary.objects.get(name="柳湾张三"),  # scope: test data
        kind="housing",
        description="房屋漏雨",
        owner=world.township_clerk.username,
        due_on=timezone.localdate() + timedelta(days=20),
        acting_user=world.township_clerk,
    )


def _finding_form(world: World) -> dict[str, Any]:
    return {
        "action": "finding",
        "f-beneficiary": person_a(world),
        "f-kind": "medical",
        "f-description": "看病难",
        "f-owner": "township",
        "f-found_on": _today(),
        "f-due_on": _later(10),
    }


SAMPLES: dict[str, Callable[[World], Any]] = {
    "round_id": lambda w: walk_round(w).pk,
    "needs_check_id": lambda w: walk_check(w).pk,
    "finding_id": lambda w: walk_finding(w).pk,
}
WRITES: dict[tuple[str, str], Write] = {
    ("POST", "needs-checks/checks/<int:needs_check_id>/"): page(
        lambda w: [
            {"action": "no_difficulty", "nd-checked_on": _today(), "nd-note": "无困难"},
            _finding_form(w),
        ]
    ),
    ("POST", "needs-checks/rounds/<int:round_id>/no-difficulty/"): page(
        lambda w: {"check": [walk_check(w).pk], "nd-checked_on": _today(), "nd-note": "无困难"}
    ),
    ("POST", "needs-checks/findings/<int:finding_id>/"): page(
        lambda w: [
            {"action": "solve", "solve-solution": "已修缮", "solve-solved_on": _today()},
            {"action": "note", "note-note": "已联系施工队", "note-written_on": _today()},
            {"action": "reassign", "reassign-owner": "clerk"},
        ]
    ),
    ("POST", "needs-checks/rounds/<int:round_id>/close/"): page(lambda w: {"close-closed_on": _today()}),
    ("POST", "api/v1/needs-checks/rounds/<round_id>/close"): api(lambda w: {"closed_on": _today()}),
    ("POST", "api/v1/needs-checks/checks/<needs_check_id>/no-difficulty"): api(lambda w: {"note": "无困难"}),
    ("POST", "api/v1/needs-checks/rounds/<round_id>/findings"): api(
        lambda w: {
            "beneficiary": person_a(w),
            "kind": "medical",
            "description": "看病难",
            "owner": "township",
            "due_on": _later(10),
        }
    ),
    ("POST", "api/v1/needs-checks/findings/<finding_id>/solve"): api(
        lambda w: {"solution": "已修缮", "solved_on": _today()}
    ),
    ("POST", "api/v1/needs-checks/findings/<finding_id>/reassign"): api(lambda w: {"owner": "clerk"}),
    ("POST", "api/v1/needs-checks/findings/<finding_id>/notes"): api(lambda w: {"note": "已联系施工队"}),
}
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "needs-checks/new/"): page(
        lambda w: {"region": w.township_a.code, "name": "城关镇另一轮", "due_on": _later(30)}
    ),
    ("POST", "api/v1/needs-checks/rounds"): api(
        lambda w: {"region": w.township_a.code, "name": "城关镇另一轮", "due_on": _later(30)}
    ),
}
READ_ONLY: set[str] = set()
WRITES[("POST", "needs-checks/settings/")] = page(lambda w: {"period_months": "6"})

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "needs-checks/": acl(get=STAFF),
    "needs-checks/new/": acl(get="ct", post="ct"),
    "needs-checks/settings/": acl(get="l", post="l"),
    "needs-checks/rounds/<int:round_id>/": acl(get="cltv"),
    "needs-checks/rounds/<int:round_id>/no-difficulty/": acl(post="ctv"),
    "needs-checks/rounds/<int:round_id>/close/": acl(post="ct"),
    "needs-checks/rounds/<int:round_id>/export.xlsx": acl(get="cltv"),
    "needs-checks/checks/<int:needs_check_id>/": acl(
        get="cltv", post={"no_difficulty": "ctv", "finding": "ctv"}
    ),
    "needs-checks/findings/": acl(get=STAFF),
    "needs-checks/findings/export.xlsx": acl(get=STAFF),
    "needs-checks/findings/<int:finding_id>/": acl(
        get="cltv", post={"solve": "ctv", "note": "ctv", "reassign": "ctv"}
    ),
    "api/v1/needs-checks/rounds": acl(get=STAFF, post="ct"),
    "api/v1/needs-checks/rounds/<round_id>": acl(get="cltv"),
    "api/v1/needs-checks/rounds/<round_id>/close": acl(post="ct"),
    "api/v1/needs-checks/rounds/<round_id>/households": acl(get="cltv"),
    "api/v1/needs-checks/checks/<needs_check_id>/no-difficulty": acl(post="ctv"),
    "api/v1/needs-checks/rounds/<round_id>/findings": acl(post="ctv"),
    "api/v1/needs-checks/findings": acl(get=STAFF),
    "api/v1/needs-checks/findings/<finding_id>": acl(get="cltv"),
    "api/v1/needs-checks/findings/<finding_id>/solve": acl(post="ctv"),
    "api/v1/needs-checks/findings/<finding_id>/reassign": acl(post="ctv"),
    "api/v1/needs-checks/findings/<finding_id>/notes": acl(post="ctv"),
}

_CHECKED = "the walk's one household has a finding in the round: it is checked already"
NO_WITNESS = {
    "POST /needs-checks/checks/<int:needs_check_id>/ [no_difficulty]": _CHECKED,
    "POST /needs-checks/rounds/<int:round_id>/no-difficulty/": _CHECKED,
    "POST /api/v1/needs-checks/checks/<needs_check_id>/no-difficulty": _CHECKED,
}
