from __future__ import annotations

from datetime import date

import pytest
import time_machine

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.idnumber import IdNumber
from youfu.registry.categories import Category
from youfu.registry.models import (
    Beneficiary,
    DeathPayee,
    DisabilityAssessment,
    LifeEventKind,
    PersonStatus,
    QualificationStatus,
)
from youfu.registry.selectors import is_payable, payable_qualifications
from youfu.registry.services import (
    Payee,
    do_add_qualification,
    do_record_life_event,
    do_update_beneficiary,
    reveal_id_number,
)
from youfu.registry.tests.factories import id_number_for, person_data, qualification_data, register
from youfu.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def frozen_today() -> object:
    with time_machine.travel(date(2026, 11, 29), tick=False) as traveller:
        yield traveller


def m(year: int, month: int) -> date:
    return date(year, month, 1)


class TestRegister:
    def test_it_encrypts_indexes_and_masks_the_id_number(self, world: World) -> None:
        person = register(world.township_clerk, world.village_a, name="张三")
        number = person_data(world.village_a).id_number  # a different person; shape only
        assert len(number.value) == 18
        assert person.id_number_masked[6:14] == "********"
        assert person.id_number_encrypted and person.id_number_masked not in person.id_number_encrypted
        assert decrypt(person.id_number_encrypted).endswith(person.id_number_last4)
        assert (person.name_pinyin, person.name_initials) == ("zhangsan", "zs")
        event = AuditEvent.objects.get(event_type=EventType.BENEFICIARY_CREATED)
        assert event.new is not None and event.new["id_number"] == person.id_number_masked
        assert decrypt(person.id_number_encrypted) not in str(event.new)

    def test_a_person_is_registered_once(self, world: World) -> None:
        number = id_number_for()
        register(world.county_clerk, world.village_a, id_number=number)
        with pytest.raises(Conflict):
            register(world.county_clerk, world.village_b, id_number=number)
        assert Beneficiary.objects.count() == 1

    def test_a_township_clerk_registers_in_their_township_only(self, world: World) -> None:
        with pytest.raises(InvalidInput):
            register(world.township_clerk, world.village_b)

    def test_roles_without_casework_cannot_register(self, world: World) -> None:
        for persona in (world.admin, world.auditor, world.leader):
            with pytest.raises(PermissionDenied):
                register(persona, world.village_a)

    def test_a_disabled_veteran_gets_an_assessment_history(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a, categories=(Category.DISABLED_VETERAN,))
        qualification = person.qualifications.get()
        assert list(
            DisabilityAssessment.objects.filter(qualification=qualification).values_list(
                "level", "effective_on"
            )
        ) == [(6, date(2020, 1, 1))]

    def test_a_second_qualification_of_the_same_category_is_refused(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        with pytest.raises(Conflict):
            do_add_qualification(person, qualification_data(), acting_user=world.county_clerk)
        do_add_qualification(
            person, qualification_data(Category.DISABLED_VETERAN), acting_user=world.county_clerk
        )
        assert person.qualifications.count() == 2


class TestUpdateAndReveal:
    def test_an_update_audits_only_what_changed(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        do_update_beneficiary(person, acting_user=world.county_clerk, phone="13900000000", name="张三")
        event = AuditEvent.objects.get(event_type=EventType.BENEFICIARY_CHANGED)
        assert event.old == {"phone": "138****0000"} and event.new == {"phone": "139****0000"}

    def test_an_update_that_changes_nothing_writes_nothing(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        do_update_beneficiary(person, acting_user=world.county_clerk, phone=person.phone)
        assert not AuditEvent.objects.filter(event_type=EventType.BENEFICIARY_CHANGED).exists()

    def test_revealing_is_audited_and_limited_to_roles_that_may(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        full = reveal_id_number(person, acting_user=world.county_clerk)
        assert full.endswith(person.id_number_last4) and len(full) == 18
        assert (
            AuditEvent.objects.filter(
                event_type=EventType.PERSONAL_DATA_REVEALED, object_id=str(person.pk)
            ).count()
            == 1
        )
        with pytest.raises(PermissionDenied):
            reveal_id_number(person, acting_user=world.township_clerk)


class TestLifeEvents:
    def test_death_with_a_payee(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        payee = Payee("张小三", IdNumber(id_number_for(date(1980, 1, 1))), "农商银行", "6230000000000009999")
        event = do_record_life_event(
            person, LifeEventKind.DEATH, date(2026, 3, 10), acting_user=world.county_clerk, payee=payee
        )
        person.refresh_from_db()
        assert person.status == PersonStatus.DECEASED and person.death_date == date(2026, 3, 10)
        stored = DeathPayee.objects.get(life_event=event)
        assert decrypt(stored.bank_account_encrypted) == "6230000000000009999"
        assert stored.bank_account_masked.endswith("9999") and "6230" not in stored.bank_account_masked

    def test_nothing_more_is_recorded_after_death(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        do_record_life_event(person, LifeEventKind.DEATH, date(2026, 3, 10), acting_user=world.county_clerk)
        with pytest.raises(Conflict):
            do_record_life_event(
                person,
                LifeEventKind.PHONE_CHANGE,
                date(2026, 4, 1),
                acting_user=world.county_clerk,
                phone="13700000000",
            )

    def test_a_future_date_is_refused(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        with pytest.raises(InvalidInput):
            do_record_life_event(
                person, LifeEventKind.DEATH, date(2027, 1, 1), acting_user=world.county_clerk
            )
        person.refresh_from_db()
        assert person.status == PersonStatus.ALIVE

    def test_a_move_within_the_county_and_out_of_it(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        do_record_life_event(
            person,
            LifeEventKind.MOVE,
            date(2026, 5, 1),
            acting_user=world.county_clerk,
            to_region=world.village_b,
        )
        person.refresh_from_db()
        assert (person.region_id, person.township_id) == (world.village_b.code, world.township_b.code)
        from youfu.regions.models import Region, RegionLevel

        elsewhere = Region.objects.create(code="341200000000", name="邻县", level=RegionLevel.COUNTY)
        do_record_life_event(
            person, LifeEventKind.MOVE, date(2026, 6, 1), acting_user=world.county_clerk, to_region=elsewhere
        )
        assert set(person.qualifications.values_list("status", "ended_on")) == {
            (QualificationStatus.ENDED, date(2026, 6, 1))
        }

    def test_a_level_change_keeps_the_history(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a, categories=(Category.DISABLED_VETERAN,))
        qualification = person.qualifications.get()
        do_record_life_event(
            person,
            LifeEventKind.LEVEL_CHANGE,
            date(2025, 7, 1),
            acting_user=world.county_clerk,
            qualification=qualification,
            level=4,
        )
        assert list(qualification.assessments.values_list("level", flat=True)) == [6, 4]
        qualification.refresh_from_db()
        assert qualification.disability_level == 4

    def test_bank_and_phone_changes(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        do_record_life_event(
            person,
            LifeEventKind.BANK_CHANGE,
            date(2026, 1, 5),
            acting_user=world.county_clerk,
            bank_name="邮储银行",
            bank_account="6210000000000001234",
        )
        person.refresh_from_db()
        assert decrypt(person.bank_account_encrypted) == "6210000000000001234"
        event = person.life_events.get()
        assert event.details["new"].endswith("1234") and "6210" not in event.details["new"]


class TestPayable:
    """DESIGN.md §5: from the month of approval through the month of death or
    cancellation; none while suspended."""

    def test_from_the_approval_month(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)  # approved 2020-01-01
        q = person.qualifications.get()
        q.approved_on = date(2020, 1, 31)
        q.save()
        assert not is_payable(q, m(2019, 12))
        assert is_payable(q, m(2020, 1))

    def test_through_the_month_of_death(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        q = person.qualifications.get()
        do_record_life_event(person, LifeEventKind.DEATH, date(2026, 3, 1), acting_user=world.county_clerk)
        assert is_payable(q, m(2026, 3))
        assert not is_payable(q, m(2026, 4))

    def test_through_the_month_of_cancellation(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        q = person.qualifications.get()
        do_record_life_event(
            person,
            LifeEventKind.CANCELLATION,
            date(2026, 5, 31),
            acting_user=world.county_clerk,
            qualification=q,
        )
        assert is_payable(q, m(2026, 5))
        assert not is_payable(q, m(2026, 6))

    def test_none_while_suspended(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        q = person.qualifications.get()
        do_record_life_event(
            person,
            LifeEventKind.SUSPENSION,
            date(2025, 3, 15),
            acting_user=world.county_clerk,
            qualification=q,
        )
        do_record_life_event(
            person,
            LifeEventKind.SUSPENSION_END,
            date(2025, 7, 10),
            acting_user=world.county_clerk,
            qualification=q,
        )
        paid = [month for month in range(1, 13) if is_payable(q, m(2025, month))]
        assert paid == [1, 2, 3, 8, 9, 10, 11, 12]

    def test_a_suspension_from_the_first_stops_that_month(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        q = person.qualifications.get()
        do_record_life_event(
            person,
            LifeEventKind.SUSPENSION,
            date(2025, 3, 1),
            acting_user=world.county_clerk,
            qualification=q,
        )
        assert is_payable(q, m(2025, 2)) and not is_payable(q, m(2025, 3))

    def test_only_regular_benefit_categories_are_payable_monthly(self, world: World) -> None:
        register(
            world.county_clerk,
            world.village_a,
            categories=(Category.WAR_PARTICIPANT, Category.ACTIVE_DUTY_FAMILY),
        )
        register(world.county_clerk, world.village_b, categories=(Category.CONSCRIPT_FAMILY,))
        assert list(payable_qualifications(m(2026, 1)).values_list("category", flat=True)) == [
            Category.WAR_PARTICIPANT
        ]

    def test_the_whole_county_is_one_query(self, world: World, django_assert_num_queries: object) -> None:
        for _ in range(3):
            register(world.county_clerk, world.village_a)
        with django_assert_num_queries(1):  # type: ignore[operator]
            assert len(list(payable_qualifications(m(2026, 1)))) == 3
