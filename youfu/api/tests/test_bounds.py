"""Odd input gets the error envelope and changes nothing; no page number crashes a list;
the OpenAPI document lists each operation's error answers (issue 10, item 15)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.accounts.tests.test_scope_walk import SAMPLES, all_routes, concrete, walk_world
from youfu.audit.models import AuditEvent
from youfu.benefits.models import Batch, LocalTopUp
from youfu.core.idnumber import make_id_number
from youfu.petitions.models import Petition, Petitioner, ReceptionDay
from youfu.petitions.tests.factories import register as register_petition
from youfu.registry.models import Beneficiary, LifeEvent, Qualification, QualificationStatus
from youfu.registry.tests.factories import register as register_person
from youfu.testing import VILLAGE_A, World, log_in

__all__ = ["walk_world"]  # the route walk's fixture, used below

HUGE = "99999999999999999999"
LONG = "长" * 1000


def _petition(**overrides: Any) -> dict[str, Any]:
    body = {
        "channel": "letter",
        "received_on": "2025-03-07",
        "category": "benefits",
        "subject": "关于补发抚恤金的请求",
        "content": "请求核实补发。",
        "petitioners": [{"name": "李四", "phone": "13900001234"}],
    }
    return {**body, **overrides}


def _person(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "王五",
        "id_number": make_id_number("341199", date(1960, 5, 4), 777),
        "residence": "农村",
        "township": "城关镇",
        "village": VILLAGE_A,
        "phone": "13512345678",
        "bank_name": "农商银行",
        "bank_account": "6230000000000000777",
        "qualifications": [{"category": "war_participant", "approved_on": "2010-01-01"}],
    }
    return {**body, **overrides}


@dataclass(frozen=True)
class Case:
    who: str  # a World attribute, or "" for no login
    method: str
    url: str  # {person} and {petition} are filled in
    body: Any = None


# Each: an input no bureau would send, that crashed (500) or was accepted before.
CASES: dict[str, Case] = {
    "top-up of 1e308 percent (text)": Case(
        "county_clerk", "post", "/api/v1/topups", {"percent": "1e308", "from": "2027-01-01"}
    ),
    "top-up of 1e308 percent (number)": Case(
        "county_clerk", "post", "/api/v1/topups", {"percent": 1e308, "from": "2027-01-01"}
    ),
    "top-up of 101 percent": Case(
        "county_clerk", "post", "/api/v1/topups", {"percent": 101, "from": "2027-01-01"}
    ),
    "top-up from year 1": Case(
        "county_clerk", "post", "/api/v1/topups", {"percent": "8", "from": "0001-01-01"}
    ),
    "top-up from year 9999": Case(
        "county_clerk", "post", "/api/v1/topups", {"percent": "8", "from": "9999-12-31"}
    ),
    "batch for month 0001-01": Case("county_clerk", "post", "/api/v1/batches", {"period": "0001-01"}),
    "batch for month 13": Case("county_clerk", "post", "/api/v1/batches", {"period": "2026-13"}),
    "start month of year 1": Case("admin", "put", "/api/v1/benefit-settings", {"payments_start": "0001-01"}),
    "a 1,000-character user name": Case(
        "admin",
        "post",
        "/api/v1/users",
        {
            "username": "u" * 1000,
            "role": "county_clerk",
            "region": "341199000000",
            "password": "x-9-y-8-z-7-w",
        },
    ),
    "a 1,000-character login name": Case(
        "", "post", "/api/v1/auth/token", {"username": "u" * 1000, "password": "whatever-123"}
    ),
    "a 1,000-character department": Case(
        "admin", "post", "/api/v1/departments", {"name": LONG, "region": "341199000000"}
    ),
    "1,000 petitioners": Case(
        "township_clerk",
        "post",
        "/api/v1/petitions",
        _petition(petitioners=[{"name": f"人{i}", "phone": "13900001234"} for i in range(1000)]),
    ),
    "a petition received in year 1": Case(
        "township_clerk", "post", "/api/v1/petitions", _petition(received_on="0001-01-01")
    ),
    "a 1,000-character subject": Case("township_clerk", "post", "/api/v1/petitions", _petition(subject=LONG)),
    "a group of 10^20": Case("township_clerk", "post", "/api/v1/petitions", _petition(group_size=int(HUGE))),
    "a person id of 10^20": Case(
        "township_clerk", "post", "/api/v1/petitions", _petition(beneficiary=int(HUGE))
    ),
    "an extension of 10^20 days": Case(
        "township_clerk", "post", "/api/v1/petitions/{petition}/extend", {"days": int(HUGE), "reason": "x"}
    ),
    "accepted in year 1": Case(
        "township_clerk",
        "post",
        "/api/v1/petitions/{petition}/accept",
        {"accepted_on": "0001-01-01", "handling_unit": "县民政局", "lead": "leader"},
    ),
    "a reply of 100,000 characters": Case(
        "township_clerk",
        "post",
        "/api/v1/petitions/{petition}/reply",
        {"replied_on": "2025-03-08", "text": "长" * 100_000},
    ),
    "a reception day in year 1": Case(
        "township_clerk",
        "post",
        "/api/v1/petitions/reception-days",
        {"date": "0001-01-01", "place": "接待室", "leader_name": "王局长"},
    ),
    "a reception day in year 9999": Case(
        "township_clerk",
        "post",
        "/api/v1/petitions/reception-days",
        {"date": "9999-12-31", "place": "接待室", "leader_name": "王局长"},
    ),
    "a move to region 000000000000": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries/{person}/life-events",
        {"kind": "move", "effective_on": "2025-01-01", "to_region": "000000000000"},
    ),
    "a move to a province": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries/{person}/life-events",
        {"kind": "move", "effective_on": "2025-01-01", "to_region": "340000"},
    ),
    "a life event in year 1": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries/{person}/life-events",
        {"kind": "phone_change", "effective_on": "0001-01-01", "phone": "13900001111"},
    ),
    "a qualification id of 10^20": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries/{person}/life-events",
        {"kind": "suspension", "effective_on": "2025-01-01", "qualification_id": int(HUGE)},
    ),
    "a person born in year 1": Case(
        "county_clerk", "post", "/api/v1/beneficiaries", _person(birth_date="0001-01-01")
    ),
    "a qualification approved in year 1": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries",
        _person(qualifications=[{"category": "war_participant", "approved_on": "0001-01-01"}]),
    ),
    "a 1,000-character person name": Case(
        "county_clerk", "post", "/api/v1/beneficiaries", _person(name=LONG)
    ),
    "1,000 qualifications": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries",
        _person(qualifications=[{"category": "war_participant", "approved_on": "2010-01-01"}] * 1000),
    ),
    "disability level 11": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries",
        _person(
            qualifications=[
                {
                    "category": "disabled_veteran",
                    "approved_on": "2010-01-01",
                    "disability_cause": "combat",
                    "disability_level": 11,
                }
            ]
        ),
    ),
    "notes of 100,000 characters": Case(
        "county_clerk", "patch", "/api/v1/beneficiaries/{person}", {"notes": "长" * 100_000}
    ),
    "a search for level 11": Case("county_clerk", "get", "/api/v1/beneficiaries?level=11"),
    "a search of 1,000 characters": Case("county_clerk", "get", f"/api/v1/beneficiaries?q={LONG}"),
    "entitlements from year 1": Case(
        "county_clerk", "get", "/api/v1/beneficiaries/{person}/entitlements?from=0001-01"
    ),
    "audit events from year 1": Case("auditor", "get", "/api/v1/audit/events?date_from=0001-01-01"),
    "audit events to year 9999": Case("auditor", "get", "/api/v1/audit/events?date_to=9999-12-31"),
    "a page number of 10^20": Case("county_clerk", "get", f"/api/v1/petitions?page={HUGE}"),
    "a page number of 1e308": Case("county_clerk", "get", "/api/v1/beneficiaries?page=1e308"),
    "a negative page": Case("county_clerk", "get", "/api/v1/users?page=-1"),
}


# The same requests without the odd field are accepted: each case tests its one field.
CONTROLS: dict[str, Case] = {
    "a person": Case("county_clerk", "post", "/api/v1/beneficiaries", _person()),
    "a petition": Case("township_clerk", "post", "/api/v1/petitions", _petition()),
    "a top-up": Case("county_clerk", "post", "/api/v1/topups", {"percent": "8.5", "from": "2027-01-01"}),
    "a move within the county": Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries/{person}/life-events",
        {"kind": "move", "effective_on": "2025-01-01", "to_region": "341199101201"},
    ),
    "a reception day": Case(
        "township_clerk",
        "post",
        "/api/v1/petitions/reception-days",
        {"date": "2027-01-05", "place": "接待室", "leader_name": "王局长"},
    ),
    "a user": Case(
        "admin",
        "post",
        "/api/v1/users",
        {
            "username": "u" * 150,
            "role": "county_clerk",
            "region": "341199000000",
            "password": "x-9-y-8-z-7-w",
        },
    ),
}


def _state() -> dict[str, int]:
    """What any of these requests could have changed."""
    return {
        "audit": AuditEvent.objects.count(),
        "people": Beneficiary.objects.count(),
        "active": Qualification.objects.exclude(status=QualificationStatus.ENDED).count(),
        "life events": LifeEvent.objects.count(),
        "petitions": Petition.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "reception days": ReceptionDay.objects.count(),
        "top-ups": LocalTopUp.objects.count(),
        "batches": Batch.objects.count(),
        "users": User.objects.count(),
    }


def _send(client: Client, world: World, case: Case, **ids: int) -> Any:
    headers = {}
    if case.who:
        user: User = getattr(world, case.who)
        key, _ = do_issue_token(user, acting_user=user)
        headers["authorization"] = f"Bearer {key}"
    url = case.url.format(**ids)
    if case.method == "get":
        return client.get(url, headers=headers)
    return getattr(client, case.method)(
        url, json.dumps(case.body), content_type="application/json", headers=headers
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES.keys())
def test_odd_input_gets_the_envelope_and_changes_nothing(world: World, name: str) -> None:
    person = register_person(world.county_clerk, world.village_a)
    petition = register_petition(world.township_clerk, world.township_a)
    client = Client(raise_request_exception=False)
    before = _state()
    response = _send(client, world, CASES[name], person=person.pk, petition=petition.pk)
    assert response.status_code == 400, response.content.decode()[:500]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    # The tokens issued for the request are audited; nothing else may be.
    after = _state()
    after["audit"] -= 1 if CASES[name].who else 0
    assert after == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", CONTROLS.keys())
def test_the_same_request_with_sane_input_is_accepted(world: World, name: str) -> None:
    person = register_person(world.county_clerk, world.village_a)
    petition = register_petition(world.township_clerk, world.township_a)
    response = _send(Client(), world, CONTROLS[name], person=person.pk, petition=petition.pk)
    assert response.status_code in (200, 201), response.content.decode()[:500]


@pytest.mark.django_db
def test_field_errors_name_the_bound_in_the_pages_language(world: World) -> None:
    client = Client()
    key, _ = do_issue_token(world.county_clerk, acting_user=world.county_clerk)
    headers = {"authorization": f"Bearer {key}", "accept-language": "zh-hans"}
    body = json.dumps({"period": "2026-13"})
    fields = client.post("/api/v1/batches", body, content_type="application/json", headers=headers).json()
    assert fields["error"]["fields"] == {"period": "月份请写成 YYYY-MM，例如 2026-01。"}
    body = json.dumps(_person(name=LONG))
    fields = client.post(
        "/api/v1/beneficiaries", body, content_type="application/json", headers=headers
    ).json()
    assert fields["error"]["fields"]["name"] == "最多 50 个字符。"
    # A union (a level as a number or as 五级) names the field, not pydantic's member.
    quals = [{"category": "disabled_veteran", "approved_on": "2010-01-01", "disability_level": 11}]
    body = json.dumps(_person(qualifications=quals))
    fields = client.post(
        "/api/v1/beneficiaries", body, content_type="application/json", headers=headers
    ).json()
    assert fields["error"]["fields"] == {"qualifications.0.disability_level": "不能大于 10。"}


@pytest.mark.django_db
def test_a_body_over_the_limit_gets_the_envelope(world: World, settings: LazySettings) -> None:
    client = Client(raise_request_exception=False)
    key, _ = do_issue_token(world.township_clerk, acting_user=world.township_clerk)
    headers = {"authorization": f"Bearer {key}"}
    before = _state()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps(_petition(content="长" * 5000))
    response = client.post("/api/v1/petitions", big, content_type="application/json", headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    settings.YOUFU_MAX_REQUEST_BYTES = 1000
    upload = {"file": ("regions.csv", b"code,name\n" * 500)}
    response = client.post("/api/v1/registry/imports", upload, headers=headers)
    assert response.status_code == 413
    assert response["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "too_large"
    assert _state()["petitions"] == before["petitions"]


@pytest.mark.django_db
def test_a_move_to_a_real_county_elsewhere_still_leaves_the_county(world: World) -> None:
    person = register_person(world.county_clerk, world.village_a)
    case = Case(
        "county_clerk",
        "post",
        "/api/v1/beneficiaries/{person}/life-events",
        {"kind": "move", "effective_on": "2025-01-01", "to_region": "110105"},
    )
    response = _send(Client(), world, case, person=person.pk)
    assert response.status_code == 201, response.content.decode()
    assert not person.qualifications.exclude(status=QualificationStatus.ENDED).exists()


# --- page numbers on every list -----------------------------------------------------------

WALKERS = ("county_clerk", "admin", "auditor")


def _lists_with_odd_pages(world: World, who: str) -> list[str]:
    """Every route, GET with odd page numbers: what answered a 500 or, on the API, a 400
    without the envelope."""
    user: User = getattr(world, who)
    key, _ = do_issue_token(user, acting_user=user)
    client = Client(raise_request_exception=False)
    log_in(client, user)
    broken: list[str] = []
    for route in all_routes():
        url = concrete(route, world)
        if "logout" in url:
            continue
        for page in (HUGE, "-1"):
            headers = {"authorization": f"Bearer {key}"} if url.startswith("/api/") else {}
            response = client.get(f"{url}?page={page}", headers=headers)
            status = response.status_code
            if status >= 500:
                broken.append(f"{who} GET {url}?page={page} answered {status}")
            elif url.startswith("/api/v1/") and status == 400 and "error" not in response.json():
                broken.append(f"{who} GET {url}?page={page}: 400 without the envelope")
    return broken


@pytest.mark.django_db
def test_no_page_number_crashes_a_list(walk_world: World) -> None:
    broken = [b for who in WALKERS for b in _lists_with_odd_pages(walk_world, who)]
    assert broken == []


@pytest.mark.django_db
def test_a_page_beyond_the_end_shows_the_last_page_or_an_envelope(walk_world: World) -> None:
    client = Client()
    client.force_login(walk_world.county_clerk)
    page = client.get(f"/registry/?page={HUGE}")
    assert page.status_code == 200
    assert "柳湾张三" in page.content.decode()
    key, _ = do_issue_token(walk_world.county_clerk, acting_user=walk_world.county_clerk)
    headers = {"authorization": f"Bearer {key}"}
    api = client.get(f"/api/v1/beneficiaries?page={HUGE}", headers=headers)
    assert api.status_code == 400
    assert "page" in api.json()["error"]["fields"]
    far = client.get("/api/v1/beneficiaries?page=10000000", headers=headers)
    assert far.status_code == 200
    assert far.json()["results"] == [] and far.json()["count"] >= 1


# --- the OpenAPI document -----------------------------------------------------------------


@pytest.mark.django_db
def test_every_operation_lists_its_error_answers(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "Error" in schema["components"]["schemas"]
    missing: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            wanted = set()
            if operation.get("parameters") or "requestBody" in operation:
                wanted.add("400")
            if operation.get("security"):
                wanted |= {"401", "403"}
            if "{" in path:
                wanted.add("404")
            if method in ("post", "put", "patch", "delete") and (operation.get("security") or "{" in path):
                wanted.add("409")
            listed = set(operation["responses"])
            for status in sorted(wanted - listed):
                missing.append(f"{method.upper()} {path}: {status}")
            for status in wanted:
                content = operation["responses"][status].get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if status in listed and not ref.endswith("/Error"):
                    missing.append(f"{method.upper()} {path}: {status} without the Error schema")
    assert missing == []
    # Every authenticated write can answer 409, every path with an id 404.
    assert "409" in schema["paths"]["/api/v1/batches"]["post"]["responses"]
    assert "404" in schema["paths"]["/api/v1/petitions/{petition_id}"]["get"]["responses"]


def _field(schema: dict[str, Any], name: str, field: str) -> dict[str, Any]:
    properties: dict[str, Any] = schema["components"]["schemas"][name]["properties"]
    found: dict[str, Any] = properties[field]
    return found


@pytest.mark.django_db
def test_the_document_shows_the_real_constraints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    period = _field(schema, "BatchIn", "period")
    assert re.match(period["pattern"], "2026-01") and not re.match(period["pattern"], "2026-13")
    level = next(
        p for p in schema["paths"]["/api/v1/beneficiaries"]["get"]["parameters"] if p["name"] == "level"
    )
    bounds = next(option for option in level["schema"]["anyOf"] if option.get("type") == "integer")
    assert (bounds["minimum"], bounds["maximum"]) == (1, 10)
    percent = json.dumps(_field(schema, "TopUpIn", "percent"))
    assert '"maximum": 100' in percent and '"minimum": -100' in percent
    assert _field(schema, "PetitionIn", "petitioners")["maxItems"] == 100
    assert _field(schema, "UserIn", "username")["maxLength"] == 150
    page = next(p for p in schema["paths"]["/api/v1/petitions"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 10_000_000


def test_every_walked_route_parameter_has_a_sample() -> None:
    assert {p for r in all_routes() for p in r.params} <= set(SAMPLES)


# --- the pages' forms -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("received_on", ["0001-01-01", "9999-12-31"])
def test_the_petition_form_refuses_a_date_out_of_range(world: World, received_on: str) -> None:
    client = Client(raise_request_exception=False)
    log_in(client, world.township_clerk)
    form = {
        "channel": "letter",
        "received_on": received_on,
        "region": world.township_a.code,
        "category": "housing",
        "subject": "危房改造补助申请",
        "content": "房屋漏雨，申请补助。",
        "group_size": "",
        "referred_by": "",
        "name_0": "王五",
        "phone_0": "13900005555",
        "id_number_0": "",
    }
    response = client.post("/petitions/new/", form)
    assert response.status_code == 200
    assert "1900-01-01" in response.content.decode()
    assert not Petition.objects.exists()
    response = client.post("/petitions/new/", {**form, "received_on": "2025-06-10", "group_size": HUGE})
    assert response.status_code == 200
    assert not Petition.objects.exists()


@pytest.mark.django_db
def test_the_audit_search_refuses_a_date_out_of_range(world: World) -> None:
    client = Client(raise_request_exception=False)
    log_in(client, world.auditor)
    # The day after 9999-12-31 overflowed the date type: a 500 before the bound.
    assert client.get("/audit/?date_to=9999-12-31").status_code == 200
    assert client.get("/audit/?date_from=0001-01-01").status_code == 200


@pytest.mark.django_db
def test_the_command_line_refuses_a_1000_character_user_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from youfu.accounts.tests.test_create_user import create_user

    before = _state()
    code, _, err = create_user(
        "u" * 1000,
        "--role",
        "county_clerk",
        "--region",
        world.county.code,
        "--as",
        "admin",
        monkeypatch=monkeypatch,
    )
    assert code == 1 and "150" in err
    assert _state() == before
