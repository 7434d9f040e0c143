"""Pairing's rules, one by one, through the services: who may pair, end and record; the dates;
what each kind of activity carries; and that every refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, YoufuError
from youfu.outreach.pairing.models import Pairing, PairingActivity
from youfu.outreach.pairing.services import do_end_pairing, do_start_pairing
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World

from .factories_pairing import (
    activity,
    department,
    liaison_of,
    pairing,
    pairing_today,  # noqa: F401
    person,
    snapshot,
)

pytestmark = pytest.mark.django_db


def refused(error: type[YoufuError], call: Callable[[], Any], field: str | None = None) -> YoufuError:
    """The call fails with ``error`` (and on ``field``) and leaves every pairing row and the
    audit log as they were."""
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    assert snapshot() == before
    if field is not None:
        assert field in caught.value.fields, caught.value.fields
    return caught.value


# --- pairing -----------------------------------------------------------------------------------


def test_a_county_clerk_pairs_a_department_with_a_person_and_it_is_audited(world: World) -> None:
    zhang = person(world)
    paired = pairing(world, of=zhang, started_on=date(2024, 3, 1))
    assert (paired.department, paired.beneficiary, paired.started_on, paired.ended_on) == (
        world.department,
        zhang,
        date(2024, 3, 1),
        None,
    )
    event = AuditEvent.objects.get(event_type=EventType.PAIRING_STARTED)
    assert event.actor == world.county_clerk
    assert event.region_id == world.village_a.code
    assert event.new["department"] == world.department.pk
    assert event.new["beneficiary"] == zhang.pk


@pytest.mark.parametrize(
    "who", ["township_clerk", "village_assistant", "leader", "liaison", "admin", "auditor"]
)
def test_only_a_county_clerk_pairs(world: World, who: str) -> None:
    zhang = person(world)
    refused(
        PermissionDenied,
        lambda: do_start_pairing(
            department_id=world.department.pk,
            beneficiary_id=zhang.pk,
            started_on=date(2024, 1, 1),
            acting_user=getattr(world, who),
        ),
    )


def test_the_same_department_and_person_twice_while_open_is_a_conflict(world: World) -> None:
    first = pairing(world)
    error = refused(Conflict, lambda: pairing(world, of=first.beneficiary, started_on=date(2025, 1, 1)))
    assert error.code == "already_paired"


def test_another_department_may_pair_with_the_same_person(world: World) -> None:
    first = pairing(world)
    second = pairing(world, of=first.beneficiary, unit=department(world))
    assert second.pk != first.pk


def test_after_ending_the_pair_may_start_again_but_not_overlapping(world: World) -> None:
    first = pairing(world, started_on=date(2023, 1, 1))
    do_end_pairing(first, ended_on=date(2024, 6, 30), acting_user=world.county_clerk)
    error = refused(
        Conflict, lambda: pairing(world, of=first.beneficiary, started_on=date(2024, 6, 30)), "started_on"
    )
    assert error.code == "pairing_overlaps"
    again = pairing(world, of=first.beneficiary, started_on=date(2024, 7, 1))
    assert again.ended_on is None


def test_a_pairing_cannot_start_in_the_future(world: World) -> None:
    zhang = person(world)
    refused(InvalidInput, lambda: pairing(world, of=zhang, started_on=date(2025, 6, 17)), "started_on")


def test_a_person_who_has_died_is_not_paired(world: World) -> None:
    zhang = person(world)
    do_record_life_event(
        zhang, LifeEventKind.DEATH, effective_on=date(2025, 1, 5), acting_user=world.county_clerk
    )
    refused(InvalidInput, lambda: pairing(world, of=zhang), "beneficiary")


def test_a_township_unit_pairs_only_with_people_of_its_township(world: World) -> None:
    station = department(world, "东岭镇退役军人服务站")
    station.region = world.township_b
    station.save()
    zhang = person(world)  # in township A
    refused(InvalidInput, lambda: pairing(world, of=zhang, unit=station), "department")


def test_unknown_ids_are_field_errors(world: World) -> None:
    zhang = person(world)
    call = lambda: do_start_pairing(  # noqa: E731
        department_id=999_999,
        beneficiary_id=zhang.pk,
        started_on=date(2024, 1, 1),
        acting_user=world.county_clerk,
    )
    refused(InvalidInput, call, "department")
    call = lambda: do_start_pairing(  # noqa: E731
        department_id=world.department.pk,
        beneficiary_id=999_999,
        started_on=date(2024, 1, 1),
        acting_user=world.county_clerk,
    )
    refused(InvalidInput, call, "beneficiary")


# --- ending ------------------------------------------------------------------------------------


def test_a_county_clerk_ends_a_pairing_and_it_is_audited(world: World) -> None:
    paired = pairing(world)
    do_end_pairing(paired, ended_on=date(2025, 6, 1), reason="户籍迁出", acting_user=world.county_clerk)
    paired.refresh_from_db()
    assert (paired.ended_on, paired.end_reason, paired.ended_by) == (
        date(2025, 6, 1),
        "户籍迁出",
        world.county_clerk,
    )
    event = AuditEvent.objects.get(event_type=EventType.PAIRING_ENDED)
    assert event.new["ended_on"] == "2025-06-01"
    assert event.new["end_reason"] == "(changed)"  # free text never reaches the log in clear


def test_ending_twice_is_a_conflict(world: World) -> None:
    paired = pairing(world)
    do_end_pairing(paired, ended_on=date(2025, 6, 1), acting_user=world.county_clerk)
    refused(
        Conflict, lambda: do_end_pairing(paired, ended_on=date(2025, 6, 2), acting_user=world.county_clerk)
    )


@pytest.mark.parametrize(
    ("ended_on", "why"),
    [
        (date(2023, 12, 31), "before the start"),
        (date(2025, 2, 28), "before an activity"),
        (date(2025, 6, 17), "future"),
    ],
)
def test_an_end_date_out_of_place_is_refused(world: World, ended_on: date, why: str) -> None:
    paired = pairing(world)
    activity(world, paired, done_on=date(2025, 3, 1))
    refused(
        InvalidInput,
        lambda: do_end_pairing(paired, ended_on=ended_on, acting_user=world.county_clerk),
        "ended_on",
    )


@pytest.mark.parametrize("who", ["township_clerk", "leader", "liaison"])
def test_only_a_county_clerk_ends(world: World, who: str) -> None:
    paired = pairing(world)
    refused(
        PermissionDenied,
        lambda: do_end_pairing(paired, ended_on=date(2025, 6, 1), acting_user=getattr(world, who)),
    )


# --- activities --------------------------------------------------------------------------------


def test_the_liaison_records_an_activity_of_their_department(world: World) -> None:
    paired = pairing(world)
    done = activity(world, paired, kind="skills", amount="300.50", count=2, note="电工培训", by=world.liaison)
    assert (done.kind, done.amount_fen, done.count, done.recorded_by) == ("skills", 30050, 2, world.liaison)
    event = AuditEvent.objects.get(event_type=EventType.PAIRING_ACTIVITY_RECORDED)
    assert event.new["amount"] == "300.50"
    assert event.new["department"] == world.department.pk
    assert event.region_id == world.village_a.code


def test_a_county_clerk_may_record_for_a_department_reporting_on_paper(world: World) -> None:
    done = activity(world, pairing(world), by=world.county_clerk)
    assert done.recorded_by == world.county_clerk


def test_a_liaison_of_another_department_does_not_find_the_pairing(world: World) -> None:
    paired = pairing(world)
    other = liaison_of(department(world), world)
    refused(NotFound, lambda: activity(world, paired, by=other))


def test_a_township_clerk_of_another_township_is_refused(world: World) -> None:
    # Refused by role first; the API and the pages, which look the pairing up in scope
    # before anything else, answer 404 (test_pairing_api, test_pairing_pages).
    paired = pairing(world)
    refused(PermissionDenied, lambda: activity(world, paired, by=world.other_township_clerk))


@pytest.mark.parametrize("who", ["township_clerk", "village_assistant", "leader"])
def test_those_who_see_the_pairing_but_do_not_record_are_refused(world: World, who: str) -> None:
    paired = pairing(world)
    refused(PermissionDenied, lambda: activity(world, paired, by=getattr(world, who)))


def test_an_ended_pairing_takes_no_activity(world: World) -> None:
    paired = pairing(world)
    do_end_pairing(paired, ended_on=date(2025, 5, 31), acting_user=world.county_clerk)
    for day in (date(2025, 5, 1), date(2025, 6, 5)):  # within the pairing's dates, and after its end
        error = refused(Conflict, lambda day=day: activity(world, paired, done_on=day, by=world.liaison))
        assert error.code == "pairing_ended"


def test_an_activity_before_the_pairing_started_is_refused(world: World) -> None:
    paired = pairing(world, started_on=date(2024, 5, 1))
    refused(InvalidInput, lambda: activity(world, paired, done_on=date(2024, 4, 30)), "done_on")
    assert activity(world, paired, done_on=date(2024, 5, 1)).done_on == date(2024, 5, 1)


def test_an_activity_in_the_future_is_refused(world: World) -> None:
    paired = pairing(world)
    refused(InvalidInput, lambda: activity(world, paired, done_on=date(2025, 6, 17)), "done_on")
    assert activity(world, paired, done_on=date(2025, 6, 16)).pk


@pytest.mark.parametrize(
    ("kind", "amount", "count", "field"),
    [
        ("gifts", "10.00", None, "kind"),  # not one of the five
        ("", None, None, "kind"),
        ("funds", None, None, "amount"),  # money given needs its amount
        ("funds", "0", None, "amount"),
        ("funds", "-1.00", None, "amount"),  # negative
        ("funds", "200000.01", None, "amount"),  # more than one household gets at a time
        ("funds", "99999999999", None, "amount"),
        ("funds", "10.001", None, "amount"),  # fractions of a fen
        ("funds", "100.00", 2, "count"),  # money carries no number
        ("policy", "50.00", 3, "amount"),  # a policy explained carries no money
        ("jobs", "50.00", 1, "amount"),
        ("skills", None, 0, "count"),
        ("skills", None, 101, "count"),
        ("jobs", None, -1, "count"),
    ],
)
def test_what_each_kind_carries(
    world: World, kind: str, amount: str | None, count: int | None, field: str
) -> None:
    paired = pairing(world)
    refused(InvalidInput, lambda: activity(world, paired, kind=kind, amount=amount, count=count), field)


@pytest.mark.parametrize(
    ("kind", "amount", "count"),
    [
        ("policy", None, 4),
        ("policy", None, None),
        ("funds", "2000.00", None),
        ("skills", None, 1),
        ("skills", "600.00", 2),
        ("projects", "15000.00", 1),
        ("projects", None, None),
        ("jobs", None, 1),
    ],
)
def test_the_five_kinds_with_what_they_carry(
    world: World, kind: str, amount: str | None, count: int | None
) -> None:
    done = activity(world, pairing(world), kind=kind, amount=amount, count=count)
    assert done.kind == kind
    assert done.amount_fen == (None if amount is None else int(Decimal(amount) * 100))


def test_an_activity_says_what_was_done(world: World) -> None:
    paired = pairing(world)
    refused(InvalidInput, lambda: activity(world, paired, note="   "), "note")
    refused(InvalidInput, lambda: activity(world, paired, note="x" * 2001), "note")


def test_recording_and_ending_do_not_cross(world: World) -> None:
    """An activity recorded for a day after the chosen end date blocks that end date: the
    end takes the activities' latest date into account under the pairing's lock."""
    paired = pairing(world)
    activity(world, paired, done_on=date(2025, 6, 10))
    refused(
        InvalidInput,
        lambda: do_end_pairing(paired, ended_on=date(2025, 6, 9), acting_user=world.county_clerk),
    )
    do_end_pairing(paired, ended_on=date(2025, 6, 10), acting_user=world.county_clerk)
    assert PairingActivity.objects.filter(pairing=paired).count() == 1  # scope: test


def test_a_racing_second_pairing_is_stopped_by_the_database(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests that both passed the check: the partial unique index lets one row in, and
    the loser answers 409 like any duplicate."""
    zhang = person(world)
    create = Pairing.objects.create

    def racing(**fields: Any) -> Pairing:
        create(**fields)  # the other request's row, written just before ours
        return create(**fields)

    monkeypatch.setattr(Pairing.objects, "create", racing)
    error = refused(Conflict, lambda: pairing(world, of=zhang))
    assert error.code == "already_paired"


def test_the_database_holds_one_open_pairing_per_department_and_person(world: World) -> None:
    first = pairing(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(  # scope: test
            department=first.department,
            beneficiary=first.beneficiary,
            started_on=date(2025, 1, 1),
            created_by=world.county_clerk,
        )
