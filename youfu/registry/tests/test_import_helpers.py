"""Small spreadsheets for the import tests, built the way clerks' files look (no tests here)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl

from youfu.registry.columns import HEADERS
from youfu.registry.tests.factories import id_number_for


def person_row(**values: Any) -> dict[str, Any]:
    """A valid row of the canonical columns; keyword names are the Chinese headers' keys."""
    born = values.pop("born", date(1950, 3, 1))
    male = values.pop("male", True)
    number = values.pop("id_number", None) or id_number_for(born, male=male)
    row: dict[str, Any] = {
        "姓名": "张三",
        "性别": "男" if male else "女",
        "公民身份号码": number,
        "民族": "汉族",
        "出生日期": born.isoformat(),
        "户籍性质": "农村",
        "乡镇(街道)": "城关镇",
        "村(社区)": "柳湾村",
        "联系电话": "13800000000",
        "优抚类别": "参战退役人员",
        "伤残性质": "",
        "伤残等级": "",
        "批准日期": "2020-01-01",
        "入伍时间": "1968-03-01",
        "退役时间": "1972-12-01",
        "开户银行": "农商银行",
        "银行账号": "6230000000000000001",
        "备注": "",
    }
    row.update(values)
    return row


def table(rows: list[dict[str, Any]], headers: list[str] | None = None) -> list[list[Any]]:
    headers = headers or list(HEADERS)
    return [headers, *[[r.get(h, "") for h in headers] for r in rows]]


def xlsx(cells: list[list[Any]], *, above: list[list[Any]] = (), merges: list[str] = ()) -> bytes:  # type: ignore[assignment]
    book = openpyxl.Workbook()
    ws = book.active
    for line in [*above, *cells]:
        ws.append(line)
    for rng in merges:
        ws.merge_cells(rng)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(cells: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(cells)
    return out.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> list[list[Any]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]
