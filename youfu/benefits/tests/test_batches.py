"""A batch's life: create, approve, export, bank returns, close (or discard), through
the services, the command line and the API; the constraints that forbid a double batch."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client
from python_calamine import CalamineWorkbook

from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import (
    Batch,
    BatchItem,
    BatchLine,
    BatchState,
    BatchTotal,
    LineStatus,
    Recovery,
    RecoveryStatus,
)
from youfu.benefits.services import (
    RETURN_COLUMNS,
    do_approve_batch,
    do_create_batch,
    do_discard_batch,
    do_export_batch,
    do_import_bank_returns,
    do_update_benefit_settings,
)
from youfu.benefits.tests.helpers import at, csv_bytes, m, pay_month, person, returns_for, setup_county
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.imports import ImportRejected
from youfu.registry.categories import Category
from youfu.testing import World

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Two people in township A, one in township B, paid from October 2026; today is 20 November."""
    with time_machine.travel(at(2026, 11, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 10, 1))
        person(world, WAR, name="甲", region=world.village_a)
        person(
            world,
            WAR,
            {
                "category": Category.DISABLED_VETERAN,
                "approved_on": date(2020, 1, 1),
                "disability_cause": "combat",
                "disability_level": 6,
            },
            name="乙",
            region=world.village_a,
        )
        person(world, WAR, name="丙", region=world.village_b, bank_account="6230000000000000002")
        yield world


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


class TestCreate:
    def test_the_command_prints_the_contract(self, county: World) -> None:
        code, out, err = run("create-batch", "--period", "2026-11", "--as", "clerk", "--json")
        assert code == 0, err
        body = json.loads(out)
        batch = Batch.objects.get()
        # Three people; October and November each: 540 × 2 + 540 × 2 + 3,240 × 2 + 540 × 2.
        assert body == {
            "id": batch.pk,
            "period": "2026-11",
            "persons": 3,
            "lines": 8,
            "total": "9720.00",
            "arrears_total": "4860.00",
            "one_off_total": "0.00",
            "recoveries": 0,
        }
        assert batch.state == BatchState.DRAFT
        event = AuditEvent.objects.get(event_type=EventType.BATCH_CREATED)
        assert event.new == body and event.region_id == county.county.code
        totals = {(t.township_id, t.benefit): (t.persons, t.amount_fen) for t in BatchTotal.objects.all()}
        assert totals == {
            (county.township_a.code, "living_subsidy"): (2, 216000),
            (county.township_a.code, "disability_pension"): (1, 648000),
            (county.township_b.code, "living_subsidy"): (1, 108000),
        }

    def test_a_second_batch_for_the_period_or_while_one_is_open_is_refused(self, county: World) -> None:
        assert run("create-batch", "--period", "2026-11", "--as", "clerk", "--json")[0] == 0
        code, out, _ = run("create-batch", "--period", "2026-11", "--as", "clerk", "--json")
        assert code == 1 and json.loads(out)["error"]["code"] == "batch_open"
        code, _, err = run("create-batch", "--period", "2026-12", "--as", "clerk")
        assert code == 1 and "2026-11" in err
        assert Batch.objects.count() == 1

    def test_a_closed_periods_batch_is_not_made_again(self, county: World) -> None:
        pay_month(county, "2026-10")
        with time_machine.travel(at(2026, 11, 20), tick=False), pytest.raises(Conflict) as refused:
            do_create_batch(m("2026-10"), acting_user=county.county_clerk)
        assert refused.value.code == "batch_exists"

    def test_the_database_refuses_a_double_batch_whatever_the_code_checks(self, county: World) -> None:
        first = Batch.objects.create(
            county=county.county,
            period=m("2026-11"),
            created_by=county.county_clerk,
            payments_start=m("2026-10"),
        )
        with pytest.raises(IntegrityError), transaction.atomic():  # another open batch of the county
            Batch.objects.create(
                county=county.county,
                period=m("2026-12"),
                created_by=county.county_clerk,
                payments_start=m("2026-10"),
            )
        first.state = BatchState.CLOSED
        first.save()
        with pytest.raises(IntegrityError), transaction.atomic():  # the same period again
            Batch.objects.create(
                county=county.county,
                period=m("2026-11"),
                created_by=county.county_clerk,
                payments_start=m("2026-10"),
                state=BatchState.CLOSED,
            )
        first.state = BatchState.DISCARDED
        first.save()
        Batch.objects.create(  # a discarded batch does not count
            county=county.county,
            period=m("2026-11"),
            created_by=county.county_clerk,
            payments_start=m("2026-10"),
        )

    @pytest.mark.parametrize(("period", "word"), [("2027-01", "ahead"), ("2026-09", "start")])
    def test_a_period_too_far_ahead_or_before_the_start_is_refused(
        self, county: World, period: str, word: str
    ) -> None:
        code, _, err = run("create-batch", "--period", period, "--as", "clerk")
        assert code == 1 and word in err
        assert not Batch.objects.exists()

    def test_next_month_may_be_prepared(self, county: World) -> None:
        assert run("create-batch", "--period", "2026-12", "--as", "clerk")[0] == 0

    def test_only_the_county_makes_batches(self, county: World) -> None:
        with pytest.raises(PermissionDenied):
            do_create_batch(m("2026-11"), acting_user=county.township_clerk)
        with pytest.raises(PermissionDenied):
            do_create_batch(m("2026-11"), acting_user=county.liaison)
        assert not Batch.objects.exists()


