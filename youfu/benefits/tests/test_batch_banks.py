"""Issue 10, the payment batches: the start month set before the first batch; a page that says
what is left to do; one bank file and one returns file per bank; the bank file only for the
clerk who sends it; the batches on the home work list."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path
from urllib.parse import unquote

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from python_calamine import CalamineWorkbook

from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import Batch, BatchLine, BatchState, BenefitSettings, LineStatus
from youfu.benefits.services import (
    RETURN_COLUMNS,
    bank_files,
    do_approve_batch,
    do_create_batch,
    do_export_batch,
    do_import_bank_returns,
    do_update_benefit_settings,
    payments_start,
)
from youfu.benefits.tests.helpers import at, csv_bytes, m, person, setup_county
from youfu.core.errors import Conflict, PermissionDenied
from youfu.core.imports import ImportRejected
from youfu.core.messages import Message
from youfu.core.sections import work_for
from youfu.registry.categories import Category
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
NOW = at(2026, 11, 20)
ICBC, ABC, RURAL = "中国工商银行", "中国农业银行", "农村商业银行"


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def bearer(user: object) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)  # type: ignore[arg-type]
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def section(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</section>")[0]


@pytest.fixture
def bare(world: World) -> Iterator[World]:
    """Standards and people, but no payments start month yet."""
    with time_machine.travel(NOW, tick=False):
        setup_county(world)
        person(world, WAR, name="甲", region=world.village_a)
        yield world


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Four people paid 540.00 for November through three banks: 工行 (甲), 农行 (乙, 丙), 农商行 (丁)."""
    with time_machine.travel(NOW, tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 11, 1))
        person(
            world, WAR, name="甲", region=world.village_a, bank_name=ICBC, bank_account="6222000000000000001"
        )
        person(
            world, WAR, name="乙", region=world.village_a, bank_name=ABC, bank_account="6228000000000000002"
        )
        person(
            world, WAR, name="丙", region=world.village_b, bank_name=ABC, bank_account="6228000000000000003"
        )
        person(
            world,
            WAR,
            name="丁",
            region=world.village_b,
            bank_name="农商行",
            bank_account="6230000000000000004",
        )
        yield world


def approved(county: World) -> Batch:
    batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    return do_approve_batch(batch, acting_user=county.leader)


def bank_file(batch: Batch, county: World, bank: str | None = None) -> list[list[str]]:
    out = io.BytesIO()
    do_export_batch(batch, out, fmt="csv", acting_user=county.county_clerk, bank=bank)
    return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))


def returns_of(rows: list[list[str]], failed: set[str] = frozenset()) -> bytes:  # type: ignore[assignment]
    """A bank's answer to its file: 失败 for the names in ``failed``, 成功 for the others."""
    body = []
    for row in rows[1:]:
        if row[0] == "合计":
            body.append([*row, "", ""])
        else:
            body.append([*row, "失败", "账户冻结"] if row[1] in failed else [*row, "成功", ""])
    return csv_bytes(body, RETURN_COLUMNS)


# --- 5. the payments start month ----------------------------------------------------------------


