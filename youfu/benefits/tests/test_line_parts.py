"""The parts of the bank lines paying more than one benefit (``LinePart``): written by the engine
with the lines, equal to the line's items per benefit (amount and arrears) and summing to the line,
none for a line paying a single benefit; gone with a discarded draft; made from the items by
benefits migration 0013 for the lines there were; and held to the items by ``youfu reconcile``."""

from __future__ import annotations

import importlib
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import connection

from youfu.benefits.models import (
    SINGLE_BENEFIT_BITS,
    Batch,
    BatchItem,
    BatchLine,
    LinePart,
    OneOffKind,
)
from youfu.benefits.services import do_create_batch, do_discard_batch, do_schedule_one_off
from youfu.benefits.tests.helpers import at, m, paid_from_november, pay_month, person
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.testing import World, run_command

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}  # living subsidy
DISABLED_6 = {
    "category": Category.DISABLED_VETERAN,
    "approved_on": date(2020, 1, 1),
    "disability_cause": "combat",
    "disability_level": 6,
}  # disability pension
NO_REGULAR = {"category": Category.ACTIVE_DUTY_FAMILY, "approved_on": date(2020, 1, 1)}

Parts = dict[tuple[int, int], dict[str, tuple[int, int]]]


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Paid from November 2026; today is 3 November."""
    with paid_from_november(world):
        yield world


def _people(world: World) -> dict[str, Beneficiary]:
    """Two benefits every month (a disabled war participant, whose November transfer fails, so that
    December pays November again as arrears beside December); a pension and a relief grant in
    November; a grant alone; a pension alone."""
    people = {
        "both": person(world, DISABLED_6, WAR, name="甲一"),
        "pension_and_grant": person(world, WAR, name="甲二"),
        "grant_only": person(world, NO_REGULAR, name="甲三"),
        "pension_only": person(world, WAR, name="甲四"),
    }
    for n, who in enumerate(("pension_and_grant", "grant_only"), start=1):
        do_schedule_one_off(
            people[who],
            kind=OneOffKind.RELIEF,
            amount_fen=50_000 * n,
            reference=f"relief:{n}",
            acting_user=world.leader,
        )
    return people


def parts_of(batch: Batch) -> Parts:
    found: Parts = defaultdict(dict)
    for part in LinePart.objects.filter(batch=batch):  # scope: test
        found[(part.batch_id, part.beneficiary_id)][part.benefit] = (part.amount_fen, part.arrears_fen)
    return dict(found)


def items_of_mixed_lines(batch: Batch) -> Parts:
    """What the parts should be: each mixed line's items summed per benefit (amount, arrears)."""
    mixed = {
        (line.batch_id, line.beneficiary_id)
        for line in BatchLine.objects.filter(batch=batch)  # scope: test
        if line.benefits not in SINGLE_BENEFIT_BITS
    }
    found: Parts = defaultdict(dict)
    for item in BatchItem.objects.filter(batch=batch):  # scope: test
        key = (item.batch_id, item.beneficiary_id)
        if key in mixed:
            amount, arrears = found[key].get(item.benefit, (0, 0))
            found[key][item.benefit] = (amount + item.amount_fen, arrears + item.amount_fen * item.arrears)
    return dict(found)


def test_the_engine_writes_the_parts_of_the_lines_paying_several_benefits_and_only_theirs(
    county: World,
) -> None:
    people = _people(county)
    november = pay_month(county, "2026-11", failed={people["both"].pk: "账号有误"})
    with time_machine.travel(at(2026, 12, 5), tick=False):
        december = do_create_batch(m("2026-12"), acting_user=county.county_clerk)
    for batch in (november, december):
        parts = parts_of(batch)
        assert parts == items_of_mixed_lines(batch), batch.period
        for line in BatchLine.objects.filter(batch=batch):  # scope: test
            of_line = parts.get((batch.pk, line.beneficiary_id), {})
            assert sum(fen for fen, _a in of_line.values()) == (line.amount_fen if of_line else 0)
            assert sum(a for _f, a in of_line.values()) == (line.arrears_fen if of_line else 0)
    # By hand: who has parts, of which benefits, and the arrears December pays for November.
    nov, dec = parts_of(november), parts_of(december)
    assert set(nov) == {(november.pk, people["both"].pk), (november.pk, people["pension_and_grant"].pk)}
    assert set(nov[(november.pk, people["pension_and_grant"].pk)]) == {"living_subsidy", "relief"}
    assert nov[(november.pk, people["pension_and_grant"].pk)]["relief"] == (50_000, 0)
    assert set(dec) == {(december.pk, people["both"].pk)}
    both = dec[(december.pk, people["both"].pk)]
    assert set(both) == {"disability_pension", "living_subsidy"}
    # Two months of each: December's and November's again, the latter as arrears.
    assert all(amount == 2 * arrears and arrears > 0 for amount, arrears in both.values())


