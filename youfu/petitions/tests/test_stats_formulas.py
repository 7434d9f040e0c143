"""The petition statistics workbook is data, never code (issue 10, item 13)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from youfu.petitions.stats import metric_labels, to_xlsx


def test_a_label_that_looks_like_a_formula_is_written_as_text() -> None:
    # A township's name comes from the region table: whatever it holds stays a text cell.
    row: dict[str, Any] = {name: 1 for name, _label in metric_labels()}
    evil = {**row, "label": '=HYPERLINK("http://evil.example","城关镇")'}
    stats = {key: [evil] for key in ("by_month", "by_channel", "by_category", "by_township")}
    stats["total"] = {**row, "label": "合计"}
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(stats, title="=1+1")))
    cells = [c for sheet in book.worksheets for r in sheet.iter_rows() for c in r]
    assert not any(c.data_type == "f" for c in cells)
    assert sum(c.value == evil["label"] for c in cells) == 4
