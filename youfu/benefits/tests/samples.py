"""Township-A samples of benefits records for the scope walk (accounts/tests/test_scope_walk.py).
Each is made once and found again after."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from youfu.benefits.models import (
    Batch,
    BatchLine,
    LocalTopUp,
    ParameterState,
    PendingLumpSum,
    Recovery,
    Standard,
    StandardImport,
)
from youfu.benefits.money import ym
from youfu.benefits.services import (
    do_approve_batch,
    do_create_batch,
    do_import_standards,
    do_set_topup,
    do_update_benefit_settings,
    payments_start,
)
from youfu.benefits.tests.helpers import BASE_STANDARDS, csv_bytes, standards_in_force
from youfu.registry.models import Beneficiary, LifeEvent, LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import register
from youfu.testing import World


def walk_batch(world: World) -> Batch:
    """The county's approved batch, paying 柳湾张三 of township A among others."""
    found = Batch.objects.filter(county=world.county).first()
    if found is not None:
        return found
    if not Standard.objects.filter(version__state=ParameterState.APPROVED).exists():
        standards_in_force(world, csv_bytes(BASE_STANDARDS))
    if payments_start(world.county) is None:
        # The admin sets the start month before the county's first batch.
        this_month = timezone.localdate().replace(day=1)
        do_update_benefit_settings(acting_user=world.admin, payments_start=this_month)
    batch = do_create_batch(timezone.localdate().replace(day=1), acting_user=world.county_clerk)
    return do_approve_batch(batch, acting_user=world.leader)


def walk_recovery(world: World) -> Recovery:
    person = Beneficiary.objects.get(name="柳湾张三")
    found = Recovery.objects.filter(beneficiary=person).first()
    if found is not None:
        return found
    batch = walk_batch(world)
    return Recovery.objects.create(
        batch=batch,
        beneficiary=person,
        benefit="living_subsidy",
        month=ym(batch.period),
        due_fen=0,
        paid_fen=54000,
        amount_fen=54000,
    )


def walk_lump_sum(world: World) -> PendingLumpSum:
    """A death in township A whose lump sum waits for a payee."""
    found = PendingLumpSum.objects.filter(beneficiary__name="柳湾李四").first()
    if found is not None:
        return found
    person = register(world.township_clerk, world.village_a, name="柳湾李四")
    do_record_life_event(person, LifeEventKind.DEATH, timezone.localdate(), acting_user=world.township_clerk)
    event = LifeEvent.objects.get(beneficiary=person, kind=LifeEventKind.DEATH)
    return PendingLumpSum.objects.create(life_event=event, beneficiary=person, amount_fen=324000)


def walk_line(world: World) -> BatchLine:
    """柳湾张三's line in the county's batch."""
    return BatchLine.objects.get(batch=walk_batch(world), beneficiary__name="柳湾张三")


def walk_standards_version(world: World) -> StandardImport:
    """A standards version awaiting approval (standards are not any township's: shared)."""
    found = StandardImport.objects.filter(state=ParameterState.PENDING).first()
    if found is not None:
        return found
    result = do_import_standards(
        csv_bytes([["参战退役人员", "", "", "", "9999", "2030-01-01", ""]]), acting_user=world.county_clerk
    )
    return StandardImport.objects.get(pk=result.version)


def walk_topup(world: World) -> LocalTopUp:
    """The county's top-up awaiting approval (county-wide: shared)."""
    found = LocalTopUp.objects.filter(region=world.county, state=ParameterState.PENDING).first()
    if found is not None:
        return found
    return do_set_topup(Decimal("9"), date(2030, 1, 1), acting_user=world.county_clerk)
