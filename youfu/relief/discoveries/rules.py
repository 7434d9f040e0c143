"""The rules of 应享未享: each one a single query over the registry and the care records that
finds the facts (a person, and which fact) the rule applies to. Set-based: the refresh inserts
what a rule's query selects (``INSERT … SELECT``) and closes, with one ``UPDATE``, the open
findings its query no longer selects; it never loops over people.

Every query yields the same columns, for the refresh to insert: ``d_person`` (the person the
finding is about), ``d_fact`` (the fact key), and the evidence ``d_year``, ``d_survey``,
``d_death``.

The definitions, exactly:

- ``rural_veteran_60`` (农村籍退役士兵老年生活补助, 民发〔2011〕110号): a living person of rural
  residence who holds a veteran's qualification (disabled veteran, demobilized veteran, veteran
  returned home with illness, war or nuclear-test participant, other veteran; not ended) whose
  enlistment, when recorded, falls in the conscription era the subsidy covers (1954-11-01 to
  2011-10-31), who is 60 or older this year (born in or before this year − 60), and who receives
  no subsidy: no 农村籍退役士兵 qualification (in any state: an ended one was a decision) and no
  other regular benefit (no active or suspended qualification of a category paid monthly —
  the subsidy is for those "未享受国家定期抚恤补助"). Fact: the person.
- ``premium_missing``: ``youfu.relief.medical.selectors.premium_missing(year)``: a disabled
  veteran of levels 1–6 payable at some time in the year with no premium recorded for it.
  Fact: the year.
  The refresh looks at the current year; an open finding of an earlier year stays until that
  year's premium is recorded or a clerk resolves it.
- ``housing_unserved``: ``youfu.relief.housing.selectors.unserved_surveys()``: a home graded C
  or D by its latest survey that no pending, approved or completed case serves (a refused case
  does not), where someone still lives. Fact: the survey (a new survey is a new fact).
- ``survivor_review``: a recorded death (registry life event ``death``) of a person who held a
  pension (a qualification paid a disability or survivor pension, approved by the death and not
  ended before it), whose household has another living member or whose death has a payee (named
  with the death, or later for the lump sum), and for whose household no survivor qualification
  (martyr's, service death, death from illness) has been added since the death was recorded.
  Fact: the death's life event. (A payee registered since, outside the household, is no member
  of it: the clerk resolves the finding with that qualification as the reference.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast

from youfu.benefits.models import PendingLumpSum
from youfu.registry.categories import BENEFIT_OF, PRIORITY_CATEGORIES, Benefit, Category
from youfu.registry.models import (
    Beneficiary,
    DeathPayee,
    LifeEvent,
    LifeEventKind,
    PersonStatus,
    Qualification,
    QualificationStatus,
    Residence,
)
from youfu.relief.discoveries.models import Rule
from youfu.relief.housing.models import HousingSurvey
from youfu.relief.housing.selectors import unserved_surveys
from youfu.relief.medical.selectors import premium_missing

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the rules find facts county-wide (or within a refresh's region prefix) for the nightly and "
    "on-demand refresh; people read them only through Discovery.objects.visible_to(user)"
)

VETERAN_CATEGORIES = (
    Category.DISABLED_VETERAN,
    Category.DEMOBILIZED_VETERAN,
    Category.RETURNED_ILL_VETERAN,
    Category.WAR_PARTICIPANT,
    Category.NUCLEAR_TEST_PARTICIPANT,
    Category.OTHER_VETERAN,
)
SURVIVOR_CATEGORIES = (
    Category.MARTYR_SURVIVOR,
    Category.DUTY_DEATH_SURVIVOR,
    Category.ILLNESS_DEATH_SURVIVOR,
)
PENSION_CATEGORIES = tuple(
    c for c, b in BENEFIT_OF.items() if b in (Benefit.DISABILITY_PENSION, Benefit.SURVIVOR_PENSION)
)
OLD_AGE = 60
# The subsidy covers soldiers who enlisted from the start of conscription (1954-11-01) until
# the 退役士兵安置条例 took effect (2011-11-01).
CONSCRIPTION_FROM = date(1954, 11, 1)
CONSCRIPTION_UNTIL = date(2011, 10, 31)

COLUMNS = ("d_person", "d_fact", "d_year", "d_survey", "d_death")


def _none() -> Cast:
    # A typed NULL: PostgreSQL would read a bare NULL in a derived table as text.
    return Cast(Value(None), BigIntegerField())


def rural_veteran_60(year: int) -> QuerySet[Beneficiary]:
    veteran = (
        Qualification.objects.filter(beneficiary=OuterRef("pk"), category__in=VETERAN_CATEGORIES)
        .exclude(status=QualificationStatus.ENDED)
        .filter(
            Q(enlisted_on__isnull=True)
            | Q(enlisted_on__gte=CONSCRIPTION_FROM, enlisted_on__lte=CONSCRIPTION_UNTIL)
        )
    )
    provided = Qualification.objects.filter(beneficiary=OuterRef("pk")).filter(
        Q(category=Category.ELDERLY_RURAL_VETERAN)
        | Q(category__in=sorted(PRIORITY_CATEGORIES)) & ~Q(status=QualificationStatus.ENDED)
    )
    return (
        Beneficiary.objects.filter(
            status=PersonStatus.ALIVE,
            residence=Residence.RURAL,
            birth_date__lt=date(year - OLD_AGE + 1, 1, 1),
        )
        .filter(Exists(veteran), ~Exists(provided))
        .annotate(
            d_person=F("pk"),
            d_fact=Value(0, output_field=BigIntegerField()),
            d_year=_none(),
            d_survey=_none(),
            d_death=_none(),
        )
    )


def premium_missing_in(year: int) -> QuerySet[Beneficiary]:
    return premium_missing(year).annotate(
        d_person=F("pk"),
        d_fact=Value(year, output_field=BigIntegerField()),
        d_year=Value(year, output_field=BigIntegerField()),
        d_survey=_none(),
        d_death=_none(),
    )


def housing_unserved() -> QuerySet[HousingSurvey]:
    return (
        unserved_surveys()
        .select_related(None)
        .annotate(
            d_person=F("beneficiary_id"),
            d_fact=F("pk"),
            d_year=_none(),
            d_survey=F("pk"),
            d_death=_none(),
        )
    )


def survivor_review() -> QuerySet[LifeEvent]:
    pension = Qualification.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("effective_on")),
        beneficiary=OuterRef("beneficiary_id"),
        category__in=PENSION_CATEGORIES,
        approved_on__lte=OuterRef("effective_on"),
    )
    others = Beneficiary.objects.filter(
        household_id=OuterRef("beneficiary__household_id"), status=PersonStatus.ALIVE
    ).exclude(pk=OuterRef("beneficiary_id"))
    payee = DeathPayee.objects.filter(life_event=OuterRef("pk"))
    named = PendingLumpSum.objects.filter(life_event=OuterRef("pk"), named_at__isnull=False)
    added = Qualification.objects.filter(
        beneficiary__household_id=OuterRef("beneficiary__household_id"),
        category__in=SURVIVOR_CATEGORIES,
        created_at__gte=OuterRef("recorded_at"),
    ).exclude(beneficiary_id=OuterRef("beneficiary_id"))
    return (
        LifeEvent.objects.filter(kind=LifeEventKind.DEATH)
        .filter(Exists(pension), Exists(others) | Exists(payee) | Exists(named), ~Exists(added))
        .annotate(
            d_person=F("beneficiary_id"),
            d_fact=F("pk"),
            d_year=_none(),
            d_survey=_none(),
            d_death=F("pk"),
        )
    )


# The path from each rule's rows to the person's region code (for a refresh of one region).
_REGION_PATH = {
    Rule.RURAL_VETERAN_60: "region__code",
    Rule.PREMIUM_MISSING: "region__code",
    Rule.HOUSING_UNSERVED: "beneficiary__region__code",
    Rule.SURVIVOR_REVIEW: "beneficiary__region__code",
}


def matches(rule: Rule, *, year: int, prefix: str = "") -> QuerySet[Any]:
    """The facts ``rule`` finds now (for ``year`` where the rule has one), in the region whose
    codes start with ``prefix``; rows carry the ``COLUMNS``."""
    queryset: QuerySet[Any]
    match rule:
        case Rule.RURAL_VETERAN_60:
            queryset = rural_veteran_60(year)
        case Rule.PREMIUM_MISSING:
            queryset = premium_missing_in(year)
        case Rule.HOUSING_UNSERVED:
            queryset = housing_unserved()
        case Rule.SURVIVOR_REVIEW:
            queryset = survivor_review()
    if prefix:
        queryset = queryset.filter(**{f"{_REGION_PATH[rule]}__startswith": prefix})
    return queryset.order_by()
