"""The needs-check pages, posted as a clerk would: the round form with its quarterly proposal, a
round's progress and export, the household check form, the findings list with overdue ones
highlighted and its export, a finding's solve form, the person card and the home work list."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.outreach.needs import services
from youfu.outreach.needs.models import (
    CheckOutcome,
    Finding,
    FindingState,
    HouseholdCheck,
    NeedsRound,
)
from youfu.outreach.tests.factories_needs import (
    NOW,
    TODAY,
    check_of,
    finding,
    household,
    needs_rows,
    needs_today,  # noqa: F401
    open_round,
)
from youfu.registry.categories import Category
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world: World) -> dict[str, Any]:
    home, person = household(world, world.village_a, Category.DISABLED_VETERAN, name="柳湾张三")
    round_ = open_round(world, name="2026年第二季度困难排查", due_on=TODAY + timedelta(days=46))
    return {"home": home, "person": person, "round": round_, "check": check_of(round_, home)}


def _finding_form(setup: dict[str, Any], *, due_on: date) -> dict[str, Any]:
    """The check page's form recording a housing difficulty of the set-up's person."""
    return {
        "action": "finding",
        "f-beneficiary": setup["person"].pk,
        "f-kind": "housing",
        "f-description": "房屋墙体开裂",
        "f-owner": "township",
        "f-found_on": TODAY.isoformat(),
        "f-due_on": due_on.isoformat(),
    }


class TestRoundPages:
    def test_the_form_proposes_the_quarter_and_opens_the_round(self, world: World, client: Client) -> None:
        household(world, world.village_a)
        log_in(client, world.county_clerk)
        form = client.get("/needs-checks/new/").content.decode()
        assert "2026年第二季度困难排查" in form and 'value="2026-06-30"' in form
        response = client.post(
            "/needs-checks/new/",
            {"region": world.county.code, "name": "2026年第二季度困难排查", "due_on": "2026-06-30"},
            follow=True,
        )
        round_ = NeedsRound.objects.get()  # scope: test
        assert response.redirect_chain[-1][0] == f"/needs-checks/rounds/{round_.pk}/"
        page = response.content.decode()
        assert "2026年第二季度困难排查" in page and "0</strong> / 1" in page
        assert client.get("/needs-checks/").content.decode().count("2026年第二季度困难排查") == 1

    def test_a_refused_round_re_renders_in_chinese_and_changes_nothing(
        self, world: World, client: Client
    ) -> None:
        log_in(client, world.county_clerk)
        before = needs_rows()
        response = client.post(
            "/needs-checks/new/", {"region": world.county.code, "name": "旧的一轮", "due_on": "2026-01-01"}
        )
        assert response.status_code == 200
        assert "截止日期不能早于今天" in response.content.decode()
        assert needs_rows() == before

    def test_a_village_assistant_has_no_round_form(self, world: World, client: Client) -> None:
        log_in(client, world.village_assistant)
        assert client.get("/needs-checks/new/").status_code == 403
        assert 'data-testid="open-round"' not in client.get("/needs-checks/").content.decode()

    def test_the_round_page_shows_progress_and_findings_by_kind(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        household(world, world.village_b)
        round_ = open_round(world, name="全县第二轮")
        finding(world, round_, setup["person"], kind="schooling")
        log_in(client, world.county_clerk)
        page = client.get(f"/needs-checks/rounds/{round_.pk}/").content.decode()
        assert "1</strong> / 2" in page and "50%" in page
        assert "就学" in page
        unchecked = client.get(f"/needs-checks/rounds/{round_.pk}/?state=unchecked").content.decode()
        assert "东岭镇" in unchecked

    def test_the_round_export_is_a_workbook_and_is_audited(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        finding(world, setup["round"], setup["person"], description='=HYPERLINK("x")')
        log_in(client, world.county_clerk)
        response = client.get(f"/needs-checks/rounds/{setup['round'].pk}/export.xlsx")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        households = list(book["排查户"].values)
        assert households[1][3] == "柳湾张三" and households[1][4] == "发现困难"
        found = list(book["发现问题"].values)
        assert found[1][7] == '=HYPERLINK("x")'
        assert book["发现问题"].cell(2, 8).data_type == "s"  # text, never a formula
        event = AuditEvent.objects.get(event_type=EventType.PERSONAL_DATA_EXPORTED)
        assert event.extra["what"] == "needs_round" and event.extra["rows"] == 2


class TestCheckForm:
    def test_no_difficulty(self, world: World, client: Client, setup: dict[str, Any]) -> None:
        log_in(client, world.village_assistant)
        url = f"/needs-checks/checks/{setup['check'].pk}/"
        page = client.get(url).content.decode()
        assert "柳湾张三" in page and "残疾军人" in page
        response = client.post(
            url,
            {"action": "no_difficulty", "nd-checked_on": TODAY.isoformat(), "nd-note": "生活稳定"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == f"/needs-checks/rounds/{setup['round'].pk}/"
        check = HouseholdCheck.objects.get(pk=setup["check"].pk)  # scope: test
        assert (check.outcome, check.checked_by, check.note) == (
            CheckOutcome.NO_DIFFICULTY,
            world.village_assistant,
            "生活稳定",
        )
        assert "无困难" in client.get(url).content.decode()

    def test_a_future_check_date_re_renders_and_changes_nothing(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        log_in(client, world.village_assistant)
        before = needs_rows()
        response = client.post(
            f"/needs-checks/checks/{setup['check'].pk}/",
            {"action": "no_difficulty", "nd-checked_on": (TODAY + timedelta(days=1)).isoformat()},
        )
        assert response.status_code == 200 and "日期不能晚于今天" in response.content.decode()
        assert needs_rows() == before

    def test_adding_a_finding(self, world: World, client: Client, setup: dict[str, Any]) -> None:
        log_in(client, world.village_assistant)
        url = f"/needs-checks/checks/{setup['check'].pk}/"
        form = client.get(url).content.decode()
        assert 'value="township"' in form and 'value="outsider"' not in form and 'value="liaison"' not in form
        response = client.post(url, _finding_form(setup, due_on=TODAY + timedelta(days=30)), follow=True)
        assert response.redirect_chain[-1][0] == url
        f = Finding.objects.get()  # scope: test
        assert (f.kind, f.owner, f.created_by) == ("housing", world.township_clerk, world.village_assistant)
        page = response.content.decode()
        assert "房屋墙体开裂" in page and "发现困难" in page

    def test_a_finding_due_yesterday_re_renders_and_changes_nothing(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        log_in(client, world.village_assistant)
        before = needs_rows()
        form = _finding_form(setup, due_on=TODAY - timedelta(days=1))
        response = client.post(f"/needs-checks/checks/{setup['check'].pk}/", form)
        assert response.status_code == 200 and "截止日期不能早于今天" in response.content.decode()
        assert needs_rows() == before


class TestFindingPages:
    def test_the_list_puts_overdue_first_highlighted_and_filters(
        self, world: World, client: Client, setup: dict[str, Any], time_machine: TimeMachineFixture
    ) -> None:
        late = finding(
            world, setup["round"], setup["person"], due_on=TODAY + timedelta(days=2), kind="income"
        )
        finding(world, setup["round"], setup["person"], due_on=TODAY + timedelta(days=60), kind="medical")
        time_machine.move_to(NOW + timedelta(days=5), tick=False)
        log_in(client, world.county_clerk)
        page = client.get("/needs-checks/findings/?state=open").content.decode().split("<tbody>")[1]
        assert page.index(f'findings/{late.pk}/"') < page.index("医疗")
        assert 'class="overdue"' in page and "逾期" in page
        only = client.get("/needs-checks/findings/?state=open&overdue=1").content.decode()
        assert f'findings/{late.pk}/"' in only and "医疗" not in only.split("<tbody>")[1]
        kind = client.get("/needs-checks/findings/?state=&kind=medical").content.decode()
        assert f'findings/{late.pk}/"' not in kind

    def test_the_findings_export_is_audited(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        finding(world, setup["round"], setup["person"])
        log_in(client, world.township_clerk)
        response = client.get("/needs-checks/findings/export.xlsx?state=open")
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        assert rows[0][:6] == ("编号", "排查轮次", "乡镇(街道)", "村(社区)", "姓名", "公民身份号码")
        assert rows[1][4] == "柳湾张三"
        assert AuditEvent.objects.get(event_type=EventType.PERSONAL_DATA_EXPORTED).extra["rows"] == 1

    def test_solving_on_the_page_and_an_empty_solution(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        log_in(client, world.township_clerk)
        url = f"/needs-checks/findings/{f.pk}/"
        before = needs_rows()
        refused = client.post(
            url, {"action": "solve", "solve-solution": "  ", "solve-solved_on": TODAY.isoformat()}
        )
        assert refused.status_code == 200 and "必填项" in refused.content.decode()
        assert needs_rows() == before
        response = client.post(
            url,
            {"action": "solve", "solve-solution": "已纳入危房改造", "solve-solved_on": TODAY.isoformat()},
            follow=True,
        )
        assert "已纳入危房改造" in response.content.decode()
        f.refresh_from_db()
        assert f.state == FindingState.SOLVED
        before = needs_rows()
        again = client.post(
            url, {"action": "solve", "solve-solution": "再次", "solve-solved_on": TODAY.isoformat()}
        )
        assert again.status_code == 302
        assert needs_rows() == before

    def test_notes_and_reassigning_on_the_page(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        f = finding(world, setup["round"], setup["person"])
        log_in(client, world.county_clerk)
        url = f"/needs-checks/findings/{f.pk}/"
        client.post(url, {"action": "note", "note-note": "已上门核实", "note-written_on": TODAY.isoformat()})
        client.post(url, {"action": "reassign", "reassign-owner": "village"})
        page = client.get(url).content.decode()
        assert "已上门核实" in page
        f.refresh_from_db()
        assert f.owner == world.village_assistant


class TestSharedPages:
    def test_the_person_card_shows_the_household_findings_open_and_solved(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        open_one = finding(world, setup["round"], setup["person"], description="收入低")
        solved = finding(world, setup["round"], setup["person"], kind="medical", description="看病难")
        services.do_solve_finding(
            solved, solution="已办理医疗救助", solved_on=TODAY, acting_user=world.township_clerk
        )
        from youfu.outreach.tests.factories_needs import member

        spouse = member(world, setup["home"], Category.MARTYR_SURVIVOR, name="柳湾李四")
        log_in(client, world.township_clerk)
        page = client.get(f"/registry/{spouse.pk}/").content.decode()
        assert 'data-testid="needs_findings"' in page
        assert "收入低" in page and "已办理医疗救助" in page
        assert f'findings/{open_one.pk}/"' in page
        log_in(client, world.other_township_clerk)
        assert client.get(f"/registry/{spouse.pk}/").status_code == 404

    def test_the_home_work_list(
        self, world: World, client: Client, setup: dict[str, Any], time_machine: TimeMachineFixture
    ) -> None:
        finding(world, setup["round"], setup["person"], due_on=TODAY + timedelta(days=1))
        finding(world, setup["round"], setup["person"], due_on=TODAY + timedelta(days=30))
        household(world, world.village_a)  # after the round: not in it
        home2, _ = household(world, world.village_b)
        time_machine.move_to(NOW + timedelta(days=3), tick=False)
        log_in(client, world.township_clerk)
        page = client.get("/").content.decode()
        work = page.split('data-testid="work-needs_checks"')[1].split("</section>")[0]
        assert "我负责的逾期问题" in work and 'class="urgent"' in work
        log_in(client, world.other_township_clerk)
        page = client.get("/").content.decode()
        # 东岭镇's household was registered after the round opened: nothing for its clerk
        assert 'data-testid="work-needs_checks"' not in page
        round2 = open_round(world, name="下一轮")
        assert round2.households == 3 and home2.pk
        page = client.get("/").content.decode()
        assert "下一轮" in page.split('data-testid="work-needs_checks"')[1].split("</section>")[0]

    def test_another_townships_pages_are_404(self, world: World, client: Client) -> None:
        home, person = household(world, world.village_a)
        round_a = open_round(world, world.township_a, name="城关专项")
        f = finding(world, round_a, person)
        log_in(client, world.other_township_clerk)
        for url in [
            f"/needs-checks/rounds/{round_a.pk}/",
            f"/needs-checks/rounds/{round_a.pk}/export.xlsx",
            f"/needs-checks/checks/{check_of(round_a, home).pk}/",
            f"/needs-checks/findings/{f.pk}/",
        ]:
            assert client.get(url).status_code == 404, url
        before = needs_rows()
        response = client.post(
            f"/needs-checks/findings/{f.pk}/",
            {"action": "solve", "solve-solution": "x", "solve-solved_on": TODAY.isoformat()},
        )
        assert response.status_code == 404
        assert needs_rows() == before


class TestBulkCheck:
    def test_ticked_households_are_checked_in_one_go_within_scope(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        second, _ = household(world, world.village_a)
        theirs, _ = household(world, world.village_b)
        round_ = open_round(world, name="全县第二轮")
        checks = {h.pk: check_of(round_, h).pk for h in (setup["home"], second, theirs)}
        log_in(client, world.village_assistant)
        page = client.get(f"/needs-checks/rounds/{round_.pk}/?state=unchecked").content.decode()
        assert 'data-testid="bulk-check"' in page
        response = client.post(
            f"/needs-checks/rounds/{round_.pk}/no-difficulty/",
            {"check": list(checks.values()), "nd-checked_on": TODAY.isoformat()},
            follow=True,
        )
        assert "已排查 2 户:无困难。" in response.content.decode()
        outcomes = dict(
            HouseholdCheck.objects.filter(round=round_).values_list("household_id", "outcome")
        )  # scope: test
        assert outcomes == {setup["home"].pk: "no_difficulty", second.pk: "no_difficulty", theirs.pk: ""}
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_HOUSEHOLD_CHECKED)
        assert event.new["count"] == 2 and event.region_id == world.village_a.code

    def test_nothing_ticked_or_a_future_date_changes_nothing(
        self, world: World, client: Client, setup: dict[str, Any]
    ) -> None:
        log_in(client, world.village_assistant)
        url = f"/needs-checks/rounds/{setup['round'].pk}/no-difficulty/"
        before = needs_rows()
        assert (
            "请勾选已排查的家庭"
            in client.post(url, {"nd-checked_on": TODAY.isoformat()}, follow=True).content.decode()
        )
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        response = client.post(url, {"check": [setup["check"].pk], "nd-checked_on": tomorrow}, follow=True)
        assert "日期不能晚于今天" in response.content.decode()
        assert needs_rows() == before
