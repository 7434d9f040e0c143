"""Reads of the registry, region-scoped, and "payable in month M" as a Django query: the
oracle that the payment engine's SQL (``benefits/engine.py``, the rule that pays) is held to."""

from __future__ import annotations

import calendar
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from youfu.accounts.models import User
from youfu.registry.categories import PRIORITY_CATEGORIES
from youfu.registry.models import Beneficiary, Qualification, Suspension


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def beneficiaries_for(user: User) -> QuerySet[Beneficiary]:
    qs: QuerySet[Beneficiary] = Beneficiary.objects.visible_to(user)
    return qs


def payable_in_month(month: date) -> Q:
    """The condition for a regular-benefit qualification to be payable in ``month``.

    - from the month of approval,
    - through the month of death and the month of cancellation (or moving away),
    - not in a month whose first day falls in a suspension (started on or before it,
      ended after it or not yet ended): a suspension from 15 March stops April onwards,
      and one ended on 10 July pays again from August.

    The engine pays by its own SQL copy of this condition (``engine._payable``), written for
    a whole county in one statement; ``benefits/tests/test_agreement.py`` and
    ``test_engine.py`` hold the two to the same answers over generated counties.
    """
    first, last = month_bounds(month)
    suspended = Suspension.objects.filter(qualification=OuterRef("pk"), started_on__lte=first).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=first)
    )
    return (
        Q(category__in=PRIORITY_CATEGORIES)
        & Q(approved_on__lte=last)
        & (Q(beneficiary__death_date__isnull=True) | Q(beneficiary__death_date__gte=first))
        & (Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        & Q(~Exists(suspended))
    )


def payable_qualifications(month: date) -> QuerySet[Qualification]:
    """Every qualification payable in ``month``, county-wide, in one query."""
    return Qualification.objects.filter(payable_in_month(month))


def is_payable(qualification: Qualification, month: date) -> bool:
    return Qualification.objects.filter(pk=qualification.pk).filter(payable_in_month(month)).exists()


def of_home(person: Beneficiary) -> Q:
    """Rows (cases, surveys, findings …) whose ``beneficiary`` is anyone in ``person``'s home: its
    registry household, or the person alone.

    By the home's people's ids, looked up in the registry by its own keys (the person, the
    household's members). The plain condition, "the person, or anyone of the household", joins
    the two tables with OR, which neither table's index can answer: PostgreSQL read every person of
    the registry to join them, 240 ms a person page at a million people."""
    if not person.household_id:
        return Q(beneficiary_id=person.pk)
    members = Beneficiary.objects.filter(Q(pk=person.pk) | Q(household_id=person.household_id))
    return Q(beneficiary_id__in=members.values("pk"))
