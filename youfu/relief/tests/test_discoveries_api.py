"""/api/v1/discoveries: the list (filters, scope), one finding, the summary, the refresh, and
resolving: both outcomes with a valid reference, and every bad input refused with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_add_qualification
from youfu.registry.tests.factories import qualification_data
from youfu.relief.discoveries.models import Discovery, DiscoveryState, Rule
from youfu.relief.discoveries.services import refresh_everywhere
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World, api_get, api_post

TODAY = datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(TODAY, tick=False)
    yield


@dataclass
class Case:
    world: World
    veteran: Beneficiary  # rural_veteran_60
    disabled: Beneficiary  # premium_missing
    home: Beneficiary  # housing_unserved
    dead: Beneficiary  # survivor_review
    widow: Beneficiary
    outsider: Beneficiary  # rural_veteran_60 in township B

    def finding(self, rule: Rule, person: Beneficiary | None = None) -> Discovery:
        query = Discovery.objects.filter(rule=rule)  # scope: the test's view
        if person is not None:
            query = query.filter(beneficiary=person)
        return query.get()


@pytest.fixture
def case(world: World) -> Case:
    clerk = world.county_clerk
    veteran = f.veteran(clerk, world.village_a, born=date(1950, 1, 1), name="老兵")
    disabled = f.disabled(clerk, world.village_a, level=4, born=date(1970, 1, 1), name="残疾")
    home = f.veteran(clerk, world.village_a, born=date(1980, 1, 1), name="危房")
    f.survey(clerk, home, "D")
    dead = f.disabled(clerk, world.village_a, level=8, born=date(1940, 1, 1), name="王大")
    widow = f.person(clerk, world.village_a, Category.ACTIVE_DUTY_FAMILY, name="李二", born=date(1942, 1, 1))
    f.household(dead, widow)
    f.death(clerk, dead)
    outsider = f.veteran(clerk, world.village_b, born=date(1950, 1, 1), name="东岭老兵")
    refresh_everywhere()
    return Case(world, veteran, disabled, home, dead, widow, outsider)


def resolve(client: Client, user: User, finding: Discovery, **body: Any) -> Any:
    """Resolve ``finding`` through the API as ``user``."""
    return api_post(client, user, f"/api/v1/discoveries/{finding.pk}/resolve", body)


def state() -> list[tuple[Any, ...]]:
    rows = Discovery.objects.order_by("pk").values_list(  # scope: the test's view
        "pk", "state", "outcome", "note", "reference", "resolved_by", "closed_at"
    )
    return [*rows, AuditEvent.objects.filter(event_type=EventType.DISCOVERY_RESOLVED).count()]


# --- reading ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_each_finding_with_its_rule_evidence_and_a_link(case: Case, client: Client) -> None:
    response = api_get(client, case.world.township_clerk, "/api/v1/discoveries")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4  # township B's veteran is not in the township clerk's list
    rows = {r["rule"]: r for r in body["results"]}
    assert set(rows) == set(Rule.values)
    rural = rows["rural_veteran_60"]
    assert (rural["name"], rural["township"], rural["state"]) == ("老兵", "城关镇", "open")
    assert rural["evidence"]["age"] == 76 and rural["evidence"]["residence"] == "rural"
    assert rural["act_url"] == f"/registry/{case.veteran.pk}/qualifications/new/"
    assert rows["premium_missing"]["evidence"]["year"] == 2026
    township = case.world.township_a.code
    assert (
        rows["premium_missing"]["act_url"] == f"/medical/premiums/?year=2026&covered=no&township={township}"
    )
    assert rows["housing_unserved"]["act_url"] == f"/housing/cases/new/?beneficiary={case.home.pk}"
    assert rows["survivor_review"]["act_url"] == f"/registry/{case.dead.pk}/"
    client.force_login(case.world.township_clerk)
    for row in rows.values():  # each link opens a working page
        assert client.get(row["act_url"]).status_code == 200, row["act_url"]
    assert rows["premium_missing"]["evidence"]["disability_level"] == 4
    assert rows["housing_unserved"]["evidence"]["grade"] == "D"
    assert rows["housing_unserved"]["evidence"]["surveyed_on"] == "2026-03-02"
    survivor = rows["survivor_review"]["evidence"]
    assert (survivor["death_date"], survivor["household_members"], survivor["payee"]) == (
        "2026-04-03",
        1,
        False,
    )


@pytest.mark.django_db
def test_the_list_filters_by_rule_region_and_state(case: Case, client: Client) -> None:
    clerk = case.world.county_clerk
    assert api_get(client, clerk, "/api/v1/discoveries").json()["count"] == 5
    assert api_get(client, clerk, "/api/v1/discoveries?rule=rural_veteran_60").json()["count"] == 2
    url = f"/api/v1/discoveries?rule=rural_veteran_60&region={case.world.township_b.code}"
    assert [r["name"] for r in api_get(client, clerk, url).json()["results"]] == ["东岭老兵"]
    assert api_get(client, clerk, "/api/v1/discoveries?state=resolved").json()["count"] == 0
    assert api_get(client, clerk, "/api/v1/discoveries?state=all").json()["count"] == 5
    assert api_get(client, clerk, "/api/v1/discoveries?rule=risk").status_code == 400
    assert api_get(client, clerk, "/api/v1/discoveries?state=closed").status_code == 400


@pytest.mark.django_db
def test_a_region_or_finding_outside_the_scope_is_a_404(case: Case, client: Client) -> None:
    outsider = case.world.other_township_clerk
    response = api_get(client, outsider, f"/api/v1/discoveries?region={case.world.township_a.code}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    assert api_get(client, outsider, f"/api/v1/discoveries/{finding.pk}").status_code == 404
    assert api_get(client, case.world.township_clerk, f"/api/v1/discoveries/{finding.pk}").status_code == 200


@pytest.mark.django_db
def test_the_summary_counts_open_findings_per_rule(case: Case, client: Client) -> None:
    body = api_get(client, case.world.township_clerk, "/api/v1/discoveries/summary").json()
    assert {r["rule"]: r["open"] for r in body["rules"]} == dict.fromkeys(Rule.values, 1)
    assert body["last_refreshed_at"] is not None


@pytest.mark.django_db
def test_refresh_now(case: Case, client: Client) -> None:
    response = api_post(client, case.world.township_clerk, "/api/v1/discoveries/refresh", {})
    assert response.status_code == 200
    assert (response.json()["added"], response.json()["region_prefix"]) == (0, "341199100")
    assert api_post(client, case.world.leader, "/api/v1/discoveries/refresh", {}).status_code == 403


# --- resolving ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_acted_with_the_qualification_that_was_added(case: Case, client: Client) -> None:
    clerk = case.world.township_clerk
    added = do_add_qualification(
        case.veteran,
        qualification_data(Category.ELDERLY_RURAL_VETERAN, approved_on=date(2026, 6, 1)),
        acting_user=clerk,
    )
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    response = resolve(client, clerk, finding, outcome="acted", reference=f"qualification:{added.pk}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["outcome"], body["reference"], body["resolved_by"]) == (
        "resolved",
        "acted",
        f"qualification:{added.pk}",
        "township",
    )
    event = AuditEvent.objects.get(event_type=EventType.DISCOVERY_RESOLVED)
    assert (event.object_id, event.region_id, event.new["outcome"]) == (
        str(finding.pk),
        case.veteran.region_id,
        "acted",
    )
    # The rule no longer finds them, and the resolved finding stays as it is.
    refresh_everywhere()
    finding.refresh_from_db()
    assert (finding.state, finding.outcome) == (DiscoveryState.RESOLVED, "acted")


@pytest.mark.django_db
def test_not_applicable_with_the_reason(case: Case, client: Client) -> None:
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    response = resolve(
        client,
        case.world.township_clerk,
        finding,
        outcome="not_applicable",
        note="入伍时为城镇户籍，不符合条件",
    )
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["note"]) == (
        "not_applicable",
        "入伍时为城镇户籍，不符合条件",
    )
    assert api_get(client, case.world.township_clerk, "/api/v1/discoveries").json()["count"] == 3
    refresh_everywhere()
    assert api_get(client, case.world.township_clerk, "/api/v1/discoveries").json()["count"] == 3


@pytest.mark.django_db
def test_acted_on_a_premium_a_housing_case_and_a_survivor(case: Case, client: Client) -> None:
    clerk = case.world.township_clerk
    premium = f.premium(clerk, case.disabled)
    housing_case = f.case(clerk, case.home)
    survivor = f.survivor_qualification(clerk, Beneficiary.objects.get(pk=case.widow.pk))
    for rule, reference in (
        (Rule.PREMIUM_MISSING, f"premium:{premium.pk}"),
        (Rule.HOUSING_UNSERVED, f"housing_case:{housing_case.pk}"),
        (Rule.SURVIVOR_REVIEW, f"qualification:{survivor.pk}"),
    ):
        finding = case.finding(rule)
        response = resolve(client, clerk, finding, outcome="acted", reference=reference)
        assert response.status_code == 200, (rule, response.json())
        assert response.json()["reference"] == reference


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "maybe", "note": "x"}, "outcome"),
        ({"outcome": "not_applicable"}, "note"),
        ({"outcome": "not_applicable", "note": "  "}, "note"),
        ({"outcome": "not_applicable", "note": "无", "reference": "premium:1"}, "reference"),
        ({"outcome": "acted"}, "reference"),
        ({"outcome": "acted", "reference": "qualification"}, "reference"),
        ({"outcome": "acted", "reference": "qualification:abc"}, "reference"),
        ({"outcome": "acted", "reference": "petition:3"}, "reference"),
        ({"outcome": "acted", "reference": "premium:1"}, "reference"),  # the wrong kind for the rule
        ({"outcome": "acted", "note": "x" * 2001}, "note"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    case: Case, client: Client, body: dict[str, Any], field: str
) -> None:
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    before = state()
    response = resolve(client, case.world.township_clerk, finding, **body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert state() == before


@pytest.mark.django_db
def test_a_reference_to_another_person_is_refused(case: Case, client: Client) -> None:
    clerk = case.world.township_clerk
    other = do_add_qualification(
        case.home,
        qualification_data(Category.ELDERLY_RURAL_VETERAN, approved_on=date(2026, 6, 1)),
        acting_user=clerk,
    )
    other_premium = f.premium(clerk, f.disabled(clerk, case.world.village_a, level=1, name="别人"))
    before = state()
    rural = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    response = resolve(client, clerk, rural, outcome="acted", reference=f"qualification:{other.pk}")
    assert response.status_code == 400
    premium = case.finding(Rule.PREMIUM_MISSING, case.disabled)
    response = resolve(client, clerk, premium, outcome="acted", reference=f"premium:{other_premium.pk}")
    assert response.status_code == 400
    assert state() == before


@pytest.mark.django_db
def test_a_refused_housing_case_does_not_resolve_the_finding(case: Case, client: Client) -> None:
    clerk = case.world.township_clerk
    refused = f.refuse(case.world.leader, f.case(clerk, case.home))
    finding = case.finding(Rule.HOUSING_UNSERVED)
    before = state()
    response = resolve(client, clerk, finding, outcome="acted", reference=f"housing_case:{refused.pk}")
    assert response.status_code == 400
    assert state() == before


@pytest.mark.django_db
def test_a_reference_outside_the_scope_or_unknown_is_a_404(case: Case, client: Client) -> None:
    world = case.world
    theirs = do_add_qualification(
        case.outsider,
        qualification_data(Category.ELDERLY_RURAL_VETERAN, approved_on=date(2026, 6, 1)),
        acting_user=world.county_clerk,
    )
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    before = state()
    for reference in (f"qualification:{theirs.pk}", "qualification:999999", f"qualification:{2**63}"):
        response = resolve(client, world.township_clerk, finding, outcome="acted", reference=reference)
        assert response.status_code == 404, reference
        assert "reference" in response.json()["error"]["fields"]
    assert state() == before


@pytest.mark.django_db
def test_another_townships_finding_cannot_be_resolved(case: Case, client: Client) -> None:
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    before = state()
    response = resolve(client, case.world.other_township_clerk, finding, outcome="not_applicable", note="无")
    assert response.status_code == 404
    assert state() == before


@pytest.mark.django_db
def test_a_leader_reads_but_does_not_resolve_and_a_closed_finding_is_a_409(
    case: Case, client: Client
) -> None:
    finding = case.finding(Rule.RURAL_VETERAN_60, case.veteran)
    url = f"/api/v1/discoveries/{finding.pk}/resolve"
    before = state()
    assert (
        api_post(client, case.world.leader, url, {"outcome": "not_applicable", "note": "无"}).status_code
        == 403
    )
    assert state() == before
    assert api_get(client, case.world.leader, "/api/v1/discoveries").json()["count"] == 5
    assert (
        api_post(
            client, case.world.township_clerk, url, {"outcome": "not_applicable", "note": "无"}
        ).status_code
        == 200
    )
    before = state()
    response = api_post(client, case.world.township_clerk, url, {"outcome": "not_applicable", "note": "再次"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_open"
    assert state() == before


@pytest.mark.django_db
def test_a_survivor_review_is_acted_on_with_the_payees_or_a_household_members_qualification(
    world: World, client: Client
) -> None:
    clerk = world.county_clerk
    dead = f.disabled(clerk, world.village_a, level=1, name="王大")
    f.death(clerk, dead, payee=True)
    stranger = f.person(
        clerk, world.village_a, Category.ILLNESS_DEATH_SURVIVOR, name="路人", born=date(1960, 1, 1)
    )
    refresh_everywhere()
    finding = Discovery.objects.get(rule=Rule.SURVIVOR_REVIEW)  # scope: the test's view
    url = f"/api/v1/discoveries/{finding.pk}/resolve"
    before = state()
    reference = f"qualification:{stranger.qualifications.get().pk}"
    response = api_post(client, world.township_clerk, url, {"outcome": "acted", "reference": reference})
    assert response.status_code == 400
    assert state() == before
    # The payee (named with the death) is registered with her survivor's qualification.
    widow = f.person(
        clerk,
        world.village_a,
        Category.ILLNESS_DEATH_SURVIVOR,
        name="张秀兰",
        born=date(1980, 1, 1),
        id_number=f.PAYEE_ID_NUMBER,
    )
    reference = f"qualification:{widow.qualifications.get().pk}"
    response = api_post(client, world.township_clerk, url, {"outcome": "acted", "reference": reference})
    assert response.status_code == 200, response.json()
