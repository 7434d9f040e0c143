"""/api/v1/petitions and /api/v1/departments: the contract of issue 5."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.models import Department, User
from youfu.accounts.services import do_issue_token
from youfu.petitions.models import Petition, PetitionEvent, State
from youfu.petitions.tests.factories import accepted, id_number, register
from youfu.testing import World

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client: Client, user: User, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json", **bearer(user))


NEW = {
    "channel": "letter",
    "received_on": "2025-03-07",
    "category": "benefits",
    "subject": "关于补发抚恤金的请求",
    "content": "请求核实补发。",
    "petitioners": [{"name": "李四", "phone": "13900001234"}],
}


class TestCreating:
    def test_it_answers_201_with_the_contract_fields(self, world: World, client: Client) -> None:
        response = post(client, world.township_clerk, "/api/v1/petitions", NEW)
        assert response.status_code == 201, response.content
        body = response.json()
        assert {"id", "receipt_code", "state", "received_on", "accept_due", "calendar_complete"} <= set(body)
        assert body["state"] == "registered"
        assert body["received_on"] == "2025-03-07" and body["accept_due"] == "2025-03-24"
        assert body["calendar_complete"] is True
        assert len(body["receipt_code"].replace("-", "")) == 13
        assert body["region"] == world.township_a.code

    def test_a_collective_petition_with_representatives(self, world: World, client: Client) -> None:
        body = {
            **NEW,
            "group_size": 12,
            "representatives": [{"name": "王五", "phone": "13900005555"}, "赵六"],
        }
        response = post(client, world.township_clerk, "/api/v1/petitions", body)
        assert response.status_code == 201
        data = response.json()
        assert data["is_collective"] is True and data["group_size"] == 12
        assert sum(p["is_representative"] for p in data["petitioners"]) == 2

    def test_more_than_five_representatives_is_400(self, world: World, client: Client) -> None:
        body = {**NEW, "group_size": 50, "representatives": [f"代表{i}" for i in range(6)]}
        response = post(client, world.township_clerk, "/api/v1/petitions", body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "too_many_representatives"
        assert Petition.objects.count() == 0

    def test_unknown_channel_and_bad_id_number_are_400_with_fields(
        self, world: World, client: Client
    ) -> None:
        response = post(client, world.township_clerk, "/api/v1/petitions", {**NEW, "channel": "fax"})
        assert response.status_code == 400 and "channel" in response.json()["error"]["fields"]
        good = id_number()
        wrong = good[:17] + ("0" if good[17] != "0" else "1")
        bad = {**NEW, "petitioners": [{"name": "李四", "id_number": wrong}]}
        response = post(client, world.township_clerk, "/api/v1/petitions", bad)
        assert response.status_code == 400
        assert "petitioners.0.id_number" in response.json()["error"]["fields"]

    def test_possible_repeats_are_offered_and_can_be_linked(self, world: World, client: Client) -> None:
        number = id_number()
        first = post(
            client,
            world.township_clerk,
            "/api/v1/petitions",
            {**NEW, "petitioners": [{"name": "李四", "id_number": number}]},
        ).json()
        second = post(
            client,
            world.township_clerk,
            "/api/v1/petitions",
            {
                **NEW,
                "received_on": "2025-04-01",
                "subject": "关于补发抚恤金的再次请求",
                "petitioners": [{"name": "李四", "id_number": number}],
            },
        ).json()
        assert [c["id"] for c in second["possible_repeats"]] == [first["id"]]
        linked = post(
            client,
            world.township_clerk,
            f"/api/v1/petitions/{second['id']}/link-repeat",
            {"original": first["id"]},
        )
        assert linked.status_code == 200 and linked.json()["state"] == "repeat"
        assert linked.json()["repeat_of"] == first["id"]


class TestTheWorkflowOverTheApi:
    def test_accept_assign_extend_reply_review_conclude(self, world: World, client: Client) -> None:
        clerk = world.township_clerk
        created = post(client, clerk, "/api/v1/petitions", {**NEW, "received_on": "2025-06-02"}).json()
        url = f"/api/v1/petitions/{created['id']}"
        accepted_ = post(
            client,
            clerk,
            f"{url}/accept",
            {"accepted_on": "2025-06-03", "handling_unit": world.department.pk, "lead": "leader"},
        )
        assert accepted_.status_code == 200, accepted_.content
        body = accepted_.json()
        assert body["state"] == "assigned" and body["handle_due"] == "2025-08-04"  # Sat 2 Aug → Mon
        assert body["lead"] == "leader" and body["handling_unit"] == world.department.pk
        requested = post(client, world.liaison, f"{url}/extend", {"days": 30, "reason": "需补充材料"}).json()
        assert requested["state"] == "assigned" and requested["handle_due"] == "2025-08-04"
        assert requested["extension"]["state"] == "pending"
        extended = post(client, world.leader, f"{url}/extend/approve", {}).json()
        assert extended["state"] == "extended" and extended["handle_due"] == "2025-09-01"
        assert post(client, world.liaison, f"{url}/extend", {"days": 1, "reason": "x"}).status_code == 409
        replied = post(
            client, world.liaison, f"{url}/reply", {"replied_on": "2025-06-10", "text": "予以补发"}
        ).json()
        assert replied["state"] == "replied" and replied["review_request_due"] == "2025-07-10"
        reviewed = post(client, clerk, f"{url}/review-request", {"requested_on": "2025-06-12"}).json()
        assert reviewed["review_due"] == "2025-07-14"  # Sat 12 July → Monday
        post(client, world.liaison, f"{url}/review-reply", {"replied_on": "2025-06-13", "text": "维持"})
        post(client, clerk, f"{url}/rereview-request", {"requested_on": "2025-06-14"})
        post(client, world.liaison, f"{url}/rereview-reply", {"replied_on": "2025-06-15", "text": "维持"})
        done = post(client, clerk, f"{url}/conclude", {"concluded_on": "2025-06-16"}).json()
        assert done["state"] == "concluded"
        detail = client.get(url, **bearer(clerk)).json()
        for name in (
            "accept_due",
            "handle_due",
            "review_request_due",
            "review_due",
            "rereview_request_due",
            "rereview_due",
        ):
            assert detail[name] is not None, name
        events = client.get(f"{url}/events", **bearer(clerk)).json()
        assert [e["to_state"] for e in events][-1] == "concluded"

    def test_decline_and_forward(self, world: World, client: Client) -> None:
        a = register(world.township_clerk)
        b = register(world.township_clerk)
        declined = post(
            client,
            world.township_clerk,
            f"/api/v1/petitions/{a.pk}/decline",
            {"declined_on": "2025-03-04", "reason": "不属于职权范围", "notice_text": "请向法院起诉"},
        ).json()
        assert declined["state"] == "declined" and declined["decline_notice"] == "请向法院起诉"
        forwarded = post(
            client, world.township_clerk, f"/api/v1/petitions/{b.pk}/forward", {"forwarded_to": "县人社局"}
        ).json()
        assert forwarded["state"] == "forwarded" and forwarded["forwarded_to"] == "县人社局"

    def test_a_transition_not_allowed_is_409_and_changes_nothing(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        events = PetitionEvent.objects.count()
        response = post(
            client,
            world.township_clerk,
            f"/api/v1/petitions/{p.pk}/reply",
            {"replied_on": "2025-03-05", "text": "x"},
        )
        assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
        assert PetitionEvent.objects.count() == events
        assert Petition.objects.get(pk=p.pk).state == State.REGISTERED

    def test_bad_input_is_400_and_changes_nothing(self, world: World, client: Client) -> None:
        p = register(world.township_clerk, received_on=date(2025, 3, 3))
        url = f"/api/v1/petitions/{p.pk}/accept"
        early = post(client, world.township_clerk, url, {"accepted_on": "2025-03-01"})
        assert early.status_code == 400 and "accepted_on" in early.json()["error"]["fields"]
        unknown = post(
            client,
            world.township_clerk,
            url,
            {"accepted_on": "2025-03-04", "handling_unit": 424242, "lead": "leader"},
        )
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_handling_unit"
        assert Petition.objects.get(pk=p.pk).state == State.REGISTERED
        q = accepted(world, received_on=date(2025, 6, 2))
        too_long = post(
            client, world.township_clerk, f"/api/v1/petitions/{q.pk}/extend", {"days": 31, "reason": "x"}
        )
        assert too_long.status_code == 400 and "days" in too_long.json()["error"]["fields"]

    def test_the_handling_unit_may_be_named(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        response = post(
            client,
            world.township_clerk,
            f"/api/v1/petitions/{p.pk}/accept",
            {"accepted_on": "2025-03-04", "handling_unit": "县民政局", "lead": "leader"},
        )
        assert response.json()["handling_unit_name"] == "县民政局"


class TestScope:
    def test_the_outsider_gets_404(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        response = client.get(f"/api/v1/petitions/{p.pk}", **bearer(world.other_township_clerk))
        assert response.status_code == 404
        response = post(
            client,
            world.other_township_clerk,
            f"/api/v1/petitions/{p.pk}/accept",
            {"accepted_on": "2025-03-04"},
        )
        assert response.status_code == 404

    def test_the_admin_and_auditor_see_no_petitions(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        for user in (world.admin, world.auditor):
            assert client.get(f"/api/v1/petitions/{p.pk}", **bearer(user)).status_code in (403, 404)

    def test_a_liaison_sees_only_what_their_department_handles(self, world: World, client: Client) -> None:
        mine = accepted(world)
        register(world.township_clerk)
        listed = client.get("/api/v1/petitions", **bearer(world.liaison)).json()
        assert [r["id"] for r in listed["results"]] == [mine.pk]

    def test_the_list_is_paginated(self, world: World, client: Client) -> None:
        for _ in range(3):
            register(world.township_clerk)
        page = client.get("/api/v1/petitions?page_size=2", **bearer(world.county_clerk)).json()
        assert page["count"] == 3 and len(page["results"]) == 2


class TestDepartments:
    def test_the_admin_creates_and_everyone_lists(self, world: World, client: Client) -> None:
        response = post(
            client, world.admin, "/api/v1/departments", {"name": "县人社局", "region": world.county.code}
        )
        assert response.status_code == 201
        assert response.json()["name"] == "县人社局" and response.json()["region"] == world.county.code
        again = post(
            client, world.admin, "/api/v1/departments", {"name": "县人社局", "region": world.county.code}
        )
        assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
        listed = client.get("/api/v1/departments", **bearer(world.county_clerk)).json()
        assert {d["name"] for d in listed["results"]} == {"县民政局", "县人社局"}

    def test_a_clerk_cannot_create(self, world: World, client: Client) -> None:
        response = post(
            client, world.county_clerk, "/api/v1/departments", {"name": "x", "region": world.county.code}
        )
        assert response.status_code == 403
        assert not Department.objects.filter(name="x").exists()

    def test_an_unknown_region_is_400(self, world: World, client: Client) -> None:
        response = post(client, world.admin, "/api/v1/departments", {"name": "x", "region": "999999000000"})
        assert response.status_code == 400 and "region" in response.json()["error"]["fields"]


class TestReceptionDays:
    def test_create_and_list(self, world: World, client: Client) -> None:
        response = post(
            client,
            world.county_clerk,
            "/api/v1/petitions/reception-days",
            {"date": "2025-06-20", "place": "县信访接待大厅", "leader": "leader", "topics": "优抚待遇"},
        )
        assert response.status_code == 201, response.content
        assert response.json()["leader"] == "leader"
        listed = client.get(
            "/api/v1/petitions/reception-days?upcoming=true", **bearer(world.county_clerk)
        ).json()
        assert listed["count"] == 1


class TestRouteAndPerson:
    def test_route_and_link_a_person(self, world: World, client: Client) -> None:
        from youfu.registry.tests.factories import register as register_person

        p = register(world.county_clerk, world.county)
        routed = post(
            client, world.county_clerk, f"/api/v1/petitions/{p.pk}/route", {"region": world.township_a.code}
        )
        assert routed.status_code == 200 and routed.json()["region"] == world.township_a.code
        person = register_person(world.township_clerk, world.village_a, name="李四")
        linked = post(
            client, world.township_clerk, f"/api/v1/petitions/{p.pk}/beneficiary", {"beneficiary": person.pk}
        )
        assert linked.json()["beneficiary"] == person.pk
        unlinked = post(
            client, world.township_clerk, f"/api/v1/petitions/{p.pk}/beneficiary", {"beneficiary": None}
        )
        assert unlinked.json()["beneficiary"] is None
