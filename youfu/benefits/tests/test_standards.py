from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import BenefitSettings, LocalTopUp, Standard, StandardImport
from youfu.benefits.rates import RateKey, StandardTable
from youfu.benefits.services import do_import_standards, do_set_topup
from youfu.benefits.tests.helpers import BASE_STANDARDS, HEADER, csv_bytes, standards_in_force, topup_in_force
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.imports import ImportRejected
from youfu.testing import World

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def rejected(world: World, rows: list[list[str]]) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as refused:
        do_import_standards(csv_bytes(rows), acting_user=world.county_clerk)
    return [(e.row, e.column) for e in refused.value.errors]


class TestImport:
    def test_it_imports_a_csv_and_records_a_version(self, world: World) -> None:
        result = do_import_standards(
            csv_bytes(BASE_STANDARDS), acting_user=world.county_clerk, filename="标准.csv"
        )
        assert (result.rows, result.added, result.unchanged) == (len(BASE_STANDARDS), len(BASE_STANDARDS), 0)
        assert Standard.objects.count() == len(BASE_STANDARDS)
        version = StandardImport.objects.get()
        assert (version.filename, version.rows, version.state) == ("标准.csv", len(BASE_STANDARDS), "pending")
        assert (result.version, result.state) == (version.pk, "pending")
        event = AuditEvent.objects.get(event_type=EventType.STANDARDS_IMPORTED)
        assert event.new == {
            "filename": "标准.csv",
            "added": len(BASE_STANDARDS),
            "effective_dates": ["2020-01-01"],
            "state": "pending",
        }
        rural = Standard.objects.get(category="elderly_rural_veteran")
        assert (rural.annual_fen, rural.basis) == (6000, "per_service_year")

    def test_blank_means_any(self, world: World) -> None:
        standards_in_force(world, csv_bytes(BASE_STANDARDS))
        table = StandardTable.load()
        on = date(2026, 1, 1)
        duty = table.applicable(RateKey("disabled_veteran", "duty", 7, "urban"), on)
        assert duty is not None and duty.annual_fen == 3000000
        assert table.applicable(RateKey("martyr_survivor", "", 0, "rural"), on).annual_fen == 2700000  # type: ignore[union-attr]
        assert table.applicable(RateKey("war_participant", "", 0, "rural"), date(2019, 12, 31)) is None

    def test_it_reads_xlsx_with_full_width_headers_and_spreadsheet_values(self, world: World) -> None:
        book = Workbook()
        sheet = book.active
        sheet.append(["优抚类别", "伤残性质", "伤残等级", "户籍性质", "年标准（元）", "生效日期", "计发方式"])
        sheet.append(["残疾军人", "因战", 1, None, 102345.5, date(2025, 8, 1), None])
        sheet.append(["参战退役人员", None, None, "农村", 7000, "2025年8月1日", "每人"])
        data = io.BytesIO()
        book.save(data)
        result = do_import_standards(data.getvalue(), acting_user=world.county_clerk, filename="标准.xlsx")
        assert result.added == 2
        first = Standard.objects.get(category="disabled_veteran")
        assert (first.annual_fen, first.disability_level, first.effective_on) == (
            10234550,
            1,
            date(2025, 8, 1),
        )

    def test_a_later_date_adds_a_version_and_keeps_history(self, world: World) -> None:
        standards_in_force(world, csv_bytes(BASE_STANDARDS))
        standards_in_force(world, csv_bytes([["参战退役人员", "", "", "", "7200", "2026-08-01", ""]]))
        rows = list(
            Standard.objects.filter(category="war_participant")
            .order_by("effective_on")
            .values_list("effective_on", "annual_fen")
        )
        assert rows == [(date(2020, 1, 1), 600000), (date(2026, 8, 1), 720000)]
        assert StandardImport.objects.count() == 2
        table = StandardTable.load()
        key = RateKey("war_participant", "", 0, "urban")
        assert table.applicable(key, date(2026, 7, 31)).annual_fen == 600000  # type: ignore[union-attr]
        assert table.applicable(key, date(2026, 8, 1)).annual_fen == 720000  # type: ignore[union-attr]

    def test_importing_the_same_file_again_changes_nothing(self, world: World) -> None:
        standards_in_force(world, csv_bytes(BASE_STANDARDS))
        again = do_import_standards(csv_bytes(BASE_STANDARDS), acting_user=world.county_clerk)
        assert (again.added, again.unchanged, again.version, again.state) == (
            0,
            len(BASE_STANDARDS),
            None,
            None,
        )
        assert StandardImport.objects.count() == 1
        assert AuditEvent.objects.filter(event_type=EventType.STANDARDS_IMPORTED).count() == 1

    def test_overlapping_rows_on_one_date_reject_the_file(self, world: World) -> None:
        errors = rejected(
            world,
            [
                ["参战退役人员", "", "", "", "6000", "2026-01-01", ""],
                ["参战退役人员", "", "", "农村", "6500", "2026-01-01", ""],  # any residence and rural: both
                ["残疾军人", "因战", "", "", "9000", "2026-01-01", ""],
                ["残疾军人", "", "3", "", "9000", "2026-01-01", ""],  # any cause, level 3 meets 因战 3级
                ["残疾军人", "因公", "3", "城镇", "9000", "2026-01-01", ""],
                ["残疾军人", "因公", "3", "农村", "9000", "2026-01-01", ""],  # distinct: fine
            ],
        )
        assert errors == [(3, "优抚类别"), (5, "优抚类别")]
        assert not Standard.objects.exists()

    def test_a_row_clashing_with_one_in_force_rejects_the_file(self, world: World) -> None:
        standards_in_force(world, csv_bytes(BASE_STANDARDS))
        errors = rejected(
            world,
            [
                ["参战退役人员", "", "", "", "7000", "2026-01-01", ""],  # fine on its own
                ["参战退役人员", "", "", "", "6100", "2020-01-01", ""],  # same key and date, other amount
                ["烈士遗属", "", "", "", "31000", "2020-01-01", ""],  # any residence over urban and rural
            ],
        )
        assert errors == [(3, "生效日期"), (4, "优抚类别")]
        assert Standard.objects.count() == len(BASE_STANDARDS)

    def test_bad_rows_are_named_and_nothing_is_imported(self, world: World) -> None:
        errors = rejected(
            world,
            [
                ["参战退役人员", "", "", "", "6000", "2026-01-01", ""],
                ["外星人", "", "", "", "1", "2026-01-01", ""],
                ["现役军人家属", "", "", "", "1", "2026-01-01", ""],
                ["残疾军人", "因病", "7", "", "1", "2026-01-01", ""],
                ["参战退役人员", "因战", "", "", "1", "2026-01-02", ""],
                ["参战退役人员", "", "", "郊区", "1", "2026-01-03", ""],
                ["参战退役人员", "", "", "", "-5", "2026-01-04", ""],
                ["参战退役人员", "", "", "", "12.345", "2026-01-05", ""],
                ["参战退役人员", "", "", "", "12", "", ""],
                ["参战退役人员", "", "", "", "12", "2026-01-06", "每月"],
                ["参战退役人员", "", "", "", "12", "2026-01-07", "每服役年"],
            ],
        )
        assert errors == [
            (3, "优抚类别"),
            (4, "优抚类别"),
            (5, "伤残等级"),
            (6, "伤残性质"),
            (7, "户籍性质"),
            (8, "年标准(元)"),
            (9, "年标准(元)"),
            (10, "生效日期"),
            (11, "计发方式"),
            (12, "计发方式"),
        ]
        assert not Standard.objects.exists() and not StandardImport.objects.exists()

    def test_a_file_without_the_columns_is_refused(self, world: World) -> None:
        with pytest.raises(InvalidInput) as refused:
            do_import_standards(csv_bytes([["x"]], header=["类别"]), acting_user=world.county_clerk)
        assert refused.value.code == "missing_columns"

    @pytest.mark.parametrize("who", ["admin", "leader", "township_clerk", "liaison", "auditor"])
    def test_only_a_county_clerk_imports(self, world: World, who: str) -> None:
        with pytest.raises(PermissionDenied):
            do_import_standards(csv_bytes(BASE_STANDARDS), acting_user=getattr(world, who))
        assert not StandardImport.objects.exists()

    def test_the_command_prints_json_and_exits_1_when_rejected(self, world: World, tmp_path: Path) -> None:
        good = tmp_path / "standards.csv"
        good.write_bytes(csv_bytes(BASE_STANDARDS, encoding="gbk"))
        code, out, _ = run("import-standards", str(good), "--as", "clerk", "--json")
        assert code == 0
        assert json.loads(out)["added"] == len(BASE_STANDARDS)
        bad = tmp_path / "bad.csv"
        bad.write_bytes(csv_bytes([["参战退役人员", "", "", "", "abc", "2027-01-01", ""]]))
        code, out, _ = run("import-standards", str(bad), "--as", "clerk", "--json")
        assert code == 1
        body = json.loads(out)
        assert body["ok"] is False and body["errors"][0]["row"] == 2
        assert Standard.objects.count() == len(BASE_STANDARDS)
        assert HEADER[4] == "年标准(元)"


