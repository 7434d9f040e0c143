"""/api/v1/beneficiaries: the house envelope, region scope, and every write audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.core.roles import Role
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, DeathPayee, Qualification
from youfu.registry.tests.factories import id_number_for, register
from youfu.testing import World, make_user

API = "/api/v1/beneficiaries"


def bearer(user: User) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client: Client, url: str, body: dict[str, Any], user: User, **extra: Any) -> Any:
    return client.post(url, body, content_type="application/json", **bearer(user), **extra)


def count(event_type: EventType) -> int:
    return AuditEvent.objects.filter(event_type=event_type).count()


@pytest.fixture
def zhang(world: World) -> Beneficiary:
    return register(
        world.township_clerk,
        world.village_a,
        (Category.DISABLED_VETERAN, Category.WAR_PARTICIPANT),
        name="张三",
        phone="13912345678",
    )


@pytest.fixture
def wang(world: World) -> Beneficiary:
    return register(world.other_township_clerk, world.village_b, (Category.MARTYR_SURVIVOR,), name="王五")


@pytest.mark.django_db
class TestList:
    def test_it_lists_the_region_with_masked_id_numbers(
        self, world: World, client: Client, zhang: Beneficiary, wang: Beneficiary
    ) -> None:
        body = client.get(API, **bearer(world.township_clerk)).json()
        assert body["count"] == 1
        (row,) = body["results"]
        assert row["id"] == zhang.pk and row["name"] == "张三"
        assert row["id_number"] == zhang.id_number_masked and "*" in row["id_number"]
        assert row["township"] == {"code": world.township_a.code, "name": "城关镇"}
        assert row["village"] == {"code": world.village_a.code, "name": "柳湾村"}
        assert sorted(row["qualifications"], key=lambda q: q["category"]) == [
            {"id": q.pk, "category": q.category, "status": "active", "level": q.disability_level}
            for q in zhang.qualifications.order_by("category")
        ]

    def test_search_and_filters(
        self, world: World, client: Client, zhang: Beneficiary, wang: Beneficiary
    ) -> None:
        auth = bearer(world.county_clerk)

        def found(**params: Any) -> list[str]:
            return [r["name"] for r in client.get(API, params, **auth).json()["results"]]

        assert found(q="zs") == ["张三"]
        assert found(q="wangwu") == ["王五"]
        assert found(q=decrypt(zhang.id_number_encrypted)[-6:]) == ["张三"]
        assert found(q="13912345678") == ["张三"]
        assert found(township=world.township_b.code) == ["王五"]
        assert found(village=world.village_a.code) == ["张三"]
        assert found(category="martyr_survivor") == ["王五"]
        assert found(category="残疾军人", level=6) == ["张三"]
        assert found(status="alive", residence="农村") == ["张三", "王五"]

    def test_a_bad_filter_is_400(self, world: World, client: Client) -> None:
        response = client.get(
            API, {"category": "astronaut", "status": "asleep", "township": "x"}, **bearer(world.county_clerk)
        )
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"category", "status", "township"}

    def test_it_is_paginated(self, world: World, client: Client) -> None:
        for n in range(3):
            register(world.county_clerk, world.village_a, name=f"刘{n}")
        body = client.get(API, {"page": 2, "page_size": 2}, **bearer(world.county_clerk)).json()
        assert body["count"] == 3 and len(body["results"]) == 1

    def test_the_list_does_a_fixed_number_of_queries(
        self, world: World, client: Client, django_assert_max_num_queries: Any
    ) -> None:
        for _ in range(20):
            register(
                world.county_clerk, world.village_a, (Category.WAR_PARTICIPANT, Category.CONSCRIPT_FAMILY)
            )
        auth = bearer(world.county_clerk)
        # token, user, region, count, page, qualifications, token last-used update (+ savepoints)
        with django_assert_max_num_queries(10):
            assert len(client.get(API, **auth).json()["results"]) == 20

    @pytest.mark.parametrize("persona", ["admin", "auditor"])
    def test_roles_without_personal_data_get_403(self, world: World, client: Client, persona: str) -> None:
        response = client.get(API, **bearer(getattr(world, persona)))
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def new_person(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "孙七",
        "id_number": id_number_for(date(1960, 5, 4)),
        "residence": "农村",
        "township": "城关镇",
        "village": world.village_a.code,
        "phone": "13512345678",
        "bank_name": "农商银行",
        "bank_account": "6230000000000000777",
        "qualifications": [
            {
                "category": "残疾军人",
                "disability_cause": "因公",
                "disability_level": "五级",
                "approved_on": "2019.8.1",
            },
            {"category": "war_participant", "approved_on": "2020-01-01"},
        ],
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
class TestCreate:
    def test_it_registers_a_person_with_qualifications(self, world: World, client: Client) -> None:
        body = new_person(world)
        response = post(client, API, body, world.township_clerk)
        assert response.status_code == 201, response.json()
        created = response.json()
        person = Beneficiary.objects.get(pk=created["id"])
        assert decrypt(person.id_number_encrypted) == body["id_number"]
        assert created["id_number"] == person.id_number_masked
        assert created["bank_account"] == "***************0777"
        assert created["birth_date"] == "1960-05-04" and created["sex"] == "male"
        levels = {
            q["category"]: (q["disability_cause"], q["disability_level"]) for q in created["qualifications"]
        }
        assert levels == {"disabled_veteran": ("duty", 5), "war_participant": ("", None)}
        assert count(EventType.BENEFICIARY_CREATED) == 1

    def test_validation_errors_name_their_fields(self, world: World, client: Client) -> None:
        body = new_person(
            world,
            name="",
            id_number="34119919600504000",
            township="东岭镇",
            qualifications=[{"category": "残疾军人", "approved_on": "2019-08-01"}, {"category": "宇航员"}],
        )
        response = post(client, API, body, world.township_clerk, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert error["fields"]["name"] == "The name is required."
        assert "Excel" in error["fields"]["id_number"]
        assert error["fields"]["township"] == "No township 东岭镇 in your region."
        assert "qualifications.0.disability_cause" in error["fields"]
        assert "qualifications.1.category" in error["fields"]
        assert "qualifications.1.approved_on" in error["fields"]
        assert not Beneficiary.objects.exists()

    def test_the_same_category_twice_is_refused(self, world: World, client: Client) -> None:
        quals = [{"category": "war_participant", "approved_on": "2020-01-01"}] * 2
        response = post(client, API, new_person(world, qualifications=quals), world.township_clerk)
        assert response.status_code == 400
        assert "qualifications.1.category" in response.json()["error"]["fields"]

    def test_a_duplicate_is_409(self, world: World, client: Client, zhang: Beneficiary) -> None:
        body = new_person(world, id_number=decrypt(zhang.id_number_encrypted))
        response = post(client, API, body, world.township_clerk)
        assert response.status_code == 409 and response.json()["error"]["code"] == "duplicate_person"

    def test_a_leader_may_not_write(self, world: World, client: Client) -> None:
        response = post(client, API, {}, world.leader)
        assert response.status_code == 403


@pytest.mark.django_db
class TestReadAndPatch:
    def test_it_reads_a_person(self, world: World, client: Client, zhang: Beneficiary) -> None:
        response = client.get(f"{API}/{zhang.pk}", **bearer(world.county_clerk))
        body = response.json()
        assert body["name"] == "张三" and body["id_number"] == zhang.id_number_masked
        assert body["bank_account"] == zhang.bank_account_masked and body["life_events"] == []
        assert {q["category"] for q in body["qualifications"]} == {"disabled_veteran", "war_participant"}
        assert all(q["suspensions"] == [] for q in body["qualifications"])

    def test_another_township_is_404(self, world: World, client: Client, zhang: Beneficiary) -> None:
        auth = bearer(world.other_township_clerk)
        assert client.get(f"{API}/{zhang.pk}", **auth).status_code == 404
        response = client.patch(
            f"{API}/{zhang.pk}", {"phone": "13800000001"}, content_type="application/json", **auth
        )
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert Beneficiary.objects.get(pk=zhang.pk).phone == "13912345678"

    def test_patch_changes_contact_fields(self, world: World, client: Client, zhang: Beneficiary) -> None:
        response = client.patch(
            f"{API}/{zhang.pk}",
            {"phone": "13800000001", "residence": "城镇", "notes": "搬至县城"},
            content_type="application/json",
            **bearer(world.township_clerk),
        )
        assert response.status_code == 200
        assert (response.json()["phone"], response.json()["residence"]) == ("13800000001", "urban")
        person = Beneficiary.objects.get(pk=zhang.pk)
        assert person.name == "张三" and person.notes == "搬至县城"
        event = AuditEvent.objects.get(event_type=EventType.BENEFICIARY_CHANGED)
        assert event.old == {"phone": "139****5678", "residence": "rural", "notes": ""}
        assert event.new is not None and event.new["notes"] == "(changed)"  # never the text

    def test_patch_refuses_bank_fields_and_bad_values(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        auth = bearer(world.township_clerk)
        url = f"{API}/{zhang.pk}"
        response = client.patch(
            url, {"bank_account": "6210000000000000999"}, content_type="application/json", **auth
        )
        assert response.status_code == 400 and "bank_account" in response.json()["error"]["fields"]
        response = client.patch(url, {"name": "", "phone": "1"}, content_type="application/json", **auth)
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"name", "phone"}
        assert count(EventType.BENEFICIARY_CHANGED) == 0


@pytest.mark.django_db
class TestLifeEvents:
    def url(self, person: Beneficiary) -> str:
        return f"{API}/{person.pk}/life-events"

    def test_death_with_a_payee(self, world: World, client: Client, zhang: Beneficiary) -> None:
        payee = {
            "name": "张小梅",
            "id_number": id_number_for(date(1975, 1, 2), male=False),
            "bank_name": "邮储银行",
            "bank_account": "6210000000000000123",
        }
        body = {"kind": "death", "effective_on": "2024-05-01", "payee": payee, "note": "家属报告"}
        response = post(client, self.url(zhang), body, world.township_clerk)
        assert response.status_code == 201, response.json()
        assert response.json()["kind"] == "death" and response.json()["details"]["payee"] == "张小梅"
        assert Beneficiary.objects.get(pk=zhang.pk).death_date == date(2024, 5, 1)
        assert decrypt(DeathPayee.objects.get().id_number_encrypted) == payee["id_number"]
        assert count(EventType.LIFE_EVENT_RECORDED) == 1

    def test_move_out_of_the_county(self, world: World, client: Client, zhang: Beneficiary) -> None:
        body = {"kind": "move", "effective_on": "2024-05-01", "to_region": "320102000000"}
        response = post(client, self.url(zhang), body, world.township_clerk)
        assert response.status_code == 201
        assert response.json()["details"]["left_county"] is True
        assert set(zhang.qualifications.values_list("status", flat=True)) == {"ended"}

    def test_move_within_the_county(self, world: World, client: Client, zhang: Beneficiary) -> None:
        body = {"kind": "move", "effective_on": "2024-05-01", "to_region": world.village_b.code}
        assert post(client, self.url(zhang), body, world.county_clerk).status_code == 201
        assert Beneficiary.objects.get(pk=zhang.pk).township_id == world.township_b.code

    def test_suspension_and_its_end(self, world: World, client: Client, zhang: Beneficiary) -> None:
        qualification = zhang.qualifications.get(category="war_participant")
        common = {"qualification_id": qualification.pk}
        assert (
            post(
                client,
                self.url(zhang),
                {"kind": "suspension", "effective_on": "2024-03-15", "reason": "服刑", **common},
                world.township_clerk,
            ).status_code
            == 201
        )
        assert Qualification.objects.get(pk=qualification.pk).status == "suspended"
        response = post(
            client,
            self.url(zhang),
            {"kind": "suspension_end", "effective_on": "2024-07-10", **common},
            world.township_clerk,
        )
        assert response.status_code == 201
        detail = client.get(f"{API}/{zhang.pk}", **bearer(world.township_clerk)).json()
        (war,) = [q for q in detail["qualifications"] if q["category"] == "war_participant"]
        assert war["status"] == "active"
        assert war["suspensions"] == [
            {"started_on": "2024-03-15", "ended_on": "2024-07-10", "reason": "服刑"}
        ]
        assert [e["kind"] for e in detail["life_events"]] == ["suspension_end", "suspension"]

    def test_level_change_bank_and_phone(self, world: World, client: Client, zhang: Beneficiary) -> None:
        disabled = zhang.qualifications.get(category="disabled_veteran")
        for body in (
            {"kind": "level_change", "qualification_id": disabled.pk, "level": 3},
            {"kind": "bank_change", "bank_name": "邮储银行", "bank_account": "6210000000000000999"},
            {"kind": "phone_change", "phone": "13800009999"},
            {"kind": "cancellation", "qualification_id": disabled.pk, "reason": "复查不符"},
        ):
            response = post(
                client, self.url(zhang), {"effective_on": "2024-05-01", **body}, world.township_clerk
            )
            assert response.status_code == 201, response.json()
        person = Beneficiary.objects.get(pk=zhang.pk)
        assert (
            decrypt(person.bank_account_encrypted) == "6210000000000000999" and person.phone == "13800009999"
        )
        disabled.refresh_from_db()
        assert (disabled.disability_level, disabled.status) == (3, "ended")
        assert count(EventType.LIFE_EVENT_RECORDED) == 4

    def test_errors(self, world: World, client: Client, zhang: Beneficiary) -> None:
        url = self.url(zhang)
        response = post(client, url, {"kind": "wedding"}, world.township_clerk)
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"kind", "effective_on"}
        response = post(
            client, url, {"kind": "level_change", "effective_on": "2024-05-01"}, world.township_clerk
        )
        assert set(response.json()["error"]["fields"]) == {"qualification_id", "level"}
        response = post(
            client,
            url,
            {"kind": "death", "effective_on": "2024-05-01", "payee": {"name": "张小梅", "id_number": "123"}},
            world.township_clerk,
        )
        assert set(response.json()["error"]["fields"]) == {
            "payee.id_number",
            "payee.bank_name",
            "payee.bank_account",
        }
        war = zhang.qualifications.get(category="war_participant")
        response = post(
            client,
            url,
            {"kind": "suspension_end", "effective_on": "2024-05-01", "qualification_id": war.pk},
            world.township_clerk,
        )
        assert response.status_code == 409
        assert count(EventType.LIFE_EVENT_RECORDED) == 0

    def test_outside_the_region_is_404(self, world: World, client: Client, zhang: Beneficiary) -> None:
        body = {"kind": "phone_change", "effective_on": "2024-05-01", "phone": "13800009999"}
        assert post(client, self.url(zhang), body, world.other_township_clerk).status_code == 404
        assert count(EventType.LIFE_EVENT_RECORDED) == 0


@pytest.mark.django_db
class TestReveal:
    def test_a_county_clerk_reveals_and_it_is_audited(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        response = post(client, f"{API}/{zhang.pk}/reveal-id-number", {}, world.county_clerk)
        assert response.status_code == 200
        assert response.json() == {"id_number": decrypt(zhang.id_number_encrypted)}
        event = AuditEvent.objects.get(event_type=EventType.PERSONAL_DATA_REVEALED)
        assert event.channel == "api" and event.object_id == str(zhang.pk)

    @pytest.mark.parametrize("persona", ["township_clerk", "auditor", "admin"])
    def test_roles_without_the_capability_get_403(
        self, world: World, client: Client, zhang: Beneficiary, persona: str
    ) -> None:
        response = post(client, f"{API}/{zhang.pk}/reveal-id-number", {}, getattr(world, persona))
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
        assert count(EventType.PERSONAL_DATA_REVEALED) == 0

    def test_outside_the_region_is_404(self, world: World, client: Client, zhang: Beneficiary) -> None:
        other_county = Region.objects.create(code="341122000000", name="来安县", level=RegionLevel.COUNTY)
        stranger = make_user("stranger", Role.COUNTY_CLERK, other_county)
        response = post(client, f"{API}/{zhang.pk}/reveal-id-number", {}, stranger)
        assert response.status_code == 404
        assert count(EventType.PERSONAL_DATA_REVEALED) == 0


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_routes(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/beneficiaries",
        "/api/v1/beneficiaries/export",
        "/api/v1/beneficiaries/{beneficiary_id}",
        "/api/v1/beneficiaries/{beneficiary_id}/life-events",
        "/api/v1/beneficiaries/{beneficiary_id}/reveal-id-number",
    } <= set(paths)
    assert set(paths["/api/v1/beneficiaries/{beneficiary_id}"]) == {"get", "patch"}
    export = paths["/api/v1/beneficiaries/export"]["get"]["responses"]["200"]["content"]
    assert "text/csv; charset=utf-8" in export
