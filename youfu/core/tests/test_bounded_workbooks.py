"""A spreadsheet is measured before any reader allocates for it (issue 10, item 12).

Without the bound, calamine aborts the whole process on a vast sheet; every reading that could
reach calamine therefore runs in a forked child here, so that a regression fails the test (the
child dies) instead of killing the test run.
"""

from __future__ import annotations

import io
import multiprocessing
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from youfu.core import imports
from youfu.core.csvio import read_csv
from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.imports import check_workbook

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)


def handmade(sheet_data: str, *, dimension: str = "A1", shared_strings: str | None = None) -> bytes:
    """A minimal .xlsx written by hand, to say exactly what the sheet's XML holds."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def far_cell_workbook(ref: str = "XFD1048576") -> bytes:
    """What the issue describes: a 5 KB workbook, a header and one cell far away."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "公民身份号码"])
    sheet[ref] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _child(target: Callable[[], Any], pipe: Any) -> None:
    try:
        target()
    except YoufuError as exc:
        pipe.send(("refused", exc.code, exc.message.en))
    except BaseException as exc:  # reported to the parent, which fails the test
        pipe.send(("raised", type(exc).__name__, str(exc)))
    else:
        pipe.send(("read", "", ""))


def in_child(target: Callable[[], Any]) -> tuple[str, str, str]:
    """Run ``target`` in a forked copy of this process; its outcome, or a failed test if it died."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(target, send))
    child.start()
    child.join(120)
    if child.is_alive():
        child.kill()
        pytest.fail("reading the file took more than two minutes")
    assert child.exitcode == 0, f"the reader killed its process (exit code {child.exitcode})"
    outcome: tuple[str, str, str] = receive.recv()
    return outcome


def refused_too_large(outcome: tuple[str, str, str]) -> None:
    assert outcome[:2] == ("refused", "file_too_large"), outcome
    assert "at most" in outcome[2]


class TestCheckWorkbook:
    def test_it_refuses_a_cell_at_the_last_column_and_row(self) -> None:
        data = far_cell_workbook("XFD1048576")
        assert len(data) < 10_000
        with pytest.raises(InvalidInput) as info:
            check_workbook(data)
        assert info.value.code == "file_too_large"

    def test_it_refuses_a_cell_on_the_last_row_of_a_narrow_sheet(self) -> None:
        with pytest.raises(InvalidInput):
            check_workbook(far_cell_workbook("C1048576"))

    def test_it_reads_the_cells_not_the_declared_dimension(self) -> None:
        lying = handmade(
            '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>',
            dimension="A1",
        )
        with pytest.raises(InvalidInput):
            check_workbook(lying)
        # A vast declared dimension over a small sheet is harmless: the cells decide.
        check_workbook(handmade('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576"))

    def test_it_follows_cells_written_without_references(self) -> None:
        # 16,384 cells in a row with no r="…": calamine places them one after another.
        wide = handmade("<row>" + "<c><v>1</v></c>" * 600 + "</row>")
        with pytest.raises(InvalidInput):
            check_workbook(wide)
        tall = handmade('<row r="2000000"><c r="A2000000"><v>1</v></c></row><row><c/><c/><c/><c/></row>')
        with pytest.raises(InvalidInput):
            check_workbook(tall)

    def test_it_counts_merged_ranges(self) -> None:
        sheet = '<row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="1">'
        sheet += '<mergeCell ref="A1:XFD1048576"/></mergeCells><sheetData>'
        with pytest.raises(InvalidInput):
            check_workbook(handmade(sheet))

    def test_it_refuses_a_shared_string_table_that_declares_billions(self) -> None:
        sst = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'count="99999999999" uniqueCount="99999999999"><si><t>a</t></si></sst>'
        )
        with pytest.raises(InvalidInput):
            check_workbook(handmade('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=sst))

    def test_it_refuses_a_zip_bomb_by_its_declared_size(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(imports, "MAX_UNCOMPRESSED_BYTES", 100_000)
        rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 5000))
        with pytest.raises(InvalidInput) as info:
            check_workbook(handmade(rows))
        assert info.value.code == "file_too_large"

    def test_it_refuses_a_part_larger_than_it_declares(self) -> None:
        rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 2000))
        data = bytearray(handmade(rows))
        name = b"xl/worksheets/sheet1.xml"
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            info = archive.getinfo(name.decode())
            declared = 1000
            crc = zlib.crc32(archive.read(info)[:declared])
        # Rewrite the declared size and CRC in the local header and the central directory,
        # as a bomb would, so that a reader trusting them is told a small part.
        local = info.header_offset
        struct.pack_into("<I", data, local + 14, crc)
        struct.pack_into("<I", data, local + 22, declared)
        position = bytes(data).find(b"PK\x01\x02")
        while position != -1:
            if bytes(data[position + 46 : position + 46 + len(name)]) == name:
                struct.pack_into("<I", data, position + 16, crc)
                struct.pack_into("<I", data, position + 24, declared)
            position = bytes(data).find(b"PK\x01\x02", position + 4)
        with pytest.raises(InvalidInput) as info_:
            check_workbook(bytes(data))
        assert info_.value.code == "unsupported_file"

    def test_it_refuses_what_it_cannot_measure(self) -> None:
        # calamine would read a binary .xlsb or an .ods from bytes too; this check cannot see into them.
        for name in ("content.xml", "xl/workbook.bin", "xl/worksheets/sheet1.bin"):
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                archive.writestr("xl/workbook.xml", WORKBOOK)
                archive.writestr(name, "x")
            with pytest.raises(InvalidInput) as info:
                check_workbook(out.getvalue())
            assert info.value.code == "unsupported_file"

    def test_it_passes_an_ordinary_workbook(self) -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        for i in range(2000):
            sheet.append([i, "张三", "110101199001011237", "2020-01-01", None, "备注"])
        sheet.merge_cells("A1:B1")
        out = io.BytesIO()
        book.save(out)
        check_workbook(out.getvalue())

    def test_a_csv_of_separators_is_bounded_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(imports, "MAX_SHEET_CELLS", 1000)
        with pytest.raises(InvalidInput) as info:
            read_csv(b"date,kind,name\n" + b"," * 5000, ["date", "kind", "name"])
        assert info.value.code == "file_too_large"


class TestEveryImporterLives:
    """The whole reading path of each importer, in a child process: a clear refusal, no abort."""

    @pytest.mark.django_db
    def test_the_registry_import(self, world: Any) -> None:
        from youfu.registry.importing import import_registry

        data = far_cell_workbook()
        for dry_run in (True, False):
            outcome = in_child(
                lambda dry_run=dry_run: import_registry(  # type: ignore[misc]
                    data, "名册.xlsx", acting_user=world.county_clerk, dry_run=dry_run
                )
            )
            refused_too_large(outcome)

    def test_the_standards_and_bank_returns_tables(self) -> None:
        # Standards, bank returns (and any later table import of benefits) read through read_table.
        from youfu.benefits.tables import read_table

        refused_too_large(in_child(lambda: read_table(far_cell_workbook(), ["序号"])))
        refused_too_large(in_child(lambda: read_table(far_cell_workbook("E1048576"), ["序号"])))

    def test_an_ordinary_table_is_still_read(self) -> None:
        from youfu.benefits.tables import read_table

        book = openpyxl.Workbook()
        book.active.append(["序号", "金额"])
        book.active.append([1, 12.5])
        out = io.BytesIO()
        book.save(out)
        assert in_child(lambda: read_table(out.getvalue(), ["序号"]))[0] == "read"
