"""走访慰问 services: who a campaign visits, what a visit may be, coverage by township, scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.outreach.tests.factories_visits import campaign, person, starts, visit
from youfu.outreach.visits import selectors
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.outreach.visits.services import (
    CampaignData,
    VisitData,
    born_on_or_before,
    do_change_campaign,
    do_create_campaign,
    do_record_visit,
)
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World

pytestmark = pytest.mark.django_db


def stored() -> tuple[int, int, int, int]:
    return (
        VisitCampaign.objects.count(),  # scope: a test counts every row
        VisitTarget.objects.count(),  # scope: a test counts every row
        Visit.objects.count(),  # scope: a test counts every row
        AuditEvent.objects.count(),
    )


def target_ids(c: VisitCampaign) -> set[int]:
    return set(VisitTarget.objects.filter(campaign=c).values_list("beneficiary_id", flat=True))  # scope: test


# --- who is a target ----------------------------------------------------------------------------


def test_targets_are_the_living_holders_of_the_categories_in_the_region_on_the_first_day(
    world: World,
) -> None:
    first = starts(10)
    war = person(world, name="参战甲")
    disabled = person(world, categories=(Category.DISABLED_VETERAN,), name="残疾乙")
    other = person(world, categories=(Category.OTHER_VETERAN,), name="其他丙")
    in_b = person(world, world.village_b, name="东岭丁")
    died_before = person(world, name="已故戊")
    do_record_life_event(
        died_before, LifeEventKind.DEATH, first - timedelta(days=1), acting_user=world.county_clerk
    )
    died_after = person(world, name="后故己")
    do_record_life_event(
        died_after, LifeEventKind.DEATH, first + timedelta(days=2), acting_user=world.county_clerk
    )
    ended = person(world, name="终止庚")
    do_record_life_event(
        ended,
        LifeEventKind.CANCELLATION,
        first - timedelta(days=5),
        acting_user=world.county_clerk,
        qualification=ended.qualifications.get(),
        reason="迁出",
    )
    ended_later = person(world, name="后止辛")
    do_record_life_event(
        ended_later,
        LifeEventKind.CANCELLATION,
        first + timedelta(days=1),
        acting_user=world.county_clerk,
        qualification=ended_later.qualifications.get(),
        reason="迁出",
    )
    registered_after = person(world, approved_on=first + timedelta(days=1), name="新登壬")
    registered_on_the_day = person(world, approved_on=first, name="当日癸")

    county = campaign(
        world, categories=(Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN), starts_on=first
    )
    assert target_ids(county) == {
        war.pk,
        disabled.pk,
        in_b.pk,
        died_after.pk,
        ended_later.pk,
        registered_on_the_day.pk,
    }
    assert other.pk not in target_ids(county) and registered_after.pk not in target_ids(county)

    township = campaign(
        world, region=world.township_a, categories=(Category.WAR_PARTICIPANT,), starts_on=first
    )
    assert target_ids(township) == {war.pk, died_after.pk, ended_later.pk, registered_on_the_day.pk}


def test_min_age_counts_the_age_on_the_first_day(world: World) -> None:
    first = date(2026, 1, 20)
    eighty = person(world, birth_date=date(1946, 1, 20), name="八十甲")
    almost = person(world, birth_date=date(1946, 1, 21), name="七九乙")
    campaign(world, starts_on=first, ends_on=date(2026, 2, 20), min_age=80)
    c = VisitCampaign.objects.get()  # scope: a test reads its own row
    assert target_ids(c) == {eighty.pk}
    assert almost.pk not in target_ids(c)
    assert born_on_or_before(date(2024, 2, 29), 80) == date(1944, 2, 29)
    assert born_on_or_before(date(2024, 2, 29), 81) == date(1943, 2, 28)


def test_the_snapshot_is_one_insert_whatever_the_number_of_people(world: World) -> None:
    person(world, name="甲")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            campaign(world)
        return len(captured.captured_queries)

    few = queries()
    for i in range(12):
        person(world, world.village_b if i % 2 else world.village_a, name=f"人{i}")
    many = queries()
    assert many == few
    assert (
        VisitTarget.objects.filter(campaign__pk=VisitCampaign.objects.latest("pk").pk).count() == 13
    )  # scope: test
    inserts = [q["sql"] for q in captured_inserts(world)]
    assert len(inserts) == 1 and "SELECT" in inserts[0].upper()


def captured_inserts(world: World) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        campaign(world)
    table = VisitTarget._meta.db_table
    return [
        q for q in captured.captured_queries if q["sql"].upper().startswith("INSERT") and table in q["sql"]
    ]


def test_a_campaign_is_audited_with_its_target_count(world: World) -> None:
    person(world)
    person(world, world.village_b)
    c = campaign(world)
    event = AuditEvent.objects.get(event_type=EventType.VISIT_CAMPAIGN_CREATED)
    assert event.object_id == str(c.pk) and event.new["targets"] == 2 and event.new["title"] == "春节走访慰问"


# --- who creates ---------------------------------------------------------------------------------


def _data(world: World, **overrides: object) -> CampaignData:
    values: dict[str, object] = {
        "name": "八一走访慰问",
        "starts_on": starts(3),
        "ends_on": starts(3) + timedelta(days=20),
        "categories": (Category.WAR_PARTICIPANT,),
        "region": world.county,
    }
    values.update(overrides)
    return CampaignData(**values)  # type: ignore[arg-type]


def test_a_township_clerk_creates_for_their_township_only(world: World) -> None:
    person(world)
    person(world, world.village_b)
    c, targets = do_create_campaign(_data(world, region=world.township_a), acting_user=world.township_clerk)
    assert targets == 1 and c.region == world.township_a
    before = stored()
    with pytest.raises(NotFound):
        do_create_campaign(_data(world, region=world.township_b), acting_user=world.township_clerk)
    with pytest.raises(NotFound):
        do_create_campaign(_data(world, region=world.county), acting_user=world.township_clerk)
    assert stored() == before


@pytest.mark.parametrize("who", ["leader", "village_assistant", "liaison", "auditor", "admin"])
def test_only_county_and_township_clerks_create_campaigns(world: World, who: str) -> None:
    person(world)
    before = stored()
    with pytest.raises(PermissionDenied):
        do_create_campaign(_data(world, region=world.township_a), acting_user=getattr(world, who))
    assert stored() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"ends_on": starts(4)}, "ends_on"),
        ({"ends_on": starts(3) + timedelta(days=400)}, "ends_on"),
        ({"categories": ()}, "categories"),
        ({"categories": ("pirate",)}, "categories"),
        ({"min_age": 130}, "min_age"),
        ({"categories": (Category.MARTYR_SURVIVOR,)}, "categories"),  # nobody to visit
    ],
)
def test_a_bad_campaign_is_refused_and_changes_nothing(
    world: World, overrides: dict[str, object], field: str
) -> None:
    person(world)
    before = stored()
    with pytest.raises(InvalidInput) as refused:
        do_create_campaign(_data(world, **overrides), acting_user=world.county_clerk)
    assert field in refused.value.fields
    assert stored() == before


def test_a_village_is_not_a_campaign_region(world: World) -> None:
    person(world)
    before = stored()
    with pytest.raises(InvalidInput) as refused:
        do_create_campaign(_data(world, region=world.village_a), acting_user=world.county_clerk)
    assert "region" in refused.value.fields
    assert stored() == before


# --- visits --------------------------------------------------------------------------------------


def _visit(world: World, c: VisitCampaign, who: object, **overrides: object) -> Visit:
    values: dict[str, object] = {
        "visited_on": timezone.localdate(),
        "visitors": "王优抚",
        "money_fen": 50000,
        "goods": "米",
    }
    values.update(overrides)
    return do_record_visit(c, who, VisitData(**values), acting_user=world.county_clerk)  # type: ignore[arg-type]


def test_a_visit_is_recorded_and_audited(world: World) -> None:
    who = person(world)
    c = campaign(world)
    v = visit(world, c, who, money="600.00")
    assert v.target.beneficiary == who and v.money_fen == 60000 and v.money == Decimal("600.00")
    event = AuditEvent.objects.get(event_type=EventType.VISIT_RECORDED)
    assert event.region_id == who.region_id
    assert event.new == {
        "campaign": c.pk,
        "beneficiary": who.pk,
        "visited_on": timezone.localdate().isoformat(),
        "money": "600.00",
        "goods": True,
    }


def test_the_same_person_twice_in_one_campaign_is_a_conflict(world: World) -> None:
    who = person(world)
    c = campaign(world)
    visit(world, c, who)
    before = stored()
    with pytest.raises(Conflict) as refused:
        visit(world, c, who, by=world.township_clerk)
    assert refused.value.code == "already_visited" and refused.value.status == 409
    assert stored() == before
    # The next campaign visits the same person again.
    other = campaign(world, name="八一走访慰问")
    visit(world, other, who)
    assert Visit.objects.filter(target__beneficiary=who).count() == 2  # scope: test


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_on": starts(11)}, "visited_on"),  # the day before the campaign
        ({"visited_on": timezone.localdate() + timedelta(days=1)}, "visited_on"),  # future
        ({"visitors": " "}, "visitors"),
        ({"money_fen": -1}, "money"),
        ({"money_fen": 1_000_001}, "money"),
    ],
)
def test_a_bad_visit_is_refused_and_changes_nothing(
    world: World, overrides: dict[str, object], field: str
) -> None:
    who = person(world)
    c = campaign(world)
    before = stored()
    with pytest.raises(InvalidInput) as refused:
        _visit(world, c, who, **overrides)
    assert field in refused.value.fields
    assert stored() == before


def test_a_visit_after_the_campaign_ended_is_refused(world: World) -> None:
    who = person(world)
    c = campaign(world, starts_on=starts(40), ends_on=starts(30))
    before = stored()
    with pytest.raises(InvalidInput):
        _visit(world, c, who, visited_on=starts(29))
    assert stored() == before
    _visit(world, c, who, visited_on=starts(30))  # its last day is inside


def test_a_person_who_is_not_a_target_is_refused(world: World) -> None:
    person(world)
    c = campaign(world, categories=(Category.WAR_PARTICIPANT,))
    outsider = person(world, categories=(Category.OTHER_VETERAN,), name="非对象")
    late = person(world, name="晚登记")  # registered after the campaign was listed
    before = stored()
    for who in (outsider, late):
        with pytest.raises(InvalidInput) as refused:
            _visit(world, c, who)
        assert refused.value.code == "not_a_target"
    assert stored() == before


def test_a_visit_after_the_persons_death_is_refused(world: World) -> None:
    who = person(world)
    c = campaign(world)
    do_record_life_event(who, LifeEventKind.DEATH, starts(5), acting_user=world.county_clerk)
    before = stored()
    with pytest.raises(InvalidInput):
        _visit(world, c, who, visited_on=starts(4))
    assert stored() == before
    _visit(world, c, who, visited_on=starts(6))


def test_a_township_clerk_records_only_their_townships_targets(world: World) -> None:
    mine = person(world, name="城关甲")
    theirs = person(world, world.village_b, name="东岭乙")
    c = campaign(world)  # county-wide
    before = stored()
    with pytest.raises(NotFound):
        visit(world, c, theirs, by=world.township_clerk)
    assert stored() == before
    visit(world, c, mine, by=world.township_clerk)
    with pytest.raises(PermissionDenied):
        visit(world, c, theirs, by=world.leader)


def test_a_village_assistant_records_in_their_village(world: World) -> None:
    mine = person(world, name="柳湾甲")
    c = campaign(world)
    visit(world, c, mine, by=world.village_assistant)
    assert Visit.objects.visible_to(world.village_assistant).count() == 1


# --- coverage and scope ---------------------------------------------------------------------------


def test_coverage_by_township_hand_checked(world: World) -> None:
    a = [person(world, name=f"城关{i}") for i in range(3)]
    b = [person(world, world.village_b, name=f"东岭{i}") for i in range(4)]
    c = campaign(world)
    visit(world, c, a[0])
    visit(world, c, a[1])
    visit(world, c, b[0])
    county = selectors.coverage_for(c, world.county_clerk)
    # 3 of 7 visited: 42.857…% → 42.9; 城关镇 2/3 = 66.7; 东岭镇 1/4 = 25.0
    assert (county.targets, county.visited, county.coverage) == (7, 3, Decimal("42.9"))
    assert [(t.code, t.name, t.targets, t.visited, t.coverage) for t in county.by_township] == [
        (world.township_a.code, "城关镇", 3, 2, Decimal("66.7")),
        (world.township_b.code, "东岭镇", 4, 1, Decimal("25.0")),
    ]
    township = selectors.coverage_for(c, world.township_clerk)
    assert (township.targets, township.visited, township.coverage) == (3, 2, Decimal("66.7"))
    assert [t.code for t in township.by_township] == [world.township_a.code]
    assert selectors.coverage_percent(0, 0) is None


def test_a_township_clerk_sees_the_county_campaign_and_only_their_targets(world: World) -> None:
    mine = person(world, name="城关甲")
    theirs = person(world, world.village_b, name="东岭乙")
    county = campaign(world)
    other_township = campaign(
        world, region=world.township_b, by=world.other_township_clerk, name="东岭镇走访"
    )
    assert set(selectors.campaigns_for(world.township_clerk)) == {county}
    assert set(selectors.campaigns_for(world.other_township_clerk)) == {county, other_township}
    assert [t.beneficiary for t in selectors.not_visited_for(county, world.township_clerk)] == [mine]
    visit(world, county, theirs, by=world.other_township_clerk)
    assert list(selectors.visits_for(world.township_clerk, campaign=county)) == []
    assert list(selectors.visits_of(theirs, world.township_clerk)) == []
    assert selectors.campaigns_for(world.liaison).count() == 0  # not a liaison's work


def test_the_work_list_counts_running_campaigns_with_people_to_visit(world: World) -> None:
    mine = person(world, name="城关甲")
    person(world, name="城关乙")
    person(world, world.village_b, name="东岭丙")
    running = campaign(world)
    campaign(world, starts_on=starts(60), ends_on=starts(31), name="已结束")
    visit(world, running, mine)
    waiting = selectors.open_campaigns_waiting(world.county_clerk, timezone.localdate())
    assert [(cid, n) for cid, _name, n, _end in waiting] == [(running.pk, 2)]
    township = selectors.open_campaigns_waiting(world.township_clerk, timezone.localdate())
    assert [(cid, n) for cid, _name, n, _end in township] == [(running.pk, 1)]


# --- changing a campaign ------------------------------------------------------------------------


def test_a_campaign_is_renamed_and_extended_and_audited(world: World) -> None:
    who = person(world)
    c = campaign(world)
    before_targets = target_ids(c)
    later = c.ends_on + timedelta(days=10)
    changed = do_change_campaign(
        c, acting_user=world.county_clerk, name="春节走访慰问（延长）", ends_on=later
    )
    assert (changed.name, changed.ends_on) == ("春节走访慰问（延长）", later)
    assert target_ids(c) == before_targets == {who.pk}  # the targets stay as listed
    event = AuditEvent.objects.get(event_type=EventType.VISIT_CAMPAIGN_CHANGED)
    assert event.old == {"title": "春节走访慰问", "ends_on": c.ends_on.isoformat()}
    assert event.new == {"title": "春节走访慰问（延长）", "ends_on": later.isoformat()}
    # Nothing to change writes nothing.
    count = AuditEvent.objects.count()
    do_change_campaign(changed, acting_user=world.county_clerk, name="春节走访慰问（延长）")
    assert AuditEvent.objects.count() == count


def test_a_campaign_does_not_end_before_a_recorded_visit(world: World) -> None:
    who = person(world)
    c = campaign(world)
    visit(world, c, who, visited_on=starts(2))
    before = stored()
    with pytest.raises(InvalidInput) as refused:
        do_change_campaign(c, acting_user=world.county_clerk, ends_on=starts(3))
    assert "ends_on" in refused.value.fields
    with pytest.raises(InvalidInput):
        do_change_campaign(c, acting_user=world.county_clerk, ends_on=c.starts_on - timedelta(days=1))
    with pytest.raises(InvalidInput):
        do_change_campaign(c, acting_user=world.county_clerk, name=" ")
    assert stored() == before
    closed = do_change_campaign(c, acting_user=world.county_clerk, ends_on=starts(2))  # closed early
    assert closed.ends_on == starts(2)


def test_only_the_campaigns_own_clerks_change_it(world: World) -> None:
    person(world)
    person(world, world.village_b)
    county = campaign(world)
    theirs = campaign(world, region=world.township_b, by=world.other_township_clerk)
    before = stored()
    with pytest.raises(PermissionDenied):  # they see the county's campaign, but it is not theirs
        do_change_campaign(county, acting_user=world.township_clerk, name="改名")
    with pytest.raises(NotFound):
        do_change_campaign(theirs, acting_user=world.township_clerk, name="改名")
    with pytest.raises(PermissionDenied):
        do_change_campaign(county, acting_user=world.leader, name="改名")
    assert stored() == before
    do_change_campaign(theirs, acting_user=world.county_clerk, name="东岭镇春节走访")
