"""The registry's figures counted ahead for the dashboard (the tables: ``tally_models``).

``recount(end)`` counts, for the whole database at once, the people on the registry at ``end``
(alive then, holding a qualification approved by then and not ended by then, as
``selectors.registry_figures`` counts ``persons``) and their qualifications in force then per
category (as ``selectors.categories_in_force``), each per the people's own region: two grouped
``INSERT … SELECT`` over the qualifications, in one transaction that replaces the year-end's rows
whole. The queue counts the current year's end and the last one's every
``YOUFU_DASHBOARD_TALLY_MINUTES`` (``tasks.recount_registry_tally``).

``fresh_run(end)`` is the count the dashboard may use: one made less than three periods ago
(a worker that stopped is noticed: past that the dashboard counts for itself, as it did before,
exact and slower). A reader's figures are the rows inside their region, read through
``visible_to``: a few hundred rows, whatever the people.

The figures are as exact as the registry was at ``counted_at``, which the page shows beside
them; a person entered since is counted at the next count. The summary report (``selectors``)
is always counted when asked.

Not audited: the rows are derived from the registry (whose writes are), name nobody and are
rewritten whole from it at every count, as the bank lines' sums are.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from youfu.accounts.models import User
from youfu.regions.models import Region
from youfu.registry.models import Qualification
from youfu.reports.tally_models import RegistryTally, RegistryTallyRun

SCOPE_TRUSTED = "counts the whole registry ahead, per region; a reader's figures are read through visible_to"

# A count older than this many periods is not used: its worker stopped.
STALE_PERIODS = 3


def period() -> timedelta:
    return timedelta(minutes=settings.YOUFU_DASHBOARD_TALLY_MINUTES)


def ends_to_count(today: date | None = None) -> list[date]:
    """The year-ends the queue keeps counted: this year's and the last one's."""
    year = (today or timezone.localdate()).year
    return [date(year, 12, 31), date(year - 1, 12, 31)]


def _insert(run: RegistryTallyRun, grouped_sql: str, params: list[Any], category: str) -> None:
    table = RegistryTally._meta.db_table
    category_sql = "%s" if category == "" else "g.category"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (run_id, region_id, category, n) "  # noqa: S608 (names are ours)
            f"SELECT %s, g.place, {category_sql}, g.n FROM ({grouped_sql}) g",
            [run.pk, *([category] if category == "" else []), *params],
        )


@transaction.atomic
def recount(end: date) -> RegistryTallyRun:
    """Count the registry at ``end`` for every region, replacing that end's earlier count."""
    started = time.monotonic()
    run, _ = RegistryTallyRun.objects.get_or_create(end=end, defaults={"counted_at": timezone.now()})
    run = RegistryTallyRun.objects.select_for_update().get(pk=run.pk)  # one count of an end at a time
    RegistryTally.objects.filter(run=run).delete()  # scope: the whole count is rewritten
    in_force = Qualification.objects.filter(
        Q(approved_on__lte=end),
        Q(ended_on__isnull=True) | Q(ended_on__gt=end),
        Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gt=end),
    ).order_by()
    people = in_force.values(place=F("beneficiary__region_id")).annotate(
        n=Count("beneficiary_id", distinct=True)
    )
    sql, params = people.query.sql_with_params()
    _insert(run, sql, list(params), "")
    per_category = in_force.values("category", place=F("beneficiary__region_id")).annotate(n=Count("pk"))
    sql, params = per_category.query.sql_with_params()
    _insert(run, sql, list(params), "category")
    run.counted_at = timezone.now().replace(microsecond=0)  # as the API gives it, to the second
    run.seconds = round(time.monotonic() - started, 3)
    run.save(update_fields=["counted_at", "seconds"])
    return run


def fresh_run(end: date) -> RegistryTallyRun | None:
    """The count of ``end`` when it is recent enough to show (see the module), else None."""
    if not settings.YOUFU_DASHBOARD_TALLY_MINUTES:
        return None
    run = RegistryTallyRun.objects.filter(end=end).first()
    if run is None or timezone.now() - run.counted_at > STALE_PERIODS * period():
        return None
    return run


def _rows(user: User, region: Region, run: RegistryTallyRun) -> Any:
    return (
        RegistryTally.objects.visible_to(user)
        .filter(run=run, region__code__startswith=region.scope_prefix)
        .order_by()
    )


def people_by_township(user: User, region: Region, run: RegistryTallyRun, digits: int) -> dict[str, int]:
    """The people counted in ``run`` inside ``region`` and the user's scope, per township (the
    first ``digits`` of their region's code)."""
    rows = _rows(user, region, run).filter(category="")
    return {
        r["t"]: int(r["n"]) for r in rows.values(t=Substr("region__code", 1, digits)).annotate(n=Sum("n"))
    }


def categories(user: User, region: Region, run: RegistryTallyRun) -> dict[str, int]:
    """The qualifications in force counted in ``run`` inside ``region`` and the user's scope,
    per category (as ``selectors.categories_in_force`` gives them)."""
    rows = _rows(user, region, run).exclude(category="")
    return {
        r["category"]: int(r["n"]) for r in rows.values("category").annotate(n=Sum("n")).order_by("category")
    }
