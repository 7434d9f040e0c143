"""The engine's set-based SQL and ``registry.selectors.payable_in_month`` are one rule:
on a varied population, for every month, they name the same qualifications."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import time_machine

from youfu.benefits.engine import Window, qualification_months
from youfu.benefits.money import add_months, months, ym
from youfu.benefits.tests.helpers import at, person
from youfu.registry.categories import PRIORITY_CATEGORIES, Category
from youfu.registry.models import LifeEventKind
from youfu.registry.selectors import payable_qualifications
from youfu.registry.services import do_record_life_event
from youfu.testing import World

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2025, 6, 1), date(2026, 11, 1)


def _day(rng: random.Random, low: date, high: date) -> date:
    """A day between low and high, often a month's first or last day (the edges)."""
    pick = low + timedelta(days=rng.randrange((high - low).days + 1))
    edge = rng.random()
    if edge < 0.25:
        pick = pick.replace(day=1)
    elif edge < 0.4:
        pick = add_months(pick.replace(day=1), 1) - timedelta(days=1)
    return min(max(pick, low), high)


def _population(world: World, rng: random.Random) -> None:
    categories = [*sorted(PRIORITY_CATEGORIES), Category.CONSCRIPT_FAMILY]
    for n in range(60):
        category = Category(rng.choice(categories))
        approved = _day(rng, date(2025, 1, 1), date(2026, 10, 31))
        qual: dict[str, object] = {"category": category, "approved_on": approved}
        if category == Category.DISABLED_VETERAN:
            qual.update(disability_cause="combat", disability_level=rng.randint(1, 10))
        region = world.village_a if n % 2 else world.village_b
        p = person(world, qual, region=region, name=f"人{n}")
        q = p.qualifications.get()
        cursor = approved
        for _ in range(rng.randint(0, 2)):
            if cursor >= date(2026, 10, 1) or rng.random() < 0.4:
                break
            started = _day(rng, cursor, date(2026, 10, 31))
            do_record_life_event(
                p,
                LifeEventKind.SUSPENSION,
                started,
                acting_user=world.county_clerk,
                qualification=q,
                reason="x",
            )
            if rng.random() < 0.7:
                ended = _day(rng, started, date(2026, 11, 20))
                do_record_life_event(
                    p, LifeEventKind.SUSPENSION_END, ended, acting_user=world.county_clerk, qualification=q
                )
                cursor = ended
            else:
                break
        fate = rng.random()
        if fate < 0.2:
            do_record_life_event(
                p, LifeEventKind.DEATH, _day(rng, cursor, date(2026, 11, 25)), acting_user=world.county_clerk
            )
        elif fate < 0.35:
            do_record_life_event(
                p,
                LifeEventKind.CANCELLATION,
                _day(rng, cursor, date(2026, 11, 25)),
                acting_user=world.county_clerk,
                qualification=q,
                reason="x",
            )


@pytest.mark.parametrize("seed", [4, 11])
def test_the_engine_and_the_selector_agree_on_every_month(world: World, seed: int) -> None:
    with time_machine.travel(at(2026, 11, 29), tick=False):
        _population(world, random.Random(seed))  # noqa: S311
        engine_pairs = qualification_months(Window(world.county.code, FIRST, LAST, 12))
    selector_pairs = {
        (q, ym(month))
        for month in months(FIRST, LAST)
        for q in payable_qualifications(month).values_list("pk", flat=True)
    }
    assert engine_pairs == selector_pairs
    assert len(selector_pairs) > 300  # the population really varies
    every = {q for q, _ in selector_pairs}
    assert len(every) > 20
