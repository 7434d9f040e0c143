"""/api/v1/relief: the contract of issue 12 §1 — fields, amounts in yuan, the chain's moves,
the error envelope for every refusal (and nothing changed), lists and scope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.accounts.models import User
from youfu.registry.categories import Category
from youfu.relief.grants import services
from youfu.relief.grants.models import ReliefGrant
from youfu.relief.tests.factories_grants import (
    PDF,
    apply,
    approve_all,
    eligible_person,
    fingerprint,
    second_clerk,
)
from youfu.testing import World, api_get, api_post, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/relief"


def refused(client: Client, user: User, url: str, body: dict[str, Any], status: int, code: str = "") -> Any:
    headers = bearer(user)  # issuing a token is audited: before the fingerprint
    before = fingerprint()
    response = client.post(url, body, content_type="application/json", **headers)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    assert fingerprint() == before
    return error


def body(person_id: int, amount: str = "1200.50", **extra: Any) -> dict[str, Any]:
    return {
        "beneficiary": person_id,
        "reason": "illness",
        "amount": amount,
        "applied_on": "2026-11-20",
        "note": "住院",
        **extra,
    }


def test_apply_answers_201_with_the_contract_fields(world: World, client: Client) -> None:
    person = eligible_person(world)
    response = api_post(client, world.village_assistant, URL, body(person.pk))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "pending"
    assert data["next_step"] == "township"
    assert data["amount"] == "1200.50"
    assert data["beneficiary"] == person.pk
    assert data["reason"] == "illness"
    assert data["applied_on"] == "2026-11-20"
    assert data["chain"] == ["township", "county"]
    assert data["actions"] == []  # the submitter may do nothing while it is pending
    assert [s["action"] for s in data["steps"]] == ["apply"]
    assert ReliefGrant.objects.get(pk=data["id"]).amount_fen == 120_050


def test_the_whole_chain_through_the_api(world: World, client: Client) -> None:
    person = eligible_person(world)
    grant_id = api_post(client, world.village_assistant, URL, body(person.pk, "3600.00")).json()["id"]
    one = f"{URL}/{grant_id}"
    assert api_get(client, world.township_clerk, one).json()["actions"] == ["approve", "return"]
    data = api_post(client, world.township_clerk, f"{one}/approve", {}).json()
    assert (data["state"], data["next_step"]) == ("pending", "county")
    data = api_post(client, world.county_clerk, f"{one}/approve", {"note": "同意"}).json()
    assert (data["state"], data["next_step"]) == ("pending", "leader")
    data = api_post(client, world.leader, f"{one}/approve", {}).json()
    assert (data["state"], data["next_step"]) == ("approved", None)
    assert [(s["action"], s["step"], s["by"]) for s in data["steps"]] == [
        ("apply", None, "village"),
        ("approve", "township", "township"),
        ("approve", "county", "clerk"),
        ("approve", "leader", "leader"),
    ]
    data = api_post(client, world.county_clerk, f"{one}/cancel", {"reason": "重复申请"}).json()
    assert data["state"] == "cancelled"


def test_return_then_resubmit(world: World, client: Client) -> None:
    person = eligible_person(world)
    grant_id = api_post(client, world.village_assistant, URL, body(person.pk)).json()["id"]
    one = f"{URL}/{grant_id}"
    refused(client, world.township_clerk, f"{one}/return", {}, 400)
    refused(client, world.township_clerk, f"{one}/return", {"reason": " "}, 400, "reason_required")
    data = api_post(client, world.township_clerk, f"{one}/return", {"reason": "缺少诊断证明"}).json()
    assert data["state"] == "returned" and data["next_step"] is None
    assert data["steps"][-1]["note"] == "缺少诊断证明"
    resubmit = {"reason": "illness", "amount": "1100.00", "applied_on": "2026-11-21", "note": "已补诊断证明"}
    refused(client, world.township_clerk, f"{one}/resubmit", resubmit, 403)
    data = api_post(client, world.village_assistant, f"{one}/resubmit", resubmit).json()
    assert (data["state"], data["next_step"], data["amount"], data["round"]) == (
        "pending",
        "township",
        "1100.00",
        2,
    )


def test_refusals_answer_with_the_envelope_and_change_nothing(world: World, client: Client) -> None:
    person = eligible_person(world)
    grant = apply(world, person, "3500.00")
    one = f"{URL}/{grant.pk}"
    # self-approval, the wrong level, skipping a step
    refused(client, world.village_assistant, f"{one}/approve", {}, 403)
    refused(client, world.county_clerk, f"{one}/approve", {}, 403, "wrong_step")
    refused(client, world.leader, f"{one}/approve", {}, 403, "wrong_step")
    # over the caps, an ineligible person
    refused(client, world.village_assistant, URL, body(person.pk, "5000.01"), 400, "over_case_cap")


def test_over_the_yearly_cap_is_409(world: World, client: Client) -> None:
    person = eligible_person(world)
    apply(world, person, "5000.00", applied_on=date(2026, 3, 1))
    apply(world, person, "5000.00", applied_on=date(2026, 4, 1))
    error = refused(client, world.village_assistant, URL, body(person.pk, "0.01"), 409, "over_year_cap")
    assert "amount" in error["fields"]


def test_an_ineligible_or_unknown_person_is_400(world: World, client: Client) -> None:
    war = eligible_person(world, category=Category.WAR_PARTICIPANT)
    refused(client, world.village_assistant, URL, body(war.pk), 400, "ineligible")
    refused(client, world.village_assistant, URL, body(999_999), 400, "unknown_beneficiary")
    outsider = eligible_person(world, world.village_b)
    refused(client, world.village_assistant, URL, body(outsider.pk), 400, "unknown_beneficiary")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "-1.00"},
        {"amount": "1.234"},
        {"amount": "1000000.00"},
        {"reason": "lottery"},
        {"applied_on": "2026-13-01"},
        {"applied_on": "2099-01-01"},
        {"note": "x" * 2001},
        {"beneficiary": 0},
    ],
)
def test_bad_input_is_400(world: World, client: Client, change: dict[str, Any]) -> None:
    person = eligible_person(world)
    refused(client, world.village_assistant, URL, {**body(person.pk), **change}, 400)


def test_another_townships_grant_is_404(world: World, client: Client) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    one = f"{URL}/{grant.pk}"
    assert api_get(client, world.other_township_clerk, one).status_code == 404
    for action, payload in (("approve", {}), ("return", {"reason": "x"}), ("cancel", {"reason": "x"})):
        refused(client, world.other_township_clerk, f"{one}/{action}", payload, 404)
    listed = api_get(client, world.other_township_clerk, URL).json()
    assert listed == {"count": 0, "results": []}


def test_cancel_after_the_batch_holds_it_or_after_paid_is_409(world: World, client: Client) -> None:
    grant = approve_all(world, apply(world, eligible_person(world), "1000.00"))
    assert grant.one_off_id is not None
    services.mark_paid([grant.one_off_id])
    refused(
        client, world.county_clerk, f"{URL}/{grant.pk}/cancel", {"reason": "错误"}, 409, "invalid_transition"
    )


def test_the_list_filters_and_pages(world: World, client: Client) -> None:
    a = eligible_person(world)
    b = eligible_person(world, world.village_b, name="李四")
    apply(world, a, "100.00", reason="disaster", applied_on=date(2025, 5, 1))
    apply(world, a, "200.00", by=world.township_clerk)
    apply(world, b, "300.00", by=world.county_clerk)
    data = api_get(client, world.county_clerk, URL).json()
    assert data["count"] == 3
    assert api_get(client, world.county_clerk, f"{URL}?year=2025").json()["count"] == 1
    assert api_get(client, world.county_clerk, f"{URL}?reason=disaster").json()["count"] == 1
    assert api_get(client, world.county_clerk, f"{URL}?next_step=county").json()["count"] == 2
    assert api_get(client, world.county_clerk, f"{URL}?township={world.township_b.code}").json()["count"] == 1
    assert api_get(client, world.county_clerk, f"{URL}?state=pending&page_size=1&page=2").json()["count"] == 3
    assert len(api_get(client, world.county_clerk, f"{URL}?page_size=2").json()["results"]) == 2
    # Waiting for me: the county clerk's queue leaves out their own entry.
    assert api_get(client, world.county_clerk, f"{URL}?waiting=true").json()["count"] == 1
    assert api_get(client, second_clerk(world), f"{URL}?waiting=true").json()["count"] == 2
    assert api_get(client, world.township_clerk, URL).json()["count"] == 2
    assert api_get(client, world.county_clerk, f"{URL}?state=dragon").status_code == 400


def test_documents_are_checked_by_content(world: World, client: Client) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    url = f"{URL}/{grant.pk}/documents"
    good = SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"files": [good]}, **bearer(world.village_assistant))
    assert response.status_code == 201, response.content
    assert response.json()[0]["content_type"] == "application/pdf"
    headers = bearer(world.village_assistant)
    before = fingerprint()
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"files": [fake]}, **headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "attachment_type"
    assert fingerprint() == before
    assert len(api_get(client, world.township_clerk, f"{URL}/{grant.pk}").json()["documents"]) == 1


def test_settings_are_read_by_all_and_set_by_a_leader(world: World, client: Client) -> None:
    assert api_get(client, world.township_clerk, f"{URL}/settings").json()["case_cap"] == "5000.00"
    refused(client, world.county_clerk, f"{URL}/settings", {"case_cap": "6000.00"}, 403)
    data = api_post(client, world.leader, f"{URL}/settings", {"case_cap": "6000.00"}).json()
    assert (data["case_cap"], data["version"]) == ("6000.00", 2)
    refused(client, world.leader, f"{URL}/settings", {"case_cap": "20000.00"}, 400, "invalid_settings")
