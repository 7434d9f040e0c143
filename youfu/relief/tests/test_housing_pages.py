"""The housing pages (zh-Hans): lists with filters and .xlsx exports, the forms submitted as a
browser would, the case page's actions, the person card, the work list and the menu."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.sections import work_for
from youfu.relief.housing import services
from youfu.relief.housing.models import HousingCase, HousingDisbursement, HousingPhoto, HousingSurvey
from youfu.relief.tests.factories_housing import (
    approved_case,
    case,
    gps_exif,
    housing_media,
    jpeg,
    person,
    survey,
    upload,
)
from youfu.testing import World, log_in, menu_urls

__all__ = ["housing_media"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(date(2025, 6, 16), tick=False)
    yield


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def workbook_rows(response: Any) -> list[tuple[Any, ...]]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


class TestSurveyPages:
    def test_the_form_records_a_survey_with_a_photo_stripped(
        self, world: World, client: Client, housing_media: Path
    ) -> None:
        who = person(world, name="柳湾张三")
        log_in(client, world.township_clerk)
        form = page(client, f"/housing/surveys/new/?beneficiary={who.pk}")
        assert "房屋" in form and "柳湾张三" in form
        response = client.post(
            "/housing/surveys/new/",
            {
                "beneficiary": who.pk,
                "grade": "D",
                "surveyed_on": "2025-06-10",
                "note": "屋顶漏雨",
                "photos": [upload("a.jpg", jpeg(exif=gps_exif())), upload("b.jpg", jpeg(color="blue"))],
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        s = HousingSurvey.objects.get()  # scope: test
        assert s.grade == "D" and s.photos.count() == 2
        detail = page(client, response["Location"])
        assert "屋顶漏雨" in detail and detail.count("<img") == 2
        for photo in s.photos.all():
            assert b"PhoneMaker" not in Path(photo.file.path).read_bytes()

    def test_a_bad_photo_stores_nothing_and_says_why(
        self, world: World, client: Client, housing_media: Path
    ) -> None:
        who = person(world)
        log_in(client, world.township_clerk)
        response = client.post(
            "/housing/surveys/new/",
            {
                "beneficiary": who.pk,
                "grade": "C",
                "surveyed_on": "2025-06-10",
                "photos": [upload("a.jpg", jpeg()), upload("b.jpg", b"not an image at all")],
            },
        )
        assert response.status_code == 200
        assert "不是 JPEG 或 PNG 照片" in response.content.decode()
        assert not HousingSurvey.objects.exists() and not HousingPhoto.objects.exists()  # scope: test
        assert not housing_media.exists() or not [p for p in housing_media.rglob("*") if p.is_file()]

    @pytest.mark.parametrize(
        ("change", "text"),
        [({"grade": "E"}, "选择一个有效的选项"), ({"surveyed_on": "2025-06-17"}, "日期在未来")],
    )
    def test_bad_input_re_renders_with_the_error(
        self, world: World, client: Client, change: dict[str, str], text: str
    ) -> None:
        who = person(world)
        log_in(client, world.township_clerk)
        body = {"beneficiary": who.pk, "grade": "C", "surveyed_on": "2025-06-10", **change}
        response = client.post("/housing/surveys/new/", body)
        assert response.status_code == 200
        assert text in response.content.decode()
        assert not HousingSurvey.objects.exists()  # scope: test

    def test_the_list_filters_and_exports(self, world: World, client: Client) -> None:
        survey(world, person(world, name="城关甲"), "C")
        survey(world, person(world, world.village_b, name="东岭乙"), "A", on=date(2024, 4, 1))
        log_in(client, world.county_clerk)
        assert "城关甲" in page(client, "/housing/surveys/") and "东岭乙" in page(client, "/housing/surveys/")
        only_c = page(client, "/housing/surveys/?grade=C")
        assert "城关甲" in only_c and "东岭乙" not in only_c
        year = page(client, "/housing/surveys/?year=2024")
        assert "东岭乙" in year and "城关甲" not in year
        township = page(client, f"/housing/surveys/?township={world.township_b.code}")
        assert "东岭乙" in township and "城关甲" not in township
        response = client.get("/housing/surveys/export/?grade=C")
        assert response.status_code == 200
        rows = workbook_rows(response)
        assert rows[0][:4] == ("乡镇(街道)", "村(社区)", "姓名", "公民身份号码")
        assert [r[2] for r in rows[1:]] == ["城关甲"]
        event = AuditEvent.objects.filter(event_type=EventType.PERSONAL_DATA_EXPORTED).get()
        assert event.extra["rows"] == 1 and event.extra["filters"] == {"grade": "C"}

    def test_a_township_clerk_sees_only_their_township(self, world: World, client: Client) -> None:
        s = survey(world, person(world, world.village_b, name="东岭乙"), "C")
        log_in(client, world.township_clerk)
        assert "东岭乙" not in page(client, "/housing/surveys/")
        assert client.get(f"/housing/surveys/{s.pk}/").status_code == 404
        rows = workbook_rows(client.get("/housing/surveys/export/"))
        assert len(rows) == 1  # the header only

    def test_the_outsider_cannot_add_a_photo(self, world: World, client: Client, housing_media: Path) -> None:
        s = survey(world, person(world))
        log_in(client, world.other_township_clerk)
        response = client.post(f"/housing/surveys/{s.pk}/photos/", {"file": upload("h.jpg", jpeg())})
        assert response.status_code == 404
        assert not HousingPhoto.objects.exists()  # scope: test


class TestCasePages:
    def test_open_approve_pay_complete_through_the_pages(self, world: World, client: Client) -> None:
        who = person(world, name="柳湾张三")
        survey(world, who, "D")
        log_in(client, world.township_clerk)
        unserved = page(client, "/housing/unserved/")
        assert "柳湾张三" in unserved and f"/housing/cases/new/?beneficiary={who.pk}" in unserved
        response = client.post(
            "/housing/cases/new/",
            {"beneficiary": who.pk, "kind": "new", "budget": "40000", "note": "原址重建"},
        )
        assert response.status_code == 302
        url = response["Location"]
        detail = page(client, url)
        assert "等待审批" in detail and 'data-action="approve"' not in detail
        assert "柳湾张三" not in page(client, "/housing/unserved/")

        log_in(client, world.leader)
        detail = page(client, url)
        assert 'data-action="approve"' in detail and 'data-action="refuse"' in detail
        assert client.post(url, {"action": "approve", "note": "同意"}).status_code == 302
        assert "40,000.00" in page(client, url)

        log_in(client, world.township_clerk)
        over = client.post(url, {"action": "disburse", "amount": "40000.01", "paid_on": "2025-06-16"})
        assert over.status_code == 200 and "超出已批准的预算" in over.content.decode()
        assert not HousingDisbursement.objects.exists()  # scope: test
        assert (
            client.post(url, {"action": "disburse", "amount": "40000", "paid_on": "2025-06-16"}).status_code
            == 302
        )
        assert client.post(url, {"action": "complete", "completed_on": "2025-06-16"}).status_code == 302
        case_ = HousingCase.objects.get()  # scope: test
        assert case_.state == "completed" and case_.paid_fen == 4_000_000

    def test_a_clerk_cannot_approve_through_the_page(self, world: World, client: Client) -> None:
        c = case(world, person(world))
        log_in(client, world.county_clerk)
        response = client.post(f"/housing/cases/{c.pk}/", {"action": "approve"})
        assert response.status_code == 200 and "无权" in response.content.decode()
        c.refresh_from_db()
        assert c.state == "pending"

    def test_a_budget_increase_waits_for_the_leader(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world), budget_fen=1_000_000)
        url = f"/housing/cases/{c.pk}/"
        log_in(client, world.township_clerk)
        assert (
            client.post(url, {"action": "budget", "budget": "12000", "reason": "材料涨价"}).status_code == 302
        )
        detail = page(client, url)
        assert "10,000.00" in detail and "12,000.00" in detail and 'data-action="complete"' not in detail
        log_in(client, world.leader)
        waiting = page(client, "/housing/?waiting=1")
        assert f"/housing/cases/{c.pk}/" in waiting
        assert client.post(url, {"action": "approve"}).status_code == 302
        c.refresh_from_db()
        assert c.budget_fen == 1_200_000 and c.proposed_fen is None

    def test_bad_case_input_re_renders(self, world: World, client: Client) -> None:
        who = person(world)
        log_in(client, world.township_clerk)
        for body in (
            {"kind": "new", "budget": "-1"},
            {"kind": "new", "budget": "abc"},
            {"kind": "x", "budget": "1"},
        ):
            response = client.post("/housing/cases/new/", {"beneficiary": who.pk, **body})
            assert response.status_code == 200
        assert not HousingCase.objects.exists()  # scope: test

    def test_lists_filter_and_export(self, world: World, client: Client) -> None:
        approved_case(world, person(world, name="城关甲"), kind="new")
        case(world, person(world, world.village_b, name="东岭乙"), by=world.county_clerk)
        log_in(client, world.county_clerk)
        assert "东岭乙" not in page(client, "/housing/?state=approved")
        assert "城关甲" not in page(client, "/housing/?kind=repair")
        assert "城关甲" not in page(client, f"/housing/?township={world.township_b.code}")
        rows = workbook_rows(client.get("/housing/export/?state=approved"))
        assert [r[2] for r in rows[1:]] == ["城关甲"] and rows[1][8] == 30000

    def test_another_townships_case_is_a_404(self, world: World, client: Client) -> None:
        c = approved_case(world, person(world))
        log_in(client, world.other_township_clerk)
        assert client.get(f"/housing/cases/{c.pk}/").status_code == 404
        body = {"action": "disburse", "amount": "1", "paid_on": "2025-06-01"}
        assert client.post(f"/housing/cases/{c.pk}/", body).status_code == 404
        assert not HousingDisbursement.objects.exists()  # scope: test
        assert "柳湾" not in page(client, "/housing/")


class TestUnservedPage:
    def test_the_list_and_its_export(self, world: World, client: Client) -> None:
        survey(world, person(world, name="危房户"), "D")
        survey(world, person(world, name="安全户"), "A")
        log_in(client, world.township_clerk)
        listed = page(client, "/housing/unserved/")
        assert "危房户" in listed and "安全户" not in listed
        rows = workbook_rows(client.get("/housing/unserved/export/"))
        assert [r[2] for r in rows[1:]] == ["危房户"]


class TestSharedPages:
    def test_the_person_card_shows_grade_cases_and_money(self, world: World, client: Client) -> None:
        who = person(world, name="柳湾张三")
        survey(world, who, "C")
        c = approved_case(world, who, budget_fen=2_000_000)
        services.do_disburse(
            c, amount_fen=1_234_500, paid_on=date(2025, 6, 1), acting_user=world.township_clerk
        )
        log_in(client, world.township_clerk)
        card = page(client, f"/registry/{who.pk}/")
        assert 'data-testid="housing"' in card
        assert "C级：局部危险" in card and "12,345.00" in card and "20,000.00" in card

    def test_the_card_offers_a_survey_to_clerks_only(self, world: World, client: Client) -> None:
        who = person(world)
        log_in(client, world.township_clerk)
        assert f"/housing/surveys/new/?beneficiary={who.pk}" in page(client, f"/registry/{who.pk}/")
        log_in(client, world.leader)
        assert 'data-testid="housing"' not in page(client, f"/registry/{who.pk}/")

    def test_the_work_list(self, world: World) -> None:
        survey(world, person(world), "D")
        case(world, person(world))

        def items(user: Any) -> dict[str, int]:
            return {str(i.label): i.count for g in work_for(user) if g.key == "housing" for i in g.items}

        assert items(world.leader) == {"待审批的住房改造预算": 1}
        assert items(world.township_clerk) == {"无改造案件的C、D级住房": 1}
        assert items(world.other_township_clerk) == {}

    def test_the_menu(self, world: World) -> None:
        cases = "/housing/"
        assert cases in menu_urls(world.leader)
        assert cases in menu_urls(world.village_assistant)
        assert cases not in menu_urls(world.admin)
        assert cases not in menu_urls(world.auditor)
