"""The approval chain of temporary relief: township → county (→ leader above the line), each
step a different user of the right role, returns, resubmissions and cancellations. Every
refusal leaves every table as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import OneOffPayment
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, YoufuError
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.relief.grants import selectors, services
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import GrantState, ReliefGrant
from youfu.relief.tests.factories_grants import (
    application,
    apply,
    approve_all,
    eligible_person,
    fingerprint,
    second_clerk,
    second_leader,
)
from youfu.testing import World

pytestmark = pytest.mark.django_db


def refused(expected: type[YoufuError], call: Any, code: str | None = None) -> YoufuError:
    """``call`` raises ``expected`` and changes nothing at all."""
    before = fingerprint()
    with pytest.raises(expected) as caught:
        call()
    assert fingerprint() == before
    if code is not None:
        assert caught.value.code == code
    return caught.value


def steps(grant: ReliefGrant) -> list[tuple[str, str, str]]:
    return [(s.action, s.step, s.actor_name) for s in grant.steps.order_by("at", "pk")]


# --- entry steps ---------------------------------------------------------------------------


def test_a_village_assistants_application_waits_for_the_township(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00", by=world.village_assistant)
    assert (grant.state, grant.next_step, grant.entry_step) == ("pending", "township", "township")
    assert t.chain(grant.entry_step, grant.needs_leader) == ["township", "county"]


def test_a_township_clerks_application_waits_for_the_county(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00", by=world.township_clerk)
    assert (grant.state, grant.next_step) == ("pending", "county")


def test_a_county_clerks_own_entry_goes_to_another_county_clerk(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00", by=world.county_clerk)
    assert grant.next_step == "county"
    refused(PermissionDenied, lambda: services.do_approve(grant, acting_user=world.county_clerk), "same_user")
    grant = services.do_approve(grant, acting_user=second_clerk(world))
    assert grant.state == "approved"


def test_a_county_clerks_entry_above_the_line_goes_on_to_a_leader(world: World) -> None:
    grant = apply(world, eligible_person(world), "3500.00", by=world.county_clerk)
    grant = services.do_approve(grant, acting_user=second_clerk(world))
    assert (grant.state, grant.next_step) == ("pending", "leader")
    grant = services.do_approve(grant, acting_user=world.leader)
    assert grant.state == "approved"


def test_a_county_clerks_own_entry_may_go_to_a_leader_instead(world: World) -> None:
    # A county with one county clerk: a leader takes the county step, and the leader step
    # above the line is then another leader's.
    grant = apply(world, eligible_person(world), "1000.00", by=world.county_clerk)
    assert grant in selectors.waiting_for(world.leader)
    assert services.do_approve(grant, acting_user=world.leader).state == "approved"
    grant = apply(world, eligible_person(world), "3500.00", by=world.county_clerk)
    grant = services.do_approve(grant, acting_user=world.leader)
    assert (grant.state, grant.next_step) == ("pending", "leader")
    assert grant not in selectors.waiting_for(world.leader)
    refused(PermissionDenied, lambda: services.do_approve(grant, acting_user=world.leader), "same_user")
    assert services.do_approve(grant, acting_user=second_leader(world)).state == "approved"
    # Not for a township clerk's application: its county step is a county clerk's.
    grant = apply(world, eligible_person(world), "1000.00", by=world.township_clerk)
    assert grant not in selectors.waiting_for(world.leader)
    refused(PermissionDenied, lambda: services.do_approve(grant, acting_user=world.leader), "wrong_step")


@pytest.mark.parametrize("who", ["leader", "liaison", "auditor", "admin"])
def test_only_caseworkers_with_an_entry_step_apply(world: World, who: str) -> None:
    person = eligible_person(world)
    refused(
        PermissionDenied,
        lambda: services.do_apply(person, application("100.00"), acting_user=getattr(world, who)),
    )


# --- the leader line -----------------------------------------------------------------------


def test_the_leader_step_only_above_the_line(world: World) -> None:
    person = eligible_person(world)
    at_line = approve_all(world, apply(world, person, "3000.00"))
    assert not at_line.needs_leader
    assert [s for s in steps(at_line) if s[0] == "approve"] == [
        ("approve", "township", "township"),
        ("approve", "county", "clerk"),
    ]
    above = apply(world, person, "3000.01")
    assert above.needs_leader
    above = services.do_approve(above, acting_user=world.township_clerk)
    above = services.do_approve(above, acting_user=world.county_clerk)
    assert (above.state, above.next_step) == ("pending", "leader")
    above = services.do_approve(above, note="同意", acting_user=world.leader)
    assert above.state == "approved"
    assert (
        AuditEvent.objects.filter(event_type=EventType.RELIEF_APPROVED, object_id=str(above.pk)).count() == 1
    )


def test_the_line_is_the_settings_in_force_when_entered(world: World) -> None:
    person = eligible_person(world)
    services.do_set_relief_settings(acting_user=world.leader, leader_above_fen=100_000)
    grant = apply(world, person, "1500.00")
    assert grant.needs_leader
    assert grant.settings_version.number == 2
    services.do_set_relief_settings(acting_user=world.leader, leader_above_fen=300_000)
    grant = approve_all(world, grant)
    assert [s[1] for s in steps(grant) if s[0] == "approve"] == ["township", "county", "leader"]


# --- who takes a step ----------------------------------------------------------------------


def test_a_step_is_never_taken_twice_by_one_user(world: World) -> None:
    """The township clerk who entered it cannot approve at the county, nor can the county
    clerk who approved the county step approve it again."""
    grant = apply(world, eligible_person(world), "1000.00", by=world.township_clerk)
    refused(
        PermissionDenied, lambda: services.do_approve(grant, acting_user=world.township_clerk), "wrong_step"
    )
    grant = apply(world, eligible_person(world), "4000.00", by=world.county_clerk)
    grant = services.do_approve(grant, acting_user=second_clerk(world))
    assert grant.next_step == "leader"
    refused(
        PermissionDenied, lambda: services.do_approve(grant, acting_user=second_clerk(world)), "wrong_step"
    )


def test_a_later_step_is_a_different_user_from_every_earlier_step(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    grant = services.do_approve(grant, acting_user=world.township_clerk)
    # The township clerk of the same township cannot also be the county step (wrong role),
    # and the village assistant who entered it cannot approve anything.
    for user in (world.township_clerk, world.village_assistant):
        refused(PermissionDenied, lambda u=user: services.do_approve(grant, acting_user=u))


def test_skipping_a_step_is_refused(world: World) -> None:
    grant = apply(world, eligible_person(world), "4000.00")
    for user in (world.county_clerk, world.leader):
        error = refused(
            PermissionDenied, lambda u=user: services.do_approve(grant, acting_user=u), "wrong_step"
        )
        assert "township" in error.message.en
    grant = services.do_approve(grant, acting_user=world.township_clerk)
    refused(PermissionDenied, lambda: services.do_approve(grant, acting_user=world.leader), "wrong_step")


def test_the_township_step_belongs_to_the_persons_own_township(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    # Another township's clerk does not even see it.
    refused(NotFound, lambda: services.do_approve(grant, acting_user=world.other_township_clerk))


def test_the_county_step_needs_a_county_clerk_of_the_persons_county(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    grant = services.do_approve(grant, acting_user=world.township_clerk)
    refused(PermissionDenied, lambda: services.do_approve(grant, acting_user=world.leader), "wrong_step")
    assert t.actions_for(grant, world.county_clerk) == [t.Action.APPROVE, t.Action.RETURN]
    assert t.actions_for(grant, world.leader) == []


# --- return and resubmit -------------------------------------------------------------------


def test_any_step_returns_with_a_reason_and_the_submitter_resubmits(world: World) -> None:
    person = eligible_person(world)
    grant = apply(world, person, "4000.00")
    grant = services.do_approve(grant, acting_user=world.township_clerk)
    grant = services.do_approve(grant, acting_user=world.county_clerk)
    refused(InvalidInput, lambda: services.do_return(grant, reason="  ", acting_user=world.leader))
    grant = services.do_return(grant, reason="缺少医院票据", acting_user=world.leader)
    assert (grant.state, grant.next_step) == ("returned", "")
    # Only the submitter corrects it.
    refused(
        PermissionDenied,
        lambda: services.do_resubmit(grant, application("2800.00"), acting_user=world.township_clerk),
    )
    grant = services.do_resubmit(
        grant, application("2800.00", note="补齐票据"), acting_user=world.village_assistant
    )
    assert (grant.state, grant.next_step, grant.round, grant.amount_fen) == (
        "pending",
        "township",
        2,
        280_000,
    )
    assert not grant.needs_leader  # corrected below the line: no leader step this time
    # A new round: the township clerk who approved round 1 approves again.
    grant = approve_all(world, grant)
    assert grant.state == "approved"
    assert [s[0] for s in steps(grant)] == [
        "apply",
        "approve",
        "approve",
        "return",
        "resubmit",
        "approve",
        "approve",
    ]
    events = AuditEvent.objects.filter(object_id=str(grant.pk), object_type="relief.reliefgrant")
    assert set(events.values_list("event_type", flat=True)) >= {
        EventType.RELIEF_APPLIED,
        EventType.RELIEF_RETURNED,
        EventType.RELIEF_RESUBMITTED,
        EventType.RELIEF_STEP_APPROVED,
        EventType.RELIEF_APPROVED,
    }


def test_the_township_returns_and_a_returned_application_is_not_approved(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    grant = services.do_return(grant, reason="请核实", acting_user=world.township_clerk)
    refused(
        Conflict, lambda: services.do_approve(grant, acting_user=world.township_clerk), "invalid_transition"
    )
    assert t.actions_for(grant, world.village_assistant) == [t.Action.RESUBMIT, t.Action.CANCEL]


def test_a_returned_application_can_be_withdrawn(world: World) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    grant = services.do_return(grant, reason="请核实", acting_user=world.township_clerk)
    grant = services.do_cancel(grant, reason="不再申请", acting_user=world.village_assistant)
    assert grant.state == "cancelled"


def test_a_moved_grant_cannot_be_moved_again_from_a_stale_copy(world: World) -> None:
    """The services re-read the grant under a lock; the move itself is a compare-and-set
    that refuses a copy read before someone else moved it."""
    grant = apply(world, eligible_person(world), "1000.00")
    stale = ReliefGrant.objects.get(pk=grant.pk)
    services.do_approve(grant, acting_user=world.township_clerk)
    refused(PermissionDenied, lambda: services.do_return(stale, reason="x", acting_user=world.township_clerk))

    def move_stale() -> None:
        with transaction.atomic():
            t.move(
                stale,
                t.Action.RETURN,
                acting_user=world.township_clerk,
                changes={"state": "returned", "next_step": ""},
                note="x",
            )

    refused(Conflict, move_stale, "invalid_transition")


# --- approval, payment and cancellation ----------------------------------------------------


def test_the_last_step_schedules_a_one_off_payment(world: World) -> None:
    person = eligible_person(world)
    grant = approve_all(world, apply(world, person, "1234.56"))
    assert grant.one_off is not None
    one_off = OneOffPayment.objects.get(pk=grant.one_off_id)
    assert (one_off.kind, one_off.amount_fen, one_off.reference, one_off.beneficiary_id) == (
        "relief",
        123_456,
        f"relief:{grant.pk}",
        person.pk,
    )
    assert grant.approved_on is not None


def test_an_approved_grant_is_cancelled_with_a_reason_before_it_is_paid(world: World) -> None:
    grant = approve_all(world, apply(world, eligible_person(world), "1000.00"))
    refused(
        PermissionDenied, lambda: services.do_cancel(grant, reason="重复", acting_user=world.township_clerk)
    )
    refused(InvalidInput, lambda: services.do_cancel(grant, reason="", acting_user=world.county_clerk))
    grant = services.do_cancel(grant, reason="重复申请", acting_user=world.county_clerk)
    assert grant.state == "cancelled"
    assert OneOffPayment.objects.get(pk=grant.one_off_id).withdrawn_at is not None


def test_a_paid_grant_cannot_be_cancelled(world: World) -> None:
    grant = approve_all(world, apply(world, eligible_person(world), "1000.00"))
    assert grant.one_off_id is not None
    assert services.mark_paid([grant.one_off_id]) == 1
    grant.refresh_from_db()
    assert grant.state == "paid" and grant.paid_on is not None
    refused(
        Conflict,
        lambda: services.do_cancel(grant, reason="错误", acting_user=world.leader),
        "invalid_transition",
    )
    assert services.mark_paid([grant.one_off_id]) == 0  # paid once


def test_the_last_step_refuses_a_person_no_longer_eligible(world: World) -> None:
    person = eligible_person(world)
    grant = apply(world, person, "1000.00")
    grant = services.do_approve(grant, acting_user=world.township_clerk)
    do_record_life_event(person, LifeEventKind.DEATH, date(2026, 1, 2), acting_user=world.county_clerk)
    refused(Conflict, lambda: services.do_approve(grant, acting_user=world.county_clerk), "ineligible")
    grant = services.do_return(grant, reason="已故", acting_user=world.county_clerk)
    assert grant.state == GrantState.RETURNED