class TestTopUp:
    def test_it_is_effective_dated_with_history(self, world: World) -> None:
        topup_in_force(world, Decimal("8"), date(2020, 1, 1))
        do_set_topup(Decimal("10.5"), date(2026, 7, 1), acting_user=world.county_clerk)
        assert list(
            LocalTopUp.objects.order_by("effective_on").values_list("percent", "effective_on", "state")
        ) == [
            (Decimal("8.00"), date(2020, 1, 1), "approved"),
            (Decimal("10.50"), date(2026, 7, 1), "pending"),
        ]
        event = AuditEvent.objects.filter(event_type=EventType.TOPUP_SET).order_by("seq").last()
        assert event is not None
        assert event.new == {"percent": "10.50", "effective_on": "2026-07-01", "state": "pending"}

    def test_the_same_date_again_corrects_it_with_old_and_new_values(self, world: World) -> None:
        first = topup_in_force(world, Decimal("8"), date(2020, 1, 1))
        correction = topup_in_force(world, Decimal("9"), date(2020, 1, 1))
        assert LocalTopUp.objects.get(state="approved") == correction
        first.refresh_from_db()
        assert (first.state, first.percent) == ("superseded", Decimal("8.00"))  # kept as history
        event = AuditEvent.objects.filter(event_type=EventType.TOPUP_SET).order_by("seq").last()
        assert event is not None and event.old == {"percent": "8.00", "effective_on": "2020-01-01"}
        approved = AuditEvent.objects.filter(event_type=EventType.TOPUP_APPROVED).order_by("seq").last()
        assert approved is not None and approved.old == {"percent": "8.00", "state": "approved"}

    @pytest.mark.parametrize("percent", ["-100.01", "100.5", "abc", "8.123"])
    def test_out_of_range_or_malformed_is_refused_by_the_command(self, world: World, percent: str) -> None:
        code, _, err = run("set-topup", percent, "--from", "2026-01-01", "--as", "clerk")
        assert code == 1 and err
        assert not LocalTopUp.objects.exists()

    def test_the_command_sets_it(self, world: World) -> None:
        assert run("set-topup", "8", "--from", "2026-01-01", "--as", "clerk")[0] == 0
        assert run("set-topup", "-100", "--from", "2026-02-01", "--as", "clerk")[0] == 0
        assert run("set-topup", "8", "--from", "2026-13-01", "--as", "clerk")[0] == 1
        assert LocalTopUp.objects.count() == 2

    @pytest.mark.parametrize("who", ["township_clerk", "admin", "leader"])
    def test_only_a_county_clerk_enters_it(self, world: World, who: str) -> None:
        with pytest.raises(PermissionDenied):
            do_set_topup(Decimal("8"), date(2020, 1, 1), acting_user=getattr(world, who))
        assert not LocalTopUp.objects.exists() and not BenefitSettings.objects.exists()
