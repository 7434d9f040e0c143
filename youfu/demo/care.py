"""The demo county's relief and care: four years of the bureau's work beyond pensions.

Each area fills its own records in ``youfu/demo/care_<area>.py``, through the area's services,
so the demo obeys the same rules a clerk does (maker-checker, caps, scope). Two kinds of area:

- **paid through the batches** (temporary relief, medical top-ups): ``before_batch(period)`` runs
  before each monthly batch of the demo's payment history and enters and approves what the month
  before it brought, so the batch pays it as a one-off item, as it would in a real county;
- **records** (housing, pairing, visits, needs checks, what people are owed): ``fill`` runs once,
  after the batches, over four years up to today.

Every area adds only what is missing, so ``load-demo`` may run again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from types import ModuleType
from typing import Any

from django.db.models import Max, QuerySet

from youfu.benefits import changes
from youfu.benefits.models import OneOffPayment
from youfu.demo import (
    care_discoveries,
    care_grants,
    care_housing,
    care_medical,
    care_needs,
    care_pairing,
    care_visits,
)
from youfu.demo.care_staff import CareStaff

SCOPE_TRUSTED = "the demo county's generator fills a fictitious database; it never serves a request"


def _areas() -> list[ModuleType]:
    return [care_grants, care_medical, care_housing, care_pairing, care_visits, care_needs, care_discoveries]


def before_batch(period: date, *, seed: int) -> None:
    """The relief and medical claims of the month before ``period``, approved and waiting for its batch."""
    staff = CareStaff.load()
    before = OneOffPayment.objects.aggregate(last=Max("pk"))["last"] or 0
    for area in _areas():
        hook: Callable[..., Any] | None = getattr(area, "before_batch", None)
        if hook is not None:
            hook(staff, period, random.Random(f"{seed}-{area.__name__}-{period:%Y%m}"))
    # The demo replays its history at today's clock, where "the next batch" is this month's; what
    # was approved before ``period``'s batch is paid by it.
    pay_in(OneOffPayment.objects.filter(pk__gt=before).exclude(month=period), period)


def pay_in(one_offs: QuerySet[OneOffPayment], period: date) -> None:
    """Move scheduled one-offs to ``period``'s batch, with the marks ``do_schedule_one_off``
    writes for that month: an UPDATE behind the service's back would leave the person's months
    from ``period`` settled in the county's next batch, which would then disagree with the full
    recomputation (``youfu reconcile --full``)."""
    people = set(one_offs.values_list("beneficiary_id", flat=True))
    if people:
        one_offs.update(month=period)
        changes.mark_persons(people, period, "one_off")


def fill(today: date, *, seed: int) -> dict[str, dict[str, int]]:
    """The records of every area over ``CARE_YEARS`` years up to ``today``; what was made, by area."""
    staff = CareStaff.load()
    made: dict[str, dict[str, int]] = {}
    for area in _areas():
        key = area.__name__.rsplit(".", 1)[-1].removeprefix("care_")
        made[key] = area.fill(staff, today, random.Random(f"{seed}-{key}"))
    return made
