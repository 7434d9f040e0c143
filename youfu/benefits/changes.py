"""What changed since the last batch: the marks that tell a batch which settled months to
recompute (docs/architecture.md, "Only what changed").

A batch computes the new month for everyone, and earlier months only where something they
depend on changed after the batch that settled them:

* a person's records (a qualification added, a death, a suspension or its end, a
  cancellation, a level change, a residence, a payee named, a one-off payment scheduled or
  withdrawn, a recovery settled): the services mark the person from the first month the
  change can alter (``mark_persons``; the registry through its ``entitlement_changed``
  signal);
* a standards version or a top-up approved, the allowance month moved: every holder of the
  categories concerned, from the first month concerned (``mark_categories``);
* a line the bank did not pay (failed, or held for want of an account): found from the
  previous batch itself, with no mark.

A mark is written in the transaction that makes the change, consumed by the batch that
recomputes it (``consume``) and given back if that batch is discarded (``release``). The
full recomputation (``engine.Plan.full()``) stays the oracle: ``youfu reconcile --full``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from youfu.benefits import engine
from youfu.benefits.models import Batch, BatchState, RecomputeMark
from youfu.benefits.money import add_months, ym
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import BENEFIT_OF
from youfu.registry.models import Beneficiary

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "marks name the people whose entitlement a service just changed, in that service's "
    "transaction; nothing is read back to a user"
)

MARKS = RecomputeMark._meta.db_table
PEOPLE = Beneficiary._meta.db_table
CHUNK = 5000


def _month(since: date | int | None) -> int:
    if since is None:
        return 0
    return since if isinstance(since, int) else ym(since)


def mark_persons(person_ids: Iterable[int], since: date | int | None, reason: str) -> None:
    """The next batch of each person's county recomputes all their benefits from ``since``'s
    month (None: every month). Set-based: one INSERT … SELECT per few thousand people."""
    ids = sorted({int(i) for i in person_ids})
    month = _month(since)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {MARKS} (county_id, beneficiary_id, category, since, reason, created_at) "  # noqa: S608
                f"SELECT SUBSTR(b.region_id, 1, 6) || '000000', b.id, '', %s, %s, %s FROM {PEOPLE} b "
                f"WHERE b.id IN ({marks})",
                [month, reason[:32], now, *chunk],
            )


def mark_categories(
    region: Region | None, categories: Iterable[str], since: date | int | None, reason: str
) -> None:
    """Every county in ``region`` (a county, or the city or province above them; None: every
    county, as for the national standards) recomputes, in its next batch, the benefits of
    these categories ("" for every category) from ``since``'s month for every holder."""
    counties = [
        code
        for code in Region.objects.filter(level=RegionLevel.COUNTY).values_list("code", flat=True)
        if region is None or region.contains(code)
    ]
    month = _month(since)
    RecomputeMark.objects.bulk_create(
        RecomputeMark(county_id=county, category=category, since=month, reason=reason[:32])
        for county in counties
        for category in sorted(set(categories))
    )


def consume(batch: Batch) -> None:
    """The batch takes every mark of its county not yet taken. It runs first in the batch's
    transaction: a mark committed later stays for the next batch, so none is lost."""
    RecomputeMark.objects.filter(county_id=batch.county_id, batch__isnull=True).update(batch=batch)


def release(batch: Batch) -> None:
    """A discarded batch gives its marks back to the next one."""
    RecomputeMark.objects.filter(batch=batch).update(batch=None)


def previous_batch(batch: Batch) -> Batch | None:
    """The county's latest batch before ``batch`` that was not discarded."""
    return (
        Batch.objects.filter(county_id=batch.county_id, period__lt=batch.period)
        .exclude(state=BatchState.DISCARDED)
        .exclude(pk=batch.pk)
        .order_by("-period", "-pk")
        .first()
    )


def plan_for(batch: Batch, window: engine.Window) -> engine.Plan:
    """What ``batch`` recomputes, once it has consumed its marks: the months after the
    previous batch's period for everyone, earlier months where marks or unpaid lines say.

    The full recomputation when there is nothing to stand on: no previous batch, one made
    with another start month, or one whose bank returns were never imported."""
    previous = previous_batch(batch)
    if previous is None or previous.state != BatchState.CLOSED or previous.payments_start != window.start:
        return engine.Plan.full()
    new = ym(add_months(previous.period, 1))
    fresh = {code: new for code in engine.BENEFIT_CODES.values()}
    categories = RecomputeMark.objects.filter(batch=batch, beneficiary__isnull=True).values_list(
        "category", "since"
    )
    for category, since in categories:
        if category and category not in BENEFIT_OF:
            continue  # a category no batch pays (其他退役军人, 现役军人家属): nothing to recompute
        codes = (
            (*engine.REGULAR_CODES, *engine.LUMP_CODES) if category == "" else engine.category_codes(category)
        )
        for code in codes:
            fresh[code] = min(fresh[code], since)
    return engine.Plan(tuple(sorted(fresh.items())), marks_batch=batch.pk, unpaid_batch=previous.pk)


def pending(county_code: str) -> dict[str, Any]:
    """The marks no batch has taken yet, for the reconciliation's report."""
    marks = RecomputeMark.objects.filter(county_id=county_code, batch__isnull=True)
    return {
        "people": marks.filter(beneficiary__isnull=False).values("beneficiary").distinct().count(),
        "categories": marks.filter(beneficiary__isnull=True).count(),
    }


def on_entitlement_changed(
    sender: Any,
    persons: Iterable[int] = (),
    since: date | None = None,
    reason: str = "registry",
    **kwargs: Any,
) -> None:
    """Receiver of the registry's ``entitlement_changed`` signal."""
    mark_persons(persons, since, reason)
