"""The registry import template: the canonical columns, ready for Excel.

The ID number and account columns are text, so Excel cannot turn an 18-digit number into
3.41199E+17 and lose its last digits; the coded columns offer drop-down lists of exactly
the words the import accepts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext_noop
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped, unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]
from openpyxl.worksheet.datavalidation import (  # type: ignore[import-untyped, unused-ignore]
    DataValidation,
)

from youfu.core.messages import Message
from youfu.registry.categories import CATEGORY_BY_CHINESE_NAME, CAUSE_BY_CHINESE_NAME
from youfu.registry.columns import COLUMNS, HEADER_OF

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILENAME = "优抚对象导入模板.xlsx"
ROWS = 2000  # rows pre-formatted and covered by the drop-down lists

TEXT_KEYS = frozenset({"id_number", "bank_account", "phone"})
DATE_KEYS = frozenset({"birth_date", "approved_on", "enlisted_on", "discharged_on"})
LEVELS = ["一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级"]
# GB/T 3304: the 56 ethnic groups, in the standard's order.
ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
WIDTHS = {"id_number": 22, "bank_account": 24, "bank_name": 18, "category": 16, "notes": 24}

INSTRUCTIONS = [
    Message(gettext_noop("One row is one qualification: a person with two categories takes two rows.")),
    Message(gettext_noop("The ID number and bank account columns are text: type them as they are.")),
    Message(
        gettext_noop("伤残性质 and 伤残等级 are filled in for 残疾军人 only; 因病 allows levels 1 to 6 only.")
    ),
    Message(gettext_noop("Dates like 2019-08-01; a month alone (2019-08) means its first day.")),
    Message(
        gettext_noop(
            "One bad row rejects the whole file: the report names every bad row and the column, "
            "and gives the file back with an error column."
        )
    ),
]


def _list_validation(formula: str, column: int) -> DataValidation:
    letter = get_column_letter(column)
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    validation.add(f"{letter}2:{letter}{ROWS + 1}")
    return validation


def registry_template(townships: Sequence[str] = ()) -> bytes:
    """The template workbook; ``townships`` (the user's) become a drop-down list as well."""
    book = Workbook()
    ws = book.active
    ws.title = "优抚对象"
    lists = book.create_sheet("选项")
    notes = book.create_sheet("填写说明")

    options: dict[str, list[str]] = {
        "sex": ["男", "女"],
        "residence": ["城镇", "农村"],
        "category": list(CATEGORY_BY_CHINESE_NAME),
        "disability_cause": list(CAUSE_BY_CHINESE_NAME),
        "disability_level": LEVELS,
        "ethnicity": ETHNIC_GROUPS,
    }
    if townships:
        options["township"] = list(townships)
    # Lists live on their own sheet: an inline list is limited to 255 characters.
    ranges: dict[str, str] = {}
    for n, (key, values) in enumerate(options.items(), start=1):
        letter = get_column_letter(n)
        # The clerk who unhides the sheet reads the column's own Chinese header.
        lists.cell(row=1, column=n, value=HEADER_OF[key])
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=n, value=value)
        ranges[key] = f"选项!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    bold = Font(bold=True)
    fill = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    for column, (header, key) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=column, value=header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(column)
        ws.column_dimensions[letter].width = WIDTHS.get(key, 12)
        number_format = "@" if key in TEXT_KEYS else "yyyy-mm-dd" if key in DATE_KEYS else None
        if number_format:
            ws.column_dimensions[letter].number_format = number_format
            for r in range(2, ROWS + 2):
                ws.cell(row=r, column=column).number_format = number_format
        if key in ranges:
            ws.add_data_validation(_list_validation(ranges[key], column))
    ws.freeze_panes = "A2"

    notes.column_dimensions["A"].width = 120
    for r, message in enumerate(INSTRUCTIONS, start=1):
        notes.cell(row=r, column=1, value=f"{r}. {message.zh}\n   {message.en}").alignment = Alignment(
            wrap_text=True
        )

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
