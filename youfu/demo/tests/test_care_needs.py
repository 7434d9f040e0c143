"""The demo's needs checks: four years of quarterly rounds for the county, most households checked,
findings of every kind owned by the demo clerks, most solved, some open and a few overdue, built
through the services on a small demo county (the registry and accounts of load-demo), and only once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django import DjangoDbBlocker

from youfu.audit.verify import verify_chain
from youfu.demo import care_needs
from youfu.demo.tests.helpers import small_demo
from youfu.outreach.needs.models import CheckOutcome, Finding, FindingState, HouseholdCheck, NeedsRound

PERSONS = 1000
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, Any]]:
    with small_demo(django_db_blocker, PERSONS, time_machine.travel(NOW, tick=False)) as staff:
        made = care_needs.fill(staff, TODAY, random.Random("demo-needs"))  # noqa: S311
        again = care_needs.fill(staff, TODAY, random.Random("demo-needs"))  # noqa: S311
        yield {"made": made, "again": again}


pytestmark = pytest.mark.django_db


def test_quarterly_rounds_over_four_years_only_the_last_open(demo: dict[str, Any]) -> None:
    rounds = list(NeedsRound.objects.order_by("opened_at"))  # scope: test
    assert [r.name for r in rounds][:2] == ["2023年第一季度困难排查", "2023年第二季度困难排查"]
    assert rounds[-1].name == "2026年第四季度困难排查"
    assert len(rounds) == demo["made"]["rounds"] == 16
    assert [r.closed_at is None for r in rounds] == [False] * 15 + [True]
    assert all(r.region_id == "341199000000" and r.households > 100 for r in rounds)
    assert str(rounds[-1].due_on) == "2026-12-31"


def test_most_households_are_checked_and_the_current_round_is_under_way(demo: dict[str, Any]) -> None:
    rounds = list(NeedsRound.objects.order_by("opened_at"))  # scope: test
    for r in rounds[:-1]:
        checked = (
            HouseholdCheck.objects.filter(round=r).exclude(outcome=CheckOutcome.NOT_YET).count()
        )  # scope: test
        assert 0.9 * r.households <= checked < r.households
    current = HouseholdCheck.objects.filter(round=rounds[-1])  # scope: test
    assert 0 < current.exclude(outcome="").count() < current.count()
    assert all(c.checked_on and c.checked_on >= rounds[-1].opened_on for c in current.exclude(outcome=""))


def test_findings_of_every_kind_owned_by_the_demo_clerks(demo: dict[str, Any]) -> None:
    findings = Finding.objects.all()  # scope: test
    assert set(findings.values_list("kind", flat=True)) == {
        "housing",
        "medical",
        "income",
        "employment",
        "schooling",
        "other",
    }
    assert set(findings.values_list("owner__username", flat=True)) <= {
        "clerk",
        "clerk2",
        "township",
        "village",
    }
    assert {"clerk", "clerk2", "township"} <= set(findings.values_list("owner__username", flat=True))
    solved = findings.filter(state=FindingState.SOLVED)
    assert solved.count() > 0.8 * findings.count()
    assert not solved.filter(solution="").exists()
    assert all(f.found_on <= f.solved_on <= TODAY for f in solved)  # type: ignore[operator]
    open_ = findings.filter(state=FindingState.OPEN)
    overdue = open_.filter(due_on__lt=TODAY).count()
    assert 0 < overdue < open_.count()
    assert demo["made"]["findings"] == findings.count()
    assert (demo["made"]["solved"], demo["made"]["open"], demo["made"]["overdue"]) == (
        solved.count(),
        open_.count(),
        overdue,
    )


def test_a_sample_finding_reads_like_a_clerks_record(demo: dict[str, Any]) -> None:
    f = (
        Finding.objects.filter(state=FindingState.SOLVED).select_related("round", "beneficiary").first()
    )  # scope: test
    assert f is not None
    assert f.round.opened_on <= f.found_on < f.due_on
    assert f.beneficiary.household_id == f.household_check.household_id
    assert f.household_check.outcome == CheckOutcome.FINDINGS


def test_running_again_adds_nothing_and_the_audit_chain_holds(demo: dict[str, Any]) -> None:
    assert demo["again"] == {k: 0 for k in demo["made"]}
    assert verify_chain().ok
