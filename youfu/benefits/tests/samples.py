"""Township-A samples of benefits records for the scope walk (accounts/tests/test_scope_walk.py).
Each is made once and found again after."""

from __future__ import annotations

from django.utils import timezone

from youfu.benefits.models import Batch, BatchLine, PendingLumpSum, Recovery, Standard
from youfu.benefits.money import ym
from youfu.benefits.services import do_approve_batch, do_create_batch, do_import_standards
from youfu.benefits.tests.helpers import BASE_STANDARDS, csv_bytes
from youfu.registry.models import Beneficiary, LifeEvent, LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import register
from youfu.testing import World


def walk_batch(world: World) -> Batch:
    """The county's approved batch, paying 柳湾张三 of township A among others."""
    found = Batch.objects.filter(county=world.county).first()
    if found is not None:
        return found
    if not Standard.objects.exists():
        do_import_standards(csv_bytes(BASE_STANDARDS), acting_user=world.admin)
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
