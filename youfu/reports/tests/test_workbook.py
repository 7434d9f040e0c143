"""The summary as a workbook: every figure equals the oracle's, amounts are numbers with two
decimals, each sheet carries the 填报单位 / 填报日期 / 统计期间 header and is set up for A4; the
page's and the API's downloads keep the summary's scope and its errors; no text runs as a formula."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client

from youfu.audit.models import AuditEvent
from youfu.core.csvio import XLSX_CONTENT_TYPE
from youfu.regions.models import Region
from youfu.reports.selectors import summary
from youfu.reports.tests.scenario import NOV_DEC, County, build, expected
from youfu.reports.views import sections
from youfu.reports.workbook import HEADER_ROWS, NOTES_SHEET, SHEET_NAMES, summary_workbook
from youfu.testing import World, api_get, log_in

pytestmark = pytest.mark.django_db

FILED = date(2027, 1, 5)
PAGE = "/reports/summary.xlsx"
API = "/api/v1/reports/summary.xlsx"
PARAMS = {"from": "2026-11-01", "to": "2026-12-31"}


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _book(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _lookup(figures: dict[str, Any], key: str) -> Any:
    value: Any = figures
    section, *path = key.split(".", 1)
    value = value[section]
    if path:
        head, *rest = path[0].split(".", 1)
        value = value[head]
        if rest:
            value = value[rest[0]]
    return value


@pytest.mark.parametrize("where", ["county", "township_a"])
def test_every_figure_is_the_oracle_s(county: County, where: str) -> None:
    w = county.world
    region: Region = getattr(w, where)
    found = summary(w.county_clerk, *NOV_DEC, region)
    book = _book(summary_workbook(found, filed_on=FILED))
    want = expected(region, *NOV_DEC)
    assert book.sheetnames == [NOTES_SHEET, *SHEET_NAMES.values()]
    checked = 0
    for section in sections(found):
        sheet = book[SHEET_NAMES[section.key]]
        assert (sheet.cell(HEADER_ROWS, 1).value, sheet.cell(HEADER_ROWS, 2).value) == ("项目", "数值")
        for offset, figure in enumerate(section.figures, start=1):
            cell = sheet.cell(HEADER_ROWS + offset, 2)
            oracle = _lookup(want, figure.key)
            if figure.is_money:
                assert isinstance(cell.value, (int, float)), figure.key
                assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == Decimal(oracle), figure.key
                assert cell.number_format == "#,##0.00"
            else:
                assert cell.value == oracle, figure.key
            checked += 1
        assert sheet.cell(HEADER_ROWS + len(section.figures) + 1, 1).value is None
    assert checked >= 40


def test_the_scenario_s_amounts_are_there(county: County) -> None:
    w = county.world
    book = _book(summary_workbook(summary(w.township_clerk, *NOV_DEC), filed_on=FILED))
    paid = book["发放"]
    assert "元" in paid.cell(HEADER_ROWS + 1, 1).value
    assert paid.cell(HEADER_ROWS + 1, 2).value == pytest.approx(9640.00)
    notes = book[NOTES_SHEET]
    assert notes.cell(HEADER_ROWS + 1, 1).value.startswith(
        "2026年11月至12月，城关镇共发放各类优抚资金0.96万元"
    )


def test_each_sheet_has_the_bureau_s_header_and_prints_on_a4(county: County) -> None:
    w = county.world
    book = _book(summary_workbook(summary(w.county_clerk, *NOV_DEC), filed_on=FILED))
    for name in book.sheetnames:
        sheet = book[name]
        assert sheet.cell(1, 1).value == f"优抚工作统计表（2026年11月至12月） · {name}"
        assert sheet.cell(2, 1).value == "填报单位：青山县"
        assert sheet.cell(3, 1).value == "填报日期：2027-01-05"
        assert sheet.cell(4, 1).value == "统计期间：2026-11-01 至 2026-12-31"
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.orientation == "portrait"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == ("$1:$4" if name == NOTES_SHEET else "$1:$5")
        assert sheet.page_margins.left == pytest.approx(0.7)
        assert "&P" in sheet.oddFooter.center.text


def test_a_region_name_that_looks_like_a_formula_stays_text(county: County) -> None:
    w = county.world
    Region.objects.filter(pk=w.township_a.pk).update(name="=HYPERLINK(1)")
    region = Region.objects.get(pk=w.township_a.pk)
    data = summary_workbook(summary(w.county_clerk, *NOV_DEC, region), filed_on=FILED)
    book = _book(data)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    assert b"<f>" not in data


def test_the_page_and_the_api_download_it(client: Client, county: County) -> None:
    w = county.world
    before = AuditEvent.objects.count()
    log_in(client, w.township_clerk)
    page = client.get(PAGE, PARAMS)
    assert page.status_code == 200
    assert page["Content-Type"] == XLSX_CONTENT_TYPE
    assert "summary-341199100000-2026-11-01-2026-12-31.xlsx" in page["Content-Disposition"]
    assert _book(page.content)["发放"].cell(HEADER_ROWS + 1, 2).value == pytest.approx(9640.00)
    summary_page = client.get("/reports/summary/", PARAMS).content.decode()
    assert (
        'href="/reports/summary.xlsx?from=2026-11-01&amp;to=2026-12-31&amp;region=341199100000"'
        in summary_page
    )
    api = api_get(client, w.county_clerk, API, {**PARAMS, "region": w.township_b.code})
    assert api.status_code == 200, api.content
    assert _book(api.content)["登记"].cell(2, 1).value == "填报单位：东岭镇"
    # The summary lists no person: downloading it is not an export of personal data.
    assert not AuditEvent.objects.filter(pk__gt=before, event_type=951).exists()


def test_scope_and_bad_input_are_the_summary_s(client: Client, world: World) -> None:
    log_in(client, world.other_township_clerk)
    assert client.get(PAGE, {**PARAMS, "region": world.township_a.code}).status_code == 404
    outsider = api_get(client, world.other_township_clerk, API, {**PARAMS, "region": world.county.code})
    assert outsider.status_code == 404
    reversed_ = client.get(PAGE, {"from": "2026-12-31", "to": "2026-11-01"})
    assert reversed_.status_code == 400
    assert 'data-testid="period-error"' in reversed_.content.decode()
    bad = api_get(client, world.county_clerk, API, {"from": "2026-13-01", "to": "2026-12-31"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_date"
    for user in (world.admin, world.auditor):
        log_in(client, user)
        assert client.get(PAGE, PARAMS).status_code == 403
        assert api_get(client, user, API, PARAMS).status_code == 403


def test_a_period_with_no_data_is_a_workbook_of_zeros(world: World) -> None:
    found = summary(world.county_clerk, date(2001, 1, 1), date(2001, 12, 31))
    book = _book(summary_workbook(found, filed_on=FILED))
    assert book["发放"].cell(HEADER_ROWS + 1, 2).value == 0
    assert book[NOTES_SHEET].cell(HEADER_ROWS + 1, 1).value.startswith("2001年，青山县未发放优抚资金。")
