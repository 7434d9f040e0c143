"""``youfu report``: the workbook and the PDF written for a period and a region, with --json;
every bad input a clear error with exit code 1 (2 for argparse's usage errors) and no file."""

from __future__ import annotations

import io
import json
import os
import re
import zlib
from pathlib import Path

import openpyxl
import pytest

from youfu.reports.tests.scenario import County, build
from youfu.reports.workbook import HEADER_ROWS, NOTES_SHEET
from youfu.testing import World, run_command

pytestmark = pytest.mark.django_db

PERIOD = ("--from", "2026-11-01", "--to", "2026-12-31")


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to read the page size and the fonts."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def test_it_writes_the_workbook(county: County, tmp_path: Path) -> None:
    w = county.world
    target = tmp_path / "report.xlsx"
    code, out, err = run_command(
        "report", *PERIOD, "--region", w.township_a.code, "-o", str(target), "--as", "clerk", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result == {
        "ok": True,
        "file": str(target),
        "format": "xlsx",
        "bytes": target.stat().st_size,
        "region": w.township_a.code,
        "region_name": "城关镇",
        "from": "2026-11-01",
        "to": "2026-12-31",
    }
    book = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    assert book["发放"].cell(HEADER_ROWS + 1, 2).value == pytest.approx(9640.00)
    assert book[NOTES_SHEET].cell(2, 1).value == "填报单位：城关镇"
    assert not list(tmp_path.glob("*.part"))


def test_without_a_region_it_is_the_user_s_own(world: World, tmp_path: Path) -> None:
    target = tmp_path / "own.xlsx"
    code, out, _err = run_command("report", *PERIOD, "-o", str(target), "--as", "township")
    assert code == 0
    assert "region: 341199100000" in out
    assert openpyxl.load_workbook(target)["登记"].cell(2, 1).value == "填报单位：城关镇"


def test_it_writes_an_a4_pdf(county: County, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    target = tmp_path / "report.pdf"
    code, out, err = run_command("report", *PERIOD, "-o", str(target), "--as", "leader", "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "pdf"
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    inflated = _inflated(data)
    assert b"/MediaBox [0 0 595.27" in inflated  # A4: 595 × 842 points
    assert b"Noto-Sans-CJK-SC" in inflated


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-12-31", "--to", "2026-11-01"), "ends before it begins"),
        (("--from", "2026-02-30", "--to", "2026-12-31"), "is not a date"),
        (("--from", "1800-01-01", "--to", "2026-12-31"), "between"),
        ((*PERIOD, "--region", "341199999000"), "No region 341199999000"),
        ((*PERIOD, "--region", "341199101000"), "No region 341199101000"),  # township B: out of scope
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    world: World, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    target = tmp_path / "report.xlsx"
    code, _out, err = run_command("report", *args, "-o", str(target), "--as", "township")
    assert code == 1
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_extension_is_refused(world: World, tmp_path: Path) -> None:
    code, out, _err = run_command(
        "report", *PERIOD, "-o", str(tmp_path / "r.docx"), "--as", "clerk", "--json"
    )
    assert code == 1
    assert json.loads(out)["error"]["code"] == "unknown_format"
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_is_refused(world: World, tmp_path: Path) -> None:
    code, _out, err = run_command(
        "report", *PERIOD, "-o", str(tmp_path / "no" / "such" / "r.xlsx"), "--as", "clerk"
    )
    assert code == 1
    assert "Cannot write" in err
    code, _out, err = run_command("report", *PERIOD, "-o", str(tmp_path), "--as", "clerk")
    assert code == 1  # a folder: "Name the output FILE.xlsx" (no suffix)
    folder = tmp_path / "box.xlsx"
    folder.mkdir()
    code, _out, err = run_command("report", *PERIOD, "-o", str(folder), "--as", "clerk")
    assert code == 1
    assert "it is a folder" in err
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _out, err = run_command("report", *PERIOD, "-o", str(locked / "r.xlsx"), "--as", "clerk")
        assert code == 1
        assert not list(locked.iterdir())


def test_the_roles_that_read_no_personal_data_are_refused(world: World, tmp_path: Path) -> None:
    for username in ("admin", "auditor"):
        code, _out, _err = run_command("report", *PERIOD, "-o", str(tmp_path / "r.xlsx"), "--as", username)
        assert code == 1
    code, _out, err = run_command("report", *PERIOD, "-o", str(tmp_path / "r.xlsx"))
    assert code == 1
    assert "--as" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_arguments_are_usage_errors(world: World, tmp_path: Path) -> None:
    code, _out, _err = run_command(
        "report", "--from", "2026-11-01", "-o", str(tmp_path / "r.xlsx"), "--as", "clerk"
    )
    assert code in (1, 2)  # argparse's usage error, raised by call_command as a CommandError
    assert list(tmp_path.iterdir()) == []
