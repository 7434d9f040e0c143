"""The demo's 应享未享 on a small demo county (the registry and accounts of load-demo): deaths of
pension holders reported, the findings refreshed, a handful of each rule resolved (acted on with
a reference, or not applicable with a reason), the rest open; and only once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.verify import verify_chain
from youfu.demo import care_discoveries
from youfu.demo.tests.helpers import small_demo
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Qualification
from youfu.relief.discoveries.models import Discovery, DiscoveryState, Outcome, Rule
from youfu.relief.housing.services import do_record_survey

PERSONS = 1000


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
    with small_demo(django_db_blocker, PERSONS) as staff:
        today = timezone.localdate()
        # The housing demo's surveys, in short: a few homes graded D with no case.
        homes: dict[int | None, Beneficiary] = {}
        for person in Beneficiary.objects.filter(status="alive").order_by("pk")[:200]:
            homes.setdefault(person.household_id, person)
        for home in list(homes.values())[:4]:
            do_record_survey(home, grade="D", surveyed_on=today - timedelta(days=30), acting_user=staff.clerk)
        made = care_discoveries.fill(staff, today, random.Random("demo-discoveries"))  # noqa: S311
        again = care_discoveries.fill(staff, today, random.Random("demo-discoveries"))  # noqa: S311
        yield {**made, "again": len(again)}


pytestmark = pytest.mark.django_db


def test_each_rule_has_open_and_resolved_findings(demo: dict[str, int]) -> None:
    assert demo["found"] == Discovery.objects.count() > 0  # scope: test
    for rule in Rule:
        states = set(Discovery.objects.filter(rule=rule).values_list("state", flat=True))  # scope: test
        assert DiscoveryState.OPEN in states, rule
        assert (
            demo[f"open_{rule.value}"] == Discovery.objects.filter(rule=rule, state="open").count()
        )  # scope: test
    # The first of each rule's findings is acted on, the second does not apply (from three on).
    for rule in Rule:
        found = Discovery.objects.filter(rule=rule)  # scope: test
        outcomes = set(found.values_list("outcome", flat=True))
        assert found.count() >= 2, rule
        assert Outcome.ACTED in outcomes, rule
        assert found.count() < 3 or Outcome.NOT_APPLICABLE in outcomes, rule


def test_acted_findings_name_the_record_that_was_made(demo: dict[str, int]) -> None:
    rural = Discovery.objects.get(rule=Rule.RURAL_VETERAN_60, outcome=Outcome.ACTED)  # scope: test
    kind, pk = rural.reference.split(":")
    qualification = Qualification.objects.get(pk=int(pk))  # scope: test
    assert (kind, qualification.beneficiary_id, qualification.category) == (
        "qualification",
        rural.beneficiary_id,
        Category.ELDERLY_RURAL_VETERAN,
    )
    survivor = Discovery.objects.get(rule=Rule.SURVIVOR_REVIEW, outcome=Outcome.ACTED)  # scope: test
    widow = Qualification.objects.get(pk=int(survivor.reference.split(":")[1]))  # scope: test
    assert widow.category == Category.ILLNESS_DEATH_SURVIVOR
    assert widow.beneficiary.name == survivor.death.payee.name  # type: ignore[union-attr]
    assert all(d.note for d in Discovery.objects.filter(outcome=Outcome.NOT_APPLICABLE))  # scope: test


def test_it_runs_once_and_keeps_the_audit_chain(demo: dict[str, int]) -> None:
    assert demo["again"] == 0
    assert demo["deaths_reported"] == 3
    assert AuditEvent.objects.filter(event_type=EventType.DISCOVERIES_REFRESHED).count() == 1
    assert (
        AuditEvent.objects.filter(event_type=EventType.DISCOVERY_RESOLVED).count()
        == demo["acted"] + demo["not_applicable"]
    )
    assert verify_chain().ok