class TestStartMonth:
    def test_the_command_refuses_a_batch_until_a_start_month_is_set_and_says_how(self, bare: World) -> None:
        with time_machine.travel(NOW, tick=False):
            code, out, err = run("create-batch", "--period", "2026-11", "--as", "clerk")
            assert code == 1
            assert "benefit-settings --start-month YYYY-MM" in err and "/benefits/standards/" in err
            code, out, _ = run("create-batch", "--period", "2026-11", "--as", "clerk", "--json")
            assert code == 1 and json.loads(out)["error"]["code"] == "no_start_month"
            assert not Batch.objects.exists()
            assert run("benefit-settings", "--start-month", "2026-10", "--as", "admin")[0] == 0
            assert run("create-batch", "--period", "2026-11", "--as", "clerk")[0] == 0
        batch = Batch.objects.get()
        assert batch.payments_start == date(2026, 10, 1) and batch.persons == 1
        assert batch.total_fen == 108000  # October and November: nothing before the start is lost

    def test_the_api_answers_409_in_the_envelope(self, bare: World, client: Client) -> None:
        with time_machine.travel(NOW, tick=False):
            response = client.post(
                "/api/v1/batches",
                {"period": "2026-11"},
                content_type="application/json",
                **bearer(bare.county_clerk),
            )
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "no_start_month" and "benefit-settings --start-month" in error["message"]
        assert not Batch.objects.exists()

    def test_the_page_explains_and_the_form_waits_for_the_start_month(
        self, bare: World, client: Client
    ) -> None:
        with time_machine.travel(NOW, tick=False):
            log_in(client, bare.county_clerk)
            page = text(client.get("/benefits/"))
            assert 'data-testid="payments-start-missing"' in page and 'name="period"' not in page
            assert "youfu benefit-settings --start-month YYYY-MM" in page
            refused = text(client.post("/benefits/", {"period": "2026-11"}, follow=True))
            assert (
                Message(
                    "The payments start month is not set, so youfu cannot know from which month to pay "
                    "(months before it are never paid). The county admin sets it first, on the standards "
                    "page (/benefits/standards/) or with: youfu benefit-settings --start-month YYYY-MM "
                    "--as ADMIN. Choose the first month the bureau pays through youfu."
                ).zh
                in refused
            )
            assert not Batch.objects.exists()
            log_in(client, bare.admin)
            standards = text(client.get("/benefits/standards/"))
            assert 'data-testid="payments-start-missing"' in standards
            client.post(
                "/benefits/standards/settings/", {"payments_start": "2026-09", "allowance_month": "12"}
            )
            assert payments_start(bare.county) == date(2026, 9, 1)
            log_in(client, bare.county_clerk)
            page = text(client.get("/benefits/"))
            # The month in force is shown; the first batch is this month's, with the months
            # since the start month as arrears.
            assert "2026-09" in section(page + "</section>", "payments-start")
            assert 'name="period" type="month" value="2026-11"' in page

    def test_none_is_no_longer_a_start_month(self, bare: World, client: Client) -> None:
        do_update_benefit_settings(acting_user=bare.admin, payments_start=date(2026, 9, 1))
        code, _, err = run("benefit-settings", "--start-month", "none", "--as", "admin")
        assert code == 1 and "none" in err
        response = client.put(
            "/api/v1/benefit-settings",
            {"payments_start": None},
            content_type="application/json",
            **bearer(bare.admin),
        )
        assert response.status_code == 400
        assert payments_start(bare.county) == date(2026, 9, 1)

    def test_the_migration_records_the_first_batchs_period_where_batches_exist(self, world: World) -> None:
        from importlib import import_module

        migration = import_module("youfu.benefits.migrations.0005_record_payments_start_and_bank_names")
        for period, state in (
            ("2026-03", BatchState.DISCARDED),
            ("2026-04", "closed"),
            ("2026-05", "closed"),
        ):
            Batch.objects.create(
                county=world.county,
                period=m(period),
                state=state,
                created_by=world.county_clerk,
                payments_start=m("2026-04"),
            )
        assert payments_start(world.county) is None
        migration.record_start(apps, None)
        assert payments_start(world.county) == date(2026, 4, 1)  # the first batch not discarded
        BenefitSettings.objects.filter(region=world.county).update(payments_start=m("2026-05"))
        migration.record_start(apps, None)  # a start already set is kept
        assert payments_start(world.county) == date(2026, 5, 1)


# --- 6. what is left to do ----------------------------------------------------------------------


def next_step(client: Client, batch: Batch) -> str:
    return (
        text(client.get(f"/benefits/batches/{batch.pk}/"))
        .split('data-testid="next-step"')[1]
        .split("</p>")[0]
    )


