"""Needs-check rounds: who is in the snapshot, the set-based insert, the rules for opening a round,
the quarterly proposal and the leader's settings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.outreach.needs import services
from youfu.outreach.needs.models import HouseholdCheck, NeedsRound, NeedsSettings
from youfu.outreach.needs.periods import Period, period_containing
from youfu.outreach.needs.selectors import propose_round
from youfu.outreach.tests.factories_needs import (
    TODAY,
    household,
    member,
    needs_today,  # noqa: F401
    open_round,
)
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, PersonStatus
from youfu.testing import World, api_post, log_in

pytestmark = pytest.mark.django_db


def _state() -> tuple[Any, ...]:
    return (
        list(NeedsRound.objects.values_list()),  # scope: test
        list(HouseholdCheck.objects.values_list()),  # scope: test
        list(NeedsSettings.objects.values_list()),
        AuditEvent.objects.count(),
    )


def _households(round_: NeedsRound) -> set[int]:
    return set(
        HouseholdCheck.objects.filter(round=round_).values_list("household_id", flat=True)
    )  # scope: test


class TestSnapshot:
    def test_it_lists_priority_households_with_a_living_holder_in_the_region(self, world: World) -> None:
        priority, _ = household(world, world.village_a, Category.DISABLED_VETERAN)
        survivor, _ = household(world, world.township_a, Category.MARTYR_SURVIVOR)
        conscript, _ = household(world, world.village_a, Category.CONSCRIPT_FAMILY)  # not paid monthly
        active, _ = household(world, world.village_a, Category.ACTIVE_DUTY_FAMILY)
        other_township, _ = household(world, world.village_b, Category.WAR_PARTICIPANT)
        dead_home, dead = household(world, world.village_a, Category.WAR_PARTICIPANT)
        Beneficiary.objects.filter(pk=dead.pk).update(
            status=PersonStatus.DECEASED, death_date=date(2025, 1, 1)
        )  # scope: test
        mixed, _ = household(world, world.village_a, Category.CONSCRIPT_FAMILY)
        member(world, mixed, Category.ELDERLY_RURAL_VETERAN)
        register_alone = household(world, world.village_a)[1]
        Beneficiary.objects.filter(pk=register_alone.pk).update(household=None)  # scope: test

        round_ = open_round(world, world.township_a)

        assert _households(round_) == {priority.pk, survivor.pk, mixed.pk}
        assert round_.households == 3
        assert {conscript.pk, active.pk, dead_home.pk, other_township.pk}.isdisjoint(_households(round_))
        assert _households(open_round(world, world.township_b, by=world.other_township_clerk)) == {
            other_township.pk
        }

    def test_a_household_with_two_holders_is_listed_once_under_its_township(self, world: World) -> None:
        home, _ = household(world, world.village_a, Category.WAR_PARTICIPANT)
        member(world, home, Category.DISABLED_VETERAN)
        round_ = open_round(world)
        check = HouseholdCheck.objects.get(round=round_)  # scope: test
        assert check.household_id == home.pk
        assert check.township_id == world.township_a.code
        assert check.outcome == "" and check.checked_on is None

    def test_the_insert_is_set_based_its_query_count_does_not_grow(self, world: World) -> None:
        household(world, world.village_a)
        with CaptureQueriesContext(connection) as small:
            open_round(world, world.township_a)
        for _ in range(6):
            household(world, world.village_a)
        with CaptureQueriesContext(connection) as large:
            round_ = open_round(world, world.township_a)
        assert round_.households == 7
        assert len(large.captured_queries) == len(small.captured_queries)

    def test_opening_is_audited_with_the_count(self, world: World) -> None:
        household(world, world.village_a)
        round_ = open_round(world)
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_ROUND_OPENED)
        assert event.object_id == str(round_.pk)
        assert event.new["households"] == 1
        assert event.region_id == world.county.code


class TestOpeningRules:
    def test_a_new_round_closes_the_earlier_open_round_of_the_same_place(self, world: World) -> None:
        first = open_round(world, world.township_a)
        second = open_round(world, world.county)
        first.refresh_from_db()
        assert first.closed_at is not None and second.closed_at is None
        assert AuditEvent.objects.filter(event_type=EventType.NEEDS_ROUND_OPENED).order_by(
            "seq"
        ).last().extra == {"closed": [first.pk]}

    def test_a_township_round_while_the_county_round_is_open_is_a_409(self, world: World) -> None:
        open_round(world, world.county)
        before = _state()
        with pytest.raises(Conflict) as refused:
            open_round(world, world.township_a)
        assert refused.value.code == "round_covered"
        assert _state() == before

    @pytest.mark.parametrize(
        ("who", "region", "due_on", "name", "error"),
        [
            ("village_assistant", "village_a", None, "x", PermissionDenied),
            ("leader", "county", None, "x", PermissionDenied),
            ("township_clerk", "county", None, "x", InvalidInput),  # above their region
            ("township_clerk", "township_b", None, "x", InvalidInput),  # another township
            ("county_clerk", "village_a", None, "x", InvalidInput),  # a village is not checked alone
            ("county_clerk", "county", TODAY - timedelta(days=1), "x", InvalidInput),
            ("county_clerk", "county", None, "   ", InvalidInput),
        ],
    )
    def test_each_refusal_changes_nothing(
        self, world: World, who: str, region: str, due_on: date | None, name: str, error: type[Exception]
    ) -> None:
        household(world, world.village_a)
        before = _state()
        with pytest.raises(error):
            services.do_open_round(
                name,
                getattr(world, region),
                due_on or TODAY + timedelta(days=9),
                acting_user=getattr(world, who),
            )
        assert _state() == before

    def test_the_same_name_twice_in_a_region_is_a_409(self, world: World) -> None:
        open_round(world, name="2026年第二季度困难排查")
        before = _state()
        with pytest.raises(Conflict):
            open_round(world, name="2026年第二季度困难排查")
        assert _state() == before


class TestPeriods:
    @pytest.mark.parametrize(
        ("months", "day", "name", "end"),
        [
            (3, date(2026, 11, 2), "2026年第四季度困难排查", date(2026, 12, 31)),
            (3, date(2026, 1, 1), "2026年第一季度困难排查", date(2026, 3, 31)),
            (1, date(2024, 2, 10), "2024年2月困难排查", date(2024, 2, 29)),
            (6, date(2026, 7, 1), "2026年下半年困难排查", date(2026, 12, 31)),
            (12, date(2026, 7, 1), "2026年度困难排查", date(2026, 12, 31)),
        ],
    )
    def test_the_period_names_and_last_days(self, months: int, day: date, name: str, end: date) -> None:
        period = period_containing(day, months)
        assert (period.name, period.end) == (name, end)

    def test_the_quarter_after_the_fourth_is_next_years_first(self) -> None:
        assert Period(3, date(2026, 10, 1)).following() == Period(3, date(2027, 1, 1))

    def test_the_form_proposes_this_quarter_then_the_next_once_it_is_taken(self, world: World) -> None:
        proposal = propose_round(world.county)
        assert (proposal.name, proposal.due_on) == ("2026年第二季度困难排查", date(2026, 6, 30))
        open_round(world, name=proposal.name, due_on=proposal.due_on)
        proposal = propose_round(world.county)
        assert (proposal.name, proposal.due_on) == ("2026年第三季度困难排查", date(2026, 9, 30))


class TestSettings:
    def test_a_leader_changes_the_period_and_it_is_audited(self, world: World) -> None:
        services.do_set_needs_settings(6, acting_user=world.leader)
        assert services.period_months_for(world.township_a) == 6
        assert propose_round(world.township_a).name == "2026年上半年困难排查"
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_SETTINGS_CHANGED)
        assert (event.old, event.new) == ({"period_months": 3}, {"period_months": 6})

    def test_a_clerk_may_not_and_an_unknown_period_is_refused(self, world: World) -> None:
        before = _state()
        with pytest.raises(PermissionDenied):
            services.do_set_needs_settings(6, acting_user=world.county_clerk)
        with pytest.raises(InvalidInput):
            services.do_set_needs_settings(5, acting_user=world.leader)
        assert _state() == before

    def test_the_settings_page_saves_for_a_leader(self, world: World, client: Client) -> None:
        log_in(client, world.leader)
        response = client.post("/needs-checks/settings/", {"period_months": "12"}, follow=True)
        assert response.status_code == 200
        assert NeedsSettings.objects.get().period_months == 12
        log_in(client, world.county_clerk)
        assert client.get("/needs-checks/settings/").status_code == 403


class TestApi:
    def _post(self, client: Client, world: World, body: dict[str, Any]) -> Any:
        return api_post(client, world.county_clerk, "/api/v1/needs-checks/rounds", body)

    def test_it_answers_201_with_id_and_households(self, world: World, client: Client) -> None:
        household(world, world.village_a)
        household(world, world.village_b)
        response = self._post(
            client,
            world,
            {"name": "2026年第二季度困难排查", "region": world.county.code, "due_on": "2026-06-30"},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["households"] == 2
        assert NeedsRound.objects.get(pk=body["id"]).name == "2026年第二季度困难排查"

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "x", "region": "999999999999", "due_on": "2026-06-30"},
            {"name": "x", "region": "341199000000", "due_on": "2026-01-30"},
            {"name": "", "region": "341199000000", "due_on": "2026-06-30"},
            {"name": "x" * 101, "region": "341199000000", "due_on": "2026-06-30"},
            {"name": "x", "region": "341199000000", "due_on": "2099-06-30"},
        ],
    )
    def test_bad_input_is_a_400_and_changes_nothing(
        self, world: World, client: Client, body: dict[str, Any]
    ) -> None:
        before = _state()
        response = self._post(client, world, body)
        assert response.status_code == 400, response.content
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert _state()[:3] == before[:3]
