"""The leader who approves a batch sees whose entitlement changed since the batch before (each
such change is one clerk's act; the approval is the second pair of eyes): a qualification added,
a back-dated approval flagged with how far back it reaches, an end, a disability level, the lifting
of a suspension — with what the batch pays the person. On the batch's page and at
GET /api/v1/batches/{id}/entitlement-changes, only the lines the user may see."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.models import Batch, BatchLine
from youfu.benefits.selectors import EntitlementChanges, entitlement_changes
from youfu.benefits.services import do_create_batch, do_update_benefit_settings
from youfu.benefits.tests.helpers import at, pay_month, person, setup_county
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.importing import import_registry
from youfu.registry.models import Beneficiary, LifeEventKind, Qualification
from youfu.registry.services import do_add_qualification, do_record_life_event, do_update_beneficiary
from youfu.registry.tests.factories import qualification_data
from youfu.registry.tests.test_import_helpers import person_row, table, xlsx
from youfu.testing import World, bearer, log_in

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
DISABLED = {"category": Category.DISABLED_VETERAN, "approved_on": date(2020, 1, 1)}
START = date(2026, 8, 1)  # the county pays from August: the November batch paid August to November


def _section(html: str) -> str:
    start = html.index('data-testid="entitlement-changes"')
    return html[start : html.index("</section>", start)]


def _december(world: World) -> Batch:
    with time_machine.travel(at(2026, 12, 5), tick=False):
        batch = do_create_batch(date(2026, 12, 1), acting_user=world.county_clerk)
    return batch


def _qualification(who: Beneficiary, category: Category) -> Qualification:
    return Qualification.objects.get(beneficiary=who, category=category)


def _by_name(found: EntitlementChanges) -> dict[str, list[Any]]:
    return {row.line.beneficiary.name: row.changes for row in found.rows}


def _county(world: World) -> dict[str, Beneficiary]:
    """People paid by November's batch, then changed by a clerk before December's."""
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=START)
        people = {
            "added": person(world, WAR, name="柳湾新增"),
            "back_dated": person(world, WAR, name="柳湾补批"),
            "ended": person(world, WAR, DISABLED, name="柳湾注销"),
            "level": person(world, DISABLED, name="柳湾调级"),
            "lifted": person(world, WAR, name="柳湾恢复"),
            "unrelated": person(world, WAR, name="柳湾改电话"),
            "early": person(world, WAR, name="柳湾早改"),
            "elsewhere": person(world, WAR, region=world.village_b, name="东岭补批"),
        }
    # Before November's batch was computed: that batch paid for these, December's does not list them.
    with time_machine.travel(at(2026, 11, 4), tick=False):
        lifted = _qualification(people["lifted"], Category.WAR_PARTICIPANT)
        do_record_life_event(
            people["lifted"],
            LifeEventKind.SUSPENSION,
            date(2026, 9, 1),
            acting_user=world.county_clerk,
            qualification=lifted,
            reason="服刑",
        )
        do_add_qualification(
            people["early"],
            qualification_data(Category.DISABLED_VETERAN, approved_on=date(2026, 9, 1)),
            acting_user=world.county_clerk,
        )
    pay_month(world, "2026-11")
    clerk = world.county_clerk
    with time_machine.travel(at(2026, 11, 20), tick=False):
        do_add_qualification(
            people["added"],
            qualification_data(Category.DISABLED_VETERAN, approved_on=date(2026, 11, 10)),
            acting_user=clerk,
        )
        for who in ("back_dated", "elsewhere"):
            do_add_qualification(
                people[who],
                qualification_data(Category.DISABLED_VETERAN, approved_on=date(2026, 9, 1)),
                acting_user=clerk,
            )
        do_record_life_event(
            people["ended"],
            LifeEventKind.CANCELLATION,
            date(2026, 11, 20),
            acting_user=clerk,
            qualification=_qualification(people["ended"], Category.WAR_PARTICIPANT),
            reason="核查不符",
        )
        do_record_life_event(
            people["level"],
            LifeEventKind.LEVEL_CHANGE,
            date(2026, 10, 1),
            acting_user=clerk,
            qualification=_qualification(people["level"], Category.DISABLED_VETERAN),
            level=4,
        )
        do_record_life_event(
            people["lifted"],
            LifeEventKind.SUSPENSION_END,
            date(2026, 10, 1),
            acting_user=clerk,
            qualification=lifted,
        )
        # Nothing owed changes: a phone, twice.
        do_update_beneficiary(people["unrelated"], acting_user=clerk, phone="13900001111")
        do_record_life_event(
            people["unrelated"],
            LifeEventKind.PHONE_CHANGE,
            date(2026, 11, 20),
            acting_user=clerk,
            phone="13900002222",
        )
    return people


@pytest.fixture
def county(world: World) -> World:
    world.people = _county(world)  # type: ignore[attr-defined]
    return world


@pytest.mark.django_db
def test_the_leader_sees_whose_entitlement_changed_since_the_batch_before(county: World) -> None:
    batch = _december(county)
    found = entitlement_changes(batch, county.leader)
    assert found.since is not None and found.since.period == date(2026, 11, 1)
    changes = _by_name(found)
    assert set(changes) == {"柳湾新增", "柳湾补批", "柳湾注销", "柳湾调级", "柳湾恢复", "东岭补批"}
    assert (found.count, found.back_dated) == (6, 4)

    # A new qualification approved within the previous batch's month: listed, not back-dated.
    [added] = changes["柳湾新增"]
    assert (added.what, added.category, added.approved_after) == (
        "qualification_added",
        Category.DISABLED_VETERAN,
        date(2026, 11, 10),
    )
    assert not added.back_dated and added.by == str(county.county_clerk)
    # Approved in September, entered in November: two months before the previous batch's period.
    [back] = changes["柳湾补批"]
    assert (back.approved_after, back.months_back) == (date(2026, 9, 1), 2)
    # The end of one qualification, its category read from the life event's qualification.
    [ended] = changes["柳湾注销"]
    assert (ended.what, ended.category, ended.ended_before, ended.ended_after) == (
        "ended",
        Category.WAR_PARTICIPANT,
        None,
        date(2026, 11, 20),
    )
    [level] = changes["柳湾调级"]
    assert (level.what, level.before, level.after, level.months_back) == ("level", "6", "4", 1)
    assert level.category == Category.DISABLED_VETERAN
    # The suspension was November's batch's (recorded before it); the lifting is December's.
    [lifted] = changes["柳湾恢复"]
    assert (lifted.what, lifted.since, lifted.effective_on, lifted.months_back) == (
        "suspension_lifted",
        date(2026, 9, 1),
        date(2026, 10, 1),
        1,
    )


@pytest.mark.django_db
def test_each_row_shows_what_this_batch_pays_and_the_back_dated_come_first(county: World) -> None:
    batch = _december(county)
    found = entitlement_changes(batch, county.leader)
    flags = [row.back_dated for row in found.rows]
    assert flags == sorted(flags, reverse=True) and flags.count(True) == 4
    for row in found.rows:
        line = BatchLine.objects.get(batch=batch, beneficiary=row.line.beneficiary)
        assert (row.line.amount_fen, row.line.arrears_fen) == (line.amount_fen, line.arrears_fen)
    # The back-dated approval is paid for September to November now, as arrears.
    back = next(row for row in found.rows if row.line.beneficiary.name == "柳湾补批")
    assert back.line.arrears_fen > 0


@pytest.mark.django_db
def test_the_batch_page_and_the_api_show_them(county: World) -> None:
    batch = _december(county)
    client = Client()
    log_in(client, county.leader)
    section = _section(client.get(reverse("benefits:batch", args=[batch.pk])).content.decode())
    for name in ("柳湾新增", "柳湾补批", "柳湾注销", "柳湾调级", "柳湾恢复", "东岭补批"):
        assert name in section
    assert "柳湾改电话" not in section and "柳湾早改" not in section
    assert section.count("data-back-dated=") == 4
    assert "2026-09-01" in section  # the back-dated approval's date

    body = Client().get(f"/api/v1/batches/{batch.pk}/entitlement-changes", **bearer(county.leader)).json()
    assert (body["since_period"], body["count"], body["back_dated"]) == ("2026-11", 6, 4)
    back = next(p for p in body["people"] if p["name"] == "柳湾补批")
    assert back["back_dated"] and float(back["arrears"]) > 0
    assert "*" in back["id_number"]  # masked, as the line shows it
    [change] = back["changes"]
    assert (change["change"], change["approved_on_after"], change["months_back"]) == (
        "qualification_added",
        "2026-09-01",
        2,
    )
    assert change["by"] == str(county.county_clerk)


@pytest.mark.django_db
def test_a_township_clerk_sees_only_their_township(county: World) -> None:
    batch = _december(county)
    names = {row.line.beneficiary.name for row in entitlement_changes(batch, county.township_clerk).rows}
    assert "东岭补批" not in names and "柳湾补批" in names
    body = (
        Client()
        .get(f"/api/v1/batches/{batch.pk}/entitlement-changes", **bearer(county.other_township_clerk))
        .json()
    )
    assert [p["name"] for p in body["people"]] == ["东岭补批"]
    assert (body["count"], body["back_dated"]) == (1, 1)


@pytest.mark.django_db
def test_a_change_after_this_batch_was_computed_is_the_next_ones(county: World) -> None:
    batch = _december(county)
    with time_machine.travel(at(2026, 12, 6), tick=False):
        do_add_qualification(
            county.people["unrelated"],  # type: ignore[attr-defined]
            qualification_data(Category.DISABLED_VETERAN, approved_on=date(2026, 9, 1)),
            acting_user=county.county_clerk,
        )
    assert "柳湾改电话" not in _by_name(entitlement_changes(batch, county.leader))


@pytest.mark.django_db
def test_a_qualification_changed_as_a_correction_records_it(county: World) -> None:
    """No page changes a qualification's dates yet; its record (104) is read as it will be
    written: the fields changed, old and new, about the qualification."""
    batch = _december(county)
    qualification = _qualification(county.people["unrelated"], Category.WAR_PARTICIPANT)  # type: ignore[attr-defined]
    with time_machine.travel(at(2026, 11, 21), tick=False):
        record_event(
            EventType.QUALIFICATION_CHANGED,
            actor=county.county_clerk,
            obj=qualification,
            old={"approved_on": "2026-10-01", "ended_on": None},
            new={"approved_on": "2026-08-01", "ended_on": "2027-06-30"},
        )
        record_event(  # its notes: nothing owed changes
            EventType.QUALIFICATION_CHANGED,
            actor=county.county_clerk,
            obj=_qualification(county.people["early"], Category.WAR_PARTICIPANT),  # type: ignore[attr-defined]
            old={"notes": "a"},
            new={"notes": "b"},
        )
    found = entitlement_changes(batch, county.leader)
    changes = _by_name(found)
    assert "柳湾早改" not in changes
    [change] = changes["柳湾改电话"]
    assert (change.category, change.approved_before, change.approved_after, change.months_back) == (
        Category.WAR_PARTICIPANT,
        date(2026, 10, 1),
        date(2026, 8, 1),
        3,
    )
    assert (change.ended_before, change.ended_after) == (None, date(2027, 6, 30))
    assert found.back_dated == 5


@pytest.mark.django_db
def test_the_first_batch_has_nothing_before_it(world: World) -> None:
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=START)
        person(world, WAR, name="柳湾首付")
        batch = do_create_batch(date(2026, 11, 1), acting_user=world.county_clerk)
    found = entitlement_changes(batch, world.leader)
    assert (found.since, found.count) == (None, 0)
    client = Client()
    log_in(client, world.leader)
    html = client.get(reverse("benefits:batch", args=[batch.pk])).content.decode()
    assert 'data-testid="entitlement-changes"' not in html


@pytest.mark.django_db
def test_no_change_says_so(world: World) -> None:
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=START)
        person(world, WAR, name="柳湾照旧")
    pay_month(world, "2026-11")
    batch = _december(world)
    assert entitlement_changes(batch, world.leader).count == 0
    client = Client()
    log_in(client, world.leader)
    section = _section(client.get(reverse("benefits:batch", args=[batch.pk])).content.decode())
    assert "<table>" not in section and "2026-11" in section


def _import(world: World, user: User, rows: list[dict[str, Any]]) -> None:
    import_registry(xlsx(table(rows)), "新增名册.xlsx", acting_user=user)


@pytest.mark.django_db
def test_an_import_of_many_is_read_in_a_few_queries(world: World, django_assert_num_queries: Any) -> None:
    """An import names its people by ranges of ids: their lines are found in one query, the
    count in another, and only the rows shown read their qualifications — however many."""
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=START)
        person(world, WAR, name="柳湾照旧")
    pay_month(world, "2026-11")
    with time_machine.travel(at(2026, 11, 20), tick=False):
        _import(
            world,
            world.county_clerk,
            [person_row(姓名=f"导入{n}", 批准日期="2026-09-01") for n in "甲乙丙丁"]
            + [person_row(姓名="导入当月", 批准日期="2026-11-10")],
        )
    batch = _december(world)
    # The previous batch, the records, the first lines, their count, their qualifications.
    with django_assert_num_queries(5):
        found = entitlement_changes(batch, world.leader, limit=3)
    assert (found.count, found.back_dated, len(found.rows)) == (5, 4, 3)
    assert all(row.back_dated for row in found.rows)
    for row in found.rows:
        [change] = row.changes
        assert (change.what, change.category, change.approved_after, change.months_back, change.note) == (
            "imported",
            Category.WAR_PARTICIPANT,
            date(2026, 9, 1),
            2,
            "新增名册.xlsx",
        )
    everyone = entitlement_changes(batch, world.leader)
    assert {row.line.beneficiary.name for row in everyone.rows} == {
        "导入甲",
        "导入乙",
        "导入丙",
        "导入丁",
        "导入当月",
    }
    assert [row.back_dated for row in everyone.rows] == [True, True, True, True, False]


@pytest.mark.django_db
def test_the_batch_before_is_the_same_countys(county: World) -> None:
    """Another county's November batch, computed after the changes, does not cut the window."""
    other = Region.objects.create(code="341198000000", name="邻县", level=RegionLevel.COUNTY)
    Batch.objects.create(
        county=other,
        period=date(2026, 11, 1),
        created_at=at(2026, 11, 25),
        created_by=county.admin,
        payments_start=START,
    )
    batch = _december(county)
    found = entitlement_changes(batch, county.leader)
    assert found.since is not None and found.since.county_id == county.county.pk
    assert found.count == 6
