"""A month's batch on its pages, as the county clerk, a township clerk, a leader and the
auditor each meet it: totals, lines, state, who did what, every button and its refusals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits import views
from youfu.benefits.models import Batch, BatchLine, BatchState, LineStatus, PendingLumpSum
from youfu.benefits.services import do_approve_batch, do_create_batch, do_update_benefit_settings
from youfu.benefits.tests.helpers import at, m, pay_month, person, returns_for, setup_county
from youfu.core.messages import Message
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import id_number_for
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
NOW = at(2026, 11, 20)


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def section(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def section_of_table(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</table>")[0]


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Two people in township A (城关镇), one in township B (东岭镇); 540.00 a month each."""
    with time_machine.travel(NOW, tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        person(world, WAR, name="甲", region=world.village_a)
        person(world, WAR, name="乙", region=world.village_a, bank_account="6230000000000000003")
        person(world, WAR, name="丙", region=world.village_b, bank_account="6230000000000000002")
        yield world


@pytest.fixture
def draft(county: World) -> Batch:
    return do_create_batch(m("2026-11"), acting_user=county.county_clerk)


def test_the_clerk_computes_a_batch_and_a_second_one_is_refused_with_the_reason(
    county: World, client: Client
) -> None:
    log_in(client, county.county_clerk)
    client.post("/benefits/", {"period": "2026-11"})
    response = client.post("/benefits/", {"period": "2026-12"}, follow=True)
    expected = Message(
        "The %(period)s batch is still open (%(state)s): close or discard it first.",
        {"period": "2026-11", "state": BatchState.DRAFT.label},
    )
    assert expected.zh in text(response) and Batch.objects.count() == 1
    page = text(client.get("/benefits/"))
    assert "2026-11" in page and "1,620.00" in page and 'data-testid="county-figures"' not in page


def test_the_batch_page_totals_by_township_and_benefit(county: World, client: Client, draft: Batch) -> None:
    log_in(client, county.county_clerk)
    page = text(client.get(f"/benefits/batches/{draft.pk}/"))
    totals = section(page, "totals")
    assert "城关镇" in totals and "东岭镇" in totals and "定期生活补助" in totals
    assert "1,080.00" in totals and "540.00" in totals and "1,620.00" in totals
    assert "草稿" in page and "计算生成（草稿）" in section(page, "history")


def test_a_township_clerk_sees_their_lines_page_by_page_and_the_county_figures_labelled(
    county: World, client: Client, draft: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    log_in(client, county.township_clerk)
    first = text(client.get(f"/benefits/batches/{draft.pk}/"))
    second = text(client.get(f"/benefits/batches/{draft.pk}/?page=2"))
    lines = section(first, "lines") + section(second, "lines")
    assert "甲" in lines and "乙" in lines and "丙" not in lines and "东岭镇" not in first
    assert "1 / 2" in first and f"/benefits/batches/{draft.pk}/?status=&amp;township=&amp;page=2" in first
    summary = section(first, "summary")
    assert "全县" in summary and "本辖区" in summary and "2 人，1,080.00 元" in summary
    assert "1,620.00" in summary  # the county's total, labelled as such
    # No button of the county's steps for a township clerk.
    for button in ("approve", "export"):
        assert f'data-testid="{button}"' not in first
    assert 'data-testid="county-figures"' in text(client.get("/benefits/"))


def test_the_creator_cannot_approve_and_is_told_why(county: World, client: Client) -> None:
    own = Batch.objects.create(
        county=county.county, period=m("2026-11"), created_by=county.leader, payments_start=m("2026-11")
    )
    log_in(client, county.leader)
    page = text(client.get(f"/benefits/batches/{own.pk}/"))
    assert 'data-testid="approve"' not in page and "该批次由您创建，须由另一位领导审批。" in page
    response = client.post(f"/benefits/batches/{own.pk}/approve/", follow=True)
    reason = Message("You created this batch: another leader must approve it.")
    assert reason.zh in text(response) and reason.zh != reason.en
    own.refresh_from_db()
    assert own.state == BatchState.DRAFT


def test_a_clerk_may_not_approve(county: World, client: Client, draft: Batch) -> None:
    log_in(client, county.county_clerk)
    assert client.post(f"/benefits/batches/{draft.pk}/approve/").status_code == 403
    draft.refresh_from_db()
    assert draft.state == BatchState.DRAFT


def test_a_leader_approves_and_the_page_says_who_and_when(
    county: World, client: Client, draft: Batch
) -> None:
    log_in(client, county.leader)
    response = client.post(f"/benefits/batches/{draft.pk}/approve/", {"note": "已核对"}, follow=True)
    draft.refresh_from_db()
    assert draft.state == BatchState.APPROVED and draft.approved_by == county.leader
    history = section(text(response), "history")
    assert "已审批" in history and "leader" in history and "已核对" in history and "2026-11-20" in history
    assert AuditEvent.objects.filter(event_type=EventType.BATCH_APPROVED, actor=county.leader).exists()
    # Approved: it cannot change any more.
    assert "作废" not in section(text(response), "summary")


def test_the_clerk_discards_a_draft_with_a_reason(county: World, client: Client, draft: Batch) -> None:
    log_in(client, county.county_clerk)
    response = client.post(f"/benefits/batches/{draft.pk}/discard/", {"note": "标准有误"}, follow=True)
    draft.refresh_from_db()
    assert draft.state == BatchState.DISCARDED and not BatchLine.objects.filter(batch=draft).exists()
    history = section(text(response), "history")
    assert "已作废" in history and "标准有误" in history
    assert AuditEvent.objects.filter(event_type=EventType.BATCH_DISCARDED, extra__note="标准有误").exists()


def test_every_bank_file_download_is_listed_in_who_did_what(
    county: World, client: Client, draft: Batch
) -> None:
    do_approve_batch(draft, acting_user=county.leader)
    log_in(client, county.county_clerk)
    utf8 = client.post(f"/benefits/batches/{draft.pk}/export/", {"format": "csv", "encoding": "utf-8"})
    gbk = client.post(f"/benefits/batches/{draft.pk}/export/", {"format": "csv", "encoding": "gbk"})
    xlsx = client.post(f"/benefits/batches/{draft.pk}/export/", {"format": "xlsx", "encoding": "utf-8"})
    assert utf8.content.startswith(b"\xef\xbb\xbf") and "charset=gbk" in gbk["Content-Type"]
    rows = list(csv.reader(io.StringIO(gbk.content.decode("gbk"))))
    assert rows[0][:3] == ["序号", "姓名", "公民身份号码"] and rows[-1][0] == "合计" and "1620.00" in rows[-1]
    assert xlsx["Content-Disposition"].endswith('.xlsx"') and xlsx["Cache-Control"] == "no-store"
    history = section(text(client.get(f"/benefits/batches/{draft.pk}/")), "history")
    assert history.count("下载银行发放文件") == 3 and "GBK" in history and "XLSX" in history
    assert "3 笔，1,620.00 元" in history
    assert history.index("已审批") < history.index("已导出") < history.index("下载银行发放文件")
    assert AuditEvent.objects.filter(event_type=EventType.BATCH_EXPORTED).count() == 3


def test_a_returns_file_that_does_not_match_is_shown_row_by_row_and_changes_nothing(
    county: World, client: Client, draft: Batch
) -> None:
    do_approve_batch(draft, acting_user=county.leader)
    good = returns_for(draft, county.county_clerk).decode("utf-8-sig")
    tampered = good.replace(",540.00,", ",504.00,", 1).encode("utf-8-sig")
    log_in(client, county.county_clerk)
    file = io.BytesIO(tampered)
    file.name = "回盘.csv"
    response = client.post(f"/benefits/batches/{draft.pk}/returns/", {"file": file})
    assert response.status_code == 200
    report = section(text(response), "import-rejected")
    assert "回盘.csv" in report and "<td>2</td><td>金额</td>" in report
    amount = Message("The amount does not match the exported %(amount)s.", {"amount": "540.00"})
    assert amount.zh in report and amount.en not in report  # the page's language only
    draft.refresh_from_db()
    assert draft.state == BatchState.EXPORTED
    assert not BatchLine.objects.filter(batch=draft).exclude(status=LineStatus.PENDING).exists()
    # The page's own links still lead to the batch, not to the upload address.
    assert f'href="/benefits/batches/{draft.pk}/?township=' in text(response)
    file = io.BytesIO(good.encode("utf-8-sig"))
    file.name = "回盘.csv"
    client.post(f"/benefits/batches/{draft.pk}/returns/", {"file": file})
    draft.refresh_from_db()
    assert draft.state == BatchState.RETURNS_IMPORTED and draft.returned_paid == 3


def test_a_payee_named_on_the_page_is_paid_by_the_next_batch(county: World, client: Client) -> None:
    pay_month(county, "2026-11")
    jia = Beneficiary.objects.get(name="甲")
    with time_machine.travel(at(2026, 11, 25), tick=False):
        do_record_life_event(jia, LifeEventKind.DEATH, date(2026, 11, 24), acting_user=county.county_clerk)
    with time_machine.travel(at(2026, 12, 5), tick=False):
        batch = do_create_batch(m("2026-12"), acting_user=county.county_clerk)
        pending = PendingLumpSum.objects.get(beneficiary=jia)
        log_in(client, county.township_clerk)
        listed = text(client.get("/benefits/lump-sums/"))
        assert "甲" in listed and f"/benefits/lump-sums/{pending.pk}/payee/" in listed
        payee = {
            "name": "甲之女",
            "id_number": id_number_for(date(1975, 5, 5), male=False),
            "bank_name": "农商银行",
            "bank_account": "6230000000000000777",
        }
        response = client.post(f"/benefits/lump-sums/{pending.pk}/payee/", payee, follow=True)
        waiting = text(client.get("/benefits/lump-sums/"))
    assert "甲" not in section_of_table(waiting, "lump-sums")  # no longer waiting
    assert "下一批次" in text(response)
    pending.refresh_from_db()
    assert pending.named_by == county.township_clerk and pending.payee_bank_account_masked.endswith("0777")
    assert AuditEvent.objects.filter(event_type=EventType.LUMP_SUM_PAYEE_NAMED).exists()
    with time_machine.travel(at(2026, 12, 6), tick=False):
        log_in(client, county.county_clerk)
        client.post(f"/benefits/batches/{batch.pk}/discard/")
        client.post("/benefits/", {"period": "2026-12"})
    again = Batch.objects.exclude(state=BatchState.DISCARDED).get(period=m("2026-12"))
    line = BatchLine.objects.get(batch=again, beneficiary=jia)
    assert line.to_payee and line.payee_name == "甲之女" and line.amount == pending.amount


def test_a_township_clerk_exports_only_their_recoveries(county: World, client: Client) -> None:
    from youfu.benefits.tests.helpers import csv_bytes, standards_in_force

    pay_month(county, "2026-11")
    with time_machine.travel(at(2026, 11, 25), tick=False):
        standards_in_force(county, csv_bytes([["参战退役人员", "", "", "", "4800", "2026-11-01", ""]]))
    pay_month(county, "2026-12")
    with time_machine.travel(at(2026, 12, 6), tick=False):
        log_in(client, county.township_clerk)
        page = text(client.get("/benefits/recoveries/"))
        export = client.get("/benefits/recoveries/export/").content.decode("utf-8-sig")
    assert "甲" in page and "乙" in page and "丙" not in page and "108.00" in page
    assert "甲" in export and "丙" not in export
    assert AuditEvent.objects.filter(
        event_type=EventType.PERSONAL_DATA_EXPORTED, actor=county.township_clerk
    ).exists()


def test_the_reconciliation_page_labels_the_county_figures_for_a_township(
    county: World, client: Client
) -> None:
    for period in ("2026-11", "2026-12", "2027-01"):
        pay_month(county, period)
    with time_machine.travel(at(2027, 1, 6), tick=False):
        log_in(client, county.township_clerk)
        page = text(client.get("/benefits/reconciliation/"))
        log_in(client, county.county_clerk)
        county_page = text(client.get("/benefits/reconciliation/"))
    assert 'data-testid="county-figures"' in page and 'data-testid="county-figures"' not in county_page
    assert "与银行回盘一致（精确到分）" in page and "1,620.00" in page


def test_the_auditor_reads_no_payments_but_finds_every_step_in_the_audit_log(
    county: World, client: Client
) -> None:
    batch = pay_month(county, "2026-11")
    with time_machine.travel(at(2026, 11, 6), tick=False):
        log_in(client, county.auditor)
        for url in ("/benefits/", f"/benefits/batches/{batch.pk}/", "/benefits/recoveries/"):
            assert client.get(url).status_code == 403
        log = text(client.get(f"/audit/?object_type=benefits.batch&object_id={batch.pk}"))
    for label in ("新建发放批次", "审批通过发放批次", "导出银行发放文件", "已导入银行回盘", "关闭发放批次"):
        assert label in log
