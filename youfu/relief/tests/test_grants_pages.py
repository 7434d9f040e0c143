"""The relief pages in zh-Hans: the list with its filters and .xlsx export, the application
form (finding the person by the registry's search), the detail page with the chain's
history and only the actions the user may take, the settings page, the person card and the
home work list. Forms are posted as a browser would, and the page after is checked."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.relief.grants import services
from youfu.relief.grants.models import ReliefDocument, ReliefGrant, ReliefSettings
from youfu.relief.tests.factories_grants import PNG, apply, approve_all, eligible_person, fingerprint
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_list_filters_and_exports(world: World, client: Client) -> None:
    person = eligible_person(world, name="王五")
    apply(world, person, "100.00", reason="disaster", applied_on=date(2025, 5, 1))
    apply(world, person, "200.00")
    log_in(client, world.township_clerk)
    html = page(client, "/relief/")
    assert "临时救助" in html and "王五" in html
    assert html.count('href="/relief/') >= 2
    html = page(client, "/relief/?reason=disaster&year=2025")
    assert "100.00" in html and "200.00" not in html
    response = client.get("/relief/export.xlsx?reason=disaster")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "乡镇(街道)", "姓名", "公民身份号码", "事由", "金额")
    assert len(rows) == 2 and rows[1][2] == "王五"
    assert rows[0][9] == "经办人" and rows[1][9] == "village"  # no full name: the username
    assert rows[1][6] == datetime(2025, 5, 1) and sheet.cell(row=2, column=7).is_date  # a date cell
    assert sheet.freeze_panes == "A2"
    assert AuditEvent.objects.filter(
        event_type=EventType.PERSONAL_DATA_EXPORTED, actor=world.township_clerk
    ).exists()


def test_a_village_assistant_finds_the_person_and_applies(world: World, client: Client) -> None:
    person = eligible_person(world, name="赵六")
    log_in(client, world.village_assistant)
    html = page(client, "/relief/new/?q=赵六")
    assert f'href="?person={person.pk}"' in html
    html = page(client, f"/relief/new/?person={person.pk}")
    assert 'data-testid="application-form"' in html and "乡镇" in html
    assert 'data-testid="no-bank-account"' not in html
    # Someone with no bank account on record may apply; the clerk is told the payment will wait.
    unbanked = eligible_person(world, name="钱七", bank_name="", bank_account="")
    warning = page(client, f"/relief/new/?person={unbanked.pk}")
    assert 'data-testid="no-bank-account"' in warning and "银行账号" in warning
    document = SimpleUploadedFile("票据.png", PNG, content_type="image/png")
    response = client.post(
        "/relief/new/",
        {
            "person": person.pk,
            "reason": "accident",
            "amount": "880.00",
            "applied_on": "2026-11-02",
            "note": "车祸",
            "documents": [document],
        },
    )
    grant = ReliefGrant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/relief/{grant.pk}/"
    assert (grant.amount_fen, grant.next_step, grant.reason) == (88_000, "township", "accident")
    assert ReliefDocument.objects.filter(grant=grant).count() == 1
    html = page(client, f"/relief/{grant.pk}/")
    assert "票据.png" in html and "880.00" in html


def test_a_refused_application_re_renders_with_the_reason(world: World, client: Client) -> None:
    person = eligible_person(world)
    log_in(client, world.village_assistant)
    before = fingerprint()
    response = client.post(
        "/relief/new/",
        {"person": person.pk, "reason": "illness", "amount": "6000.00", "applied_on": "2026-11-02"},
    )
    assert response.status_code == 200
    assert "5,000.00" in response.content.decode() or "5000.00" in response.content.decode()
    fake = SimpleUploadedFile("x.png", b"GIF89a not a png", content_type="image/png")
    response = client.post(
        "/relief/new/",
        {
            "person": person.pk,
            "reason": "illness",
            "amount": "60.00",
            "applied_on": "2026-11-02",
            "documents": [fake],
        },
    )
    assert response.status_code == 200
    assert fingerprint() == before


def test_the_detail_page_offers_only_what_the_user_may_do_now(world: World, client: Client) -> None:
    grant = apply(world, eligible_person(world), "3500.00")
    log_in(client, world.village_assistant)
    assert 'data-action="approve"' not in page(client, f"/relief/{grant.pk}/")
    log_in(client, world.county_clerk)
    assert 'data-action="approve"' not in page(client, f"/relief/{grant.pk}/")
    log_in(client, world.township_clerk)
    html = page(client, f"/relief/{grant.pk}/")
    assert 'data-action="approve"' in html and 'data-action="return"' in html
    response = client.post(f"/relief/{grant.pk}/", {"action": "approve", "note": "情况属实"})
    assert response.status_code == 302
    html = page(client, f"/relief/{grant.pk}/")
    assert "情况属实" in html and 'data-action="approve"' not in html
    grant.refresh_from_db()
    assert grant.next_step == "county"


def test_a_step_refused_by_the_service_shows_why_and_changes_nothing(world: World, client: Client) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    log_in(client, world.county_clerk)
    before = fingerprint()
    response = client.post(f"/relief/{grant.pk}/", {"action": "approve"})
    assert response.status_code == 400
    assert "乡镇" in response.content.decode()
    response = client.post(f"/relief/{grant.pk}/", {"action": "return", "reason": ""})
    assert response.status_code == 400
    assert fingerprint() == before


def test_return_resubmit_and_cancel_through_the_page(world: World, client: Client) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    log_in(client, world.township_clerk)
    assert client.post(f"/relief/{grant.pk}/", {"action": "return", "reason": "补材料"}).status_code == 302
    log_in(client, world.village_assistant)
    html = page(client, f"/relief/{grant.pk}/")
    assert 'data-action="resubmit"' in html and 'data-action="cancel"' in html
    response = client.post(
        f"/relief/{grant.pk}/",
        {
            "action": "resubmit",
            "reason": "illness",
            "amount": "900.00",
            "applied_on": "2026-11-03",
            "note": "已补",
        },
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.state, grant.round, grant.amount_fen) == ("pending", 2, 90_000)
    grant = approve_all(world, grant)
    log_in(client, world.county_clerk)
    assert client.post(f"/relief/{grant.pk}/", {"action": "cancel", "reason": "重复"}).status_code == 302
    grant.refresh_from_db()
    assert grant.state == "cancelled"


def test_another_townships_grant_is_404_on_every_page(world: World, client: Client) -> None:
    grant = apply(world, eligible_person(world), "1000.00")
    log_in(client, world.other_township_clerk)
    before = fingerprint()
    assert client.get(f"/relief/{grant.pk}/").status_code == 404
    assert client.post(f"/relief/{grant.pk}/", {"action": "return", "reason": "x"}).status_code == 404
    assert client.get(f"/relief/new/?person={grant.beneficiary_id}").status_code == 404
    assert grant.beneficiary.name not in page(client, "/relief/")
    assert fingerprint() == before


def test_the_settings_page(world: World, client: Client) -> None:
    log_in(client, world.township_clerk)
    html = page(client, "/relief/settings/")
    assert "5,000.00" in html and 'data-testid="settings-form"' not in html
    assert client.post("/relief/settings/", {"case_cap": "1"}).status_code == 404
    log_in(client, world.leader)
    html = page(client, "/relief/settings/")
    assert 'data-testid="settings-form"' in html
    response = client.post(
        "/relief/settings/",
        {
            "case_cap": "6000.00",
            "year_cap": "12000.00",
            "leader_above": "2000.00",
            "categories": ["disabled_veteran", "martyr_survivor"],
        },
    )
    assert response.status_code == 302
    current = ReliefSettings.objects.order_by("-number").first()
    assert current is not None
    assert (current.number, current.case_cap_fen, current.categories) == (
        2,
        600_000,
        ["disabled_veteran", "martyr_survivor"],
    )
    html = page(client, "/relief/settings/")
    assert "6,000.00" in html and "12,000.00" in html
    response = client.post(
        "/relief/settings/",
        {
            "case_cap": "60000.00",
            "year_cap": "12000.00",
            "leader_above": "2000.00",
            "categories": ["disabled_veteran"],
        },
    )
    assert response.status_code == 400
    assert ReliefSettings.objects.count() == 2


def test_the_person_card_shows_the_grants_and_this_years_total(world: World, client: Client) -> None:
    person = eligible_person(world)
    apply(world, person, "1500.00")
    log_in(client, world.township_clerk)
    html = page(client, f"/registry/{person.pk}/")
    assert 'data-testid="relief"' in html
    assert "1,500.00" in html and "10,000.00" in html


def test_the_work_list_counts_what_waits_for_each_role(world: World, client: Client) -> None:
    apply(world, eligible_person(world), "3500.00")
    log_in(client, world.township_clerk)
    html = page(client, "/")
    assert "待我审批的临时救助" in html
    log_in(client, world.county_clerk)
    assert "待我审批的临时救助" not in page(client, "/")
    grant = ReliefGrant.objects.get()
    services.do_approve(grant, acting_user=world.township_clerk)
    assert "待我审批的临时救助" in page(client, "/")
    html = page(client, "/relief/?waiting=1")
    assert f"#{grant.pk}" in html
