"""Pairing test data, built through the services (they check, write and audit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from youfu.accounts.models import Department, User
from youfu.audit.models import AuditEvent
from youfu.core.roles import Role
from youfu.outreach.pairing.models import Pairing, PairingActivity
from youfu.outreach.pairing.services import do_record_activity, do_start_pairing
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.testing import World, make_user

# A Monday in the second quarter of 2025: the quarter began on 1 April.
TODAY = date(2025, 6, 16)
NOW = datetime(2025, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def pairing_today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(NOW, tick=False)
    yield


def person(world: World, region: Region | None = None, name: str = "柳湾张三", **extra: Any) -> Beneficiary:
    region = region or world.village_a
    return register(world.county_clerk, region, name=name, **extra)


def department(world: World, name: str = "县交通运输局") -> Department:
    unit, _ = Department.objects.get_or_create(region=world.county, name=name)
    return unit


def liaison_of(unit: Department, world: World, username: str | None = None) -> User:
    return make_user(username or f"liaison{unit.pk}", Role.DEPARTMENT_LIAISON, world.county, department=unit)


def pairing(
    world: World,
    *,
    of: Beneficiary | None = None,
    unit: Department | None = None,
    started_on: date = date(2024, 1, 1),
) -> Pairing:
    return do_start_pairing(
        department_id=(unit or world.department).pk,
        beneficiary_id=(of or person(world)).pk,
        started_on=started_on,
        acting_user=world.county_clerk,
    )


def activity(
    world: World,
    paired: Pairing,
    *,
    kind: str = "funds",
    done_on: date = date(2025, 3, 1),
    amount: Decimal | str | None = "1000.00",
    count: int | None = None,
    note: str = "送去帮扶资金",
    by: User | None = None,
) -> PairingActivity:
    return do_record_activity(
        paired,
        kind=kind,
        done_on=done_on,
        amount=None if amount is None else Decimal(amount),
        count=count,
        note=note,
        acting_user=by or world.county_clerk,
    )


def snapshot() -> tuple[Any, ...]:
    """Everything pairing writes: the rows and the audit log's length."""
    return (
        list(Pairing.objects.order_by("pk").values()),  # scope: a test's view of the whole table
        list(PairingActivity.objects.order_by("pk").values()),  # scope: a test's view of the whole table
        AuditEvent.objects.count(),
    )