def test_the_page_says_what_is_left_to_do_and_who_does_it(county: World, client: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        log_in(client, county.leader)
        step = next_step(client, batch)
        assert "领导" in step and "审批" in step and "您" in step  # the leader's to do
        do_approve_batch(batch, acting_user=county.leader)
        log_in(client, county.county_clerk)
        step = next_step(client, batch)
        assert "每家银行" in step and "您" in step
        rows = bank_file(batch, county, ABC)
        do_import_bank_returns(batch, returns_of(rows), acting_user=county.county_clerk)
        step = next_step(client, batch)
        assert f"{ICBC}、{RURAL}" in step and ABC not in step.split("：")[-1]
        for bank in (ICBC, RURAL):
            do_import_bank_returns(
                batch, returns_of(bank_file(batch, county, bank)), acting_user=county.county_clerk
            )
        assert "关闭" in next_step(client, batch)
        assert run("close-batch", str(batch.pk), "--as", "clerk")[0] == 0
        assert "无需再办" in next_step(client, batch) or "已关闭" in next_step(client, batch)


def test_the_readme_lists_every_batch_command_with_its_flags() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for command in (
        "youfu benefit-settings --start-month",
        "youfu create-batch --period",
        "youfu approve-batch ID",
        "youfu discard-batch ID",
        "youfu export-batch ID -o",
        "--per-bank",
        "youfu import-bank-returns ID",
        "youfu close-batch ID",
    ):
        assert command in readme, command


# --- 7. one file per bank, returns per bank -----------------------------------------------------


class TestPerBank:
    def test_the_command_writes_one_file_per_bank_numbered_from_one(
        self, county: World, tmp_path: Path
    ) -> None:
        batch = approved(county)
        target = tmp_path / "银行文件"
        code, out, err = run(
            "export-batch", str(batch.pk), "-o", str(target), "--per-bank", "--as", "clerk", "--json"
        )
        assert code == 0, err
        body = json.loads(out)
        assert sorted(p.name for p in target.iterdir()) == sorted(
            ["2026-11-中国工商银行.csv", "2026-11-中国农业银行.csv", "2026-11-农村商业银行.csv"]
        )
        assert [(f["bank"], f["lines"]) for f in body["files"]] == [(ICBC, 1), (ABC, 2), (RURAL, 1)]
        abc = list(csv.reader(io.StringIO((target / "2026-11-中国农业银行.csv").read_text("utf-8-sig"))))
        assert [r[0] for r in abc[1:]] == ["1", "2", "合计"]
        assert [r[1] for r in abc[1:3]] == ["乙", "丙"] and {r[3] for r in abc[1:3]} == {ABC}
        assert abc[-1] == ["合计", "", "", "", "", "1080.00", "共2笔"]
        rural = list(csv.reader(io.StringIO((target / "2026-11-农村商业银行.csv").read_text("utf-8-sig"))))
        assert rural[1][0] == "1" and rural[1][1] == "丁"
        batch.refresh_from_db()
        assert batch.state == BatchState.EXPORTED
        event = AuditEvent.objects.get(event_type=EventType.BATCH_EXPORTED)
        assert event.extra["banks"] == [ICBC, ABC, RURAL] and event.extra["lines"] == 4
        assert event.actor == county.county_clerk
        assert (
            run(
                "export-batch",
                str(batch.pk),
                "-o",
                str(tmp_path / "x"),
                "--per-bank",
                "--format",
                "xlsx",
                "--as",
                "clerk",
            )[0]
            == 0
        )
        sheet = CalamineWorkbook.from_path(
            str(tmp_path / "x" / "2026-11-中国农业银行.xlsx")
        ).get_sheet_by_index(0)
        rows = sheet.to_python()
        assert [str(r[0]) for r in rows[1:]] == ["1", "2", "合计"]

    def test_a_file_named_like_the_target_directory_is_refused(self, county: World, tmp_path: Path) -> None:
        batch = approved(county)
        (tmp_path / "f").write_text("x")
        assert (
            run("export-batch", str(batch.pk), "-o", str(tmp_path / "f"), "--per-bank", "--as", "clerk")[0]
            == 1
        )
        assert not AuditEvent.objects.filter(event_type=EventType.BATCH_EXPORTED).exists()

    def test_the_page_offers_each_banks_download(self, county: World, client: Client) -> None:
        batch = approved(county)
        log_in(client, county.county_clerk)
        banks = section(text(client.get(f"/benefits/batches/{batch.pk}/")), "banks")
        assert banks.count('data-testid="export-bank"') == 3 and ICBC in banks and RURAL in banks
        response = client.post(
            f"/benefits/batches/{batch.pk}/export/", {"bank": ABC, "format": "csv", "encoding": "gbk"}
        )
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        assert "2026-11-中国农业银行.csv" in unquote(response["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(response.content.decode("gbk"))))
        assert [r[0] for r in rows[1:]] == ["1", "2", "合计"]
        assert AuditEvent.objects.get(event_type=EventType.BATCH_EXPORTED).extra["banks"] == [ABC]
        api = client.post(f"/api/v1/batches/{batch.pk}/export?bank={ICBC}", **bearer(county.county_clerk))
        assert api.status_code == 200 and "2026-11-中国工商银行.csv" in unquote(api["Content-Disposition"])
        detail = client.get(f"/api/v1/batches/{batch.pk}", **bearer(county.county_clerk)).json()
        assert [(b["bank"], b["lines"], b["returned"]) for b in detail["banks"]] == [
            (ICBC, 1, False),
            (ABC, 2, False),
            (RURAL, 1, False),
        ]

    def test_each_banks_returns_come_in_once_and_the_batch_waits_for_all(
        self, county: World, client: Client, tmp_path: Path
    ) -> None:
        batch = approved(county)
        abc = bank_file(batch, county, ABC)
        whole = bank_file(batch, county)
        result = do_import_bank_returns(batch, returns_of(abc, {"丙"}), acting_user=county.county_clerk)
        assert (result.paid, result.failed, result.banks) == (1, 1, (ABC,))
        assert result.banks_missing == (ICBC, RURAL)
        batch.refresh_from_db()
        assert batch.state == BatchState.EXPORTED and (batch.returned_paid, batch.returned_failed) == (1, 1)
        assert BatchLine.objects.get(batch=batch, beneficiary__name="丙").status == LineStatus.FAILED
        log_in(client, county.county_clerk)
        page = text(client.get(f"/benefits/batches/{batch.pk}/"))
        assert (
            f"{ICBC}、{RURAL}"
            in section(page, "banks").split('data-testid="returns-state"')[1].split("</p>")[0]
        )
        # The same bank again: refused whole, nothing changes.
        before = list(BatchLine.objects.filter(batch=batch).order_by("seq").values_list("status", flat=True))
        with pytest.raises(ImportRejected) as again:
            do_import_bank_returns(batch, returns_of(abc), acting_user=county.county_clerk)
        assert any("returned already" in e.message.en for e in again.value.errors)
        # The whole batch's file names 农行's lines too: refused whole as well.
        with pytest.raises(ImportRejected):
            do_import_bank_returns(batch, returns_of(whole), acting_user=county.county_clerk)
        assert (
            list(BatchLine.objects.filter(batch=batch).order_by("seq").values_list("status", flat=True))
            == before
        )
        assert AuditEvent.objects.filter(event_type=EventType.BANK_RETURNS_IMPORTED).count() == 1
        # The other banks, one file each, through the command line and the page.
        icbc = tmp_path / "工行回盘.csv"
        icbc.write_bytes(returns_of(bank_file(batch, county, ICBC)))
        code, out, err = run("import-bank-returns", str(batch.pk), str(icbc), "--as", "clerk", "--json")
        assert code == 0, err
        assert json.loads(out)["banks"] == [ICBC] and json.loads(out)["banks_missing"] == [RURAL]
        assert json.loads(out)["state"] == "exported"
        upload = io.BytesIO(returns_of(bank_file(batch, county, RURAL)))
        upload.name = "农商行回盘.csv"
        client.post(f"/benefits/batches/{batch.pk}/returns/", {"file": upload})
        batch.refresh_from_db()
        assert batch.state == BatchState.RETURNS_IMPORTED
        assert (batch.returned_paid, batch.returned_failed) == (3, 1)
        history = section(text(client.get(f"/benefits/batches/{batch.pk}/")), "history")
        assert history.count("农商行回盘.csv") >= 1 and ICBC in history

    def test_a_bank_with_a_line_missing_from_its_returns_is_refused(self, county: World) -> None:
        batch = approved(county)
        abc = bank_file(batch, county, ABC)
        del abc[2]  # 丙
        with pytest.raises(ImportRejected) as refused:
            do_import_bank_returns(batch, returns_of(abc), acting_user=county.county_clerk)
        assert any("missing" in e.message.en for e in refused.value.errors)
        assert set(BatchLine.objects.filter(batch=batch).values_list("status", flat=True)) == {
            LineStatus.PENDING
        }

    def test_the_whole_batchs_file_still_returns_every_bank_at_once(self, county: World) -> None:
        batch = approved(county)
        result = do_import_bank_returns(
            batch, returns_of(bank_file(batch, county)), acting_user=county.county_clerk
        )
        assert result.banks == (ICBC, ABC, RURAL) and result.banks_missing == ()
        batch.refresh_from_db()
        assert batch.state == BatchState.RETURNS_IMPORTED and batch.returned_paid == 4


# --- 8. the bank file is the sending clerk's ----------------------------------------------------


def test_the_leader_is_neither_offered_nor_given_the_bank_file(
    county: World, client: Client, tmp_path: Path
) -> None:
    batch = approved(county)
    log_in(client, county.leader)
    page = text(client.get(f"/benefits/batches/{batch.pk}/"))
    assert 'data-testid="export"' not in page and 'data-testid="export-bank"' not in page
    assert client.post(f"/benefits/batches/{batch.pk}/export/", {"format": "csv"}).status_code == 403
    assert client.post(f"/benefits/batches/{batch.pk}/export/", {"bank": ABC}).status_code == 403
    api = client.post(f"/api/v1/batches/{batch.pk}/export", **bearer(county.leader))
    assert api.status_code == 403 and api.json()["error"]["code"] == "bank_file_forbidden"
    assert client.post("/api/v1/batches/999999/export", **bearer(county.leader)).status_code == 403
    assert run("export-batch", str(batch.pk), "-o", str(tmp_path / "b.csv"), "--as", "leader")[0] == 1
    assert (
        run("export-batch", str(batch.pk), "-o", str(tmp_path / "d"), "--per-bank", "--as", "leader")[0] == 1
    )
    with pytest.raises(PermissionDenied):
        do_export_batch(batch, io.BytesIO(), fmt="csv", acting_user=county.leader)
    assert not (tmp_path / "b.csv").exists()
    assert not AuditEvent.objects.filter(event_type=EventType.BATCH_EXPORTED).exists()
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    # The clerk who sends it downloads it, and the download is recorded.
    assert client.post(f"/api/v1/batches/{batch.pk}/export", **bearer(county.county_clerk)).status_code == 200
    assert AuditEvent.objects.get(event_type=EventType.BATCH_EXPORTED).actor == county.county_clerk


# --- the home work list -------------------------------------------------------------------------


def work(user: object) -> list[tuple[str, int, str]]:
    return [
        (str(item.label), item.count, str(item.hint))
        for group in work_for(user)
        if group.key == "batches"
        for item in group.items
    ]


def test_the_work_list_shows_each_role_its_batches(county: World, client: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert [(label, n) for label, n, _ in work(county.leader)] == [("2026-11 批次：待审批", 1)]
        assert work(county.county_clerk) == [] and work(county.township_clerk) == []
        do_approve_batch(batch, acting_user=county.leader)
        assert work(county.leader) == []
        assert [(label, n) for label, n, _ in work(county.county_clerk)] == [
            ("2026-11 批次：银行文件待下载并送交银行", 3)
        ]
        do_import_bank_returns(
            batch, returns_of(bank_file(batch, county, ABC)), acting_user=county.county_clerk
        )
        [(label, n, hint)] = work(county.county_clerk)
        assert n == 2 and hint == f"{ICBC}、{RURAL}" and "回盘" in label
        for user in (county.township_clerk, county.auditor, county.admin, county.leader):
            assert work(user) == []
        log_in(client, county.county_clerk)
        home = text(client.get("/"))
        assert 'data-testid="work-batches"' in home and f"/benefits/batches/{batch.pk}/#banks" in home


def test_a_racing_import_of_the_same_lines_keeps_nothing(
    county: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line is returned once even when two files race: the update is compare-and-set."""
    batch = approved(county)
    data = returns_of(bank_file(batch, county, ABC))
    BatchLine.objects.filter(batch=batch, beneficiary__name="乙").update(status=LineStatus.PAID)
    # The check read the line as pending before the other import committed.
    real = bank_files._check_returns

    def stale(b: Batch, rows: object) -> object:
        BatchLine.objects.filter(batch=batch, beneficiary__name="乙").update(status=LineStatus.PENDING)
        found = real(b, rows)  # type: ignore[arg-type]
        BatchLine.objects.filter(batch=batch, beneficiary__name="乙").update(status=LineStatus.PAID)
        return found

    monkeypatch.setattr(bank_files, "_check_returns", stale)
    with pytest.raises(Conflict) as refused:
        do_import_bank_returns(batch, data, acting_user=county.county_clerk)
    assert refused.value.code == "returned_already"
    assert BatchLine.objects.get(batch=batch, beneficiary__name="丙").status == LineStatus.PENDING


def test_names_not_on_the_bank_list_are_listed_for_the_clerk(county: World, client: Client) -> None:
    """Old records whose bank could not be folded onto the list: kept as written, paid as a
    bank of their own, listed (in the clerk's own region) to be corrected."""
    from youfu.registry.models import Beneficiary

    Beneficiary.objects.filter(name="乙").update(bank_name="青山合作银行")
    assert [(n, u) for label, n, u in work_items(county.county_clerk, "banks")] == [(1, "/benefits/banks/")]
    assert [n for _l, n, _u in work_items(county.township_clerk, "banks")] == [1]
    assert work_items(county.other_township_clerk, "banks") == []
    log_in(client, county.township_clerk)
    page = section(text(client.get("/benefits/banks/")), "unlisted")
    assert "乙" in page and "青山合作银行" in page and "甲" not in page
    log_in(client, county.other_township_clerk)
    assert "乙" not in section(text(client.get("/benefits/banks/")), "unlisted")
    batch = approved(county)
    log_in(client, county.county_clerk)
    banks = section(text(client.get(f"/benefits/batches/{batch.pk}/")), "banks")
    assert "青山合作银行" in banks and "不在银行名录中" in banks
    rows = bank_file(batch, county, "青山合作银行")
    assert [r[1] for r in rows[1:-1]] == ["乙"] and rows[1][0] == "1"


def work_items(user: object, key: str) -> list[tuple[str, int, str]]:
    return [
        (str(item.label), item.count, item.url)
        for group in work_for(user)
        if group.key == key
        for item in group.items
    ]


def test_the_migration_folds_a_waiting_payees_bank_too(world: World) -> None:
    from importlib import import_module

    from youfu.benefits.models import PendingLumpSum
    from youfu.benefits.tests.samples import walk_lump_sum

    migration = import_module("youfu.benefits.migrations.0005_record_payments_start_and_bank_names")
    pending = walk_lump_sum(world)
    PendingLumpSum.objects.filter(pk=pending.pk).update(payee_bank_name="农行城关支行")
    migration.normalise_payee_banks(apps, None)
    pending.refresh_from_db()
    assert pending.payee_bank_name == ABC
    PendingLumpSum.objects.filter(pk=pending.pk).update(payee_bank_name="青山合作银行")
    migration.normalise_payee_banks(apps, None)
    pending.refresh_from_db()
    assert pending.payee_bank_name == "青山合作银行"  # not on the list: kept as written
