"""/api/v1/housing: the contract of issue 12 §3, each rule and each refusal (with nothing changed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.relief.housing.models import (
    HousingBudget,
    HousingCase,
    HousingDisbursement,
    HousingPhoto,
    HousingSurvey,
)
from youfu.relief.tests.factories_housing import (
    SURVEYED,
    approved_case,
    case,
    person,
    survey,
)
from youfu.testing import World, api_get, api_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(date(2025, 6, 16), tick=False)
    yield


def snapshot() -> dict[str, Any]:
    """Every housing row and the audit log's length: a refusal changes none of them."""
    models: list[Any] = [HousingSurvey, HousingPhoto, HousingCase, HousingBudget, HousingDisbursement]
    rows = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}  # scope: test
    rows["audit"] = AuditEvent.objects.filter(event_type__lt=900).count()  # not the tokens issued
    return rows


def refused(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()["error"]
    if code:
        assert body["code"] == code, body
    return body


class TestSurveys:
    def test_a_clerk_records_a_survey(self, world: World, client: Client) -> None:
        who = person(world, name="柳湾张三")
        body = {"beneficiary": who.pk, "grade": "C", "surveyed_on": "2025-06-01", "note": "墙体开裂"}
        response = api_post(client, world.township_clerk, "/api/v1/housing/surveys", body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["grade"] == "C" and data["surveyed_on"] == "2025-06-01" and data["photos"] == []
        assert data["beneficiary"] == who.pk and data["township"] == world.township_a.code
        event = AuditEvent.objects.get(event_type=EventType.HOUSING_SURVEYED)
        assert "墙体开裂" not in str(event.new)  # a note never reaches the log in clear

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"grade": "E"}, "grade"),
            ({"grade": "c"}, "grade"),
            ({"surveyed_on": "2025-06-17"}, "surveyed_on"),  # tomorrow
            ({"surveyed_on": "1899-12-31"}, "surveyed_on"),
            ({"note": "x" * 2001}, "note"),
        ],
    )
    def test_bad_input_is_a_400_that_changes_nothing(
        self, world: World, client: Client, change: dict[str, Any], field: str
    ) -> None:
        who = person(world)
        before = snapshot()
        body = {"beneficiary": who.pk, "grade": "C", "surveyed_on": "2025-06-01", **change}
        error = refused(api_post(client, world.township_clerk, "/api/v1/housing/surveys", body), 400)
        assert field in error["fields"], error
        assert snapshot() == before

    def test_another_townships_person_is_refused(self, world: World, client: Client) -> None:
        who = person(world)
        before = snapshot()
        body = {"beneficiary": who.pk, "grade": "C", "surveyed_on": "2025-06-01"}
        error = refused(api_post(client, world.other_township_clerk, "/api/v1/housing/surveys", body), 400)
        assert "beneficiary" in error["fields"]
        assert snapshot() == before

    def test_a_leader_and_a_liaison_do_not_enter_surveys(self, world: World, client: Client) -> None:
        who = person(world)
        before = snapshot()
        body = {"beneficiary": who.pk, "grade": "C", "surveyed_on": "2025-06-01"}
        refused(api_post(client, world.leader, "/api/v1/housing/surveys", body), 403)
        assert api_post(client, world.liaison, "/api/v1/housing/surveys", body).status_code in (400, 403)
        assert snapshot() == before

    def test_lists_filter_and_stay_in_scope(self, world: World, client: Client) -> None:
        a = person(world, name="柳湾张三")
        b = person(world, world.village_b, name="石桥李四")
        survey(world, a, "C")
        survey(world, b, "A", on=date(2024, 5, 1))
        county = api_get(client, world.county_clerk, "/api/v1/housing/surveys").json()
        assert county["count"] == 2
        mine = api_get(client, world.township_clerk, "/api/v1/housing/surveys").json()
        assert [r["name"] for r in mine["results"]] == ["柳湾张三"]
        graded = api_get(client, world.county_clerk, "/api/v1/housing/surveys?grade=A").json()
        assert [r["name"] for r in graded["results"]] == ["石桥李四"]
        year = api_get(client, world.county_clerk, "/api/v1/housing/surveys?year=2025").json()
        assert [r["name"] for r in year["results"]] == ["柳湾张三"]
        township = api_get(
            client, world.county_clerk, f"/api/v1/housing/surveys?township={world.township_b.code}"
        )
        assert [r["name"] for r in township.json()["results"]] == ["石桥李四"]

    def test_another_townships_survey_is_a_404(self, world: World, client: Client) -> None:
        s = survey(world, person(world))
        assert (
            api_get(client, world.other_township_clerk, f"/api/v1/housing/surveys/{s.pk}").status_code == 404
        )
        assert api_get(client, world.township_clerk, f"/api/v1/housing/surveys/{s.pk}").status_code == 200


