"""Why the home page's two counts of C/D homes without a case can differ, and that each line says
what it counts: housing's (住房改造) counts the homes live from the latest surveys; 应享未享's
``housing_unserved`` line counts its findings still open as of the last refresh. Both read the same
query (``unserved_surveys``), per home and only while the person named lives, so they agree right
after a refresh, except for a finding a clerk judged not to apply (the demo's 41 against 40)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.accounts.models import User
from youfu.registry.models import Beneficiary, PersonStatus
from youfu.relief.discoveries.models import Discovery, Outcome, Rule
from youfu.relief.discoveries.sections import open_findings_work
from youfu.relief.discoveries.services import do_resolve_discovery, refresh_everywhere
from youfu.relief.housing.sections import housing_work
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World, log_in

NOW = datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _now(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(NOW, tick=False)
    yield


def counts(user: User) -> tuple[int, int]:
    """(housing's line, 应享未享's housing line) on the user's home page."""
    (housing,) = [i for i in housing_work(user) if "/housing/" in i.url]
    (found,) = [i for i in open_findings_work(user) if i.url.endswith(Rule.HOUSING_UNSERVED.value)]
    return housing.count, found.count


@pytest.mark.django_db
def test_they_agree_after_a_refresh_per_home_and_without_the_dead(world: World) -> None:
    clerk = world.county_clerk
    a = f.disabled(clerk, world.village_a, name="甲")
    b = f.disabled(clerk, world.village_a, name="乙")
    f.household(a, b)
    f.survey(clerk, a, on=date(2026, 3, 2))
    f.survey(clerk, b, on=date(2026, 4, 2))  # the same home surveyed again: one home
    dead = f.disabled(clerk, world.village_a, name="丙")
    f.survey(clerk, dead)
    Beneficiary.objects.filter(pk=dead.pk).update(  # scope: test data
        status=PersonStatus.DECEASED, death_date=date(2026, 5, 1)
    )
    refresh_everywhere()
    assert counts(world.township_clerk) == (1, 1)


@pytest.mark.django_db
def test_they_differ_by_a_refresh_lag_and_by_a_finding_judged_not_to_apply(
    world: World, time_machine: TimeMachineFixture
) -> None:
    clerk = world.county_clerk
    first = f.disabled(clerk, world.village_a, name="甲")
    second = f.disabled(clerk, world.village_a, name="乙")
    f.survey(clerk, first)
    f.survey(clerk, second)
    refresh_everywhere()
    assert counts(world.township_clerk) == (2, 2)

    # A clerk judges one finding not to apply: it leaves 应享未享's list; the home is still C/D
    # without a case, so housing still counts it.
    finding = Discovery.objects.get(beneficiary=second, rule=Rule.HOUSING_UNSERVED)  # scope: test data
    do_resolve_discovery(
        finding,
        acting_user=clerk,
        outcome=Outcome.NOT_APPLICABLE,
        note="本人已随子女迁入新居，原房屋无人居住",
    )
    assert counts(world.township_clerk) == (2, 1)

    # A home surveyed since the refresh: housing counts it now, 应享未享 after its next refresh.
    third = f.disabled(clerk, world.village_a, name="丙")
    f.survey(clerk, third)
    assert counts(world.township_clerk) == (3, 1)
    time_machine.move_to(datetime(2026, 6, 17, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    refresh_everywhere()
    assert counts(world.township_clerk) == (3, 2)


@pytest.mark.django_db
def test_each_line_says_what_it_counts(world: World, client: Client) -> None:
    f.survey(world.county_clerk, f.disabled(world.county_clerk, world.village_a, name="甲"))
    log_in(client, world.township_clerk)
    page = client.get("/", **ZH).content.decode()
    assert "按最新鉴定实时统计" in page and 'data-testid="work-discoveries"' not in page
    refresh_everywhere()
    page = client.get("/", **ZH).content.decode()
    assert "截至2026-06-16 10:00更新的未处理线索" in page
