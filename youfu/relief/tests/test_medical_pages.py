"""The medical pages in zh-Hans: forms posted as a browser would, the page checked after; lists
with filters and .xlsx exports; the person card and the home work list."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.sections import work_for
from youfu.relief.medical.models import ClaimState, MedicalClaim, MedicalPremium, OutpatientSubsidy
from youfu.relief.medical.services import do_approve_claim, do_record_premium, settings_in_force
from youfu.relief.tests.factories_medical import (
    claim,
    disabled_veteran,
    eligible_person,
    fingerprint,
    ineligible_person,
)
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def url(name: str, *args: object) -> str:
    return reverse(f"relief_medical:{name}", args=args)


def form(person_id: int, **overrides: str) -> dict[str, str]:
    data = {
        "beneficiary": str(person_id),
        "hospital": "县人民医院",
        "admitted_on": "2025-03-01",
        "discharged_on": "2025-03-10",
        "total_cost": "1234.55",
        "insurance_paid": "0",
        "serious_illness_paid": "0",
        "other_paid": "0",
    }
    data.update(overrides)
    return data


class TestClaimForm:
    def test_find_the_person_then_enter_the_claim(self, world: World, client: Client) -> None:
        who = eligible_person(world, name="赵六")
        log_in(client, world.township_clerk)
        picker = client.get(url("claim_new"), {"q": "赵六"})
        assert picker.status_code == 200
        assert f"?person={who.pk}" in picker.content.decode()
        page = client.get(url("claim_new"), {"person": who.pk})
        text = page.content.decode()
        assert "新增医疗补助申请" in text or "医疗补助" in text
        assert "20,000.00" in text  # what is left of this year's cap
        response = client.post(url("claim_new"), form(who.pk))
        c = MedicalClaim.objects.get()  # scope: test
        assert response.status_code == 302
        assert response["Location"] == url("claim_detail", c.pk)
        detail = client.get(response["Location"]).content.decode()
        assert "1,111.10" in detail
        assert "待领导审批" in detail

    def test_the_preview_shows_the_subsidy_and_the_cap(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        claim(world, who, total="20000", admitted=date(2025, 1, 1), discharged=date(2025, 1, 2))  # 18,000.00
        log_in(client, world.township_clerk)
        before = fingerprint()
        response = client.post(url("claim_preview"), form(who.pk, total_cost="5000"), HTTP_HX_REQUEST="true")
        text = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="preview-computed">4,500.00' in text
        assert 'data-testid="preview-left">2,000.00' in text
        assert 'data-testid="preview-subsidy">2,000.00' in text
        assert fingerprint() == before

    def test_a_bad_form_re_renders_with_the_error_in_chinese(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        log_in(client, world.township_clerk)
        before = fingerprint()
        for overrides, words in (
            ({"insurance_paid": "1300"}, "超过"),
            ({"total_cost": "-5"}, "不能为负"),
            ({"admitted_on": "2025-03-11"}, "出院日期早于入院日期"),
        ):
            response = client.post(url("claim_new"), form(who.pk, **overrides))
            assert response.status_code == 200
            assert words in response.content.decode(), overrides
        assert fingerprint() == before

    def test_the_same_stay_twice_re_renders(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        claim(world, who, total="100")
        log_in(client, world.township_clerk)
        before = fingerprint()
        response = client.post(url("claim_new"), form(who.pk))
        assert response.status_code == 200
        assert "已申请过" in response.content.decode()
        assert fingerprint() == before

    def test_another_townships_person_is_404(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        log_in(client, world.other_township_clerk)
        assert client.get(url("claim_new"), {"person": who.pk}).status_code == 404
        assert client.post(url("claim_new"), form(who.pk)).status_code == 404


class TestDecisionPage:
    def test_a_leader_approves_on_the_page(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        log_in(client, world.leader)
        page = client.get(url("claim_detail", c.pk)).content.decode()
        assert 'data-testid="approve"' in page
        response = client.post(url("claim_detail", c.pk), {"action": "approve"})
        assert response.status_code == 302
        c.refresh_from_db()
        assert c.state == ClaimState.APPROVED
        assert "已批准" in client.get(response["Location"]).content.decode()

    def test_a_leader_refuses_with_a_reason(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        log_in(client, world.leader)
        before = fingerprint()
        empty = client.post(url("claim_detail", c.pk), {"action": "refuse", "reason": " "})
        assert empty.status_code == 200
        assert fingerprint() == before
        client.post(url("claim_detail", c.pk), {"action": "refuse", "reason": "发票不全"})
        c.refresh_from_db()
        assert (c.state, c.refusal_reason) == (ClaimState.REFUSED, "发票不全")

    def test_a_clerk_sees_no_buttons_and_cannot_decide(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        log_in(client, world.township_clerk)
        page = client.get(url("claim_detail", c.pk)).content.decode()
        assert 'data-testid="approve"' not in page
        before = fingerprint()
        response = client.post(url("claim_detail", c.pk), {"action": "approve"}, follow=True)
        assert "无权" in response.content.decode() or response.status_code == 403
        assert fingerprint() == before

    def test_another_townships_claim_is_404(self, world: World, client: Client) -> None:
        c = claim(world, eligible_person(world))
        log_in(client, world.other_township_clerk)
        assert client.get(url("claim_detail", c.pk)).status_code == 404


class TestLists:
    def test_claims_list_filters_and_export(self, world: World, client: Client) -> None:
        a = eligible_person(world, name="赵六")
        claim(world, a, total="100")
        claim(world, a, total="200", admitted=date(2024, 1, 1), discharged=date(2024, 1, 2))
        log_in(client, world.county_clerk)
        page = client.get(url("claims"), {"year": "2024"}).content.decode()
        assert "180.00" in page and "90.00" not in page
        response = client.get(url("claims_export"), {"year": "2025"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:4] == ("编号", "乡镇(街道)", "姓名", "公民身份号码")
        assert len(rows) == 2 and rows[1][2] == "赵六"
        assert rows[0][16:19] == ("录入人", "录入时间", "审批人")
        assert rows[1][16] == "城关经办员"  # the clerk's full name, not the username
        entered = sheet.cell(row=2, column=18)
        assert entered.is_date and entered.number_format == "yyyy-mm-dd hh:mm"
        export = AuditEvent.objects.get(event_type=EventType.PERSONAL_DATA_EXPORTED)
        assert (export.extra["what"], export.extra["rows"]) == ("medical_claims", 1)

    def test_an_export_cell_is_never_a_formula(self, world: World, client: Client) -> None:
        claim(world, eligible_person(world), hospital="=HYPERLINK(1)")
        log_in(client, world.county_clerk)
        sheet = load_workbook(io.BytesIO(client.get(url("claims_export")).content)).active
        cell = sheet.cell(row=2, column=5)
        assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")

    def test_premiums_missing_recorded_from_the_list(self, world: World, client: Client) -> None:
        who = disabled_veteran(world, level=3, name="钱七")
        log_in(client, world.township_clerk)
        listed = client.get(url("premiums"), {"covered": "no"}).content.decode()
        assert "钱七" in listed and "未缴" in listed
        here = f"{url('premiums')}?covered=no"
        response = client.post(
            url("premiums"), {"beneficiary": who.pk, "year": THIS_YEAR, "amount": "380", "next": here}
        )
        assert response.status_code == 302 and response["Location"] == here
        assert MedicalPremium.objects.get().amount_fen == 38000  # scope: test
        again = client.post(
            url("premiums"), {"beneficiary": who.pk, "year": THIS_YEAR, "amount": "1"}, follow=True
        )
        assert "已登记" in again.content.decode()
        assert MedicalPremium.objects.count() == 1  # scope: test
        sheet = load_workbook(io.BytesIO(client.get(url("premiums_export")).content)).active
        assert list(sheet.iter_rows(values_only=True))[1][1] == "钱七"

    def test_outpatient_form(self, world: World, client: Client) -> None:
        who = eligible_person(world)
        log_in(client, world.township_clerk)
        before = fingerprint()
        bad = client.post(
            url("outpatient_new"),
            {"beneficiary": who.pk, "year": "2025", "amount": "-3", "paid_on": "2025-05-01"},
        )
        assert bad.status_code == 200 and "errorlist" in bad.content.decode()
        assert fingerprint() == before
        response = client.post(
            url("outpatient_new"),
            {"beneficiary": who.pk, "year": "2025", "amount": "600", "paid_on": "2025-05-01", "note": "门诊"},
        )
        assert response.status_code == 302
        assert OutpatientSubsidy.objects.get().amount_fen == 60000  # scope: test
        assert "600.00" in client.get(url("outpatient")).content.decode()
        assert client.get(url("outpatient_export")).status_code == 200

    def test_totals_page_and_export(self, world: World, client: Client) -> None:
        claim(world, eligible_person(world), total="1000")
        log_in(client, world.county_clerk)
        page = client.get(url("totals"), {"year": "2025"}).content.decode()
        assert "城关镇" in page and "900.00" in page
        sheet = load_workbook(io.BytesIO(client.get(url("totals_export"), {"year": "2025"}).content)).active
        assert list(sheet.iter_rows(values_only=True))[1][:2] == ("城关镇", 1)


class TestSettingsPage:
    def test_a_leader_changes_the_settings(self, world: World, client: Client) -> None:
        log_in(client, world.leader)
        page = client.get(url("settings")).content.decode()
        assert "90.00%" in page
        response = client.post(
            url("settings"),
            {"target": "85", "year_cap": "25000", "categories": ["disabled_veteran", "war_participant"]},
        )
        assert response.status_code == 302
        rule = settings_in_force(world.county.code)
        assert (rule.target_bp, rule.year_cap_fen, rule.categories) == (
            8500,
            2_500_000,
            ("disabled_veteran", "war_participant"),
        )
        assert "85.00%" in client.get(url("settings")).content.decode()

    def test_bad_values_re_render(self, world: World, client: Client) -> None:
        log_in(client, world.leader)
        before = fingerprint()
        response = client.post(url("settings"), {"target": "120", "year_cap": "-1", "categories": []})
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
        assert fingerprint() == before

    def test_a_clerk_reads_but_does_not_change(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        assert 'data-testid="settings-form"' not in client.get(url("settings")).content.decode()
        before = fingerprint()
        assert (
            client.post(
                url("settings"), {"target": "80", "year_cap": "1", "categories": ["war_participant"]}
            ).status_code
            == 403
        )
        assert fingerprint() == before


class TestPersonCardAndWork:
    def test_the_person_card(self, world: World, client: Client) -> None:
        who = disabled_veteran(world, level=2)
        c = claim(world, who, total="1000", admitted=date(THIS_YEAR, 1, 2), discharged=date(THIS_YEAR, 1, 3))
        log_in(client, world.township_clerk)
        page = client.get(reverse("registry:detail", args=[who.pk])).content.decode()
        assert 'data-testid="medical"' in page
        assert url("claim_detail", c.pk) in page
        assert "900.00" in page and "19,100.00" in page
        assert "未登记" in page  # no premium for this year
        do_record_premium(who, THIS_YEAR, 38000, acting_user=world.township_clerk)
        assert "380.00" in client.get(reverse("registry:detail", args=[who.pk])).content.decode()

    def test_no_card_for_someone_with_nothing_and_no_right_to_claim(
        self, world: World, client: Client
    ) -> None:
        who = ineligible_person(world)
        log_in(client, world.township_clerk)
        assert (
            'data-testid="medical"'
            not in client.get(reverse("registry:detail", args=[who.pk])).content.decode()
        )

    def test_the_work_list(self, world: World) -> None:
        c = claim(world, eligible_person(world))
        claim(world, eligible_person(world, name="李四"), by=world.county_clerk)
        disabled_veteran(world, level=1)

        def counts(user: object) -> dict[str, int]:
            return {str(i.label): i.count for g in work_for(user) if g.key == "medical" for i in g.items}  # type: ignore[arg-type]

        assert counts(world.leader) == {"待审批的医疗补助申请": 2}
        assert counts(world.township_clerk) == {f"{THIS_YEAR}年未登记医保缴费的残疾军人": 1}
        do_approve_claim(c, acting_user=world.leader)
        assert counts(world.leader) == {"待审批的医疗补助申请": 1}
