"""A person's page, the reveal, the forms that change a record, and who may reach them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.core.idnumber import mask_id_number
from youfu.registry.categories import Category
from youfu.registry.models import (
    Beneficiary,
    DeathPayee,
    DisabilityAssessment,
    LifeEvent,
    Qualification,
    Suspension,
)
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import id_number_for, register
from youfu.testing import World, log_in


@pytest.fixture
def zhang(world: World) -> Beneficiary:
    return register(
        world.township_clerk,
        world.village_a,
        (Category.DISABLED_VETERAN, Category.WAR_PARTICIPANT),
        name="张三",
        phone="13912345678",
    )


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("seq"))


def fresh(person: Beneficiary) -> Beneficiary:
    return Beneficiary.objects.get(pk=person.pk)


@pytest.mark.django_db
class TestPermissions:
    @pytest.mark.parametrize("persona", ["admin", "auditor"])
    def test_the_admin_and_the_auditor_get_403_everywhere(
        self, world: World, client: Client, zhang: Beneficiary, persona: str
    ) -> None:
        log_in(client, getattr(world, persona))
        for url in pages(zhang):
            assert client.get(url).status_code == 403, url
            assert client.post(url).status_code == 403, url

    def test_another_townships_clerk_gets_404(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.other_township_clerk)
        detail, reveal, *forms = pages(zhang)[3:]
        assert client.get(detail).status_code == 404
        assert client.post(reveal).status_code == 403  # a township clerk may not reveal at all
        for url in forms:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"name": "x", "kind": "death"}).status_code == 404, url
        assert fresh(zhang).name == "张三"

    def test_a_leader_reads_but_does_not_write(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.leader)
        assert client.get(f"/registry/{zhang.pk}/").status_code == 200
        for url in pages(zhang)[5:]:
            assert client.get(url).status_code == 403, url
        assert client.get("/registry/new/").status_code == 403

    def test_anonymous_users_go_to_the_login_page(
        self, client: Client, world: World, zhang: Beneficiary
    ) -> None:
        response = client.get(f"/registry/{zhang.pk}/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def pages(person: Beneficiary) -> list[str]:
    return [
        "/registry/",
        "/registry/export/",
        "/registry/new/",
        f"/registry/{person.pk}/",
        f"/registry/{person.pk}/reveal/",
        f"/registry/{person.pk}/edit/",
        f"/registry/{person.pk}/qualifications/new/",
        f"/registry/{person.pk}/life-events/new/",
    ]


@pytest.mark.django_db
class TestDetail:
    def test_it_shows_identity_qualifications_history_and_sections(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        qualification = zhang.qualifications.get(category="war_participant")
        do_record_life_event(
            zhang,
            "suspension",
            date(2024, 3, 15),
            acting_user=world.township_clerk,
            qualification=qualification,
            reason="服刑",
        )
        log_in(client, world.township_clerk)
        page = client.get(f"/registry/{zhang.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert zhang.id_number_masked in page and decrypt(zhang.id_number_encrypted) not in page
        assert "6230000000000000001" not in page and zhang.bank_account_masked in page
        assert "柳湾村" in page and "城关镇" in page
        assert "disabled veteran" in page and "in combat" in page
        assert "2024-03-15 – ongoing · 服刑" in page
        assert "<td>suspension</td>" in page and str(world.township_clerk) in page  # recorded by
        for section in ("payments", "household", "history"):
            assert f'data-testid="{section}"' in page
        # Sections other apps register are left out when they have nothing to show: no placeholders.
        assert "Not available yet" not in page and "暂未开放" not in page
        assert 'data-testid="reveal"' not in page  # a township clerk may not reveal

    def test_a_missing_person_is_404(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        assert client.get("/registry/999999/").status_code == 404


@pytest.mark.django_db
class TestReveal:
    def test_a_county_clerk_reveals_the_id_number_and_it_is_audited(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.county_clerk)
        page = client.get(f"/registry/{zhang.pk}/").content.decode()
        assert f'hx-post="/registry/{zhang.pk}/reveal/"' in page
        response = client.post(f"/registry/{zhang.pk}/reveal/", HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body
        assert decrypt(zhang.id_number_encrypted) in body and 'id="id-number"' in body
        assert response["Cache-Control"] == "no-store"
        (event,) = events(EventType.PERSONAL_DATA_REVEALED)
        assert event.actor_id == world.county_clerk.pk and event.object_id == str(zhang.pk)
        assert event.extra == {"field": "id_number"}

    def test_without_javascript_the_page_shows_the_number(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.leader)
        response = client.post(f"/registry/{zhang.pk}/reveal/")
        assert "<html" in response.content.decode()
        assert decrypt(zhang.id_number_encrypted) in response.content.decode()
        assert len(events(EventType.PERSONAL_DATA_REVEALED)) == 1

    def test_a_township_clerk_may_not_reveal(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        assert client.post(f"/registry/{zhang.pk}/reveal/").status_code == 403
        assert events(EventType.PERSONAL_DATA_REVEALED) == []

    def test_reveal_is_post_only(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.county_clerk)
        assert client.get(f"/registry/{zhang.pk}/reveal/").status_code == 405
        assert events(EventType.PERSONAL_DATA_REVEALED) == []


def create_data(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "孙七",
        "id_number": id_number_for(date(1960, 5, 4)),
        "ethnicity": "汉族",
        "residence": "rural",
        "township": world.township_a.code,
        "village": world.village_a.code,
        "phone": "13512345678",
        "bank_name": "农商银行",
        "bank_account": "6230000000000000777",
        "category": "disabled_veteran",
        "disability_cause": "duty",
        "disability_level": "5",
        "approved_on": "2019-08-01",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestCreate:
    def test_it_registers_a_person_with_a_first_qualification(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        form = client.get("/registry/new/").content.decode()
        assert world.village_a.name in form and world.township_b.name not in form
        data = create_data(world)
        response = client.post("/registry/new/", data)
        person = Beneficiary.objects.get(name="孙七")
        assert response.status_code == 302 and response["Location"] == f"/registry/{person.pk}/"
        assert person.region_id == world.village_a.code and person.township_id == world.township_a.code
        assert person.birth_date == date(1960, 5, 4) and person.sex == "male"
        assert decrypt(person.id_number_encrypted) == data["id_number"]
        qualification = person.qualifications.get()
        assert (qualification.category, qualification.disability_cause, qualification.disability_level) == (
            "disabled_veteran",
            "duty",
            5,
        )
        assert len(events(EventType.BENEFICIARY_CREATED)) == 1

    def test_a_village_assistant_registers_in_their_village(self, world: World, client: Client) -> None:
        log_in(client, world.village_assistant)
        assert client.post("/registry/new/", create_data(world)).status_code == 302
        assert Beneficiary.objects.get(name="孙七").region_id == world.village_a.code
        response = client.post(
            "/registry/new/",
            create_data(world, name="周九", id_number=id_number_for(), village=""),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.context["form"].errors["township"] == ["outside your region"]

    def test_validation_errors_land_on_their_fields(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        data = create_data(
            world,
            name="",
            id_number="341199196005040000",
            disability_cause="illness",
            disability_level="8",
            approved_on="2999-01-01",
        )
        response = client.post("/registry/new/", data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert errors["name"] == ["The name is required."]
        assert "check character" in errors["id_number"][0]
        assert errors["disability_level"] == ["Disability from illness is recognised at levels 1 to 6 only."]
        assert errors["approved_on"] == ["The approval date is in the future."]
        assert not Beneficiary.objects.filter(name="孙七").exists()

    def test_sex_and_birth_date_are_checked_against_the_id_number(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        data = create_data(world, sex="female", birth_date="1960-05-05")
        errors = client.post("/registry/new/", data, HTTP_ACCEPT_LANGUAGE="en").context["form"].errors
        assert errors["sex"] == ["The sex does not agree with the ID number."]
        assert errors["birth_date"] == ["The birth date does not agree with the ID number."]

    def test_a_village_of_another_township_is_refused(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        data = create_data(world, village=world.village_b.code)
        errors = client.post("/registry/new/", data, HTTP_ACCEPT_LANGUAGE="en").context["form"].errors
        assert "village" in errors

    def test_a_duplicate_id_number_is_shown_from_the_service(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        data = create_data(world, id_number=decrypt(zhang.id_number_encrypted))
        response = client.post("/registry/new/", data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.context["form"].errors["id_number"] == ["already registered"]
        assert Beneficiary.objects.count() == 1


@pytest.mark.django_db
class TestEdit:
    def test_it_changes_contact_fields_and_audits_them(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        form = client.get(f"/registry/{zhang.pk}/edit/").content.decode()
        assert 'value="13912345678"' in form and "bank_account" not in form
        response = client.post(
            f"/registry/{zhang.pk}/edit/",
            {
                "name": "张叁",
                "ethnicity": "回族",
                "residence": "urban",
                "phone": "0551-1234567",
                "notes": "新住址",
            },
        )
        assert response.status_code == 302
        person = fresh(zhang)
        assert (person.name, person.name_initials, person.ethnicity, person.residence, person.phone) == (
            "张叁",
            "zs",
            "回族",
            "urban",
            "0551-1234567",
        )
        (event,) = events(EventType.BENEFICIARY_CHANGED)
        # The audit log keeps masked values (issue 10, item 11).
        assert event.old["phone"] == "139****5678" and event.new["phone"] == "********4567"
        assert event.new["name"] == "张*" and event.new["ethnicity"] == "(changed)"

    def test_a_bad_phone_is_refused(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        response = client.post(
            f"/registry/{zhang.pk}/edit/",
            {"name": "张三", "residence": "rural", "phone": "12"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.context["form"].errors["phone"] == ["12 is not a phone number."]
        assert fresh(zhang).phone == "13912345678"

    def test_nothing_changed_writes_nothing(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        client.post(
            f"/registry/{zhang.pk}/edit/",
            {"name": "张三", "ethnicity": "汉族", "residence": "rural", "phone": "13912345678", "notes": ""},
        )
        assert events(EventType.BENEFICIARY_CHANGED) == []


@pytest.mark.django_db
class TestAddQualification:
    def test_it_adds_one(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        response = client.post(
            f"/registry/{zhang.pk}/qualifications/new/",
            {
                "category": "nuclear_test_participant",
                "approved_on": "2021-06-01",
                "enlisted_on": "1970-01-01",
            },
        )
        assert response.status_code == 302
        added = zhang.qualifications.get(category="nuclear_test_participant")
        assert added.approved_on == date(2021, 6, 1) and added.enlisted_on == date(1970, 1, 1)
        assert len(events(EventType.QUALIFICATION_ADDED)) == 1

    def test_a_held_category_is_a_conflict_on_the_field(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        response = client.post(
            f"/registry/{zhang.pk}/qualifications/new/",
            {"category": "war_participant", "approved_on": "2021-06-01"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.context["form"].errors["category"] == ["already held"]

    def test_a_disabled_veteran_needs_cause_and_level(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        errors = (
            client.post(
                f"/registry/{zhang.pk}/qualifications/new/",
                {"category": "martyr_survivor", "approved_on": "2021-06-01", "disability_level": "3"},
                HTTP_ACCEPT_LANGUAGE="en",
            )
            .context["form"]
            .errors
        )
        assert errors["disability_level"] == ["Only a disabled veteran has a disability level."]


def record(client: Client, person: Beneficiary, **data: Any) -> Any:
    data.setdefault("effective_on", "2024-05-01")
    return client.post(f"/registry/{person.pk}/life-events/new/", data, HTTP_ACCEPT_LANGUAGE="en")


def qualification_of(person: Beneficiary, category: str) -> Qualification:
    return person.qualifications.get(category=category)


@pytest.mark.django_db
class TestLifeEvents:
    def test_the_form_offers_the_persons_qualifications_and_the_regions(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        page = client.get(
            f"/registry/{zhang.pk}/life-events/new/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert f'value="{qualification_of(zhang, "war_participant").pk}"' in page
        assert world.village_a.code in page and world.township_b.code not in page
        assert 'data-kinds="death"' in page

    def test_death_with_a_payee(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        payee_number = id_number_for(date(1975, 1, 2), male=False)
        response = record(
            client,
            zhang,
            kind="death",
            payee_name="张小梅",
            payee_id_number=payee_number,
            payee_bank_name="邮储银行",
            payee_bank_account="6210000000000000123",
            note="家属报告",
        )
        assert response.status_code == 302
        person = fresh(zhang)
        assert person.status == "deceased" and person.death_date == date(2024, 5, 1)
        payee = DeathPayee.objects.get()
        assert payee.name == "张小梅" and decrypt(payee.id_number_encrypted) == payee_number
        assert payee.id_number_masked == mask_id_number(payee_number)
        assert decrypt(payee.bank_account_encrypted) == "6210000000000000123"
        (event,) = events(EventType.LIFE_EVENT_RECORDED)
        assert event.new["kind"] == "death" and event.new["payee"] == "张**"
        assert payee_number not in str(event.new)
        page = client.get(f"/registry/{zhang.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Payee: 张小梅, 中国邮政储蓄银行 ***************0123" in page and "家属报告" in page

    def test_death_without_a_payee(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        assert record(client, zhang, kind="death").status_code == 302
        assert fresh(zhang).status == "deceased" and not DeathPayee.objects.exists()

    def test_a_half_given_payee_is_refused(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        errors = record(client, zhang, kind="death", payee_name="张小梅").context["form"].errors
        assert set(errors) == {"payee_id_number", "payee_bank_name", "payee_bank_account"}
        assert fresh(zhang).status == "alive"

    def test_a_deceased_person_takes_no_further_event(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        record(client, zhang, kind="death")
        response = record(client, zhang, kind="phone_change", phone="13800009999")
        assert response.context["form"].non_field_errors() == ["This person is recorded as deceased."]

    def test_move_within_the_county(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.county_clerk)
        assert record(client, zhang, kind="move", to_village=world.village_b.code).status_code == 302
        person = fresh(zhang)
        assert person.region_id == world.village_b.code and person.township_id == world.township_b.code
        assert all(q.status == "active" for q in person.qualifications.all())
        page = client.get(f"/registry/{zhang.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"From 柳湾村 ({world.village_a.code}) to 石桥村 ({world.village_b.code})" in page

    def test_move_to_a_township_by_its_code(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.county_clerk)
        assert record(client, zhang, kind="move", to_region=world.township_b.code).status_code == 302
        person = fresh(zhang)
        assert person.region_id == world.township_b.code == person.township_id

    def test_move_within_a_township_by_its_clerk(self, world: World, client: Client) -> None:
        person = register(world.township_clerk, world.township_a, name="钱八")
        log_in(client, world.township_clerk)
        assert record(client, person, kind="move", to_village=world.village_a.code).status_code == 302
        assert fresh(person).region_id == world.village_a.code

    def test_a_township_clerk_cannot_move_a_person_to_another_township(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        response = record(client, zhang, kind="move", to_region=world.township_b.code)
        assert "to_region" in response.context["form"].errors
        assert fresh(zhang).region_id == world.village_a.code

    def test_move_out_of_the_county_ends_the_qualifications(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        response = record(client, zhang, kind="move", to_region="320102")
        assert response.status_code == 302
        person = fresh(zhang)
        assert person.region_id == world.village_a.code  # the file stays here, closed
        assert {(q.status, q.ended_on) for q in person.qualifications.all()} == {("ended", date(2024, 5, 1))}
        event = LifeEvent.objects.get(kind="move")
        assert event.details == {"from": world.village_a.code, "to": "320102000000", "left_county": True}

    def test_an_unknown_code_inside_the_county_is_refused(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.county_clerk)
        errors = record(client, zhang, kind="move", to_region="341199555000").context["form"].errors
        assert errors["to_region"] == ["No region 341199555000 in the county."]
        errors = record(client, zhang, kind="move", to_region="abc").context["form"].errors
        assert "to_region" in errors
        errors = record(client, zhang, kind="move").context["form"].errors
        assert errors["to_township"] == ["Name the village or township moved to."]

    def test_suspension_then_its_end(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        qualification = qualification_of(zhang, "war_participant")
        response = record(
            client,
            zhang,
            kind="suspension",
            qualification=qualification.pk,
            reason="服刑",
            effective_on="2024-03-15",
        )
        assert response.status_code == 302
        assert Qualification.objects.get(pk=qualification.pk).status == "suspended"
        response = record(
            client, zhang, kind="suspension_end", qualification=qualification.pk, effective_on="2024-07-10"
        )
        assert response.status_code == 302
        assert Qualification.objects.get(pk=qualification.pk).status == "active"
        suspension = Suspension.objects.get()
        assert (suspension.started_on, suspension.ended_on, suspension.reason) == (
            date(2024, 3, 15),
            date(2024, 7, 10),
            "服刑",
        )
        assert len(events(EventType.LIFE_EVENT_RECORDED)) == 2

    def test_a_suspension_needs_a_qualification_and_a_reason(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        errors = record(client, zhang, kind="suspension").context["form"].errors
        assert errors["qualification"] == ["Choose which qualification this concerns."]
        assert errors["reason"] == ["Give the reason."]

    def test_ending_a_suspension_that_is_not_there_is_a_conflict(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        qualification = qualification_of(zhang, "war_participant")
        response = record(client, zhang, kind="suspension_end", qualification=qualification.pk)
        assert response.context["form"].non_field_errors() == [
            "This qualification is not suspended on that date."
        ]

    def test_level_change(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        qualification = qualification_of(zhang, "disabled_veteran")
        response = record(client, zhang, kind="level_change", qualification=qualification.pk, level="4")
        assert response.status_code == 302
        assert Qualification.objects.get(pk=qualification.pk).disability_level == 4
        assert list(
            DisabilityAssessment.objects.filter(qualification=qualification).values_list(
                "effective_on", "level"
            )
        ) == [(date(2020, 1, 1), 6), (date(2024, 5, 1), 4)]
        page = client.get(f"/registry/{zhang.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Level 6 → 4" in page

    def test_level_change_of_a_category_without_levels_is_refused(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        log_in(client, world.township_clerk)
        qualification = qualification_of(zhang, "war_participant")
        errors = record(client, zhang, kind="level_change", qualification=qualification.pk, level="4")
        assert errors.context["form"].errors["qualification"] == [
            "Only a disabled veteran's level can change."
        ]

    def test_cancellation(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        qualification = qualification_of(zhang, "war_participant")
        response = record(
            client, zhang, kind="cancellation", qualification=qualification.pk, reason="不符合条件"
        )
        assert response.status_code == 302
        ended = Qualification.objects.get(pk=qualification.pk)
        assert (ended.status, ended.ended_on, ended.end_reason) == ("ended", date(2024, 5, 1), "不符合条件")

    def test_bank_change(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        response = record(
            client, zhang, kind="bank_change", bank_name="邮储银行", bank_account="6210 0000 0000 0000 999"
        )
        assert response.status_code == 302
        person = fresh(zhang)
        assert (
            person.bank_name == "中国邮政储蓄银行"
            and decrypt(person.bank_account_encrypted) == "6210000000000000999"
        )
        event = LifeEvent.objects.get(kind="bank_change")
        assert event.details["new"].endswith("0999") and "6210000000000000999" not in str(event.details)

    def test_bank_change_needs_an_account(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        errors = record(client, zhang, kind="bank_change", bank_name="邮储银行").context["form"].errors
        assert errors["bank_account"] == ["The bank account is required."]

    def test_phone_change(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        assert record(client, zhang, kind="phone_change", phone="13800009999").status_code == 302
        assert fresh(zhang).phone == "13800009999"
        page = client.get(f"/registry/{zhang.pk}/").content.decode()
        assert "13912345678 → 13800009999" in page

    def test_a_future_date_is_refused(self, world: World, client: Client, zhang: Beneficiary) -> None:
        log_in(client, world.township_clerk)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        errors = record(client, zhang, kind="phone_change", phone="13800009999", effective_on=tomorrow)
        assert errors.context["form"].errors["effective_on"] == [
            "A life event cannot take effect in the future."
        ]

    def test_a_qualification_of_someone_else_is_refused(
        self, world: World, client: Client, zhang: Beneficiary
    ) -> None:
        other = register(world.township_clerk, world.village_a, name="李四")
        log_in(client, world.township_clerk)
        foreign = qualification_of(other, "war_participant")
        response = record(client, zhang, kind="cancellation", qualification=foreign.pk, reason="x")
        assert "qualification" in response.context["form"].errors
        assert Qualification.objects.get(pk=foreign.pk).status == "active"


@pytest.mark.django_db
def test_a_persons_name_reads_xingming(world: World, client: Client, zhang: Beneficiary) -> None:
    """ "Name" of a person is 姓名; the bare "Name" (of a region, a token) is 名称."""
    log_in(client, world.county_clerk)
    edit = reverse("registry:edit", args=[zhang.pk])
    for url in (reverse("registry:list"), reverse("registry:create"), edit):
        page = client.get(url).content.decode()
        assert "姓名" in page, url
        assert "名称" not in page, url