class TestApproval:
    def test_a_leader_who_did_not_create_it_approves(self, county: World) -> None:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        code, _, err = run("approve-batch", str(batch.pk), "--as", "leader")
        assert code == 0, err
        batch.refresh_from_db()
        assert (batch.state, batch.approved_by) == (BatchState.APPROVED, county.leader)
        assert list(batch.transitions.values_list("state", "by__username")) == [
            ("draft", "clerk"),
            ("approved", "leader"),
        ]

    def test_approving_ones_own_batch_is_refused(self, county: World) -> None:
        batch = Batch.objects.create(
            county=county.county, period=m("2026-11"), created_by=county.leader, payments_start=m("2026-10")
        )
        with pytest.raises(PermissionDenied) as refused:
            do_approve_batch(batch, acting_user=county.leader)
        assert refused.value.code == "own_batch"
        batch.refresh_from_db()
        assert batch.state == BatchState.DRAFT

    def test_a_clerk_cannot_approve(self, county: World) -> None:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        code, _, _ = run("approve-batch", str(batch.pk), "--as", "clerk")
        assert code == 1

    def test_an_approved_batch_cannot_be_discarded_or_approved_again(self, county: World) -> None:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        do_approve_batch(batch, acting_user=county.leader)
        with pytest.raises(Conflict):
            do_discard_batch(batch, acting_user=county.county_clerk)
        with pytest.raises(Conflict):
            do_approve_batch(batch, acting_user=county.leader)

    def test_a_draft_is_discarded_whole_and_the_period_can_be_made_again(self, county: World) -> None:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert run("discard-batch", str(batch.pk), "--as", "clerk", "--note", "标准未到")[0] == 0
        batch.refresh_from_db()
        assert batch.state == BatchState.DISCARDED
        assert (
            not BatchLine.objects.exists()
            and not BatchItem.objects.exists()
            and not BatchTotal.objects.exists()
        )
        again = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert again.total_fen == batch.total_fen