def test_a_discarded_draft_takes_its_parts_with_it_and_the_next_one_writes_them_again(
    county: World,
) -> None:
    _people(county)
    draft = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    written = parts_of(draft)
    assert written
    do_discard_batch(draft, acting_user=county.county_clerk)
    assert not LinePart.objects.filter(batch=draft).exists()  # scope: test
    again = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    assert parts_of(again) == items_of_mixed_lines(again)
    assert [sorted(p.items()) for p in parts_of(again).values()] == [
        sorted(p.items()) for p in written.values()
    ]


def test_the_migration_makes_the_parts_from_the_items_of_the_lines_there_are(county: World) -> None:
    people = _people(county)
    november = pay_month(county, "2026-11", failed={people["both"].pk: "账号有误"})
    december = pay_month(county, "2026-12")
    written = {**parts_of(november), **parts_of(december)}
    # A line from before lines kept their benefits: ``benefits`` 0, so its items are read too.
    BatchLine.objects.filter(batch=december, beneficiary=people["pension_only"]).update(  # scope: test
        benefits=0
    )
    LinePart.objects.all().delete()  # scope: test
    migration = importlib.import_module("youfu.benefits.migrations.0013_line_parts")
    migration.fill_line_parts(apps, SimpleNamespace(connection=connection))
    made = {**parts_of(november), **parts_of(december)}
    assert made == {**items_of_mixed_lines(november), **items_of_mixed_lines(december)}
    old_line = (december.pk, people["pension_only"].pk)
    assert made.pop(old_line) == {"living_subsidy": (54_000, 0)}
    assert made == written


def test_reconcile_holds_the_parts_to_the_items(county: World) -> None:
    people = _people(county)
    pay_month(county, "2026-11", failed={people["both"].pk: "账号有误"})
    december = pay_month(county, "2026-12")
    latest = ["reconcile", "--full", "--json", "--batch", str(december.pk), "--as", "clerk"]
    with time_machine.travel(at(2026, 12, 20), tick=False):
        code, out, err = run_command(*latest)
        assert code == 0, err
        result = json.loads(out)
        assert result["agree"] is True
        assert result["line_parts"] == {"lines": 1, "differences": 0, "listed": []}
        # A part that no longer matches its items (nor, so, its line's amount), and a part for a
        # line paying a single benefit.
        LinePart.objects.filter(  # scope: test
            batch=december, beneficiary=people["both"], benefit="living_subsidy"
        ).update(amount_fen=1)
        LinePart.objects.create(  # scope: test
            batch=december, beneficiary=people["pension_only"], benefit="living_subsidy", amount_fen=54_000
        )
        code, out, _ = run_command(*latest)
    assert code == 1
    result = json.loads(out)
    assert result["agree"] is False and result["differences"] == 0
    listed = {(d["beneficiary_id"], d["benefit"]): d for d in result["line_parts"]["listed"]}
    assert result["line_parts"]["differences"] == len(listed) == 4
    changed = listed[(people["both"].pk, "living_subsidy")]
    assert changed["parts"]["amount"] == "0.01" and changed["expected"]["amount"] == "1080.00"
    assert (
        listed[(people["both"].pk, None)]["parts"]["amount"]
        != listed[(people["both"].pk, None)]["expected"]["amount"]
    )
    stray = listed[(people["pension_only"].pk, "living_subsidy")]
    assert stray["parts"] == {"amount": "540.00", "arrears": "0.00"} and stray["expected"] is None
    assert listed[(people["pension_only"].pk, None)]["expected"] is None
