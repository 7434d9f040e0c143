"""The pairing pages: each form posted as a clerk or liaison would, the page after it, the
refusals re-rendered in zh-Hans with nothing changed, filters, exports, the totals page, the
liaison's department page, the person card, the work list and the menu."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.outreach.pairing.models import Pairing, PairingActivity
from youfu.outreach.pairing.services import do_end_pairing
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World, log_in, menu_urls

from .factories_pairing import (
    activity,
    department,
    pairing,
    pairing_today,  # noqa: F401
    person,
    snapshot,
)

pytestmark = pytest.mark.django_db


def page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def sheet(response: Any) -> list[list[Any]]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


# --- a new pairing -----------------------------------------------------------------------------


def test_a_county_clerk_pairs_through_the_form(client: Client, world: World) -> None:
    zhang = person(world)
    log_in(client, world.county_clerk)
    # The clerk finds the person by name and chooses them (or comes from the person's page).
    found = page(client, "/pairing/new/", q="柳湾张三")
    assert f'href="?beneficiary={zhang.pk}"' in found and 'data-testid="pairing-form"' not in found
    form = page(client, "/pairing/new/", beneficiary=zhang.pk)
    assert f'value="{zhang.pk}"' in form and "柳湾张三" in form
    response = client.post(
        "/pairing/new/",
        {
            "department": world.department.pk,
            "beneficiary": zhang.pk,
            "started_on": "2024-03-01",
            "note": "县委文件",
        },
        follow=True,
    )
    paired = Pairing.objects.get()  # scope: test
    assert response.redirect_chain[-1][0] == f"/pairing/{paired.pk}/"
    text = response.content.decode()
    assert "县民政局 ↔ 柳湾张三" in text
    assert "2024-03-01" in text


def test_the_pairing_form_shows_refusals_in_chinese_and_changes_nothing(client: Client, world: World) -> None:
    first = pairing(world)
    log_in(client, world.county_clerk)
    before = snapshot()
    for data, message in [
        ({"beneficiary": first.beneficiary_id, "started_on": "2025-01-01"}, "已与"),  # already paired
        ({"beneficiary": first.beneficiary_id, "started_on": "2025-06-17"}, "晚于今天"),  # future
        ({"beneficiary": 999_999, "started_on": "2024-01-01"}, "未知"),
        ({"beneficiary": "", "started_on": "2024-01-01"}, "必填"),
    ]:
        response = client.post("/pairing/new/", {"department": world.department.pk, **data})
        assert response.status_code == 200
        assert message in response.content.decode(), (data, response.content.decode())
    assert snapshot() == before


@pytest.mark.parametrize("who", ["township_clerk", "leader", "liaison"])
def test_only_county_clerks_open_the_pairing_form(client: Client, world: World, who: str) -> None:
    log_in(client, getattr(world, who))
    assert client.get("/pairing/new/").status_code == 403


# --- one pairing -------------------------------------------------------------------------------


def test_the_liaison_records_an_activity_on_the_page(client: Client, world: World) -> None:
    paired = pairing(world)
    log_in(client, world.liaison)
    text = page(client, f"/pairing/{paired.pk}/")
    assert 'data-testid="activity-form"' in text
    assert 'data-testid="end-form"' not in text  # a liaison does not end pairings
    response = client.post(
        f"/pairing/{paired.pk}/",
        {
            "action": "activity",
            "kind": "skills",
            "done_on": "2025-05-06",
            "amount": "450",
            "count": "2",
            "note": "电焊培训",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "技能培训" in text and "450.00" in text and "电焊培训" in text
    assert PairingActivity.objects.get().recorded_by == world.liaison  # scope: test


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "funds", "amount": ""}, "金额"),
        ({"kind": "funds", "amount": "-3"}, "0"),
        ({"kind": "funds", "amount": "300000"}, "200000"),
        ({"kind": "policy", "amount": "30"}, "不涉及金额"),
        ({"kind": "dinner"}, "有效"),
        ({"done_on": "2025-06-17"}, "晚于今天"),
        ({"done_on": "2023-12-01"}, "2024-01-01"),
        ({"note": ""}, "必填"),
    ],
)
def test_activity_refusals_on_the_page(
    client: Client, world: World, data: dict[str, str], message: str
) -> None:
    paired = pairing(world)
    log_in(client, world.liaison)
    before = snapshot()
    body = {
        "action": "activity",
        "kind": "funds",
        "done_on": "2025-05-06",
        "amount": "100",
        "note": "慰问",
        **data,
    }
    response = client.post(f"/pairing/{paired.pk}/", body)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text, text
    assert 'open data-testid="activity-action"' in text  # the form stays open, with its error
    assert snapshot() == before


def test_an_activity_for_a_pairing_ended_meanwhile_shows_why(client: Client, world: World) -> None:
    paired = pairing(world)
    log_in(client, world.liaison)
    page(client, f"/pairing/{paired.pk}/")  # the form is open on the liaison's screen …
    do_end_pairing(paired, ended_on=date(2025, 6, 1), acting_user=world.county_clerk)  # … when it ends
    before = snapshot()
    body = {"action": "activity", "kind": "policy", "done_on": "2025-05-06", "note": "宣讲"}
    response = client.post(f"/pairing/{paired.pk}/", body)
    assert response.status_code == 400
    assert "该结对已于 2025-06-01 终止，不能再登记帮扶活动" in response.content.decode()
    assert snapshot() == before


def test_a_county_clerk_ends_a_pairing_on_the_page(client: Client, world: World) -> None:
    paired = pairing(world)
    activity(world, paired, done_on=date(2025, 3, 1))
    log_in(client, world.county_clerk)
    before = snapshot()
    response = client.post(f"/pairing/{paired.pk}/", {"action": "end", "ended_on": "2025-02-01"})
    assert response.status_code == 400
    assert "2025-03-01" in response.content.decode()
    assert snapshot() == before
    response = client.post(
        f"/pairing/{paired.pk}/",
        {"action": "end", "ended_on": "2025-06-01", "reason": "对象迁出"},
        follow=True,
    )
    text = response.content.decode()
    assert "已于 2025-06-01 终止" in text, text
    assert 'data-testid="activity-form"' not in text  # ended: no more activities


def test_the_pairing_page_is_scoped(client: Client, world: World) -> None:
    ours = pairing(world)
    theirs = pairing(world, of=ours.beneficiary, unit=department(world))
    log_in(client, world.liaison)
    assert client.get(f"/pairing/{theirs.pk}/").status_code == 404
    before = snapshot()
    body = {"action": "activity", "kind": "policy", "done_on": "2025-05-06", "note": "宣讲"}
    assert client.post(f"/pairing/{theirs.pk}/", body).status_code == 404
    assert snapshot() == before
    log_in(client, world.other_township_clerk)
    assert client.get(f"/pairing/{ours.pk}/").status_code == 404
    assert client.post(f"/pairing/{ours.pk}/", body).status_code == 404
    log_in(client, world.township_clerk)
    text = page(client, f"/pairing/{ours.pk}/")
    assert 'data-testid="activity-form"' not in text
    assert client.post(f"/pairing/{ours.pk}/", body).status_code == 403
    assert snapshot() == before


# --- the list ----------------------------------------------------------------------------------


def test_the_list_filters_and_pages(client: Client, world: World) -> None:
    a = pairing(world)
    b = pairing(world, of=person(world, world.village_b, name="石桥李四"), unit=department(world))
    activity(world, b, done_on=date(2025, 4, 20))
    log_in(client, world.county_clerk)
    text = page(client, "/pairing/")
    assert "柳湾张三" in text and "石桥李四" in text
    text = page(client, "/pairing/", township=world.township_b.code)
    assert "柳湾张三" not in text and "石桥李四" in text
    text = page(client, "/pairing/", department=world.department.pk)
    assert "柳湾张三" in text and "石桥李四" not in text
    text = page(client, "/pairing/", quiet="1", state="open")
    assert "柳湾张三" in text and "石桥李四" not in text
    text = page(client, "/pairing/", state="ended")
    assert "柳湾张三" not in text
    assert a.pk


def test_the_list_export_is_data_and_audited(client: Client, world: World) -> None:
    pairing(world, of=person(world, name="=HYPERLINK(1)"))
    log_in(client, world.county_clerk)
    rows = sheet(client.get("/pairing/export.xlsx", {"state": "open"}))
    assert rows[0][:3] == ["帮扶单位", "乡镇(街道)", "姓名"]
    assert rows[1][2] == "=HYPERLINK(1)"  # a text cell, never a formula
    event = AuditEvent.objects.get(event_type=EventType.PERSONAL_DATA_EXPORTED)
    assert event.extra["what"] == "pairings"
    assert event.extra["rows"] == 1


def test_a_liaison_lists_only_their_department(client: Client, world: World) -> None:
    pairing(world)
    pairing(world, of=person(world, name="柳湾王五"), unit=department(world))
    log_in(client, world.liaison)
    text = page(client, "/pairing/")
    assert "柳湾张三" in text and "柳湾王五" not in text
    assert 'data-testid="own-department"' in text
    rows = sheet(client.get("/pairing/export.xlsx"))
    assert [r[2] for r in rows[1:]] == ["柳湾张三"]


# --- a department, the totals ------------------------------------------------------------------


def test_the_liaison_home_shows_households_and_this_year(client: Client, world: World) -> None:
    paired = pairing(world)
    activity(world, paired, kind="funds", amount="800.00", done_on=date(2025, 2, 1), by=world.liaison)
    activity(world, paired, kind="policy", amount=None, count=3, done_on=date(2024, 11, 1), by=world.liaison)
    other = pairing(world, of=person(world, name="柳湾王五"), unit=department(world))
    log_in(client, world.liaison)
    home = page(client, "/")
    assert 'data-testid="work-pairing"' in home
    assert "自 2025-04-01 以来尚无帮扶活动的结对" in home  # nothing yet this quarter
    assert "/pairing/?state=open&amp;quiet=1" in home
    assert "本单位结对户" in home
    assert "2025年已登记的帮扶活动" in home
    summary = page(client, "/pairing/summary/")
    assert "全县合计" not in summary and "县交通运输局" not in summary  # the department's own totals
    text = page(client, f"/pairing/departments/{world.department.pk}/")
    assert "柳湾张三" in text and "柳湾王五" not in text
    assert "800.00" in text
    assert "2024-11-01" not in text  # last year's activity is not this year's
    assert "2024-11-01" in page(client, f"/pairing/departments/{world.department.pk}/", year=2024)
    assert client.get(f"/pairing/departments/{other.department_id}/").status_code == 404


def test_a_township_clerk_opens_a_county_department_through_their_people(
    client: Client, world: World
) -> None:
    pairing(world)
    log_in(client, world.township_clerk)
    assert "柳湾张三" in page(client, f"/pairing/departments/{world.department.pk}/")
    log_in(client, world.other_township_clerk)
    assert client.get(f"/pairing/departments/{world.department.pk}/").status_code == 404


def test_the_summary_page_and_its_export(client: Client, world: World) -> None:
    a = pairing(world)
    b = pairing(world, of=person(world, world.village_b, name="石桥李四"), unit=department(world))
    activity(world, a, kind="funds", amount="1000.00")
    activity(world, b, kind="funds", amount="250.50")
    activity(world, b, kind="jobs", amount=None, count=2)
    log_in(client, world.leader)
    text = page(client, "/pairing/summary/", year=2025)
    assert "县民政局" in text and "县交通运输局" in text
    assert "1,250.50" in text  # the county's money
    assert "全县合计" in text
    rows = sheet(client.get("/pairing/summary.xlsx", {"year": 2025}))
    header = rows[0]
    assert header[0] == "帮扶单位"
    total = rows[-1]
    assert total[0] == "合计"
    assert total[header.index("结对户数")] == 2
    assert total[header.index("帮扶资金合计(元)")] == 1250.5
    assert rows[1][0] == "县交通运输局"  # by name


# --- the person card, the work list, the menu ---------------------------------------------------


def test_the_person_card(client: Client, world: World) -> None:
    paired = pairing(world)
    activity(world, paired, kind="funds", amount="600.00", note="助学资金")
    log_in(client, world.township_clerk)
    text = page(client, f"/registry/{paired.beneficiary_id}/")
    assert 'data-testid="pairing"' in text
    assert "县民政局" in text and "助学资金" in text and "600.00" in text
    assert 'data-testid="pair-person"' not in text  # a township clerk does not pair
    log_in(client, world.county_clerk)
    assert 'data-testid="pair-person"' in page(client, f"/registry/{paired.beneficiary_id}/")


def test_the_county_clerk_work_list(client: Client, world: World) -> None:
    quiet = pairing(world)
    busy = pairing(world, of=person(world, name="柳湾王五"))
    activity(world, busy, done_on=date(2025, 4, 2))
    do_record_life_event(
        quiet.beneficiary, LifeEventKind.DEATH, effective_on=date(2025, 5, 5), acting_user=world.county_clerk
    )
    log_in(client, world.county_clerk)
    home = page(client, "/")
    assert "/pairing/?state=open&amp;deceased=1" in home
    text = page(client, "/pairing/", state="open", deceased="1")
    assert "柳湾张三" in text and "柳湾王五" not in text


def test_the_menu(client: Client, world: World) -> None:
    for user in (world.county_clerk, world.township_clerk, world.leader, world.liaison):
        assert "/pairing/" in menu_urls(user)
    log_in(client, world.admin)
    assert "/pairing/" not in menu_urls(world.admin)
    assert client.get("/pairing/").status_code == 403


def test_of_the_care_areas_a_liaisons_menu_leads_to_pairing_only(world: World) -> None:
    care = {"/relief/", "/medical/", "/housing/", "/discoveries/", "/pairing/", "/visits/", "/needs-checks/"}
    assert menu_urls(world.liaison) & care == {"/pairing/"}
    assert menu_urls(world.county_clerk) & care == care
    assert menu_urls(world.leader) & care == care
    assert menu_urls(world.village_assistant) & care == care