class TestCases:
    def test_open_approve_disburse_complete(self, world: World, client: Client) -> None:
        who = person(world)
        body = {"beneficiary": who.pk, "kind": "new", "budget": "45000.00"}
        response = api_post(client, world.township_clerk, "/api/v1/housing/cases", body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert (
            data["state"] == "pending" and data["budget"] == "0.00" and data["proposed_budget"] == "45000.00"
        )
        url = f"/api/v1/housing/cases/{data['id']}"
        assert api_get(client, world.leader, url).json()["actions"] == ["approve", "refuse"]
        approved = api_post(client, world.leader, f"{url}/approve", {"note": "同意"})
        assert approved.status_code == 200, approved.content
        assert approved.json()["state"] == "approved" and approved.json()["budget"] == "45000.00"
        assert approved.json()["approved_on"] == "2025-06-16"
        paid = api_post(
            client, world.township_clerk, f"{url}/disburse", {"amount": "20000.50", "paid_on": "2025-06-16"}
        )
        assert paid.status_code == 201, paid.content
        assert paid.json()["paid"] == "20000.50" and paid.json()["left_to_pay"] == "24999.50"
        done = api_post(client, world.township_clerk, f"{url}/complete", {"completed_on": "2025-06-16"})
        assert done.json()["state"] == "completed" and done.json()["completed_on"] == "2025-06-16"
        # The last instalment after the inspection, up to the budget exactly.
        last = api_post(
            client, world.township_clerk, f"{url}/disburse", {"amount": "24999.50", "paid_on": "2025-06-16"}
        )
        assert last.status_code == 201 and last.json()["left_to_pay"] == "0.00"
        assert [d["amount"] for d in last.json()["disbursements"]] == ["20000.50", "24999.50"]
        types = set(AuditEvent.objects.values_list("event_type", flat=True))
        assert {
            EventType.HOUSING_CASE_OPENED,
            EventType.HOUSING_CASE_APPROVED,
            EventType.HOUSING_DISBURSED,
            EventType.HOUSING_COMPLETED,
        } <= types

    def test_over_budget_is_a_409_that_changes_nothing(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world), budget_fen=1_000_000)
        url = f"/api/v1/housing/cases/{c.pk}/disburse"
        assert (
            api_post(
                client, world.township_clerk, url, {"amount": "6000", "paid_on": "2025-06-01"}
            ).status_code
            == 201
        )
        before = snapshot()
        refused(
            api_post(client, world.township_clerk, url, {"amount": "4000.01", "paid_on": "2025-06-02"}),
            409,
            "over_budget",
        )
        assert snapshot() == before
        assert (
            api_post(
                client, world.township_clerk, url, {"amount": "4000.00", "paid_on": "2025-06-02"}
            ).status_code
            == 201
        )

    def test_disburse_and_complete_before_approval_are_409(self, world: World, client: Client) -> None:
        c = case(world, person(world))
        before = snapshot()
        url = f"/api/v1/housing/cases/{c.pk}"
        body = {"amount": "10", "paid_on": "2025-06-01"}
        refused(api_post(client, world.township_clerk, f"{url}/disburse", body), 409, "invalid_transition")
        refused(
            api_post(client, world.township_clerk, f"{url}/complete", {"completed_on": "2025-06-01"}),
            409,
            "invalid_transition",
        )
        refused(api_post(client, world.township_clerk, f"{url}/budget", {"budget": "1", "reason": "x"}), 409)
        assert snapshot() == before

    def test_approving_ones_own_entry_is_refused(self, world: World, client: Client) -> None:
        """A clerk who became a leader may not approve the budget they entered as a clerk."""
        c = case(world, person(world), by=world.county_clerk)
        world.county_clerk.role = "leader"
        world.county_clerk.save(update_fields=["role"])
        before = snapshot()
        error = refused(
            api_post(client, world.county_clerk, f"/api/v1/housing/cases/{c.pk}/approve", {}),
            403,
            "own_entry",
        )
        assert error["message"]
        assert api_get(client, world.county_clerk, f"/api/v1/housing/cases/{c.pk}").json()["actions"] == []
        assert snapshot() == before

    def test_clerks_do_not_approve_and_leaders_do_not_pay(self, world: World, client: Client) -> None:
        c = case(world, person(world))
        before = snapshot()
        url = f"/api/v1/housing/cases/{c.pk}"
        refused(api_post(client, world.county_clerk, f"{url}/approve", {}), 403)
        refused(api_post(client, world.village_assistant, f"{url}/refuse", {"reason": "x"}), 403)
        services_approved = approved_case(world, person(world))
        before = snapshot()
        body = {"amount": "1.00", "paid_on": "2025-06-01"}
        refused(
            api_post(client, world.leader, f"/api/v1/housing/cases/{services_approved.pk}/disburse", body),
            403,
        )
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"amount": "-5.00", "paid_on": "2025-06-01"}, "amount"),
            ({"amount": "0", "paid_on": "2025-06-01"}, "amount"),
            ({"amount": "1000000.00", "paid_on": "2025-06-01"}, "amount"),
            ({"amount": "1e9", "paid_on": "2025-06-01"}, "amount"),
            ({"amount": "10.001", "paid_on": "2025-06-01"}, "amount"),
            ({"amount": "abc", "paid_on": "2025-06-01"}, "amount"),
            ({"amount": "10", "paid_on": "2025-06-17"}, "paid_on"),  # tomorrow
            ({"amount": "10", "paid_on": "2025-03-02"}, "paid_on"),  # before the approval
        ],
    )
    def test_bad_payments_are_400_and_change_nothing(
        self, world: World, client: Client, body: dict[str, Any], field: str
    ) -> None:
        c = approved_case(world, person(world))
        before = snapshot()
        error = refused(
            api_post(client, world.township_clerk, f"/api/v1/housing/cases/{c.pk}/disburse", body), 400
        )
        assert field in error["fields"], error
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"kind": "palace", "budget": "100"}, "kind"),
            ({"kind": "new", "budget": "-1"}, "budget"),
            ({"kind": "new", "budget": "0.00"}, "budget"),
            ({"kind": "new", "budget": "99999999"}, "budget"),
        ],
    )
    def test_bad_cases_are_400_and_change_nothing(
        self, world: World, client: Client, body: dict[str, Any], field: str
    ) -> None:
        who = person(world)
        before = snapshot()
        error = refused(
            api_post(client, world.township_clerk, "/api/v1/housing/cases", {"beneficiary": who.pk, **body}),
            400,
        )
        assert field in error["fields"], error
        assert snapshot() == before

    def test_completion_in_the_future_or_before_approval_is_400(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world))
        before = snapshot()
        url = f"/api/v1/housing/cases/{c.pk}/complete"
        refused(api_post(client, world.township_clerk, url, {"completed_on": "2025-06-17"}), 400)
        refused(api_post(client, world.township_clerk, url, {"completed_on": "2025-03-01"}), 400)
        assert snapshot() == before

    def test_one_open_case_per_home(self, world: World, client: Client) -> None:
        who = person(world)
        case(world, who)
        before = snapshot()
        body = {"beneficiary": who.pk, "kind": "repair", "budget": "100"}
        refused(api_post(client, world.township_clerk, "/api/v1/housing/cases", body), 409, "case_open")
        assert snapshot() == before

    def test_a_refusal_needs_a_reason_and_refuses_the_case(self, world: World, client: Client) -> None:
        c = case(world, person(world))
        url = f"/api/v1/housing/cases/{c.pk}/refuse"
        before = snapshot()
        assert api_post(client, world.leader, url, {"reason": ""}).status_code == 400
        assert snapshot() == before
        response = api_post(client, world.leader, url, {"reason": "已享受过危改补助"})
        assert (
            response.json()["state"] == "refused" and response.json()["refused_reason"] == "已享受过危改补助"
        )
        again = api_post(client, world.leader, f"/api/v1/housing/cases/{c.pk}/approve", {})
        refused(again, 409)

    def test_another_townships_case_is_a_404_for_every_route(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world))
        before = snapshot()
        url = f"/api/v1/housing/cases/{c.pk}"
        outsider = world.other_township_clerk
        assert api_get(client, outsider, url).status_code == 404
        assert (
            api_post(
                client, outsider, f"{url}/disburse", {"amount": "1", "paid_on": "2025-06-01"}
            ).status_code
            == 404
        )
        assert (
            api_post(client, outsider, f"{url}/complete", {"completed_on": "2025-06-01"}).status_code == 404
        )
        assert (
            api_post(client, outsider, f"{url}/budget", {"budget": "50000", "reason": "涨价"}).status_code
            == 404
        )
        assert snapshot() == before


