"""The dashboard's heavy figures counted ahead (``youfu/reports/tally.py``): the dashboard read from
the counts gives every figure of the oracle for every reader and region; a count is as the records
were when it was made and says when; a stale count, or none, is not used; the rows are scoped; the
queue task counts this year and the last one."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from youfu.registry.categories import Category
from youfu.registry.services import do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data
from youfu.reports import tally
from youfu.reports.dashboard import DASHBOARD_QUERIES, dashboard
from youfu.reports.tally_models import DashboardTally, DashboardTallyRun
from youfu.reports.tasks import _every_tally_period, recount_dashboard_tally
from youfu.reports.tests.scenario import SHANGHAI, County, build
from youfu.reports.tests.test_dashboard import PAGE, get, oracle
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

END = date(2026, 12, 31)


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _readers(county: County) -> list[tuple[Any, Any]]:
    w = county.world
    return [
        (w.county_clerk, w.county),
        (w.leader, w.county),
        (w.county_clerk, w.township_a),
        (w.township_clerk, w.township_a),
        (w.other_township_clerk, w.township_b),
    ]


def _add_person(county: County, category: Category = Category.WAR_PARTICIPANT) -> None:
    w = county.world
    do_register_beneficiary(
        person_data(w.village_a, name="新来的"),
        [qualification_data(category)],
        acting_user=w.county_clerk,
    )


def test_the_dashboard_from_a_count_gives_every_figure_of_the_oracle(client: Client, county: County) -> None:
    run = tally.recount(END)
    tally.recount(date(2025, 12, 31))  # the year before: the months' second column
    for user, region in _readers(county):
        body = get(client, user, year="2026", region=region.code).json()
        assert datetime.fromisoformat(body.pop("counted_at")) == run.counted_at
        expected = oracle(region, 2026, timezone.localdate())
        expected.pop("counted_at")
        assert body == expected, (user.username, region.code)


def test_a_count_is_the_registry_when_it_was_made_and_the_next_count_catches_up(county: County) -> None:
    w = county.world
    tally.recount(END)
    before = dashboard(w.county_clerk, 2026, w.county)
    _add_person(county, Category.NUCLEAR_TEST_PARTICIPANT)
    still = dashboard(w.county_clerk, 2026, w.county)
    assert still.townships == before.townships
    assert still.by_category == before.by_category
    assert still.counted_at == before.counted_at

    run = tally.recount(END)  # the next count replaces the rows, it does not add to them
    after = dashboard(w.county_clerk, 2026, w.county)
    assert after.counted_at == run.counted_at
    a = {t.code: t.persons for t in before.townships}
    b = {t.code: t.persons for t in after.townships}
    assert b[w.township_a.code] == a[w.township_a.code] + 1
    assert b[w.township_b.code] == a[w.township_b.code]
    assert (
        after.by_category[Category.NUCLEAR_TEST_PARTICIPANT]
        == before.by_category.get(Category.NUCLEAR_TEST_PARTICIPANT, 0) + 1
    )
    assert DashboardTallyRun.objects.filter(end=END).count() == 1
    live = {t.code: t.persons for t in dashboard(w.county_clerk, 2026, w.county).townships}
    assert live == b


@override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=10)
def test_a_count_older_than_three_periods_is_not_used(county: County) -> None:
    w = county.world
    tally.recount(END)
    _add_person(county)
    now = timezone.now()
    with time_machine.travel(now + timedelta(minutes=29), tick=False):
        assert dashboard(w.county_clerk, 2026, w.county).counted_at is not None
    with time_machine.travel(now + timedelta(minutes=31), tick=False):
        stale = dashboard(w.county_clerk, 2026, w.county)
    assert stale.counted_at is None  # counted here instead, with the new person
    assert stale.townships == dashboard_live(county).townships


def dashboard_live(county: County) -> Any:
    with override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=0):
        return dashboard(county.world.county_clerk, 2026, county.world.county)


def test_turned_off_the_count_is_never_used(county: County) -> None:
    tally.recount(END)
    _add_person(county)
    live = dashboard_live(county)
    assert live.counted_at is None
    assert (
        sum(t.persons for t in live.townships)
        == sum(t.persons for t in dashboard(county.world.county_clerk, 2026, county.world.county).townships)
        + 1
    )


def test_another_year_is_counted_for_the_dashboard(county: County) -> None:
    tally.recount(END)
    d = dashboard(county.world.county_clerk, 2025, county.world.county)
    assert d.counted_at is None


def test_the_rows_are_scoped_as_the_registry(county: County) -> None:
    w = county.world
    tally.recount(END)
    every = DashboardTally.objects.all()  # scope: the test counts every row
    assert every.count() > 0
    assert not DashboardTally.objects.visible_to(w.admin).exists()
    assert not DashboardTally.objects.visible_to(w.auditor).exists()
    mine = DashboardTally.objects.visible_to(w.township_clerk)
    assert mine.exists()
    assert all(row.region_id.startswith(w.township_a.scope_prefix) for row in mine)
    assert (
        not DashboardTally.objects.visible_to(w.township_clerk)
        .filter(region__code__startswith=w.township_b.scope_prefix)
        .exists()
    )
    # Counts only: a region, a category and a number; nobody's id.
    fields = {f.name for f in DashboardTally._meta.get_fields()}
    assert fields == {"id", "run", "region", "figure", "key", "n"}
    assert {row.figure for row in every} <= set(tally.FIGURES)


def test_a_dashboard_from_a_count_takes_no_more_queries(county: County) -> None:
    w = county.world
    tally.recount(END)
    tally.recount(date(2025, 12, 31))
    with CaptureQueriesContext(connection) as captured:
        d = dashboard(w.county_clerk, 2026, w.county)
    assert d.counted_at is not None
    assert len(captured) <= DASHBOARD_QUERIES
    # and none of them reads the qualifications, the paid months, the lines, the visits or the homes
    read = " ".join(q["sql"] for q in captured.captured_queries)
    for table in (
        "registry_qualification",
        "benefits_paidmonths",
        "benefits_batchline",
        "outreach_visittarget",
        "relief_housingsurvey",
    ):
        assert table not in read, table


def test_the_page_says_when_the_registry_was_counted(client: Client, county: County) -> None:
    w = county.world
    log_in(client, w.county_clerk)
    page = client.get(PAGE, {"year": "2026"}).content.decode()
    assert 'data-testid="counted-at"' not in page
    with time_machine.travel(datetime(2026, 12, 4, 9, 30, tzinfo=SHANGHAI), tick=False):
        tally.recount(END)
        page = client.get(PAGE, {"year": "2026"}).content.decode()
    assert 'data-testid="counted-at"' in page
    assert "2026-12-04 09:30" in page  # the local time


def test_the_queue_counts_this_year_s_end_and_the_last_one_s(county: County) -> None:
    with time_machine.travel(datetime(2026, 12, 4, 9, 30, tzinfo=SHANGHAI), tick=False):
        assert recount_dashboard_tally.call_local() == 2
    assert set(DashboardTallyRun.objects.values_list("end", flat=True)) == {END, date(2025, 12, 31)}
    assert DashboardTallyRun.objects.get(end=END).seconds >= 0


@override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=10)
def test_the_queue_counts_every_period() -> None:
    at = datetime(2026, 12, 4, 9, 0)
    assert _every_tally_period(at)
    assert _every_tally_period(at.replace(minute=50))
    assert not _every_tally_period(at.replace(minute=55))
    with override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=0):
        assert not _every_tally_period(at)


def test_the_command_counts_now(county: County) -> None:
    out = StringIO()
    call_command("count-dashboard", "--year", "2026", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert [c["end"] for c in body["counted"]] == ["2026-12-31"]
    assert DashboardTallyRun.objects.filter(end=END).exists()
    out = StringIO()
    call_command("count-dashboard", stdout=out)
    assert out.getvalue().count("counted ") == 2


def test_the_command_refuses_a_bad_year_and_counts_nothing(county: County) -> None:
    with pytest.raises(CommandError):
        call_command("count-dashboard", "--year", "99999", stdout=StringIO(), stderr=StringIO())
    assert not DashboardTallyRun.objects.exists()


def test_without_the_year_before_s_count_the_months_are_counted_for_the_dashboard(county: County) -> None:
    w = county.world
    tally.recount(END)  # this year only: the months' second column needs the year before
    for user, region in _readers(county):
        d = dashboard(user, 2026, region)
        assert d.counted_at is not None
        live = dashboard_live_for(user, region)
        assert d.months == live.months
        assert d.townships == live.townships
        assert d.care == live.care
    assert w


def dashboard_live_for(user: Any, region: Any) -> Any:
    with override_settings(YOUFU_DASHBOARD_TALLY_MINUTES=0):
        return dashboard(user, 2026, region)