class TestBankFiles:
    def approved(self, county: World) -> Batch:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        return do_approve_batch(batch, acting_user=county.leader)

    def test_a_draft_cannot_be_exported(self, county: World) -> None:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        with pytest.raises(Conflict):
            do_export_batch(batch, io.BytesIO(), fmt="csv", acting_user=county.county_clerk)

    def test_the_csv_has_full_identifiers_a_totals_line_and_a_bom(
        self, county: World, tmp_path: Path
    ) -> None:
        batch = self.approved(county)
        target = tmp_path / "bank.csv"
        code, _out, err = run("export-batch", str(batch.pk), "-o", str(target), "--as", "clerk", "--json")
        assert code == 0, err
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == ["序号", "姓名", "公民身份号码", "开户银行", "银行账号", "金额", "摘要"]
        assert [r[0] for r in rows[1:]] == ["1", "2", "3", "合计"]
        assert all(len(r[2]) == 18 and "*" not in r[2] for r in rows[1:4])
        assert rows[3][1:6:4] == ["丙", "1080.00"] and rows[3][4] == "6230000000000000002"
        # 摘要: the month, the kinds of money the line pays, and whether it holds arrears.
        assert rows[1][6] == "2026年11月定期生活补助(含补发)"
        assert rows[4] == ["合计", "", "", "", "", "9720.00", "共3笔"]
        batch.refresh_from_db()
        assert batch.state == BatchState.EXPORTED
        event = AuditEvent.objects.get(event_type=EventType.BATCH_EXPORTED)
        assert event.extra["lines"] == 3 and event.extra["personal_data"] == ["id_number", "bank_account"]
        assert rows[1][2] not in json.dumps(event.extra) + json.dumps(event.new)

    def test_gbk_and_xlsx(self, county: World, tmp_path: Path) -> None:
        batch = self.approved(county)
        assert (
            run(
                "export-batch",
                str(batch.pk),
                "-o",
                str(tmp_path / "b.csv"),
                "--encoding",
                "gbk",
                "--as",
                "clerk",
            )[0]
            == 0
        )
        text = (tmp_path / "b.csv").read_bytes().decode("gbk")
        assert "甲" in text and "合计" in text
        assert run("export-batch", str(batch.pk), "-o", str(tmp_path / "b.xlsx"), "--as", "clerk")[0] == 0
        rows = CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).get_sheet_by_index(0).to_python()
        assert rows[0][0] == "序号" and rows[-1][0] == "合计" and str(rows[-1][5]) == "9720.00"
        assert AuditEvent.objects.filter(event_type=EventType.BATCH_EXPORTED).count() == 2

    def test_a_name_gbk_cannot_write_asks_for_utf8_and_nothing_is_recorded(self, county: World) -> None:
        with time_machine.travel(at(2026, 11, 20), tick=False):
            person(county, WAR, name="𠮷野", region=county.village_b)
        batch = self.approved(county)
        with pytest.raises(InvalidInput):
            do_export_batch(batch, io.BytesIO(), fmt="csv", encoding="gbk", acting_user=county.county_clerk)
        batch.refresh_from_db()
        assert batch.state == BatchState.APPROVED
        assert not AuditEvent.objects.filter(event_type=EventType.BATCH_EXPORTED).exists()

    def test_a_township_clerk_cannot_export(self, county: World) -> None:
        batch = self.approved(county)
        with pytest.raises(PermissionDenied):
            do_export_batch(batch, io.BytesIO(), fmt="csv", acting_user=county.township_clerk)

    def test_returns_mark_lines_paid_or_failed_and_the_batch_closes(
        self, county: World, tmp_path: Path
    ) -> None:
        batch = self.approved(county)
        jia = BatchLine.objects.get(batch=batch, beneficiary__name="甲")
        returns = tmp_path / "returns.csv"
        returns.write_bytes(returns_for(batch, county.county_clerk, {jia.beneficiary_id: "账户已销户"}))
        code, out, err = run("import-bank-returns", str(batch.pk), str(returns), "--as", "clerk", "--json")
        assert code == 0, err
        assert json.loads(out) == {
            "ok": True,
            "paid": 2,
            "paid_total": "8640.00",
            "failed": 1,
            "failed_total": "1080.00",
            "banks": ["农村商业银行"],
            "banks_missing": [],
            "id": batch.pk,
            "state": "returns_imported",
        }
        jia.refresh_from_db()
        assert (jia.status, jia.reason) == (LineStatus.FAILED, "账户已销户")
        assert run("import-bank-returns", str(batch.pk), str(returns), "--as", "clerk")[0] == 1  # once only
        assert run("close-batch", str(batch.pk), "--as", "clerk")[0] == 0
        batch.refresh_from_db()
        assert batch.state == BatchState.CLOSED
        assert [t for t in batch.transitions.values_list("state", flat=True)] == [
            "draft",
            "approved",
            "exported",
            "returns_imported",
            "closed",
        ]

    def _tampered(self, batch: Batch, county: World, change: str) -> bytes:
        rows = list(csv.reader(io.StringIO(returns_for(batch, county.county_clerk).decode("utf-8-sig"))))
        body = rows[1:]
        if change == "account":
            body[0][4] = body[0][4][:-1] + "9"
        elif change == "amount":
            body[1][5] = "1.00"
        elif change == "missing":
            del body[2]
        elif change == "duplicate":
            body[1][0] = body[0][0]
        elif change == "status":
            body[0][7] = "已付"
        elif change == "unknown":
            body[0][0] = "99"
        elif change == "excel":
            body[0][4] = "6.23E+18"
        return csv_bytes(body, RETURN_COLUMNS)

    @pytest.mark.parametrize(
        "change", ["account", "amount", "missing", "duplicate", "status", "unknown", "excel"]
    )
    def test_a_returns_file_that_does_not_match_is_rejected_whole(self, county: World, change: str) -> None:
        batch = self.approved(county)
        data = self._tampered(batch, county, change)
        with pytest.raises(ImportRejected) as refused:
            do_import_bank_returns(batch, data, acting_user=county.county_clerk)
        assert refused.value.errors
        batch.refresh_from_db()
        assert batch.state == BatchState.EXPORTED
        assert set(BatchLine.objects.values_list("status", flat=True)) == {LineStatus.PENDING}
        assert not AuditEvent.objects.filter(event_type=EventType.BANK_RETURNS_IMPORTED).exists()


