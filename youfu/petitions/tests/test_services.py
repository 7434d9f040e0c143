"""The petition workflow through its services: states, dates, deadlines, conflicts."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import LazySettings
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.petitions.codes import CodeShape, normalize_code
from youfu.petitions.models import Petition, PetitionEvent, State
from youfu.petitions.services import (
    do_accept_petition,
    do_approve_extension,
    do_assign_petition,
    do_conclude_petition,
    do_decline_petition,
    do_extend_petition,
    do_forward_petition,
    do_link_repeat,
    do_rate_petition,
    do_reply_petition,
    do_reply_rereview,
    do_reply_review,
    do_request_rereview,
    do_request_review,
    do_start_petition,
)
from youfu.petitions.tests.conftest import at
from youfu.petitions.tests.factories import accepted, id_number, petitioner, register
from youfu.petitions.validation import clean_petitioners
from youfu.testing import World, make_user

pytestmark = pytest.mark.django_db


def events(petition: Petition) -> list[tuple[str, str, str]]:
    return list(petition.events.order_by("pk").values_list("action", "from_state", "to_state"))


class TestRegistering:
    def test_it_gives_a_receipt_code_and_the_acceptance_deadline(self, world: World) -> None:
        petition = register(world.township_clerk, received_on=date(2025, 3, 7))
        assert petition.state == State.REGISTERED
        assert normalize_code(petition.receipt_code) == (petition.receipt_code, CodeShape.OK)
        assert petition.accept_due == date(2025, 3, 24)  # Sat 22nd → Monday
        assert petition.calendar_complete is True
        assert events(petition) == [("register", "", "registered")]

    def test_the_id_number_is_stored_encrypted_indexed_and_masked(self, world: World) -> None:
        number = id_number()
        petition = register(world.township_clerk, petitioners=[petitioner(id_number=number)])
        person = petition.petitioners.get()
        assert number not in person.id_number_encrypted
        assert decrypt(person.id_number_encrypted) == number
        assert person.id_number_masked == number[:6] + "********" + number[14:]
        assert person.id_number_index and person.phone_tail == "1234"

    def test_the_audit_record_holds_no_names_or_texts(self, world: World) -> None:
        petition = register(world.township_clerk)
        event = AuditEvent.objects.get(event_type=EventType.PETITION_REGISTERED)
        assert event.object_id == str(petition.pk) and event.region_id == world.township_a.code
        text = str(event.new) + str(event.extra)
        assert "李四" not in text and "抚恤金" not in text and petition.receipt_code not in text

    def test_a_group_of_five_is_collective_with_at_most_five_representatives(self, world: World) -> None:
        people = clean_petitioners(
            [{"name": "甲", "phone": "13900000001"}],
            [{"name": f"代表{i}"} for i in range(5)],
        )
        petition = register(world.township_clerk, petitioners=people, group_size=30)
        assert petition.is_collective and petition.group_size == 30
        assert petition.petitioners.filter(is_representative=True).count() == 5

    def test_six_representatives_are_refused(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            clean_petitioners([], [{"name": f"代表{i}"} for i in range(6)])
        assert exc.value.code == "too_many_representatives"

    def test_a_future_date_is_refused(self, world: World) -> None:
        with pytest.raises(InvalidInput):
            register(world.township_clerk, received_on=date(2025, 6, 17))
        assert Petition.objects.count() == 0

    def test_a_region_outside_the_clerks_is_refused(self, world: World) -> None:
        with pytest.raises(InvalidInput):
            register(world.township_clerk, world.township_b)

    def test_the_admin_and_the_auditor_cannot_register(self, world: World) -> None:
        for user in (world.admin, world.auditor, world.leader):
            with pytest.raises(PermissionDenied):
                register(user, world.county)

    def test_a_matter_from_a_higher_level_is_handled_like_any_other(self, world: World) -> None:
        plain = register(world.county_clerk, world.county, received_on=date(2025, 3, 7))
        referred = register(
            world.county_clerk, world.county, received_on=date(2025, 3, 7), referred_by="市信访局转送"
        )
        assert referred.state == plain.state == State.REGISTERED
        assert referred.accept_due == plain.accept_due


class TestTheWorkflow:
    def test_accepting_with_a_unit_and_a_lead_assigns(self, world: World) -> None:
        petition = register(world.township_clerk, received_on=date(2025, 3, 3))
        do_accept_petition(
            petition,
            accepted_on=date(2025, 3, 10),
            handling_unit=world.department.pk,
            lead=world.leader.username,
            acting_user=world.township_clerk,
        )
        petition.refresh_from_db()
        assert petition.state == State.ASSIGNED
        assert petition.handle_due == date(2025, 5, 9)  # 60 days from 10 March
        assert petition.handling_unit == world.department and petition.lead == world.leader
        assert events(petition)[1:] == [
            ("accept", "registered", "accepted"),
            ("assign", "accepted", "assigned"),
        ]

    def test_accepting_without_a_unit_only_accepts(self, world: World) -> None:
        petition = register(world.township_clerk)
        do_accept_petition(petition, accepted_on=date(2025, 3, 4), acting_user=world.township_clerk)
        assert petition.state == State.ACCEPTED and petition.handling_unit is None

    def test_the_whole_road_to_conclusion(self, world: World, time_machine: TimeMachineFixture) -> None:
        clerk = world.township_clerk
        time_machine.move_to(at(2025, 1, 10), tick=False)
        p = accepted(world, received_on=date(2025, 1, 6), accepted_on=date(2025, 1, 8))
        do_start_petition(p, started_on=date(2025, 1, 9), acting_user=world.liaison)
        do_extend_petition(p, days=10, reason="需调取历年档案", acting_user=world.liaison)
        do_approve_extension(p, acting_user=world.leader)
        time_machine.move_to(at(2025, 6, 16), tick=False)
        # 60 + 10 days from 8 January = 19 March (a Wednesday).
        assert p.state == State.EXTENDED and p.handle_due == date(2025, 3, 19)
        do_reply_petition(
            p, replied_on=date(2025, 3, 14), text="经核实，予以补发。", acting_user=world.liaison
        )
        assert p.review_request_due == date(2025, 4, 14)  # Sun 13 April → Monday
        assert p.days_to_reply == 67
        do_request_review(p, requested_on=date(2025, 4, 1), acting_user=clerk)
        assert p.review_due == date(2025, 5, 6)  # 1 May is in the Labour Day holiday
        do_reply_review(p, replied_on=date(2025, 4, 20), text="维持原答复。", acting_user=world.liaison)
        assert p.rereview_request_due == date(2025, 5, 20)
        do_request_rereview(p, requested_on=date(2025, 5, 6), acting_user=clerk)
        assert p.rereview_due == date(2025, 6, 5)
        do_reply_rereview(p, replied_on=date(2025, 6, 3), text="维持。", acting_user=world.liaison)
        do_conclude_petition(p, concluded_on=date(2025, 6, 10), acting_user=clerk)
        p.refresh_from_db()
        assert p.state == State.CONCLUDED
        assert [to for _, _, to in events(p)] == [
            "registered",
            "accepted",
            "assigned",
            "in_progress",
            "in_progress",  # the extension requested (the state waits for the leader)
            "extended",
            "replied",
            "review_requested",
            "review_replied",
            "rereview_requested",
            "rereview_replied",
            "concluded",
        ]
        types = set(AuditEvent.objects.filter(object_id=str(p.pk)).values_list("event_type", flat=True))
        assert EventType.PETITION_CONCLUDED in types and EventType.PETITION_EXTENDED in types

    def test_decline_with_a_notice(self, world: World) -> None:
        p = register(world.township_clerk)
        do_decline_petition(
            p,
            declined_on=date(2025, 3, 5),
            reason="不属于本机关职权范围",
            notice_text="请向县人社局提出。",
            acting_user=world.township_clerk,
        )
        assert p.state == State.DECLINED and p.decline_notice == "请向县人社局提出。"

    def test_forward_to_another_agency(self, world: World) -> None:
        p = register(world.township_clerk)
        do_forward_petition(
            p, forwarded_on=date(2025, 3, 5), forwarded_to="县人社局", acting_user=world.township_clerk
        )
        assert p.state == State.FORWARDED and p.forwarded_to == "县人社局"

    def test_reassignment_is_recorded_and_keeps_the_stage(self, world: World) -> None:
        p = accepted(world)
        do_start_petition(p, started_on=date(2025, 3, 4), acting_user=world.township_clerk)
        do_assign_petition(
            p,
            handling_unit=world.department,
            lead=world.county_clerk.username,
            assigned_on=date(2025, 3, 5),
            acting_user=world.township_clerk,
        )
        assert p.state == State.IN_PROGRESS and p.lead == world.county_clerk
        assert events(p)[-1] == ("assign", "in_progress", "in_progress")

    def test_a_review_may_be_requested_after_the_file_was_closed(self, world: World) -> None:
        p = accepted(world)
        do_reply_petition(p, replied_on=date(2025, 3, 10), text="答复", acting_user=world.township_clerk)
        do_conclude_petition(p, concluded_on=date(2025, 3, 11), acting_user=world.township_clerk)
        do_request_review(p, requested_on=date(2025, 3, 20), acting_user=world.township_clerk)
        assert p.state == State.REVIEW_REQUESTED and p.concluded_on is None


class TestWhatIsNotAllowed:
    def test_accepting_twice_is_a_conflict_that_changes_nothing(self, world: World) -> None:
        p = accepted(world)
        before = (PetitionEvent.objects.count(), AuditEvent.objects.count())
        with pytest.raises(Conflict) as exc:
            do_accept_petition(p, accepted_on=date(2025, 3, 4), acting_user=world.township_clerk)
        assert exc.value.status == 409 and exc.value.code == "invalid_transition"
        assert (PetitionEvent.objects.count(), AuditEvent.objects.count()) == before

    def test_a_stale_copy_loses_the_compare_and_set(self, world: World) -> None:
        p = register(world.township_clerk)
        stale = Petition.objects.get(pk=p.pk)
        do_decline_petition(
            p, declined_on=date(2025, 3, 4), reason="x", notice_text="y", acting_user=world.township_clerk
        )
        with pytest.raises(Conflict):
            do_accept_petition(stale, accepted_on=date(2025, 3, 4), acting_user=world.township_clerk)
        p.refresh_from_db()
        assert p.state == State.DECLINED and p.accepted_on is None

    def test_a_date_before_receipt_is_refused(self, world: World) -> None:
        p = register(world.township_clerk, received_on=date(2025, 3, 3))
        with pytest.raises(InvalidInput) as exc:
            do_accept_petition(p, accepted_on=date(2025, 3, 2), acting_user=world.township_clerk)
        assert "accepted_on" in exc.value.fields
        p.refresh_from_db()
        assert p.state == State.REGISTERED and p.accepted_on is None

    def test_an_unknown_handling_unit_is_refused(self, world: World) -> None:
        p = register(world.township_clerk)
        with pytest.raises(InvalidInput) as exc:
            do_accept_petition(
                p,
                accepted_on=date(2025, 3, 4),
                handling_unit=999999,
                lead=world.leader.username,
                acting_user=world.township_clerk,
            )
        assert exc.value.code == "unknown_handling_unit"
        p.refresh_from_db()
        assert p.state == State.REGISTERED

    def test_an_unknown_lead_is_refused(self, world: World) -> None:
        p = register(world.township_clerk)
        with pytest.raises(InvalidInput) as exc:
            do_accept_petition(
                p,
                accepted_on=date(2025, 3, 4),
                handling_unit=world.department.pk,
                lead=world.auditor.username,
                acting_user=world.township_clerk,
            )
        assert exc.value.code == "unknown_lead"

    def test_an_extension_over_30_days_is_refused(self, world: World) -> None:
        p = accepted(world, received_on=date(2025, 6, 2))
        with pytest.raises(InvalidInput) as exc:
            do_extend_petition(p, days=31, reason="复杂", acting_user=world.township_clerk)
        assert exc.value.code == "extension_too_long"
        assert Petition.objects.get(pk=p.pk).extension_days is None

    def test_a_second_extension_is_a_conflict(self, world: World) -> None:
        p = accepted(world, received_on=date(2025, 6, 2))
        do_extend_petition(p, days=30, reason="复杂", acting_user=world.township_clerk)
        do_approve_extension(p, acting_user=world.leader)
        with pytest.raises(Conflict) as exc:
            do_extend_petition(p, days=5, reason="还要", acting_user=world.township_clerk)
        assert exc.value.code == "already_extended"
        assert Petition.objects.get(pk=p.pk).extension_days == 30

    def test_no_extension_once_the_deadline_passed(self, world: World) -> None:
        p = accepted(world, received_on=date(2025, 3, 3))  # due 6 May; today is 16 June
        with pytest.raises(InvalidInput) as exc:
            do_extend_petition(p, days=10, reason="x", acting_user=world.township_clerk)
        assert exc.value.code == "deadline_passed"

    def test_concluding_before_a_reply_is_a_conflict(self, world: World) -> None:
        p = accepted(world)
        with pytest.raises(Conflict):
            do_conclude_petition(p, acting_user=world.township_clerk)

    def test_the_liaison_handles_but_does_not_decide(self, world: World) -> None:
        p = accepted(world)
        with pytest.raises(PermissionDenied):
            do_assign_petition(
                p, handling_unit=world.department, lead=world.leader, acting_user=world.liaison
            )
        do_start_petition(p, acting_user=world.liaison)
        assert p.state == State.IN_PROGRESS

    def test_a_liaison_of_another_department_does_not_see_the_matter(self, world: World) -> None:
        from youfu.accounts.models import Department
        from youfu.core.roles import Role

        other = Department.objects.create(region=world.county, name="县住建局")
        stranger = make_user("stranger", Role.DEPARTMENT_LIAISON, world.county, department=other)
        p = accepted(world)
        with pytest.raises(NotFound):
            do_start_petition(p, acting_user=stranger)

    def test_the_outsider_cannot_act_on_township_a(self, world: World) -> None:
        p = register(world.township_clerk)
        with pytest.raises(NotFound):
            do_accept_petition(p, accepted_on=date(2025, 3, 4), acting_user=world.other_township_clerk)


class TestExtensionArithmetic:
    def test_the_extension_counts_from_acceptance_not_from_the_rolled_date(
        self, world: World, time_machine: TimeMachineFixture
    ) -> None:
        time_machine.move_to(at(2025, 9, 1), tick=False)
        p = accepted(world, received_on=date(2025, 8, 1), accepted_on=date(2025, 8, 2))
        assert p.handle_due == date(2025, 10, 9)  # day 60 = 1 Oct, in the holiday
        do_extend_petition(p, days=10, reason="需要补充调查", acting_user=world.leader)  # approved at once
        assert p.handle_due == date(2025, 10, 11)  # day 70, a make-up Saturday


class TestDeadlineSettings:
    def test_a_kind_can_count_working_days(
        self, world: World, settings: LazySettings, time_machine: TimeMachineFixture
    ) -> None:
        time_machine.move_to(at(2025, 10, 30), tick=False)
        settings.YOUFU_PETITION_WORKING_DAY_DEADLINES = frozenset({"accept"})
        p = register(world.township_clerk, received_on=date(2025, 9, 26))
        # 15 working days after Fri 26 Sep 2025 skip the National Day week.
        assert p.accept_due == date(2025, 10, 23)
        p2 = accepted(world, received_on=date(2025, 3, 3))
        assert p2.handle_due == date(2025, 5, 6)  # calendar days: 2 May is in the holiday

    def test_a_deadline_in_a_year_without_data_is_marked(
        self, world: World, time_machine: TimeMachineFixture
    ) -> None:
        time_machine.move_to(at(2026, 12, 21), tick=False)
        p = register(world.township_clerk, received_on=date(2026, 12, 18))
        assert p.accept_due == date(2027, 1, 4) and p.calendar_complete is False


class TestRepeats:
    def test_a_repeat_is_linked_to_the_original(self, world: World) -> None:
        original = accepted(world)
        repeat = register(world.township_clerk, received_on=date(2025, 4, 1), repeat_of=original)
        assert repeat.state == State.REPEAT and repeat.repeat_of == original
        assert original.events.filter(action="repeat_received").exists()

    def test_a_repeat_of_a_repeat_points_at_the_first_case(self, world: World) -> None:
        original = accepted(world)
        first = register(world.township_clerk, received_on=date(2025, 4, 1), repeat_of=original)
        second = register(world.township_clerk, received_on=date(2025, 4, 2))
        do_link_repeat(second, original=first, acting_user=world.township_clerk)
        assert second.repeat_of == original

    def test_art_36_decline_refers_to_the_earlier_case(self, world: World) -> None:
        earlier = accepted(world, received_on=date(2024, 10, 8))
        clerk = world.township_clerk
        do_reply_petition(earlier, replied_on=date(2024, 11, 1), text="答复", acting_user=clerk)
        do_request_review(earlier, requested_on=date(2024, 11, 10), acting_user=clerk)
        do_reply_review(earlier, replied_on=date(2024, 12, 1), text="复查", acting_user=clerk)
        do_request_rereview(earlier, requested_on=date(2024, 12, 10), acting_user=clerk)
        do_reply_rereview(earlier, replied_on=date(2025, 1, 5), text="复核", acting_user=clerk)
        do_conclude_petition(earlier, concluded_on=date(2025, 1, 6), acting_user=clerk)
        again = register(clerk, received_on=date(2025, 3, 3))
        with pytest.raises(InvalidInput) as exc:
            do_link_repeat(again, original=earlier, acting_user=clerk)
        assert exc.value.code == "concluded_after_rereview"
        do_decline_petition(
            again,
            declined_on=date(2025, 3, 4),
            reason="同一事实已复核终结",
            notice_text="不再受理",
            earlier_case=earlier,
            acting_user=clerk,
        )
        assert again.state == State.DECLINED and again.earlier_case == earlier

    def test_art_36_needs_an_earlier_re_review(self, world: World) -> None:
        earlier = accepted(world)
        again = register(world.township_clerk)
        with pytest.raises(InvalidInput) as exc:
            do_decline_petition(
                again,
                declined_on=date(2025, 3, 4),
                reason="x",
                notice_text="y",
                earlier_case=earlier,
                acting_user=world.township_clerk,
            )
        assert exc.value.code == "not_after_rereview"


class TestSatisfaction:
    def test_only_after_a_reply(self, world: World) -> None:
        p = accepted(world)
        with pytest.raises(Conflict):
            do_rate_petition(p, rating="satisfied", comment="", acting_user=None)
        do_reply_petition(p, replied_on=date(2025, 3, 20), text="答复", acting_user=world.township_clerk)
        do_rate_petition(p, rating="dissatisfied", comment="未解决", acting_user=None)
        p.refresh_from_db()
        assert p.satisfaction == "dissatisfied" and p.satisfaction_comment == "未解决"
        assert p.events.filter(action="rate", actor__isnull=True).exists()


class TestRoutingAndPeople:
    def test_the_county_gives_an_online_petition_to_a_township(self, world: World) -> None:
        from youfu.petitions.selectors import petitions_for
        from youfu.petitions.services import do_route_petition

        p = register(world.county_clerk, world.county)
        assert not petitions_for(world.township_clerk).filter(pk=p.pk).exists()
        do_route_petition(p, region=world.township_a, acting_user=world.county_clerk)
        assert petitions_for(world.township_clerk).filter(pk=p.pk).exists()
        assert events(p)[-1] == ("route", "registered", "registered")
        with pytest.raises(InvalidInput):
            do_route_petition(p, region=world.township_b, acting_user=world.township_clerk)

    def test_a_clerk_links_the_registered_person(self, world: World) -> None:
        from youfu.petitions.services import do_link_beneficiary
        from youfu.registry.tests.factories import register as register_person

        person = register_person(world.township_clerk, world.village_a, name="李四")
        p = register(world.township_clerk)
        do_link_beneficiary(p, beneficiary=person, acting_user=world.township_clerk)
        assert Petition.objects.get(pk=p.pk).beneficiary == person
        other = register_person(world.other_township_clerk, world.village_b, name="外镇人")
        with pytest.raises(InvalidInput):
            do_link_beneficiary(p, beneficiary=other, acting_user=world.township_clerk)
