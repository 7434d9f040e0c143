"""The registry import: every rule with its own small file."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.idnumber import IdNumber, make_id_number
from youfu.core.imports import ImportRejected
from youfu.registry import importing
from youfu.registry.categories import Category
from youfu.registry.importing import (
    ERROR_HEADER,
    RegistryImportRejected,
    annotate,
    annotated_copy,
    import_registry,
)
from youfu.registry.importing.write import _NameKeys
from youfu.registry.models import Beneficiary, DisabilityAssessment, Qualification
from youfu.registry.services import id_number_index, person_columns
from youfu.registry.tests.factories import id_number_for, person_data, register
from youfu.registry.tests.test_import_helpers import csv_bytes, person_row, read_xlsx, table, xlsx
from youfu.testing import World

pytestmark = pytest.mark.django_db


def run(world: World, data: bytes, name: str = "名册.xlsx", **kwargs: Any) -> Any:
    kwargs.setdefault("acting_user", world.county_clerk)
    return import_registry(data, name, **kwargs)


def rejected(world: World, data: bytes, name: str = "名册.xlsx", **kwargs: Any) -> RegistryImportRejected:
    with pytest.raises(RegistryImportRejected) as info:
        run(world, data, name, **kwargs)
    return info.value


def errors_of(exc: ImportRejected) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in exc.errors}


def counts() -> tuple[int, int, int, int]:
    """What an import writes; a dry run or a refused file leaves only its check in the log."""
    return (
        Beneficiary.objects.count(),
        Qualification.objects.count(),
        DisabilityAssessment.objects.count(),
        AuditEvent.objects.exclude(event_type=EventType.REGISTRY_IMPORT_CHECKED).count(),
    )


def checks() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=EventType.REGISTRY_IMPORT_CHECKED).order_by("seq"))


class TestFiles:
    def test_it_imports_a_clean_workbook_with_one_audit_event(self, world: World) -> None:
        rows = [person_row(姓名="张三"), person_row(姓名="李四", 联系电话="", 开户银行="", 银行账号="")]
        result = run(world, xlsx(table(rows)))
        assert result.as_dict() == {
            "ok": True,
            "dry_run": False,
            "rows": 2,
            "persons_created": 2,
            "qualifications_created": 2,
            "persons_updated": 0,
            "errors": [],
            "warnings": [],
        }
        zhang = Beneficiary.objects.get(name="张三")
        assert decrypt(zhang.id_number_encrypted) == rows[0]["公民身份号码"]
        assert zhang.id_number_index == id_number_index(rows[0]["公民身份号码"])
        assert zhang.id_number_masked.count("*") == 8
        assert decrypt(zhang.bank_account_encrypted) == "6230000000000000001"
        assert zhang.bank_account_masked.endswith("0001") and "623000" not in zhang.bank_account_masked
        assert (zhang.name_pinyin, zhang.name_initials) == ("zhangsan", "zs")
        assert zhang.region == world.village_a and zhang.township == world.township_a
        assert zhang.residence == "rural" and zhang.sex == "male"
        q = zhang.qualifications.get()
        assert q.category == Category.WAR_PARTICIPANT and q.approved_on == date(2020, 1, 1)
        assert (q.enlisted_on, q.discharged_on, q.service_years) == (date(1968, 3, 1), date(1972, 12, 1), 5)
        event = AuditEvent.objects.get()
        assert event.event_type == EventType.REGISTRY_IMPORTED
        assert event.actor_name == world.county_clerk.username
        assert event.extra["file"] == "名册.xlsx"
        assert event.extra["persons_created"] == 2 and event.extra["rows"] == 2
        assert len(event.extra["sha256"]) == 64

    def test_the_import_record_has_its_region_and_ids_not_people(self, world: World) -> None:
        # Issue 10, item 11: one record, in the township the file concerns (its auditor sees
        # it), or the importer's region when it spans several; ids, never names.
        run(world, xlsx(table([person_row(姓名="张三"), person_row(姓名="李四")])))
        run(
            world,
            xlsx(
                table(
                    [
                        person_row(姓名="王五"),
                        person_row(姓名="赵六", **{"乡镇(街道)": "东岭镇", "村(社区)": ""}),
                    ]
                )
            ),
        )
        one, spread = AuditEvent.objects.filter(event_type=EventType.REGISTRY_IMPORTED).order_by("seq")
        assert one.region_id == world.township_a.code
        assert spread.region_id == world.county_clerk.region_id
        ids = sorted(Beneficiary.objects.values_list("pk", flat=True))
        assert one.extra["beneficiary_ids"] == [[ids[0], ids[1]]]
        for name in ("张三", "李四", "王五", "赵六"):
            assert name not in str(one.extra) + str(spread.extra)

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
    def test_it_reads_csv_in_utf8_bom_and_gbk(self, world: World, encoding: str) -> None:
        data = csv_bytes(table([person_row(姓名="王五")]), encoding)
        result = run(world, data, "名册.csv")
        assert result.persons_created == 1
        assert Beneficiary.objects.get().name == "王五"

    def test_tab_separated_text_and_short_rows(self, world: World) -> None:
        cells = table([person_row(), person_row(姓名="李四")])
        cells[2] = cells[2][: cells[0].index("批准日期") + 1]  # the empty cells at the end left out
        text = "\n".join("\t".join(str(v) for v in line) for line in cells)
        result = run(world, text.encode("gbk"), "名册.txt")
        assert result.persons_created == 2

    def test_it_detects_a_workbook_by_content_not_by_name(self, world: World) -> None:
        assert run(world, xlsx(table([person_row()])), "upload.bin").persons_created == 1

    def test_it_refuses_an_old_xls_and_a_fake_workbook(self, world: World) -> None:
        with pytest.raises(InvalidInput, match="xls"):
            run(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
        with pytest.raises(InvalidInput):
            run(world, b"PK\x03\x04 not really a zip", "x.xlsx")
        with pytest.raises(InvalidInput):
            run(world, b"plain text", "x.xlsx")
        with pytest.raises(InvalidInput):
            run(world, b"", "x.csv")

    def test_it_finds_the_header_below_title_rows_and_counts_spreadsheet_rows(self, world: World) -> None:
        above = [["青山县优抚对象花名册"], ["填报单位：城关镇", None, None, "2026年1月"]]
        rows = [person_row(), person_row(公民身份号码="123")]
        exc = rejected(world, xlsx(table(rows), above=above, merges=["A1:R1"]))
        assert errors_of(exc) == {(5, "公民身份号码")}  # titles 1–2, header 3, data 4–5

    def test_a_two_row_header_with_a_group_label(self, world: World) -> None:
        headers = list(table([])[0])
        cause, level = headers.index("伤残性质"), headers.index("伤残等级")
        top = [h if c not in (cause, level) else "伤残情况" for c, h in enumerate(headers)]
        sub = [h if c in (cause, level) else None for c, h in enumerate(headers)]
        top[level] = None  # merged with the cell on its left
        merges = ["A1:A2", "B1:B2", "C1:C2", "K1:L1"]
        data_row = table([person_row(优抚类别="残疾军人", 伤残性质="因战", 伤残等级="五级")])[1]
        result = run(world, xlsx([top, sub, data_row], merges=merges))
        assert result.persons_created == 1
        assert Qualification.objects.get().disability_level == 5
        bad = table([person_row(公民身份号码="1")])[1]
        exc = rejected(world, xlsx([top, sub, bad], merges=merges))
        assert errors_of(exc) == {(3, "公民身份号码")}

    def test_the_first_sheet_with_a_header_is_read_and_another_is_named(self, world: World) -> None:
        book = openpyxl.Workbook()
        book.active.title = "说明"
        book.active.append(["填表说明：每行一个优抚身份"])
        hidden = book.create_sheet("旧表")
        for line in table([person_row(公民身份号码="1")]):
            hidden.append(line)
        hidden.sheet_state = "hidden"
        for title in ("城关镇", "东岭镇"):
            sheet = book.create_sheet(title)
            for line in table([person_row(姓名=title)]):
                sheet.append(line)
        out = io.BytesIO()
        book.save(out)
        result = run(world, out.getvalue())
        assert list(Beneficiary.objects.values_list("name", flat=True)) == ["城关镇"]
        assert [(w.row, w.message.en) for w in result.warnings] == [(0, "The sheet 东岭镇 was not read.")]

    def test_a_row_of_column_numbers_under_the_header_is_skipped(self, world: World) -> None:
        cells = table([person_row(), person_row(公民身份号码="1")])
        cells.insert(1, list(range(1, len(cells[0]) + 1)))
        exc = rejected(world, xlsx(cells))
        assert errors_of(exc) == {(4, "公民身份号码")}
        assert exc.rows == 2

    def test_errors_name_the_header_exactly_as_written(self, world: World) -> None:
        headers = [h.replace("(", "（").replace(")", "）") for h in table([])[0]]
        headers[0] = " 姓　名 "
        cells = table([person_row(**{"乡镇(街道)": "无名镇"}, 姓名="")])
        cells[0] = headers
        exc = rejected(world, xlsx(cells))
        assert errors_of(exc) == {(2, "乡镇（街道）"), (2, "姓　名")}

    def test_it_accepts_aliases_and_warns_about_serial_and_unknown_columns(self, world: World) -> None:
        headers = ["序号", "姓名", "身份证号", "性别", "户口性质", "乡镇", "村", "类别", "批准时间", "照片"]
        number = id_number_for()
        cells = [
            headers,
            [1, "张三", number, "男", "农村", "城关镇", "柳湾村", "参战退役人员", "2020-1-1", "有"],
        ]
        result = run(world, xlsx(cells))
        assert result.persons_created == 1
        assert {(w.row, w.column) for w in result.warnings} == {(1, "序号"), (1, "照片")}

    def test_it_refuses_a_file_without_the_required_columns(self, world: World) -> None:
        cells = [["姓名", "身份证号", "性别"], ["张三", id_number_for(), "男"]]
        exc = rejected(world, xlsx(cells))
        assert {c for _, c in errors_of(exc)} == {"户籍性质", "乡镇(街道)", "优抚类别", "批准日期"}
        exc = rejected(world, xlsx([["名单"], ["张三"]]))
        assert errors_of(exc) == {(1, "")}
        assert Beneficiary.objects.count() == 0

    def test_merged_cells_hold_their_value_in_every_row(self, world: World) -> None:
        first = person_row(姓名="赵六", 优抚类别="残疾军人", 伤残性质="因公", 伤残等级="8")
        second = {**first, "优抚类别": "参战退役人员", "伤残性质": "", "伤残等级": ""}
        third = person_row(姓名="孙七")
        cells = table([first, second, third])
        for column in ("姓名", "公民身份号码", "性别", "出生日期"):
            cells[2][cells[0].index(column)] = None  # the merged-away cells are empty in the file
        cells[3][cells[0].index("乡镇(街道)")] = None
        # 姓名/ID/性别/出生日期 span the person's two rows; the township spans all three.
        merges = ["A2:A3", "B2:B3", "C2:C3", "E2:E3", "G2:G4"]
        result = run(world, xlsx(cells, merges=merges))
        assert (result.persons_created, result.qualifications_created) == (2, 3)
        zhao = Beneficiary.objects.get(name="赵六")
        assert set(zhao.qualifications.values_list("category", flat=True)) == {
            Category.DISABLED_VETERAN,
            Category.WAR_PARTICIPANT,
        }
        assert Beneficiary.objects.get(name="孙七").township == world.township_a

    def test_full_width_characters_ideographic_spaces_and_lowercase_x(self, world: World) -> None:
        number = next(
            n for s in range(1, 999, 2) if (n := make_id_number("341199", date(1950, 3, 1), s)).endswith("X")
        )
        wide = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
        row = person_row(
            姓名="\u3000张　三 ",
            公民身份号码=wide,
            联系电话="１３８０００００００１",
            **{"乡镇(街道)": " 城关镇\u3000", "村(社区)": "柳湾村 "},
            优抚类别=" 参战退役人员\u3000",
            户籍性质="\u3000农村",
            银行账号="６２３０ ００００ ００００ ００００ ００１",
        )
        run(world, xlsx(table([row])))
        person = Beneficiary.objects.get()
        assert person.name == "张三"
        assert decrypt(person.id_number_encrypted) == number
        assert person.phone == "13800000001"
        assert decrypt(person.bank_account_encrypted) == "6230000000000000001"


class TestCells:
    @pytest.mark.parametrize(
        "written",
        [
            datetime(2019, 8, 1),
            43678,  # Excel's serial number for 2019-08-01
            "2019-08-01",
            "2019/8/1",
            "2019.8.1",
            "2019年8月1日",
            "2019.08",  # a month alone is its first day
            2019.08,  # ... even when Excel stored it as a number
            "２０１９－０８－０１",
        ],
    )
    def test_every_date_form(self, world: World, written: Any) -> None:
        run(world, xlsx(table([person_row(批准日期=written)])))
        assert Qualification.objects.get().approved_on == date(2019, 8, 1)

    @pytest.mark.parametrize("written", [2019.1, 1979])
    def test_a_number_that_is_not_clearly_a_date_is_refused(self, world: World, written: Any) -> None:
        exc = rejected(world, xlsx(table([person_row(批准日期=written)])))
        assert errors_of(exc) == {(2, "批准日期")}

    @pytest.mark.parametrize(
        ("written", "level"), [("一级", 1), ("十级", 10), ("3", 3), (3, 3), ("５级", 5), ("第七级", 7)]
    )
    def test_every_level_form(self, world: World, written: Any, level: int) -> None:
        row = person_row(优抚类别="残疾军人", 伤残性质="因战", 伤残等级=written)
        run(world, xlsx(table([row])))
        q = Qualification.objects.get()
        assert (q.category, q.disability_cause, q.disability_level) == ("disabled_veteran", "combat", level)
        assessment = DisabilityAssessment.objects.get()
        assert (assessment.qualification, assessment.level, assessment.cause) == (q, level, "combat")
        assert assessment.effective_on == q.approved_on

    def test_an_id_number_excel_turned_into_a_number_has_lost_digits(self, world: World) -> None:
        number = next(n for _ in range(20) if not (n := id_number_for()).endswith("X"))
        exc = rejected(world, xlsx(table([person_row(公民身份号码=float(number))])))
        assert errors_of(exc) == {(2, "公民身份号码")}
        assert "lost digits" in exc.errors[0].message.en

    def test_scientific_notation_text_is_refused_the_same_way(self, world: World) -> None:
        exc = rejected(world, csv_bytes(table([person_row(公民身份号码="3.41199E+17")])), "x.csv")
        assert errors_of(exc) == {(2, "公民身份号码")}
        assert "lost digits" in exc.errors[0].message.en

    def test_an_old_15_digit_number(self, world: World) -> None:
        for written in ("341199500301001", 341199500301001):
            exc = rejected(world, xlsx(table([person_row(公民身份号码=written)])))
            assert "15-digit" in exc.errors[0].message.en

    def test_a_wrong_check_character(self, world: World) -> None:
        number = id_number_for()
        wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
        exc = rejected(world, xlsx(table([person_row(公民身份号码=wrong)])))
        assert errors_of(exc) == {(2, "公民身份号码")}
        assert "check character" in exc.errors[0].message.en

    def test_sex_and_birth_date_must_agree_with_the_id_number(self, world: World) -> None:
        rows = [person_row(性别="女"), person_row(出生日期="1951-03-01")]
        exc = rejected(world, xlsx(table(rows)))
        assert errors_of(exc) == {(2, "性别"), (3, "出生日期")}

    def test_a_bank_account_excel_turned_into_a_number(self, world: World) -> None:
        exc = rejected(world, xlsx(table([person_row(银行账号=6.23e18)])))
        assert errors_of(exc) == {(2, "银行账号")}


class TestDisability:
    def test_a_disabled_veteran_needs_cause_and_level(self, world: World) -> None:
        rows = [
            person_row(优抚类别="残疾军人", 伤残性质="因战"),
            person_row(优抚类别="残疾军人", 伤残等级="五级"),
        ]
        exc = rejected(world, xlsx(table(rows)))
        assert errors_of(exc) == {(2, "伤残等级"), (3, "伤残性质")}

    def test_illness_allows_levels_1_to_6_only(self, world: World) -> None:
        rows = [
            person_row(优抚类别="残疾军人", 伤残性质="因病", 伤残等级="七级"),
            person_row(优抚类别="残疾军人", 伤残性质="因病", 伤残等级="六级"),
        ]
        exc = rejected(world, xlsx(table(rows)))
        assert errors_of(exc) == {(2, "伤残等级")}
        assert "1 to 6" in exc.errors[0].message.en

    def test_no_level_or_cause_for_other_categories(self, world: World) -> None:
        rows = [person_row(伤残等级="三级"), person_row(优抚类别="烈士遗属", 伤残性质="因公")]
        exc = rejected(world, xlsx(table(rows)))
        assert errors_of(exc) == {(2, "伤残等级"), (3, "伤残性质")}


class TestPeopleAcrossRows:
    def test_same_id_number_two_categories_is_one_person_with_two_qualifications(self, world: World) -> None:
        first = person_row(优抚类别="残疾军人", 伤残性质="因战", 伤残等级="四级")
        second = {**first, "优抚类别": "参战退役人员", "伤残性质": "", "伤残等级": ""}
        result = run(world, xlsx(table([first, second])))
        assert (result.persons_created, result.qualifications_created) == (1, 2)
        assert Beneficiary.objects.get().qualifications.count() == 2

    def test_a_later_row_may_leave_person_fields_empty(self, world: World) -> None:
        first = person_row()
        second = {**first, "优抚类别": "烈士遗属", "联系电话": "", "银行账号": "", "开户银行": "", "民族": ""}
        assert run(world, xlsx(table([first, second]))).persons_created == 1
        assert Beneficiary.objects.get().phone == "13800000000"

    def test_person_fields_must_agree_between_rows(self, world: World) -> None:
        first = person_row()
        second = {**first, "优抚类别": "烈士遗属", "姓名": "张山", "联系电话": "13900000000"}
        exc = rejected(world, xlsx(table([first, second])))
        assert errors_of(exc) == {(3, "姓名"), (3, "联系电话")}
        assert "Row 2" in exc.errors[0].message.en

    def test_same_id_number_and_category_twice_is_an_error_on_the_later_row(self, world: World) -> None:
        first = person_row()
        exc = rejected(world, xlsx(table([first, person_row(), dict(first)])))
        assert errors_of(exc) == {(4, "优抚类别")}

    def test_possible_duplicates_are_warnings_within_the_file_and_against_the_database(
        self, world: World
    ) -> None:
        register(world.county_clerk, world.village_a, name="钱八", birth_date=date(1948, 5, 5))
        rows = [
            person_row(姓名="钱八", born=date(1948, 5, 5)),
            person_row(姓名="周九", born=date(1949, 6, 6)),
            person_row(姓名="周九", born=date(1949, 6, 6)),
        ]
        result = run(world, xlsx(table(rows)))
        assert result.persons_created == 3
        found = {(w.row, w.column) for w in result.warnings}
        assert found == {(2, "姓名"), (4, "姓名")}
        by_row = {w.row: w.message.en for w in result.warnings}
        assert "341199********" in by_row[2] and "row 3" in by_row[4]


class TestRegions:
    def test_an_unknown_township_and_a_village_of_another_township(self, world: World) -> None:
        rows = [person_row(**{"乡镇(街道)": "西山乡"}), person_row(**{"村(社区)": "石桥村"})]
        exc = rejected(world, xlsx(table(rows)))
        assert errors_of(exc) == {(2, "乡镇(街道)"), (3, "村(社区)")}

    def test_a_township_clerk_imports_only_their_township(self, world: World) -> None:
        rows = [person_row(), person_row(**{"乡镇(街道)": "东岭镇", "村(社区)": "石桥村"})]
        exc = rejected(world, xlsx(table(rows)), acting_user=world.township_clerk)
        assert errors_of(exc) == {(3, "乡镇(街道)")}
        result = run(world, xlsx(table(rows[:1])), acting_user=world.township_clerk)
        assert result.persons_created == 1

    def test_a_village_assistant_imports_only_their_village(self, world: World) -> None:
        rows = [person_row(), person_row(**{"村(社区)": ""})]
        exc = rejected(world, xlsx(table(rows)), acting_user=world.village_assistant)
        assert errors_of(exc) == {(3, "乡镇(街道)")}

    def test_codes_work_as_well_as_names(self, world: World) -> None:
        row = person_row(**{"乡镇(街道)": float(world.township_a.code), "村(社区)": world.village_a.code})
        run(world, xlsx(table([row])))
        assert Beneficiary.objects.get().region == world.village_a

    def test_only_writers_may_import(self, world: World) -> None:
        for user in (world.auditor, world.leader, world.admin):
            with pytest.raises(PermissionDenied):
                run(world, xlsx(table([person_row()])), acting_user=user)


class TestRegisteredPeople:
    def test_without_update_a_registered_person_is_an_error(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a)
        number = decrypt(person.id_number_encrypted)
        exc = rejected(world, xlsx(table([person_row(公民身份号码=number)])))
        assert errors_of(exc) == {(2, "公民身份号码")}
        assert "update" in exc.errors[0].message.en

    @pytest.mark.parametrize("dry_run", [True, False])
    @pytest.mark.parametrize("update", [True, False])
    def test_someone_registered_outside_the_users_region_is_only_not_importable_here(
        self, world: World, dry_run: bool, update: bool
    ) -> None:
        # Issue 10, item 16: the township clerk learns nothing of where the person lives.
        person = register(world.county_clerk, world.village_b)
        number = decrypt(person.id_number_encrypted)
        row = person_row(公民身份号码=number)
        exc = rejected(
            world, xlsx(table([row])), acting_user=world.township_clerk, update=update, dry_run=dry_run
        )
        assert errors_of(exc) == {(2, "公民身份号码")}
        message = exc.errors[0].message
        assert "cannot be imported here" in message.en
        for text in (message.en, message.zh, str(exc.envelope())):
            for hint in ("outside", "region", "transfer", "registered", "区域", "登记", "转", "乡镇"):
                assert hint not in text, (hint, text)
            assert world.township_b.name not in text and world.village_b.name not in text

    def test_update_changes_phone_and_bank_and_adds_qualifications_with_audit(self, world: World) -> None:
        changed = register(world.county_clerk, world.village_a, name="张三")
        same = register(world.county_clerk, world.village_a, name="李四")
        before = AuditEvent.objects.count()
        rows = [
            person_row(
                公民身份号码=decrypt(changed.id_number_encrypted),
                联系电话="13911112222",
                开户银行="邮储银行",
                银行账号="6210000000000000009",
            ),
            person_row(
                公民身份号码=decrypt(changed.id_number_encrypted),
                联系电话="13911112222",
                开户银行="邮储银行",
                银行账号="6210000000000000009",
                优抚类别="残疾军人",
                伤残性质="因公",
                伤残等级="九级",
            ),
            person_row(姓名="李四", 公民身份号码=decrypt(same.id_number_encrypted)),
            person_row(姓名="新人"),
        ]
        result = run(world, xlsx(table(rows)), update=True)
        assert (result.persons_created, result.qualifications_created, result.persons_updated) == (1, 2, 1)
        changed.refresh_from_db()
        assert changed.phone == "13911112222" and changed.bank_name == "中国邮政储蓄银行"  # the listed name
        assert decrypt(changed.bank_account_encrypted) == "6210000000000000009"
        assert changed.bank_account_masked.endswith("0009")
        assert set(changed.qualifications.values_list("category", flat=True)) == {
            "war_participant",
            "disabled_veteran",
        }
        assert DisabilityAssessment.objects.get().level == 9
        # One record for the file (issue 10, item 11): the ids and field names it changed, no values.
        (event,) = AuditEvent.objects.filter(seq__gt=before)
        assert event.event_type == EventType.REGISTRY_IMPORTED
        assert event.extra["persons_updated"] == 1
        assert event.extra["updated_ids"] == [[changed.pk, changed.pk]]
        assert event.extra["fields_changed"] == ["bank_account", "bank_name", "phone"]
        added = changed.qualifications.get(category="disabled_veteran")
        assert event.extra["qualification_ids"] == [[added.pk, added.pk]]
        assert event.region_id == world.township_a.code
        for value in ("13911112222", "13800000000", "6210000000000000009", "邮储银行"):
            assert value not in str(event.extra)

    def test_update_leaves_the_name_and_registered_qualification_and_warns(self, world: World) -> None:
        person = register(world.county_clerk, world.village_a, name="张三")
        row = person_row(姓名="张叁", 公民身份号码=decrypt(person.id_number_encrypted), 批准日期="2021-05-01")
        result = run(world, xlsx(table([row])), update=True)
        assert (result.persons_created, result.qualifications_created, result.persons_updated) == (0, 0, 0)
        person.refresh_from_db()
        assert person.name == "张三"
        assert len(result.warnings) == 2
        assert [e.event_type for e in AuditEvent.objects.order_by("-seq")[:1]] == [
            EventType.REGISTRY_IMPORTED
        ]


class TestAllOrNothing:
    def test_one_bad_row_and_nothing_is_imported(self, world: World) -> None:
        register(world.county_clerk, world.village_a, name="旧人")
        before = counts()
        rows = [person_row(姓名="人" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"[i]) for i in range(20)]
        rows[13]["优抚类别"] = "英雄"
        exc = rejected(world, xlsx(table(rows)))
        assert errors_of(exc) == {(15, "优抚类别")}
        assert counts() == before
        assert "英雄" in exc.errors[0].message.zh
        assert exc.as_dict()["ok"] is False and exc.as_dict()["rows"] == 20

    def test_the_report_names_every_bad_row_with_the_header_as_written(self, world: World) -> None:
        headers = ["姓名", "身份证号码", "性别", "户口性质", "乡镇（街道）", "类别", "批准时间"]
        good = ["张三", id_number_for(), "男", "农村", "城关镇", "参战退役人员", "2020-01-01"]
        cells = [
            headers,
            good,
            ["", id_number_for(), "男", "农村", "城关镇", "参战退役人员", "2020-01-01"],
            ["李四", "123", "男", "城里", "城关镇", "参战退役人员", "2030-01-01"],
        ]
        exc = rejected(world, xlsx(cells))
        assert errors_of(exc) == {(3, "姓名"), (4, "身份证号码"), (4, "户口性质"), (4, "批准时间")}
        rows = exc.envelope()["error"]["rows"]
        assert {"row", "column", "message", "message_zh", "message_en"} <= set(rows[0])
        assert Beneficiary.objects.count() == 0

    def test_a_dry_run_checks_everything_and_writes_nothing(self, world: World) -> None:
        before = counts()
        result = run(world, xlsx(table([person_row(), person_row()])), dry_run=True)
        assert result.as_dict()["dry_run"] is True
        assert (result.persons_created, result.qualifications_created) == (2, 2)
        assert counts() == before
        with pytest.raises(ImportRejected):
            run(world, xlsx(table([person_row(优抚类别="")])), dry_run=True)

    def test_a_dry_run_leaves_its_trace_without_personal_data(self, world: World) -> None:
        # Issue 10, item 16: dry runs are audited like imports (a dry run can probe ID numbers).
        rows = [person_row(姓名="张三"), person_row(姓名="李四")]
        run(world, xlsx(table(rows)), "名册.xlsx", dry_run=True)
        with pytest.raises(ImportRejected):
            run(world, xlsx(table([person_row(优抚类别="")])), "坏.xlsx", dry_run=True)
        with pytest.raises(ImportRejected):
            run(world, xlsx(table([person_row(优抚类别="")])), "坏.xlsx")
        with pytest.raises(InvalidInput):
            run(world, b"PK\x03\x04 not a workbook", "假.xlsx", dry_run=True)
        ok, refused, refused_real, unreadable = checks()
        assert ok.extra | {"sha256": ""} == {
            "file": "名册.xlsx",
            "sha256": "",
            "dry_run": True,
            "update": False,
            "rows": 2,
            "outcome": "ok",
            "errors": 0,
            "warnings": 0,
        }
        assert ok.actor_name == world.county_clerk.username and ok.region_id == world.county.code
        assert (refused.extra["outcome"], refused.extra["rows"], refused.extra["errors"]) == (
            "rejected",
            1,
            1,
        )
        assert (refused_real.extra["dry_run"], refused_real.extra["outcome"]) == (False, "rejected")
        assert (unreadable.extra["outcome"], unreadable.extra["rows"]) == ("unreadable", 0)
        for event in (ok, refused, refused_real, unreadable):
            text = str([event.old, event.new, event.extra])
            for personal in ("张三", "李四", rows[0]["公民身份号码"], rows[0]["联系电话"]):
                assert personal not in text
        assert not AuditEvent.objects.filter(event_type=EventType.REGISTRY_IMPORTED).exists()

    def test_someone_registered_meanwhile_rolls_everything_back(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [person_row(姓名="甲"), person_row(姓名="乙")]
        checked = importing.check_database

        def racing(*args: Any, **kwargs: Any) -> Any:
            updates = checked(*args, **kwargs)
            register(world.county_clerk, world.village_a, id_number=rows[1]["公民身份号码"], name="乙")
            return updates

        monkeypatch.setattr(importing, "check_database", racing)
        with pytest.raises(Conflict):
            run(world, xlsx(table(rows)))
        assert list(Beneficiary.objects.values_list("name", flat=True)) == ["乙"]
        assert not AuditEvent.objects.filter(event_type=EventType.REGISTRY_IMPORTED).exists()


class TestAnnotatedCopy:
    def test_an_xlsx_comes_back_with_one_more_column(self, world: World) -> None:
        rows = [person_row(), person_row(公民身份号码="123"), person_row(优抚类别="残疾军人")]
        data = xlsx(table(rows), above=[["花名册"]])
        exc = rejected(world, data)
        content, ext = annotated_copy(data, "名册.xlsx", exc)
        assert ext == "xlsx"
        cells = read_xlsx(content)
        width = len(table([])[0])
        assert cells[0][0] == "花名册"
        assert cells[1][width] == ERROR_HEADER
        assert cells[1][:width] == table([])[0]
        assert cells[2][width] is None
        assert "公民身份号码" in cells[3][width] and "18" in cells[3][width]
        assert "伤残性质" in cells[4][width] and "伤残等级" in cells[4][width]
        book = openpyxl.load_workbook(io.BytesIO(content))
        assert book.active.cell(row=4, column=3).fill.fgColor.rgb == "FFFFC7CE"

    def test_a_large_workbook_gets_its_error_column_streamed_into_the_sheet(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [person_row(), person_row(公民身份号码="123"), person_row(备注="<&>"), person_row(性别="女")]
        book = openpyxl.Workbook()
        book.active.title = "名册"
        book.create_sheet("说明").append(["说明"])
        ws = book["名册"]
        ws.append(["花名册"])
        ws.merge_cells("A1:R1")
        for line in table(rows):
            ws.append(line)
        ws.cell(row=5, column=2).number_format = "@"
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        exc = rejected(world, data)
        slow, _ = annotated_copy(data, "名册.xlsx", exc)
        monkeypatch.setattr(annotate, "STREAM_ANNOTATION_ROWS", 0)
        fast, ext = annotated_copy(data, "名册.xlsx", exc)
        assert ext == "xlsx" and fast != slow
        assert read_xlsx(fast) == read_xlsx(slow)
        fast_book = openpyxl.load_workbook(io.BytesIO(fast))
        assert fast_book.sheetnames == ["名册", "说明"]
        assert fast_book["名册"].merged_cells.ranges == book["名册"].merged_cells.ranges
        cells = read_xlsx(fast)
        width = len(table([])[0])
        assert cells[1][width] == ERROR_HEADER and "公民身份号码" in cells[3][width]
        assert "性别" in cells[5][width] and cells[4][width] is None

    def test_streaming_also_works_without_a_dimension_element(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        book = openpyxl.Workbook(write_only=True)  # writes no <dimension>
        ws = book.create_sheet("名册")
        for line in table([person_row(), person_row(优抚类别="残疾军人")]):
            ws.append(line)
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        exc = rejected(world, data)
        monkeypatch.setattr(annotate, "STREAM_ANNOTATION_ROWS", 0)
        fast, _ = annotated_copy(data, "名册.xlsx", exc)
        cells = read_xlsx(fast)
        width = len(table([])[0])
        assert cells[0][width] == ERROR_HEADER and "伤残性质" in cells[2][width]

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
    def test_a_csv_comes_back_in_its_own_encoding(self, world: World, encoding: str) -> None:
        data = csv_bytes(table([person_row(), person_row(优抚类别="无此类别")]), encoding)
        exc = rejected(world, data, "名册.csv")
        content, ext = annotated_copy(data, "名册.csv", exc)
        assert ext == "csv"
        text = content.decode("gb18030" if encoding == "gbk" else "utf-8-sig")
        if encoding == "utf-8-sig":
            assert content.startswith(b"\xef\xbb\xbf")
        lines = text.splitlines()
        assert lines[0].endswith("," + ERROR_HEADER)
        assert lines[1].endswith(",")
        assert len(lines) == 3
        assert "无此类别" in lines[2] and "优抚类别: " in lines[2]


class TestColumnsParity:
    def test_the_imports_precomputed_keys_match_the_services(self, world: World) -> None:
        person = person_data(world.village_a, id_number=id_number_for(), name="欧阳修文")
        index = id_number_index(person.id_number.value)
        ours = person_columns(person, keys=_NameKeys()[person.name], index=index)
        theirs = person_columns(person)
        assert ours.keys() == theirs.keys()
        for key in ours:
            if key.endswith("_encrypted"):
                assert decrypt(ours[key]) == decrypt(theirs[key])
            else:
                assert ours[key] == theirs[key], key

    def test_id_number_objects_from_the_factory_are_valid(self) -> None:
        assert IdNumber(id_number_for()).birth_date == date(1950, 3, 1)


class TestNameKeys:
    def test_the_per_character_shortcut_gives_what_the_services_give(self) -> None:
        from faker import Faker

        from youfu.registry.services import name_keys

        fake = Faker("zh_CN")
        fake.seed_instance(7)
        names = {fake.name() for _ in range(3000)}
        names |= {
            "曾国藩",
            "单雄信",
            "长孙无忌",
            "尉迟恭",
            "重庆生",
            "乐嘉",
            "解放",
            "朴永哲",
            "区志强",
            "查良镛",
        }
        names |= {"仇小红", "覃建国", "召红", "柏长青", "缪行", "万俟卨", "买买提·吐尔逊", "Tom李", "㐀三"}
        keys = _NameKeys()
        assert {n: keys[n] for n in names} == {n: name_keys(n) for n in names}
        assert keys.chars  # the shortcut was taken


class TestStoredRows:
    def test_rows_written_in_bulk_read_back_like_orm_rows(self, world: World) -> None:
        from django.utils import timezone

        row = person_row(优抚类别="残疾军人", 伤残性质="因病", 伤残等级="6", **{"村(社区)": ""})
        run(world, xlsx(table([row])))
        person = Beneficiary.objects.get()
        assert person.status == "alive" and person.death_date is None and person.household is None
        assert person.created_at == person.updated_at
        assert abs((timezone.now() - person.created_at).total_seconds()) < 60
        q = Qualification.objects.get()
        assert (q.status, q.ended_on, q.end_reason) == ("active", None, "")
        assert q.created_at == person.created_at
        assert DisabilityAssessment.objects.get().qualification == q
        event = AuditEvent.objects.get(event_type=EventType.REGISTRY_IMPORTED)
        assert event.extra["beneficiary_ids"] == [[person.pk, person.pk]]

    def test_sqlite_cache_size_is_restored(self, world: World) -> None:
        from django.db import connection

        if connection.vendor != "sqlite":
            pytest.skip("SQLite only")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            before = cursor.fetchone()
        run(world, xlsx(table([person_row()])))
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone() == before