class TestBudgetChange:
    def test_a_larger_budget_needs_a_new_approval(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world), budget_fen=1_000_000)  # 10,000 yuan
        url = f"/api/v1/housing/cases/{c.pk}"
        proposed = api_post(
            client, world.township_clerk, f"{url}/budget", {"budget": "15000", "reason": "材料涨价"}
        )
        assert proposed.status_code == 200, proposed.content
        assert proposed.json()["budget"] == "10000.00" and proposed.json()["proposed_budget"] == "15000.00"
        # Until a leader approves, the old budget applies.
        before = snapshot()
        over = api_post(
            client, world.township_clerk, f"{url}/disburse", {"amount": "10000.01", "paid_on": "2025-06-01"}
        )
        refused(over, 409, "over_budget")
        assert snapshot() == before
        # Completion waits for the decision; so does a second proposal.
        refused(
            api_post(client, world.township_clerk, f"{url}/complete", {"completed_on": "2025-06-01"}), 409
        )
        refused(
            api_post(client, world.township_clerk, f"{url}/budget", {"budget": "16000", "reason": "再涨"}),
            409,
        )
        assert snapshot() == before
        approved = api_post(client, world.leader, f"{url}/approve", {})
        assert approved.json()["budget"] == "15000.00" and approved.json()["proposed_budget"] is None
        assert approved.json()["approved_on"] == SURVEYED.isoformat()  # the first approval's date stays
        paid = api_post(
            client, world.township_clerk, f"{url}/disburse", {"amount": "15000", "paid_on": "2025-06-01"}
        )
        assert paid.status_code == 201
        history = [(b["amount"], b["state"]) for b in paid.json()["budgets"]]
        assert history == [("10000.00", "approved"), ("15000.00", "approved")]

    def test_a_refused_change_leaves_the_old_budget_in_force(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world), budget_fen=1_000_000)
        url = f"/api/v1/housing/cases/{c.pk}"
        api_post(client, world.township_clerk, f"{url}/budget", {"budget": "15000", "reason": "材料涨价"})
        response = api_post(client, world.leader, f"{url}/refuse", {"reason": "按原预算"})
        assert response.json()["state"] == "approved" and response.json()["budget"] == "10000.00"
        assert [b["state"] for b in response.json()["budgets"]] == ["approved", "refused"]

    def test_a_budget_below_what_is_paid_is_refused(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world), budget_fen=1_000_000)
        url = f"/api/v1/housing/cases/{c.pk}"
        api_post(client, world.township_clerk, f"{url}/disburse", {"amount": "8000", "paid_on": "2025-06-01"})
        before = snapshot()
        refused(
            api_post(client, world.township_clerk, f"{url}/budget", {"budget": "7999.99", "reason": "减"}),
            409,
            "below_paid",
        )
        refused(
            api_post(client, world.township_clerk, f"{url}/budget", {"budget": "10000", "reason": "同"}), 400
        )
        assert snapshot() == before


class TestUnserved:
    def test_the_api_lists_c_and_d_homes_without_a_serving_case(self, world: World, client: Client) -> None:
        a = person(world, name="甲")
        b = person(world, name="乙")
        c = person(world, name="丙")
        survey(world, a, "D")
        survey(world, b, "C")
        survey(world, c, "B")
        case(world, b)
        rows = api_get(client, world.township_clerk, "/api/v1/housing/unserved").json()
        assert rows["count"] == 1
        assert rows["results"][0]["name"] == "甲" and rows["results"][0]["grade"] == "D"
        assert api_get(client, world.other_township_clerk, "/api/v1/housing/unserved").json()["count"] == 0
