"""The resolve page offers the records that may resolve a finding as acted, in words, newest
first, only the user's and only those the service accepts; choosing one resolves the finding."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from youfu.accounts.models import User
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Qualification
from youfu.registry.services import do_add_qualification
from youfu.registry.tests.factories import qualification_data
from youfu.relief.discoveries.models import Discovery, DiscoveryState, Rule
from youfu.relief.discoveries.selectors import reference_choices
from youfu.relief.discoveries.services import refresh_everywhere
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World, log_in

TODAY = datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(TODAY, tick=False)
    yield


def finding_of(person: Beneficiary, rule: Rule) -> Discovery:
    refresh_everywhere()
    return Discovery.objects.get(beneficiary=person, rule=rule)  # scope: the test's view


def offered(client: Client, finding: Discovery) -> list[tuple[str, str]]:
    """(value, words) of the reference radio buttons the page shows, in order."""
    page = client.get(f"/discoveries/{finding.pk}/resolve/", **ZH).content.decode()
    radio = r'<label for="id_reference_\d+"><input type="radio" name="reference" value="([^"]*)"[^>]*>'
    found = re.findall(radio + r"\s*([^<]*)</label>", page)
    return [(value, words.strip()) for value, words in found]


def qualification(clerk: User, who: Beneficiary, category: Category, approved_on: date) -> Qualification:
    return do_add_qualification(who, qualification_data(category, approved_on=approved_on), acting_user=clerk)


NONE = ("", "无关联记录，在说明中写明")


@pytest.mark.django_db
def test_rural_veteran_offers_the_persons_own_subsidy_qualifications_newest_first(
    world: World, client: Client
) -> None:
    clerk = world.township_clerk
    veteran = f.veteran(clerk, world.village_a, born=date(1950, 1, 1), name="老兵甲")
    other = f.veteran(clerk, world.village_a, born=date(1951, 1, 1), name="老兵乙")
    finding = finding_of(veteran, Rule.RURAL_VETERAN_60)
    log_in(client, clerk)
    page = client.get(f"/discoveries/{finding.pk}/resolve/", **ZH).content.decode()
    assert 'data-testid="no-references"' in page and "尚无可关联的记录" in page
    assert f'<a href="{reverse("registry:add_qualification", args=[veteran.pk])}">' in page
    older = qualification(clerk, veteran, Category.ELDERLY_RURAL_VETERAN, date(2026, 3, 1))
    qualification(clerk, other, Category.ELDERLY_RURAL_VETERAN, date(2026, 4, 1))  # someone else's
    qualification(clerk, veteran, Category.WAR_PARTICIPANT, date(2026, 5, 1))  # not the subsidy
    choices = offered(client, finding)
    assert choices == [(f"qualification:{older.pk}", "农村籍退役士兵(60周岁以上) · 2026-03-01 批准"), NONE]


@pytest.mark.django_db
def test_premium_missing_offers_the_persons_premium_of_the_year(world: World, client: Client) -> None:
    clerk = world.township_clerk
    disabled = f.disabled(clerk, world.village_a, level=4, name="残疾丙")
    other = f.disabled(clerk, world.village_a, level=4, name="残疾丁")
    finding = finding_of(disabled, Rule.PREMIUM_MISSING)
    f.premium(clerk, other)
    f.premium(clerk, disabled, year=2025)
    log_in(client, clerk)
    assert offered(client, finding) == [NONE]
    premium = f.premium(clerk, disabled)
    assert offered(client, finding) == [(f"premium:{premium.pk}", "2026年医保缴费 360.00元"), NONE]


@pytest.mark.django_db
def test_housing_offers_the_homes_serving_cases_in_the_users_township_only(
    world: World, client: Client
) -> None:
    clerk = world.township_clerk
    owner = f.veteran(clerk, world.village_a, name="房主")
    wife = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="妻子", born=date(1962, 1, 1))
    away = f.person(world.county_clerk, world.village_b, Category.ACTIVE_DUTY_FAMILY, name="外镇成员")
    stranger = f.veteran(clerk, world.village_a, name="邻居")
    f.survey(clerk, owner)
    finding = finding_of(owner, Rule.HOUSING_UNSERVED)
    # One case in progress per home: the cases are opened while they are separate homes.
    refused = f.refuse(world.leader, f.case(clerk, owner))
    own = f.case(clerk, owner)
    members = f.case(clerk, wife)
    elsewhere = f.case(world.county_clerk, away)
    f.case(clerk, stranger)
    f.household(owner, wife, away)
    log_in(client, clerk)
    choices = offered(client, finding)
    assert choices == [
        (f"housing_case:{members.pk}", f"住房改造 #{members.pk} · 修缮 · 等待审批 · 妻子"),
        (f"housing_case:{own.pk}", f"住房改造 #{own.pk} · 修缮 · 等待审批"),
        NONE,
    ]
    assert f"housing_case:{refused.pk}" not in dict(choices)
    county = [value for value, _words in reference_choices(world.county_clerk, finding)]
    assert county == [f"housing_case:{elsewhere.pk}", f"housing_case:{members.pk}", f"housing_case:{own.pk}"]


@pytest.mark.django_db
def test_survivor_review_offers_household_members_and_the_payees_survivor_qualifications(
    world: World, client: Client
) -> None:
    clerk = world.township_clerk
    veteran = f.disabled(clerk, world.village_a, level=3, name="王大")
    widow = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="李二", born=date(1962, 1, 1))
    f.household(veteran, widow)
    f.death(clerk, veteran, payee=True)
    finding = finding_of(Beneficiary.objects.get(pk=veteran.pk), Rule.SURVIVOR_REVIEW)
    payee = f.person(
        clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="张秀兰", id_number=f.PAYEE_ID_NUMBER
    )
    stranger = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="路人")
    widows = qualification(clerk, widow, Category.ILLNESS_DEATH_SURVIVOR, date(2026, 5, 1))
    payees = qualification(clerk, payee, Category.DUTY_DEATH_SURVIVOR, date(2026, 5, 20))
    qualification(clerk, stranger, Category.MARTYR_SURVIVOR, date(2026, 6, 1))  # not of this death
    qualification(clerk, widow, Category.WAR_PARTICIPANT, date(2026, 6, 2))  # not a survivor's
    log_in(client, clerk)
    choices = offered(client, finding)
    assert [value for value, _words in choices] == [
        f"qualification:{payees.pk}",
        f"qualification:{widows.pk}",
        "",
    ]
    assert choices[0][1].startswith("张秀兰 · ") and choices[0][1].endswith("2026-05-20 批准")
    assert choices[1][1].startswith("李二 · ")


@pytest.mark.django_db
def test_another_townships_clerk_cannot_open_the_page(world: World, client: Client) -> None:
    veteran = f.veteran(world.township_clerk, world.village_a, born=date(1950, 1, 1))
    finding = finding_of(veteran, Rule.RURAL_VETERAN_60)
    log_in(client, world.other_township_clerk)
    assert client.get(f"/discoveries/{finding.pk}/resolve/").status_code == 404


@pytest.mark.django_db
def test_choosing_an_offered_record_resolves_the_finding(world: World, client: Client) -> None:
    clerk = world.township_clerk
    veteran = f.veteran(clerk, world.village_a, born=date(1950, 1, 1), name="老兵甲")
    finding = finding_of(veteran, Rule.RURAL_VETERAN_60)
    held = qualification(clerk, veteran, Category.ELDERLY_RURAL_VETERAN, date(2026, 3, 1))
    log_in(client, clerk)
    [(value, _words), _none] = offered(client, finding)
    url = f"/discoveries/{finding.pk}/resolve/"
    response = client.post(url, {"outcome": "acted", "reference": value, "note": ""}, **ZH)
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.state, finding.outcome, finding.reference) == (
        DiscoveryState.RESOLVED,
        "acted",
        f"qualification:{held.pk}",
    )
    page = client.get(url, **ZH).content.decode()
    assert "已处理" in page and 'data-testid="resolve-form"' not in page


@pytest.mark.django_db
def test_every_offered_record_is_accepted_by_the_service(world: World, client: Client) -> None:
    """The choices and the service's check agree: a record offered is one it takes."""
    clerk = world.township_clerk
    owner = f.veteran(clerk, world.village_a, name="房主")
    wife = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="妻子", born=date(1962, 1, 1))
    f.household(owner, wife)
    f.survey(clerk, owner)
    finding = finding_of(Beneficiary.objects.get(pk=owner.pk), Rule.HOUSING_UNSERVED)
    f.case(clerk, wife)
    log_in(client, clerk)
    [(value, _words), _none] = offered(client, finding)
    response = client.post(f"/discoveries/{finding.pk}/resolve/", {"outcome": "acted", "reference": value})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.reference == value
