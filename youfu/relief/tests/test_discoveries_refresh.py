"""The refresh: idempotent, set-based (its query count does not grow with the people), closes
what no longer applies and opens it again when it applies once more, audited once per run; the
nightly task; a new fact (next year's premium) is a new finding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import PermissionDenied
from youfu.regions.models import Region
from youfu.relief.discoveries.models import Discovery, DiscoveryRefresh, DiscoveryState, Rule
from youfu.relief.discoveries.selectors import last_refresh_for
from youfu.relief.discoveries.services import do_refresh_discoveries, do_resolve_discovery
from youfu.relief.discoveries.tasks import nightly_refresh_discoveries
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World

TODAY = datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(TODAY, tick=False)
    yield


def one_of_each(world: World, region: Region | None = None, n: int = 1) -> None:
    """``n`` people found by each rule."""
    clerk = world.county_clerk
    where = region or world.village_a
    for i in range(n):
        f.veteran(clerk, where, born=date(1950, 1, 1), name=f"老兵{i}")
        f.disabled(clerk, where, level=4, born=date(1970, 1, 1), name=f"残疾{i}")
        home = f.veteran(clerk, where, born=date(1980, 1, 1), name=f"危房{i}")
        f.survey(clerk, home, "D")
        dead = f.disabled(clerk, where, level=9, born=date(1940, 1, 1), name=f"故{i}")
        f.death(clerk, dead, payee=True)


def refresh_events() -> int:
    return AuditEvent.objects.filter(event_type=EventType.DISCOVERIES_REFRESHED).count()


@pytest.mark.django_db
def test_refreshing_twice_gives_the_same_findings(world: World) -> None:
    one_of_each(world)
    first = do_refresh_discoveries(acting_user=world.county_clerk)
    before = f.findings()
    ids = sorted(Discovery.objects.values_list("pk", flat=True))  # scope: the test's view
    second = do_refresh_discoveries(acting_user=world.county_clerk)
    assert (first.added, second.added, second.closed, second.reopened) == (4, 0, 0, 0)
    assert f.findings() == before
    assert sorted(Discovery.objects.values_list("pk", flat=True)) == ids  # scope: the test's view
    assert {r for r, *_ in before} == set(Rule.values)
    assert refresh_events() == 2  # once per refresh, not per row


@pytest.mark.django_db
def test_the_refresh_is_set_based(world: World) -> None:
    """The query count of a refresh does not grow with the number of people."""
    one_of_each(world, n=1)
    do_refresh_discoveries(acting_user=world.county_clerk)
    with CaptureQueriesContext(connection) as few:
        do_refresh_discoveries(acting_user=world.county_clerk)
    one_of_each(world, n=4)
    with CaptureQueriesContext(connection) as many:
        result = do_refresh_discoveries(acting_user=world.county_clerk)
    assert result.added == 16
    assert len(many) == len(few)


@pytest.mark.django_db
def test_a_finding_that_no_longer_applies_is_closed_and_opens_again_when_it_does(world: World) -> None:
    clerk = world.township_clerk
    home = f.veteran(clerk, world.village_a, born=date(1980, 1, 1))
    f.survey(clerk, home, "C")
    do_refresh_discoveries(acting_user=world.county_clerk)
    finding = Discovery.objects.get(rule=Rule.HOUSING_UNSERVED)  # scope: the test's view
    housing_case = f.case(clerk, home)
    result = do_refresh_discoveries(acting_user=world.county_clerk)
    finding.refresh_from_db()
    assert (result.closed, finding.state, finding.outcome) == (1, DiscoveryState.LAPSED, "")
    assert finding.closed_at is not None
    f.refuse(world.leader, housing_case)
    result = do_refresh_discoveries(acting_user=world.county_clerk)
    finding.refresh_from_db()
    assert (result.reopened, finding.state, finding.closed_at) == (1, DiscoveryState.OPEN, None)
    assert Discovery.objects.count() == 1  # scope: the same row, the same id


@pytest.mark.django_db
def test_a_recorded_premium_closes_the_finding(world: World) -> None:
    veteran = f.disabled(world.township_clerk, world.village_a, level=2)
    do_refresh_discoveries(acting_user=world.county_clerk)
    f.premium(world.township_clerk, veteran)
    do_refresh_discoveries(acting_user=world.county_clerk)
    assert f.findings() == [(Rule.PREMIUM_MISSING, veteran.pk, 2026, DiscoveryState.LAPSED)]


@pytest.mark.django_db
def test_a_resolved_finding_stays_resolved_and_next_years_fact_is_new(
    world: World, time_machine: TimeMachineFixture
) -> None:
    veteran = f.disabled(world.township_clerk, world.village_a, level=2)
    do_refresh_discoveries(acting_user=world.county_clerk)
    finding = Discovery.objects.get()  # scope: the test's view
    do_resolve_discovery(
        finding, acting_user=world.township_clerk, outcome="not_applicable", note="已在外地参保"
    )
    do_refresh_discoveries(acting_user=world.county_clerk)
    assert f.findings() == [(Rule.PREMIUM_MISSING, veteran.pk, 2026, DiscoveryState.RESOLVED)]
    time_machine.move_to(datetime(2027, 1, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    do_refresh_discoveries(acting_user=world.county_clerk)
    assert f.findings() == [
        (Rule.PREMIUM_MISSING, veteran.pk, 2026, DiscoveryState.RESOLVED),
        (Rule.PREMIUM_MISSING, veteran.pk, 2027, DiscoveryState.OPEN),
    ]


@pytest.mark.django_db
def test_an_earlier_years_open_finding_closes_when_that_years_premium_is_recorded(
    world: World, time_machine: TimeMachineFixture
) -> None:
    veteran = f.disabled(world.township_clerk, world.village_a, level=2)
    do_refresh_discoveries(acting_user=world.county_clerk)
    time_machine.move_to(datetime(2027, 1, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    do_refresh_discoveries(acting_user=world.county_clerk)
    f.premium(world.township_clerk, veteran, year=2026)
    do_refresh_discoveries(acting_user=world.county_clerk)
    assert f.findings() == [
        (Rule.PREMIUM_MISSING, veteran.pk, 2026, DiscoveryState.LAPSED),
        (Rule.PREMIUM_MISSING, veteran.pk, 2027, DiscoveryState.OPEN),
    ]


@pytest.mark.django_db
def test_a_township_clerk_refreshes_only_their_own_township(world: World) -> None:
    one_of_each(world)
    one_of_each(world, region=world.village_b)
    result = do_refresh_discoveries(acting_user=world.township_clerk)
    assert result.added == 4
    assert {
        p.beneficiary.township_id for p in Discovery.objects.select_related("beneficiary")
    } == {  # scope: test
        world.township_a.code
    }
    event = AuditEvent.objects.get(event_type=EventType.DISCOVERIES_REFRESHED)
    assert event.actor_id == world.township_clerk.pk
    assert event.extra["region_prefix"] == world.township_a.scope_prefix
    assert event.extra["rules"][Rule.PREMIUM_MISSING]["added"] == 1
    # The township's refresh covers the township, not the county.
    assert last_refresh_for(world.township_clerk) == result.refresh
    assert last_refresh_for(world.county_clerk) is None


@pytest.mark.django_db
def test_the_nightly_task_refreshes_every_region_as_the_system(world: World) -> None:
    one_of_each(world)
    one_of_each(world, region=world.village_b)
    assert nightly_refresh_discoveries.call_local() == 8
    refresh = DiscoveryRefresh.objects.get()
    assert (refresh.region_prefix, refresh.by, refresh.added) == ("", None, 8)
    event = AuditEvent.objects.get(event_type=EventType.DISCOVERIES_REFRESHED)
    assert (event.actor_id, event.channel) == (None, "task")
    assert last_refresh_for(world.township_clerk) == refresh
    assert last_refresh_for(world.county_clerk) == refresh


@pytest.mark.django_db
def test_only_caseworkers_refresh(world: World) -> None:
    for user in (world.leader, world.auditor, world.admin):
        with pytest.raises(PermissionDenied):
            do_refresh_discoveries(acting_user=user)
    assert not DiscoveryRefresh.objects.exists()
    assert f.findings() == []


@pytest.mark.django_db
def test_the_command_refreshes_as_the_named_clerk(world: World) -> None:
    one_of_each(world)
    out = StringIO()
    call_command("refresh-discoveries", "--as", "township", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["ok"], body["added"], body["region_prefix"]) == (True, 4, "341199100")
    assert body["rules"][Rule.SURVIVOR_REVIEW]["added"] == 1
    with pytest.raises(CommandError) as refused:
        call_command("refresh-discoveries", "--as", "leader", stdout=StringIO(), stderr=StringIO())
    assert refused.value.returncode == 1
    assert DiscoveryRefresh.objects.count() == 1
