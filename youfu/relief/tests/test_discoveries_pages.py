"""应享未享 pages: the list (counts per rule, filters, last refresh, refresh now), the resolve form
(both outcomes, errors shown in Chinese), the .xlsx export, the person card and the work list."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.registry.categories import Category
from youfu.relief.discoveries.models import Discovery, DiscoveryRefresh, DiscoveryState, Rule
from youfu.relief.discoveries.services import refresh_everywhere
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World, log_in

TODAY = datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _today(time_machine: TimeMachineFixture) -> Iterator[None]:
    time_machine.move_to(TODAY, tick=False)
    yield


@pytest.fixture
def found(world: World) -> World:
    clerk = world.county_clerk
    f.veteran(clerk, world.village_a, born=date(1950, 1, 1), name="老兵甲")
    f.veteran(clerk, world.village_a, born=date(1952, 1, 1), name="老兵乙")
    f.disabled(clerk, world.village_a, level=4, born=date(1970, 1, 1), name="残疾丙")
    f.veteran(clerk, world.village_b, born=date(1950, 1, 1), name="东岭老兵")
    return world


def finding_of(name: str) -> Discovery:
    return Discovery.objects.get(beneficiary__name=name)  # scope: the test's view


@pytest.mark.django_db
def test_the_list_shows_counts_per_rule_and_the_rule_in_words(found: World, client: Client) -> None:
    log_in(client, found.township_clerk)
    page = client.get("/discoveries/", **ZH).content.decode()
    assert "从未刷新" in page or "从未" in page
    client.post("/discoveries/refresh/", **ZH)
    response = client.get("/discoveries/", **ZH)
    page = response.content.decode()
    assert response.status_code == 200
    assert "年满60周岁的农村籍退役士兵未享受老年生活补助" in page
    link = '<tr data-rule="rural_veteran_60"><td><a href="?rule=rural_veteran_60&state=open&region=">'
    assert f'{link}年满60周岁的农村籍退役士兵未享受老年生活补助</a></td><td class="count">2</td>' in page
    assert "老兵甲" in page and "残疾丙" in page
    assert "东岭老兵" not in page  # township B
    assert "76周岁" in page  # the evidence: aged 76 in 2026
    assert DiscoveryRefresh.objects.get().by == found.township_clerk
    filtered = client.get("/discoveries/?rule=premium_missing", **ZH).content.decode()
    assert "残疾丙" in filtered and "老兵甲" not in filtered


@pytest.mark.django_db
def test_a_region_outside_the_scope_is_a_404(found: World, client: Client) -> None:
    refresh_everywhere()
    log_in(client, found.other_township_clerk)
    assert client.get(f"/discoveries/?region={found.township_a.code}").status_code == 404
    assert client.get(f"/discoveries/{finding_of('老兵甲').pk}/resolve/").status_code == 404
    log_in(client, found.county_clerk)
    page = client.get(f"/discoveries/?region={found.township_b.code}").content.decode()
    assert "东岭老兵" in page and "老兵甲" not in page


@pytest.mark.django_db
def test_resolving_not_applicable_on_the_form(found: World, client: Client) -> None:
    refresh_everywhere()
    finding = finding_of("老兵甲")
    log_in(client, found.township_clerk)
    url = f"/discoveries/{finding.pk}/resolve/"
    form = client.get(url, **ZH).content.decode()
    assert "不适用" in form and "添加资格" in form
    response = client.post(url, {"outcome": "not_applicable", "note": ""}, **ZH)
    assert response.status_code == 200
    assert "请说明不适用的原因" in response.content.decode()
    finding.refresh_from_db()
    assert finding.state == DiscoveryState.OPEN
    response = client.post(url, {"outcome": "not_applicable", "note": "系城镇户籍入伍"}, follow=True, **ZH)
    assert "已处理" in response.content.decode()
    finding.refresh_from_db()
    assert (finding.state, finding.outcome, finding.note, finding.resolved_by) == (
        DiscoveryState.RESOLVED,
        "not_applicable",
        "系城镇户籍入伍",
        found.township_clerk,
    )
    assert "老兵甲" not in client.get("/discoveries/").content.decode()
    assert "系城镇户籍入伍" in client.get("/discoveries/?state=resolved").content.decode()


@pytest.mark.django_db
def test_resolving_acted_with_a_reference_on_the_form(found: World, client: Client) -> None:
    refresh_everywhere()
    finding = finding_of("残疾丙")
    log_in(client, found.township_clerk)
    url = f"/discoveries/{finding.pk}/resolve/"
    response = client.post(url, {"outcome": "acted", "reference": "premium:99999"}, **ZH)
    assert "不在您的辖区内" in response.content.decode() or "未找到" in response.content.decode()
    premium = f.premium(found.township_clerk, finding.beneficiary)
    response = client.post(url, {"outcome": "acted", "reference": f"premium:{premium.pk}"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.outcome, finding.reference) == ("acted", f"premium:{premium.pk}")


@pytest.mark.django_db
def test_a_leader_sees_the_list_without_the_forms(found: World, client: Client) -> None:
    refresh_everywhere()
    log_in(client, found.leader)
    page = client.get("/discoveries/").content.decode()
    assert "老兵甲" in page and "东岭老兵" in page
    assert 'data-testid="refresh"' not in page and "/resolve/" not in page
    finding = finding_of("老兵甲")
    assert (
        client.post(
            f"/discoveries/{finding.pk}/resolve/", {"outcome": "not_applicable", "note": "x"}
        ).status_code
        == 403
    )
    assert client.post("/discoveries/refresh/").status_code == 403
    finding.refresh_from_db()
    assert finding.state == DiscoveryState.OPEN


@pytest.mark.django_db
def test_the_export_is_an_audited_workbook_of_the_list(found: World, client: Client) -> None:
    refresh_everywhere()
    log_in(client, found.township_clerk)
    response = client.get("/discoveries/export/?rule=rural_veteran_60")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("规则", "乡镇(街道)", "姓名", "公民身份号码", "依据", "发现时间")
    found_at = sheet.cell(row=2, column=6)  # a date cell, in local time
    assert found_at.is_date and found_at.number_format == "yyyy-mm-dd hh:mm"
    assert sorted(r[2] for r in rows[1:]) == ["老兵乙", "老兵甲"]
    event = AuditEvent.objects.get(event_type=EventType.PERSONAL_DATA_EXPORTED)
    assert (event.extra["what"], event.extra["rows"], event.extra["filters"]) == (
        "discoveries",
        2,
        {"rule": "rural_veteran_60", "state": "open"},
    )


@pytest.mark.django_db
def test_exported_notes_are_never_formulas(found: World, client: Client) -> None:
    from youfu.relief.discoveries.services import do_resolve_discovery

    refresh_everywhere()
    do_resolve_discovery(
        finding_of("老兵甲"), acting_user=found.township_clerk, outcome="not_applicable", note="=HYPERLINK(1)"
    )
    log_in(client, found.township_clerk)
    response = client.get("/discoveries/export/?state=resolved")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=10)
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")


@pytest.mark.django_db
def test_the_person_page_shows_the_open_findings(found: World, client: Client) -> None:
    refresh_everywhere()
    finding = finding_of("老兵甲")
    log_in(client, found.township_clerk)
    page = client.get(f"/registry/{finding.beneficiary_id}/", **ZH).content.decode()
    assert 'data-testid="discoveries"' in page
    assert "年满60周岁的农村籍退役士兵未享受老年生活补助" in page
    assert f"/discoveries/{finding.pk}/resolve/" in page
    other = f.person(found.county_clerk, found.village_a, Category.ACTIVE_DUTY_FAMILY, name="无事")
    assert 'data-testid="discoveries"' not in client.get(f"/registry/{other.pk}/").content.decode()


@pytest.mark.django_db
def test_the_work_list_shows_open_findings_per_rule_for_clerks(found: World, client: Client) -> None:
    refresh_everywhere()
    log_in(client, found.township_clerk)
    page = client.get("/", **ZH).content.decode()
    assert 'data-testid="work-discoveries"' in page
    assert f'href="/discoveries/?rule={Rule.RURAL_VETERAN_60.value}"><strong class="count">2</strong>' in page
    log_in(client, found.leader)
    assert 'data-testid="work-discoveries"' not in client.get("/").content.decode()
