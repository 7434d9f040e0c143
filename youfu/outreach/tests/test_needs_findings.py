"""Needs-check findings through the API: recording one checks the household, each refusal changes
nothing, a finding closes only with a written solution (twice is a 409), owners are checked, the
outstanding list puts overdue findings first, and another township's records are a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.roles import Role
from youfu.outreach.needs import services
from youfu.outreach.needs.models import (
    CheckOutcome,
    FindingState,
)
from youfu.outreach.tests.factories_needs import (
    NOW,
    TODAY,
    check_of,
    finding,
    household,
    needs_rows,
    needs_today,  # noqa: F401
    open_round,
)
from youfu.registry.categories import Category
from youfu.registry.models import Household
from youfu.testing import World, api_get, api_post, make_user

pytestmark = pytest.mark.django_db


def _state() -> tuple[Any, ...]:
    return (*needs_rows(), AuditEvent.objects.exclude(event_type__gte=900).count())


@pytest.fixture
def setup(world: World) -> dict[str, Any]:
    home, person = household(world, world.village_a, Category.DISABLED_VETERAN, name="柳湾张三")
    round_ = open_round(world)
    return {"home": home, "person": person, "round": round_}


def _new(setup: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "beneficiary": setup["person"].pk,
        "kind": "medical",
        "description": "慢性病用药负担重",
        "owner": "township",
        "due_on": (TODAY + timedelta(days=30)).isoformat(),
    }
    body.update(changes)
    return body


class TestRecording:
    def test_it_answers_201_and_checks_the_household_with_findings(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        response = api_post(
            client,
            world.village_assistant,
            f"/api/v1/needs-checks/rounds/{setup['round'].pk}/findings",
            _new(setup),
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["kind"], body["owner"], body["state"], body["found_on"]) == (
            "medical",
            "township",
            "open",
            TODAY.isoformat(),
        )
        check = check_of(setup["round"], setup["home"])
        assert (check.outcome, check.checked_on, check.checked_by) == (
            CheckOutcome.FINDINGS,
            TODAY,
            world.village_assistant,
        )
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_FINDING_RECORDED)
        assert event.new["owner"] == "township" and "description" not in event.new

    def test_a_household_checked_with_no_difficulty_can_still_get_a_finding(
        self, world: World, setup: dict[str, Any]
    ) -> None:
        check = check_of(setup["round"], setup["home"])
        services.do_check_no_difficulty(
            setup["round"], [check.pk], checked_on=TODAY, acting_user=world.township_clerk
        )
        finding(world, setup["round"], setup["person"])
        check.refresh_from_db()
        assert check.outcome == CheckOutcome.FINDINGS

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"description": "   "}, "description"),
            ({"kind": "risk"}, "kind"),
            ({"due_on": (TODAY - timedelta(days=1)).isoformat()}, "due_on"),
            ({"found_on": (TODAY + timedelta(days=1)).isoformat()}, "found_on"),
            ({"found_on": (TODAY - timedelta(days=1)).isoformat()}, "found_on"),  # before the round opened
            ({"owner": "nobody"}, "owner"),
            ({"owner": "inactive"}, "owner"),
            ({"owner": "outsider"}, "owner"),  # another township: does not cover the person
            ({"owner": "leader"}, "owner"),  # no casework
            ({"owner": "liaison"}, "owner"),  # a department's casework, not households'
            ({"owner": "auditor"}, "owner"),
            ({"beneficiary": "not_in_round"}, "beneficiary"),
            ({"beneficiary": "no_household"}, "beneficiary"),
        ],
    )
    def test_each_refusal_is_a_400_and_changes_nothing(
        self, world: World, client: Client, setup: dict[str, Any], changes: dict[str, Any], field: str
    ) -> None:
        make_user("inactive", Role.TOWNSHIP_CLERK, world.township_a, is_active=False)
        if changes.get("beneficiary") == "not_in_round":
            # a household made after the round opened: not in its snapshot
            changes["beneficiary"] = household(world, world.village_a)[1].pk
        elif changes.get("beneficiary") == "no_household":
            person = household(world, world.village_a)[1]
            person.household = None
            person.save(update_fields=["household"])
            changes["beneficiary"] = person.pk
        before = _state()
        response = api_post(
            client,
            world.township_clerk,
            f"/api/v1/needs-checks/rounds/{setup['round'].pk}/findings",
            _new(setup, **changes),
        )
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"], response.json()
        assert _state() == before

    def test_a_person_outside_a_township_round_is_refused(self, world: World, client: Client) -> None:
        _home_b, person_b = household(world, world.village_b)
        round_a = open_round(world, world.township_a)
        before = _state()
        response = api_post(
            client,
            world.county_clerk,
            f"/api/v1/needs-checks/rounds/{round_a.pk}/findings",
            _new({"person": person_b}),
        )
        assert response.status_code == 400
        assert (
            response.json()["error"]["fields"] == {"beneficiary": "此人不住在本轮排查的地区。"}
            or "beneficiary" in response.json()["error"]["fields"]
        )
        assert _state() == before

    def test_a_closed_round_takes_no_finding(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        open_round(world, name="下一轮")
        before = _state()
        response = api_post(
            client,
            world.township_clerk,
            f"/api/v1/needs-checks/rounds/{setup['round'].pk}/findings",
            _new(setup),
        )
        assert response.status_code == 409
        assert _state() == before


class TestSolving:
    def test_it_is_solved_with_a_solution_and_audited(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        response = api_post(
            client,
            world.township_clerk,
            f"/api/v1/needs-checks/findings/{f.pk}/solve",
            {"solution": "已申请医疗救助", "solved_on": TODAY.isoformat()},
        )
        assert response.status_code == 200, response.content
        assert (response.json()["state"], response.json()["solved_by"]) == ("solved", "township")
        f.refresh_from_db()
        assert (f.state, f.solution, f.solved_on) == (FindingState.SOLVED, "已申请医疗救助", TODAY)
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_FINDING_SOLVED)
        assert (event.old, event.new) == (
            {"state": "open"},
            {"state": "solved", "solved_on": TODAY.isoformat()},
        )

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"solution": "", "solved_on": TODAY.isoformat()}, "solution"),
            ({"solution": " \u3000\n ", "solved_on": TODAY.isoformat()}, "solution"),
            ({"solution": "已解决", "solved_on": (TODAY - timedelta(days=1)).isoformat()}, "solved_on"),
            ({"solution": "已解决", "solved_on": (TODAY + timedelta(days=1)).isoformat()}, "solved_on"),
            ({"solved_on": TODAY.isoformat()}, "solution"),
        ],
    )
    def test_each_refusal_is_a_400_and_changes_nothing(
        self, world: World, client: Client, setup: dict[str, Any], body: dict[str, Any], field: str
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        before = _state()
        response = api_post(client, world.township_clerk, f"/api/v1/needs-checks/findings/{f.pk}/solve", body)
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"]
        assert _state() == before

    def test_solving_twice_is_a_409_and_changes_nothing(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        url = f"/api/v1/needs-checks/findings/{f.pk}/solve"
        assert (
            api_post(
                client,
                world.township_clerk,
                url,
                {"solution": "已解决", "solved_on": TODAY.isoformat()},
            ).status_code
            == 200
        )
        before = _state()
        again = api_post(
            client,
            world.county_clerk,
            url,
            {"solution": "另一种办法", "solved_on": TODAY.isoformat()},
        )
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "finding_solved"
        assert _state() == before

    def test_a_leader_reads_but_may_not_solve(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        before = _state()
        assert api_get(client, world.leader, f"/api/v1/needs-checks/findings/{f.pk}").status_code == 200
        response = api_post(
            client,
            world.leader,
            f"/api/v1/needs-checks/findings/{f.pk}/solve",
            {"solution": "x", "solved_on": TODAY.isoformat()},
        )
        assert response.status_code == 403
        assert _state() == before


class TestFollowingUp:
    def test_reassigning_is_audited_and_checks_the_new_owner(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        url = f"/api/v1/needs-checks/findings/{f.pk}/reassign"
        before = _state()
        assert api_post(client, world.county_clerk, url, {"owner": "outsider"}).status_code == 400
        assert _state() == before
        response = api_post(client, world.county_clerk, url, {"owner": "village"})
        assert response.status_code == 200 and response.json()["owner"] == "village"
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_FINDING_REASSIGNED)
        assert (event.old, event.new) == ({"owner": "township"}, {"owner": "village"})

    def test_progress_notes_are_kept_in_order_and_refused_once_solved(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        url = f"/api/v1/needs-checks/findings/{f.pk}/notes"
        response = api_post(client, world.township_clerk, url, {"note": "已联系镇卫生院"})
        assert response.status_code == 201
        assert [n["note"] for n in response.json()["notes"]] == ["已联系镇卫生院"]
        assert api_post(client, world.township_clerk, url, {"note": "  "}).status_code == 400
        services.do_solve_finding(f, solution="已解决", solved_on=TODAY, acting_user=world.township_clerk)
        before = _state()
        assert api_post(client, world.township_clerk, url, {"note": "补充"}).status_code == 409
        assert _state() == before

    def test_no_difficulty_through_the_api_once(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        check = check_of(setup["round"], setup["home"])
        url = f"/api/v1/needs-checks/checks/{check.pk}/no-difficulty"
        response = api_post(client, world.village_assistant, url, {"note": "生活稳定"})
        assert response.status_code == 200, response.content
        assert (response.json()["outcome"], response.json()["checked_by"]) == ("no_difficulty", "village")
        before = _state()
        assert api_post(client, world.village_assistant, url, {}).status_code == 409
        assert api_post(client, world.village_assistant, url, {"checked_on": "2026-05-16"}).status_code in (
            400,
            409,
        )
        assert _state() == before


class TestOutstanding:
    def test_overdue_first_then_by_due_date_paginated(
        self, world: World, client: Client, setup: dict[str, Any], time_machine: TimeMachineFixture
    ) -> None:
        person = setup["person"]
        late = finding(world, setup["round"], person, due_on=TODAY + timedelta(days=5), kind="income")
        later = finding(world, setup["round"], person, due_on=TODAY + timedelta(days=3), kind="housing")
        soon = finding(world, setup["round"], person, due_on=TODAY + timedelta(days=40), kind="schooling")
        soonest = finding(world, setup["round"], person, due_on=TODAY + timedelta(days=20), kind="employment")
        done = finding(world, setup["round"], person, due_on=TODAY + timedelta(days=1), kind="other")
        services.do_solve_finding(done, solution="已解决", solved_on=TODAY, acting_user=world.township_clerk)
        time_machine.move_to(NOW + timedelta(days=10), tick=False)

        response = api_get(client, world.county_clerk, "/api/v1/needs-checks/findings", {"state": "open"})
        body = response.json()
        assert body["count"] == 4
        assert [r["id"] for r in body["results"]] == [later.pk, late.pk, soonest.pk, soon.pk]
        assert [r["overdue"] for r in body["results"]] == [True, True, False, False]
        page = api_get(
            client,
            world.county_clerk,
            "/api/v1/needs-checks/findings",
            {"state": "open", "page_size": 1, "page": 2},
        )
        assert [r["id"] for r in page.json()["results"]] == [late.pk]
        everything = api_get(client, world.county_clerk, "/api/v1/needs-checks/findings", {}).json()
        assert everything["results"][-1]["id"] == done.pk

    def test_the_region_filter_and_an_unknown_region(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        url = "/api/v1/needs-checks/findings"
        found = api_get(
            client, world.county_clerk, url, {"state": "open", "region": world.township_a.code}
        ).json()
        assert [r["id"] for r in found["results"]] == [f.pk]
        assert (
            api_get(client, world.county_clerk, url, {"region": world.township_b.code}).json()["count"] == 0
        )
        assert api_get(client, world.county_clerk, url, {"region": "123"}).status_code == 400

    def test_nothing_in_it_rates_or_watches_a_person(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        finding(world, setup["round"], setup["person"])
        row = api_get(client, world.county_clerk, "/api/v1/needs-checks/findings").json()["results"][0]
        assert not {k for k in row if any(w in k for w in ("risk", "score", "rating", "watch", "flag"))}


class TestScope:
    def test_another_townships_records_are_404_in_the_api(self, world: World, client: Client) -> None:
        home, person = household(world, world.village_a, name="柳湾张三")
        round_a = open_round(world, world.township_a, name="城关专项")
        f = finding(world, round_a, person)
        check = check_of(round_a, home)
        setup = {"person": person}
        outsider = world.other_township_clerk
        before = _state()
        for method, url, body in [
            ("get", f"/api/v1/needs-checks/rounds/{round_a.pk}", None),
            ("get", f"/api/v1/needs-checks/rounds/{round_a.pk}/households", None),
            ("get", f"/api/v1/needs-checks/findings/{f.pk}", None),
            (
                "post",
                f"/api/v1/needs-checks/findings/{f.pk}/solve",
                {"solution": "x", "solved_on": TODAY.isoformat()},
            ),
            ("post", f"/api/v1/needs-checks/findings/{f.pk}/reassign", {"owner": "outsider"}),
            ("post", f"/api/v1/needs-checks/findings/{f.pk}/notes", {"note": "x"}),
            ("post", f"/api/v1/needs-checks/checks/{check.pk}/no-difficulty", {}),
            ("post", f"/api/v1/needs-checks/rounds/{round_a.pk}/findings", _new(setup, owner="outsider")),
        ]:
            if method == "get":
                response = api_get(client, outsider, url)
            else:
                response = api_post(client, outsider, url, body or {})
            assert response.status_code == 404, url
        assert api_get(client, outsider, "/api/v1/needs-checks/findings").json()["count"] == 0
        assert _state() == before

    def test_a_township_clerk_sees_the_county_round_with_their_own_households_only(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        household(world, world.village_b)
        round_ = open_round(world, name="全县一轮")
        body = api_get(client, world.other_township_clerk, f"/api/v1/needs-checks/rounds/{round_.pk}").json()
        assert (body["households"], body["checked"] + body["unchecked"]) == (2, 1)
        rows = api_get(
            client, world.other_township_clerk, f"/api/v1/needs-checks/rounds/{round_.pk}/households"
        ).json()
        assert rows["count"] == 1
        assert Household.objects.get(pk=rows["results"][0]["household"]).region == world.village_b
