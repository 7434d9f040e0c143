"""A medical claim approved by a leader is paid through the next monthly batch: on the
person's one bank line with 医疗补助 in its 摘要, paid again after a failed transfer, and the
claim becomes ``paid`` once the bank confirms it (the benefits signal ``one_offs_paid``)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from youfu.benefits.models import BatchLine
from youfu.benefits.services import do_update_benefit_settings
from youfu.benefits.tests.helpers import at, items_of, pay_month, setup_county
from youfu.relief.medical.models import ClaimState
from youfu.relief.medical.services import do_approve_claim
from youfu.relief.tests.factories_medical import claim, eligible_person
from youfu.testing import World

pytestmark = pytest.mark.django_db


def test_an_approved_claim_is_paid_through_the_batch_and_again_after_a_failed_transfer(world: World) -> None:
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        who = eligible_person(world)  # a war participant: 540.00 a month
        # 90% × 1234.55 = 1111.095 → 1111.10
        c = claim(world, who, total="1234.55", admitted=date(2026, 10, 1), discharged=date(2026, 10, 9))
        do_approve_claim(c, acting_user=world.leader)
    november = pay_month(world, "2026-11", failed={who.pk: "账户冻结"})
    assert items_of(november, who) == [
        ("2026-11", "living_subsidy", "540.00", "0.00", "540.00", False),
        ("2026-11", "medical", "1111.10", "0.00", "1111.10", False),
    ]
    line = BatchLine.objects.get(batch=november, beneficiary=who)  # scope: test
    assert line.kinds == "定期生活补助+医疗补助"
    c.refresh_from_db()
    assert c.state == ClaimState.APPROVED  # the transfer failed: not paid yet
    december = pay_month(world, "2026-12")
    assert ("2026-11", "medical", "1111.10", "0.00", "1111.10", False) in items_of(december, who)
    c.refresh_from_db()
    assert c.state == ClaimState.PAID
    assert c.paid_at is not None
    january = pay_month(world, "2027-01")
    assert [i[1] for i in items_of(january, who)] == ["living_subsidy"]  # never paid twice