class TestApi:
    def test_create_is_201_then_409_in_the_envelope(self, county: World, client: Client) -> None:
        auth = bearer(county.county_clerk)
        response = client.post(
            "/api/v1/batches", {"period": "2026-11"}, content_type="application/json", **auth
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert {
            k: body[k] for k in ("period", "persons", "lines", "total", "arrears_total", "recoveries")
        } == {
            "period": "2026-11",
            "persons": 3,
            "lines": 8,
            "total": "9720.00",
            "arrears_total": "4860.00",
            "recoveries": 0,
        }
        again = client.post("/api/v1/batches", {"period": "2026-11"}, content_type="application/json", **auth)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "batch_open"
        bad = client.post("/api/v1/batches", {"period": "2026-13"}, content_type="application/json", **auth)
        assert bad.status_code == 400

    def test_a_township_clerk_sees_the_batch_but_only_their_townships_lines(
        self, county: World, client: Client
    ) -> None:
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        auth = bearer(county.other_township_clerk)
        detail = client.get(f"/api/v1/batches/{batch.pk}", **auth)
        assert detail.status_code == 200
        assert {t["township_name"] for t in detail.json()["totals"]} == {"东岭镇"}
        lines = client.get(f"/api/v1/batches/{batch.pk}/lines", **auth).json()
        assert [line["name"] for line in lines["results"]] == ["丙"]
        assert all("*" in line["id_number"] for line in lines["results"])
        county_lines = client.get(f"/api/v1/batches/{batch.pk}/lines", **bearer(county.county_clerk)).json()
        assert county_lines["count"] == 3
        created = client.post(
            "/api/v1/batches", {"period": "2026-12"}, content_type="application/json", **auth
        )
        assert created.status_code == 403

    def test_the_whole_life_through_the_api(self, county: World, client: Client) -> None:
        clerk, leader = bearer(county.county_clerk), bearer(county.leader)
        batch_id = client.post(
            "/api/v1/batches", {"period": "2026-11"}, content_type="application/json", **clerk
        ).json()["id"]
        assert client.post(f"/api/v1/batches/{batch_id}/approve", **clerk).status_code == 403
        assert client.post(f"/api/v1/batches/{batch_id}/approve", **leader).json()["state"] == "approved"
        exported = client.post(f"/api/v1/batches/{batch_id}/export?format=csv&encoding=utf-8", **clerk)
        assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        back = csv_bytes([[*r, "成功" if r[0] != "合计" else "", ""] for r in rows[1:]], RETURN_COLUMNS)
        upload = io.BytesIO(back)
        upload.name = "returns.csv"
        imported = client.post(f"/api/v1/batches/{batch_id}/returns", {"file": upload}, **clerk)
        assert imported.status_code == 200, imported.content
        assert imported.json()["paid_total"] == "9720.00"
        closed = client.post(f"/api/v1/batches/{batch_id}/close", **clerk).json()
        assert [t["state"] for t in closed["transitions"]][-1] == "closed"

    def test_entitlements_explain_a_person_and_hide_others(self, county: World, client: Client) -> None:
        pay_month(county, "2026-10")
        jia = BatchLine.objects.filter(beneficiary__name="甲").get().beneficiary
        response = client.get(
            f"/api/v1/beneficiaries/{jia.pk}/entitlements?from=2026-09&to=2026-11",
            **bearer(county.county_clerk),
        )
        assert response.status_code == 200
        body = response.json()
        assert body["payments_start"] == "2026-10"
        assert [(r["month"], r["due"], r["paid"], r["difference"]) for r in body["results"]] == [
            ("2026-10", "540.00", "540.00", "0.00"),
            ("2026-11", "540.00", "0.00", "540.00"),
        ]
        assert body["results"][0]["standard"]["annual_amount"] == "6000.00"
        assert body["results"][0]["top_up_percent"] == "8.00"
        hidden = client.get(
            f"/api/v1/beneficiaries/{jia.pk}/entitlements", **bearer(county.other_township_clerk)
        )
        assert hidden.status_code == 404

    def test_recoveries_are_listed_and_settled(self, county: World, client: Client) -> None:
        pay_month(county, "2026-10")
        from youfu.benefits.tests.helpers import standards_in_force

        with time_machine.travel(at(2026, 11, 20), tick=False):
            standards_in_force(county, csv_bytes([["参战退役人员", "", "", "", "4800", "2026-10-01", ""]]))
        pay_month(county, "2026-11")
        listed = client.get("/api/v1/recoveries", **bearer(county.county_clerk)).json()
        assert listed["count"] == 3 and {r["amount"] for r in listed["results"]} == {"108.00"}
        assert client.get("/api/v1/recoveries", **bearer(county.other_township_clerk)).json()["count"] == 1
        recovery = Recovery.objects.filter(beneficiary__name="甲").get()
        waived = client.post(
            f"/api/v1/recoveries/{recovery.pk}/settle",
            {"outcome": "waived"},
            content_type="application/json",
            **bearer(county.county_clerk),
        )
        assert waived.status_code == 403  # waiving is a leader's decision
        settled = client.post(
            f"/api/v1/recoveries/{recovery.pk}/settle",
            {"outcome": "recovered", "note": "已退回"},
            content_type="application/json",
            **bearer(county.county_clerk),
        )
        assert settled.json()["status"] == RecoveryStatus.RECOVERED
