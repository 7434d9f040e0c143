"""走访慰问 pages: the forms posted as a browser would, the lists, exports, the person card, the
home work list and the menu."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.outreach.tests.factories_visits import campaign, person, starts, visit
from youfu.outreach.tests.test_visits_services import stored
from youfu.outreach.visits.models import Visit, VisitCampaign
from youfu.registry.categories import Category
from youfu.testing import World, log_in, menu_urls

pytestmark = pytest.mark.django_db


def campaign_form(world: World, **overrides: Any) -> dict[str, Any]:
    first = starts(3)
    data: dict[str, Any] = {
        "name": "2027年春节走访慰问",
        "starts_on": first.isoformat(),
        "ends_on": (first + timedelta(days=25)).isoformat(),
        "categories": [Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN],
        "min_age": "",
        "region": world.county.code,
    }
    data.update(overrides)
    return data


def visit_form(target: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "target": target,
        "visited_on": timezone.localdate().isoformat(),
        "visitors": "李乡干、周协理",
        "money": "800",
        "goods": "米一袋",
    }
    data.update(overrides)
    return data


def workbook_rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class TestCampaignForm:
    def test_a_county_clerk_creates_a_campaign_and_lands_on_it(self, world: World, client: Client) -> None:
        person(world)
        person(world, world.village_b, categories=(Category.DISABLED_VETERAN,))
        log_in(client, world.county_clerk)
        page = client.get("/visits/new/")
        assert page.status_code == 200
        text = page.content.decode()
        assert 'type="checkbox"' in text and "东岭镇" in text and "青山县" in text
        response = client.post("/visits/new/", campaign_form(world))
        c = VisitCampaign.objects.get()  # scope: test
        assert response.status_code == 302 and response["Location"] == f"/visits/{c.pk}/"
        detail = client.get(response["Location"]).content.decode()
        assert "2027年春节走访慰问" in detail and "城关镇" in detail and "东岭镇" in detail

    def test_a_township_clerk_is_offered_only_their_township(self, world: World, client: Client) -> None:
        person(world)
        log_in(client, world.township_clerk)
        text = client.get("/visits/new/").content.decode()
        assert "城关镇" in text and "东岭镇" not in text and "青山县" not in text
        before = stored()
        response = client.post("/visits/new/", campaign_form(world, region=world.county.code))
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert stored() == before
        response = client.post("/visits/new/", campaign_form(world, region=world.township_a.code))
        assert response.status_code == 302

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"categories": []}, "这是必填项"),
            ({"ends_on": "2019-01-01"}, "活动结束日期早于开始日期"),
            ({"categories": [Category.MARTYR_SURVIVOR]}, "首日没有人持有这些类别"),
        ],
    )
    def test_bad_input_rerenders_with_the_error_in_chinese(
        self, world: World, client: Client, overrides: dict[str, Any], message: str
    ) -> None:
        person(world)
        log_in(client, world.county_clerk)
        before = stored()
        response = client.post("/visits/new/", campaign_form(world, **overrides))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert stored() == before

    def test_the_leader_and_village_assistant_may_not_create(self, world: World, client: Client) -> None:
        person(world)
        for user in (world.leader, world.village_assistant):
            log_in(client, user)
            assert client.post("/visits/new/", campaign_form(world)).status_code == 403
        assert VisitCampaign.objects.count() == 0  # scope: test


class TestCampaignPages:
    def test_the_list_shows_coverage_filters_and_exports(self, world: World, client: Client) -> None:
        a = person(world, name="城关甲")
        person(world, world.village_b, name="东岭乙")
        running = campaign(world)
        campaign(world, starts_on=starts(80), ends_on=starts(60), name="去年八一")
        visit(world, running, a)
        log_in(client, world.county_clerk)
        text = client.get("/visits/").content.decode()
        assert "春节走访慰问" in text and "去年八一" in text and "50.0%" in text
        assert "去年八一" not in client.get("/visits/?state=open").content.decode()
        rows = workbook_rows(client.get("/visits/campaigns.xlsx?state=open").content)
        assert rows[0][0] == "名称"  # the header first, like every export
        assert rows[1][0] == "春节走访慰问" and rows[1][5:8] == [2, 1, 50]

    def test_the_detail_shows_bars_lists_and_a_record_action(self, world: World, client: Client) -> None:
        a = person(world, name="城关甲")
        b = person(world, name="城关乙")
        person(world, world.village_b, name="东岭丙")
        c = campaign(world)
        visit(world, c, a)
        log_in(client, world.township_clerk)
        text = client.get(f"/visits/{c.pk}/").content.decode()
        assert 'data-testid="by-township"' in text and "width: 50.0%" in text
        assert "东岭镇" not in text and "东岭丙" not in text  # only their township
        assert f"/visits/{c.pk}/record/?person={b.pk}" in text and "城关甲" not in text
        visited = client.get(f"/visits/{c.pk}/?list=visited").content.decode()
        assert "城关甲" in visited and "800.00" not in visited and "500.00" in visited

    def test_the_visit_register_export(self, world: World, client: Client) -> None:
        a = person(world, name="城关甲", categories=(Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN))
        b = person(world, world.village_b, name="=HYPERLINK(1)")
        c = campaign(world, categories=(Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN))
        visit(world, c, a, money="500.00", goods="米一袋")
        visit(world, c, b, money="300.50", goods="=1+1")
        log_in(client, world.county_clerk)
        response = client.get(f"/visits/{c.pk}/visits.xlsx")
        assert response.status_code == 200
        rows = workbook_rows(response.content)
        assert rows[0][0] == "春节走访慰问 慰问登记表"
        assert rows[1] == ["姓名", "类别", "乡镇(街道)", "走访日期", "走访人", "慰问金", "慰问品"]
        body = {r[0]: r for r in rows[2:4]}
        assert body["城关甲"][1:3] == ["残疾军人、参战退役人员", "城关镇"]
        assert body["城关甲"][5] == 500 and body["=HYPERLINK(1)"][6] == "=1+1"  # text, never a formula
        assert rows[4][0] == "合计 2 人" and rows[4][5] == 800.5
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet.freeze_panes == "A3"  # the printed title, then the header stays in view
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        event = AuditEvent.objects.filter(event_type=EventType.PERSONAL_DATA_EXPORTED).latest("seq")
        assert event.extra["what"] == "visit_register" and event.extra["rows"] == 2

    def test_the_not_visited_export_is_scoped_and_audited(self, world: World, client: Client) -> None:
        person(world, name="城关甲", phone="13911112222")
        person(world, world.village_b, name="东岭乙")
        c = campaign(world)
        log_in(client, world.township_clerk)
        rows = workbook_rows(client.get(f"/visits/{c.pk}/not-visited.xlsx").content)
        assert rows[0] == ["姓名", "类别", "乡镇(街道)", "村(社区)", "年龄", "联系电话"]
        assert [r[0] for r in rows[1:]] == ["城关甲"]
        assert rows[1][3] == "柳湾村" and rows[1][5] == "13911112222"
        event = AuditEvent.objects.filter(event_type=EventType.PERSONAL_DATA_EXPORTED).latest("seq")
        assert event.extra == {
            "what": "not_visited",
            "campaign": c.pk,
            "rows": 1,
            "fields": ["name", "categories", "township", "village", "age", "phone"],
        }

    def test_another_townships_campaign_is_404(self, world: World, client: Client) -> None:
        person(world, world.village_b)
        c = campaign(world, region=world.township_b, by=world.other_township_clerk)
        log_in(client, world.township_clerk)
        for url in ("", "record/", "visits.xlsx", "not-visited.xlsx"):
            assert client.get(f"/visits/{c.pk}/{url}").status_code == 404, url


class TestChangeForm:
    def test_the_county_clerk_extends_the_campaign(self, world: World, client: Client) -> None:
        person(world)
        c = campaign(world)
        log_in(client, world.county_clerk)
        assert f"/visits/{c.pk}/change/" in client.get(f"/visits/{c.pk}/").content.decode()
        later = c.ends_on + timedelta(days=5)
        response = client.post(
            f"/visits/{c.pk}/change/", {"name": "春节走访慰问", "ends_on": later.isoformat()}
        )
        assert response.status_code == 302
        c.refresh_from_db()
        assert c.ends_on == later
        assert later.isoformat() in client.get(response["Location"]).content.decode()

    def test_an_end_before_a_visit_rerenders_in_chinese(self, world: World, client: Client) -> None:
        who = person(world)
        c = campaign(world)
        visit(world, c, who, visited_on=starts(2))
        log_in(client, world.county_clerk)
        before = stored()
        response = client.post(f"/visits/{c.pk}/change/", {"name": c.name, "ends_on": starts(3).isoformat()})
        assert response.status_code == 200 and "活动结束日期不能早于" in response.content.decode()
        assert stored() == before

    def test_a_township_clerk_may_not_change_the_county_campaign(self, world: World, client: Client) -> None:
        person(world)
        c = campaign(world)
        log_in(client, world.township_clerk)
        assert f"/visits/{c.pk}/change/" not in client.get(f"/visits/{c.pk}/").content.decode()
        before = stored()
        assert (
            client.post(
                f"/visits/{c.pk}/change/", {"name": "改名", "ends_on": c.ends_on.isoformat()}
            ).status_code
            == 403
        )
        assert stored() == before


class TestVisitForm:
    def test_a_township_clerk_records_from_the_not_visited_list(self, world: World, client: Client) -> None:
        a = person(world, name="城关甲")
        person(world, world.village_b, name="东岭乙")
        c = campaign(world)
        log_in(client, world.township_clerk)
        page = client.get(f"/visits/{c.pk}/record/?person={a.pk}")
        text = page.content.decode()
        target = c.targets.get(beneficiary=a)
        assert f'<option value="{target.pk}" selected>' in text and "东岭乙" not in text
        response = client.post(f"/visits/{c.pk}/record/?person={a.pk}", visit_form(target.pk))
        assert response.status_code == 302
        v = Visit.objects.get()  # scope: test
        assert (v.target, v.money_fen, v.visitors, v.recorded_by) == (
            target,
            80000,
            "李乡干、周协理",
            world.township_clerk,
        )
        after = client.get(response["Location"]).content.decode()
        assert "城关甲" in after and "100.0%" in after  # the coverage shows it
        # Recorded once: the person is no longer offered, and posting again is refused.
        before = stored()
        again = client.post(f"/visits/{c.pk}/record/", visit_form(target.pk))
        assert again.status_code == 200 and "errorlist" in again.content.decode()
        assert stored() == before

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"visited_on": "FUTURE"}, "走访完成后才能登记"),
            ({"visited_on": "BEFORE"}, "活动时间为"),
            ({"money": "-5"}, "金额不能少于 0 元"),
            ({"money": "20000"}, "金额不能超过 10000 元"),
            ({"visitors": ""}, "这是必填项"),
        ],
    )
    def test_bad_input_rerenders_with_the_error_in_chinese(
        self, world: World, client: Client, overrides: dict[str, Any], message: str
    ) -> None:
        a = person(world)
        c = campaign(world)
        target = c.targets.get(beneficiary=a)
        if overrides.get("visited_on") == "FUTURE":
            overrides["visited_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
        if overrides.get("visited_on") == "BEFORE":
            overrides["visited_on"] = (c.starts_on - timedelta(days=1)).isoformat()
        log_in(client, world.county_clerk)
        before = stored()
        response = client.post(f"/visits/{c.pk}/record/", visit_form(target.pk, **overrides))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert stored() == before

    def test_another_townships_target_is_not_accepted(self, world: World, client: Client) -> None:
        person(world)
        theirs = person(world, world.village_b)
        c = campaign(world)
        log_in(client, world.township_clerk)
        before = stored()
        response = client.post(f"/visits/{c.pk}/record/", visit_form(c.targets.get(beneficiary=theirs).pk))
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert stored() == before


class TestSharedPages:
    def test_the_person_card_lists_the_visits_received(self, world: World, client: Client) -> None:
        a = person(world, name="城关甲")
        c = campaign(world)
        visit(world, c, a, goods="慰问品一份")
        log_in(client, world.township_clerk)
        text = client.get(f"/registry/{a.pk}/").content.decode()
        assert 'data-testid="visits"' in text and "春节走访慰问" in text and "慰问品一份" in text
        nobody = person(world, name="城关乙")
        assert 'data-testid="visits"' not in client.get(f"/registry/{nobody.pk}/").content.decode()

    def test_the_home_work_list_shows_running_campaigns_to_finish(self, world: World, client: Client) -> None:
        a = person(world, name="城关甲")
        person(world, name="城关乙")
        person(world, world.village_b, name="东岭丙")
        c = campaign(world)
        visit(world, c, a)
        log_in(client, world.township_clerk)
        text = client.get("/").content.decode()
        assert 'data-testid="work-visits"' in text
        assert f"/visits/{c.pk}/?list=not_visited" in text and '<strong class="count">1</strong>' in text
        log_in(client, world.leader)
        assert 'data-testid="work-visits"' not in client.get("/").content.decode()

    def test_the_menu_offers_visits_to_readers_of_personal_data(self, world: World, client: Client) -> None:
        assert "/visits/" in menu_urls(world.leader)
        log_in(client, world.admin)
        assert "/visits/" not in menu_urls(world.admin)
        assert client.get("/visits/").status_code == 403
