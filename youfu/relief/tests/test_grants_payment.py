"""A relief grant paid through the monthly batches: approved → a one-off item of the next batch
on the person's one bank line (摘要 抚恤金+临时救助), the transfer fails, the next batch pays it
again, the bank confirms it and the grant is paid; cancelling is refused once a batch holds it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import Batch, BatchLine
from youfu.benefits.services import (
    do_approve_batch,
    do_close_batch,
    do_create_batch,
    do_import_bank_returns,
)
from youfu.benefits.tests.helpers import at, items_of, m, paid_from_november, returns_for
from youfu.core.errors import Conflict
from youfu.relief.grants import services
from youfu.relief.grants.models import ReliefGrant
from youfu.relief.tests.factories_grants import apply, approve_all, eligible_person
from youfu.relief.tests.test_grants_chain import refused
from youfu.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Paid from November 2026; today is 3 November."""
    with paid_from_november(world):
        yield world


def test_a_grant_is_paid_by_the_batch_and_again_after_a_failed_transfer(county: World) -> None:
    world = county
    person = eligible_person(world, name="甲")  # a disabled veteran, level 6: 3,240.00 a month
    grant = approve_all(world, apply(world, person, "3600.00", applied_on=date(2026, 11, 2)))
    assert grant.state == "approved" and grant.one_off is not None
    assert grant.one_off.month == date(2026, 11, 1)

    out = io.StringIO()
    call_command("create-batch", "--period", "2026-11", "--as", "clerk", "--json", stdout=out)
    assert json.loads(out.getvalue())["one_off_total"] == "3600.00"
    november = Batch.objects.get()
    assert ("2026-11", "relief", "3600.00", "0.00", "3600.00", False) in items_of(november, person)
    line = BatchLine.objects.get(batch=november, beneficiary=person)
    assert line.kinds == "抚恤金+临时救助"
    # A batch holds the payment now: cancelling the grant is refused and changes nothing.
    refused(
        Conflict,
        lambda: services.do_cancel(grant, reason="重复", acting_user=world.county_clerk),
        "one_off_in_batch",
    )

    do_approve_batch(november, acting_user=world.leader)
    do_import_bank_returns(
        november,
        returns_for(november, world.county_clerk, {person.pk: "账户冻结"}),
        acting_user=world.county_clerk,
    )
    do_close_batch(november, acting_user=world.county_clerk)
    grant.refresh_from_db()
    assert grant.state == "approved" and grant.paid_on is None

    with time_machine.travel(at(2026, 12, 5), tick=False):
        december = do_create_batch(m("2026-12"), acting_user=world.county_clerk)
        assert ("2026-11", "relief", "3600.00", "0.00", "3600.00", False) in items_of(december, person)
        do_approve_batch(december, acting_user=world.leader)
        do_import_bank_returns(
            december, returns_for(december, world.county_clerk), acting_user=world.county_clerk
        )
    grant = ReliefGrant.objects.get(pk=grant.pk)
    assert (grant.state, grant.paid_on) == ("paid", date(2026, 12, 5))
    assert [s.action for s in grant.steps.order_by("at", "pk")][-1] == "pay"
    event = AuditEvent.objects.get(event_type=EventType.RELIEF_PAID)
    assert event.extra["grants"] == [grant.pk]
    refused(Conflict, lambda: services.do_cancel(grant, reason="错误", acting_user=world.county_clerk))
