"""/api/v1/medical: claims, premiums, outpatient subsidies, totals; the contract, the errors
(each leaving the database unchanged) and the region scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from youfu.accounts.models import User
from youfu.registry.models import Qualification
from youfu.relief.medical.models import MedicalPremium, OutpatientSubsidy
from youfu.relief.medical.selectors import premium_missing
from youfu.relief.medical.services import do_record_premium
from youfu.relief.tests.factories_medical import (
    claim,
    disabled_veteran,
    eligible_person,
    fingerprint,
    ineligible_person,
    payload,
)
from youfu.testing import World, api_get, api_post, bearer, log_in

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def post(client: Client, user: User, path: str, body: dict[str, Any]) -> Any:
    return api_post(client, user, f"/api/v1/medical{path}", body)


def get(client: Client, user: User, path: str) -> Any:
    return api_get(client, user, f"/api/v1/medical{path}")


class TestClaims:
    def test_enter_then_a_leader_approves(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        response = post(
            client,
            world.township_clerk,
            "/claims",
            payload(who, total_cost="1234.55", insurance_paid="100.00", other_paid="0.01"),
        )
        assert response.status_code == 201, response.content
        body = response.json()
        # 90% × 1234.55 − 100.00 − 0.01 = 1011.085 → 1011.09
        assert (body["subsidy"], body["computed"], body["cap_left"], body["state"]) == (
            "1011.09",
            "1011.09",
            "20000.00",
            "pending",
        )
        assert (body["target"], body["year_cap"], body["year"]) == ("90.00", "20000.00", 2025)
        assert body["actions"] == []  # the clerk does not decide
        detail = get(client, world.leader, f"/claims/{body['id']}").json()
        assert detail["actions"] == ["approve", "refuse"]
        approved = post(client, world.leader, f"/claims/{body['id']}/approve", {})
        assert approved.status_code == 200
        assert approved.json()["state"] == "approved"
        assert approved.json()["decided_by"] == "leader"

    def test_refuse_with_a_reason(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        assert post(client, world.leader, f"/claims/{c.pk}/refuse", {"reason": ""}).status_code == 400
        response = post(client, world.leader, f"/claims/{c.pk}/refuse", {"reason": "发票不全"})
        assert response.status_code == 200
        assert (response.json()["state"], response.json()["reason"]) == ("refused", "发票不全")
        assert post(client, world.leader, f"/claims/{c.pk}/approve", {}).status_code == 409

    def test_a_clerk_may_not_approve(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        before = fingerprint()
        response = post(client, world.county_clerk, f"/claims/{c.pk}/approve", {})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert fingerprint() == before

    def test_list_with_filters(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        first = claim(world, who, total="100")
        claim(world, who, total="200", admitted=date(2024, 5, 1), discharged=date(2024, 5, 2))
        claim(world, eligible_person(world, region=world.village_b), by=world.county_clerk)
        post(client, world.leader, f"/claims/{first.pk}/refuse", {"reason": "重复"})
        everything = get(client, world.county_clerk, "/claims").json()
        assert everything["count"] == 3
        assert get(client, world.township_clerk, "/claims").json()["count"] == 2
        assert get(client, world.county_clerk, "/claims?year=2024").json()["count"] == 1
        assert get(client, world.county_clerk, "/claims?state=refused").json()["results"][0]["id"] == first.pk
        township_b = get(client, world.county_clerk, f"/claims?township={world.township_b.code}").json()
        assert township_b["count"] == 1
        assert get(client, world.county_clerk, "/claims?state=nonsense").status_code == 400

    def test_another_townships_claim_is_404(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        outsider = world.other_township_clerk
        before = fingerprint()
        assert get(client, outsider, f"/claims/{c.pk}").status_code == 404
        assert post(client, outsider, f"/claims/{c.pk}/approve", {}).status_code in (403, 404)
        assert post(client, outsider, f"/claims/{c.pk}/refuse", {"reason": "x"}).status_code in (403, 404)
        # A claim for township A's person entered by township B's clerk: the person is not there.
        response = post(client, outsider, "/claims", payload(c.beneficiary, admitted_on="2025-01-01"))
        assert response.status_code == 404
        assert fingerprint() == before

    def test_preview_writes_nothing(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        claim(world, who, total="20000", admitted=date(2025, 1, 1), discharged=date(2025, 1, 2))
        before = fingerprint()
        response = post(client, world.township_clerk, "/claims/preview", payload(who, total_cost="5000"))
        assert response.status_code == 200
        assert response.json() == {
            "target": "90.00",
            "year_cap": "20000.00",
            "year": 2025,
            "computed": "4500.00",
            "used": "18000.00",
            "cap_left": "2000.00",
            "subsidy": "2000.00",
            "capped": True,
        }
        assert fingerprint() == before

    @pytest.mark.parametrize(
        ("overrides", "status", "field"),
        [
            ({"total_cost": "-1.00"}, 400, "total_cost"),
            ({"insurance_paid": "-0.01"}, 400, "insurance_paid"),
            (
                {"total_cost": "100.00", "insurance_paid": "60.00", "serious_illness_paid": "40.01"},
                400,
                "other_paid",
            ),
            ({"admitted_on": "2025-03-11"}, 400, "discharged_on"),
            ({"total_cost": "12.345"}, 400, "total_cost"),
            ({"total_cost": "1000000.00"}, 400, "total_cost"),
            ({"hospital": ""}, 400, "hospital"),
            ({"hospital": "医" * 101}, 400, "hospital"),
            ({"beneficiary": 0}, 400, "beneficiary"),
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(
        self, world: World, client: Client, overrides: dict[str, Any], status: int, field: str
    ) -> None:
        who = eligible_person(world)
        before = fingerprint()
        response = post(client, world.township_clerk, "/claims", payload(who, **overrides))
        assert response.status_code == status, response.content
        assert field in response.json()["error"]["fields"]
        assert fingerprint() == before

    def test_a_future_date_is_400(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        before = fingerprint()
        response = post(client, world.township_clerk, "/claims", payload(who, discharged_on=tomorrow))
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["discharged_on"]
        assert fingerprint() == before

    def test_the_same_stay_is_409(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        assert post(client, world.township_clerk, "/claims", payload(who)).status_code == 201
        before = fingerprint()
        response = post(client, world.county_clerk, "/claims", payload(who, total_cost="500.00"))
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "same_stay"
        assert fingerprint() == before

    def test_an_ineligible_person_is_400(self, world: World, client: Client) -> None:
        who = ineligible_person(world)
        before = fingerprint()
        response = post(client, world.township_clerk, "/claims", payload(who))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "not_eligible"
        assert fingerprint() == before

    def test_messages_are_in_chinese(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        response = post(
            client,
            world.township_clerk,
            "/claims",
            payload(who, total_cost="100.00", insurance_paid="100.01"),
            # the default language is zh-Hans
        )
        assert "超过" in response.json()["error"]["message"]


class TestPremiums:
    def test_one_per_person_and_year(self, world: World, client: Client) -> None:
        who = disabled_veteran(world, level=4)
        body = {"beneficiary": who.pk, "year": THIS_YEAR, "amount": "380.00"}
        response = post(client, world.township_clerk, "/premiums", body)
        assert response.status_code == 201, response.content
        assert (response.json()["amount"], response.json()["year"]) == ("380.00", THIS_YEAR)
        before = fingerprint()
        again = post(client, world.township_clerk, "/premiums", {**body, "amount": "400.00"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "premium_exists"
        assert fingerprint() == before

    def test_only_for_disabled_veterans_of_levels_1_to_6(self, world: World, client: Client) -> None:
        level_7 = disabled_veteran(world, level=7)
        war = eligible_person(world)
        before = fingerprint()
        for who in (level_7, war):
            response = post(
                client,
                world.township_clerk,
                "/premiums",
                {"beneficiary": who.pk, "year": THIS_YEAR, "amount": "380"},
            )
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "not_eligible"
        for amount in ("0", "-1", "1.234"):
            response = post(
                client,
                world.township_clerk,
                "/premiums",
                {"beneficiary": disabled_veteran(world).pk, "year": THIS_YEAR, "amount": amount},
            )
            assert response.status_code == 400
        assert MedicalPremium.objects.count() == 0  # scope: test
        assert fingerprint()[1] == before[1]

    def test_covered_and_missing(self, world: World, client: Client) -> None:
        covered = disabled_veteran(world, level=1, name="甲")
        missing = disabled_veteran(world, level=6, cause="illness", name="乙")
        elsewhere = disabled_veteran(world, level=3, region=world.village_b, name="丙")
        disabled_veteran(world, level=8, name="丁")  # above level 6: not on the list
        eligible_person(world, name="戊")  # not a disabled veteran
        do_record_premium(covered, THIS_YEAR, 38000, acting_user=world.township_clerk)
        listed = get(client, world.county_clerk, f"/premiums?year={THIS_YEAR}").json()
        assert listed["count"] == 3
        assert {(r["name"], r["covered"], r["amount"]) for r in listed["results"]} == {
            ("甲", True, "380.00"),
            ("乙", False, None),
            ("丙", False, None),
        }
        only_missing = get(client, world.township_clerk, f"/premiums?year={THIS_YEAR}&covered=false").json()
        assert [r["beneficiary"] for r in only_missing["results"]] == [missing.pk]
        only_covered = get(client, world.county_clerk, f"/premiums?year={THIS_YEAR}&covered=true").json()
        assert [r["beneficiary"] for r in only_covered["results"]] == [covered.pk]
        assert get(client, world.county_clerk, "/premiums?covered=maybe").status_code == 400
        page = get(client, world.county_clerk, f"/premiums?year={THIS_YEAR}&page_size=1&page=2").json()
        assert page["count"] == 3 and len(page["results"]) == 1
        # The discoveries rule reads the same, unscoped.
        assert set(premium_missing(THIS_YEAR)) == {missing, elsewhere}
        assert set(premium_missing(THIS_YEAR - 1)) == {covered, missing, elsewhere}

    def test_an_ended_qualification_is_not_missing(self, world: World) -> None:
        who = disabled_veteran(world, level=2)
        Qualification.objects.filter(beneficiary=who).update(  # scope: test
            status="ended", ended_on=date(THIS_YEAR - 1, 6, 30), end_reason="迁出"
        )
        assert who not in premium_missing(THIS_YEAR)
        assert who in premium_missing(THIS_YEAR - 1)

    def test_another_townships_person_is_404(self, world: World, client: Client) -> None:
        who = disabled_veteran(world)
        before = fingerprint()
        response = post(
            client,
            world.other_township_clerk,
            "/premiums",
            {"beneficiary": who.pk, "year": THIS_YEAR, "amount": "1"},
        )
        assert response.status_code == 404
        assert fingerprint() == before
        assert get(client, world.other_township_clerk, f"/premiums?year={THIS_YEAR}").json()["count"] == 0


class TestOutpatientAndTotals:
    def test_outpatient_one_per_year(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        body = {
            "beneficiary": who.pk,
            "year": 2025,
            "amount": "600.00",
            "paid_on": "2025-06-30",
            "note": "门诊",
        }
        response = post(client, world.township_clerk, "/outpatient", body)
        assert response.status_code == 201, response.content
        assert (response.json()["amount"], response.json()["name"]) == ("600.00", who.name)
        before = fingerprint()
        assert post(client, world.township_clerk, "/outpatient", body).status_code == 409
        assert (
            post(
                client, world.township_clerk, "/outpatient", {**body, "year": 2024, "paid_on": "2023-12-31"}
            ).status_code
            == 400
        )
        bad = post(
            client, world.township_clerk, "/outpatient", {**body, "beneficiary": ineligible_person(world).pk}
        )
        assert bad.status_code == 400
        assert fingerprint()[2] == before[2]
        listed = get(client, world.township_clerk, "/outpatient?year=2025").json()
        assert listed["count"] == 1
        assert get(client, world.other_township_clerk, "/outpatient").json()["count"] == 0

    def test_totals_per_township(self, world: World, client: Client) -> None:
        a = eligible_person(world)
        b = eligible_person(world, region=world.village_b, name="李四")
        approved = claim(world, a, total="1000")  # 900.00
        claim(
            world, a, total="2000", admitted=date(2025, 4, 1), discharged=date(2025, 4, 2)
        )  # 1800.00 waiting
        refused = claim(world, b, total="500", by=world.county_clerk)
        claim(
            world,
            b,
            total="300",
            admitted=date(2025, 5, 1),
            discharged=date(2025, 5, 2),
            by=world.county_clerk,
        )
        post(client, world.leader, f"/claims/{approved.pk}/approve", {})
        post(client, world.leader, f"/claims/{refused.pk}/refuse", {"reason": "重复"})
        vet = disabled_veteran(world, level=5)
        MedicalPremium.objects.create(
            beneficiary=vet, year=2025, amount_fen=38000, recorded_by=world.county_clerk
        )  # scope: test
        OutpatientSubsidy.objects.create(  # scope: test
            beneficiary=a,
            year=2025,
            amount_fen=60000,
            paid_on=date(2025, 6, 1),
            recorded_by=world.county_clerk,
        )
        body = get(client, world.county_clerk, "/totals?year=2025").json()
        assert body["year"] == 2025
        rows = {r["name"]: r for r in body["townships"]}
        assert rows["城关镇"] == {
            "code": world.township_a.code,
            "name": "城关镇",
            "claims": 2,
            "subsidy": "900.00",
            "pending": "1800.00",
            "premiums": 1,
            "premium_amount": "380.00",
            "outpatient": 1,
            "outpatient_amount": "600.00",
        }
        # 90% × 300.00 = 270.00 waiting; the refused claim is left out
        assert (rows["东岭镇"]["claims"], rows["东岭镇"]["pending"], rows["东岭镇"]["subsidy"]) == (
            1,
            "270.00",
            "0.00",
        )
        assert (body["total"]["claims"], body["total"]["pending"]) == (3, "2070.00")
        mine = get(client, world.township_clerk, "/totals?year=2025").json()
        assert [r["name"] for r in mine["townships"]] == ["城关镇"]

    def test_settings_in_force(self, world: World, client: Client) -> None:
        body = get(client, world.township_clerk, "/settings").json()
        assert (body["target"], body["year_cap"]) == ("90.00", "20000.00")


class TestQueryCounts:
    """Lists cost the same number of queries whatever they hold."""

    def test_claims_list_and_page(
        self, world: World, client: Client, django_assert_max_num_queries: Any
    ) -> None:
        headers = bearer(world.county_clerk)
        for n in range(12):
            who = eligible_person(
                world, name=f"病人{n}", region=world.village_a if n % 2 else world.village_b
            )
            claim(world, who, by=world.county_clerk, total=str(1000 + n))
        with django_assert_max_num_queries(8):
            body = client.get("/api/v1/medical/claims", **headers).json()
        assert body["count"] == 12
        log_in(client, world.county_clerk)
        with django_assert_max_num_queries(12):
            assert client.get("/medical/").status_code == 200

    def test_premium_list(self, world: World, client: Client, django_assert_max_num_queries: Any) -> None:
        headers = bearer(world.county_clerk)
        for n in range(8):
            who = disabled_veteran(world, level=1 + n % 6, name=f"伤残{n}")
            if n % 2:
                do_record_premium(who, THIS_YEAR, 38000, acting_user=world.county_clerk)
        with django_assert_max_num_queries(8):
            body = client.get(f"/api/v1/medical/premiums?year={THIS_YEAR}", **headers).json()
        assert body["count"] == 8
        assert sum(r["covered"] for r in body["results"]) == 4
