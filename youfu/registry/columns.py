"""The registry spreadsheet's columns: the template, the import and the export share them.

Each canonical Chinese header maps to a field key of ``registry.validation``; the aliases
are the headers people really use in their own spreadsheets.
"""

from __future__ import annotations

# (canonical header, field key), in template order.
COLUMNS: list[tuple[str, str]] = [
    ("姓名", "name"),
    ("性别", "sex"),
    ("公民身份号码", "id_number"),
    ("民族", "ethnicity"),
    ("出生日期", "birth_date"),
    ("户籍性质", "residence"),
    ("乡镇(街道)", "township"),
    ("村(社区)", "village"),
    ("联系电话", "phone"),
    ("优抚类别", "category"),
    ("伤残性质", "disability_cause"),
    ("伤残等级", "disability_level"),
    ("批准日期", "approved_on"),
    ("入伍时间", "enlisted_on"),
    ("退役时间", "discharged_on"),
    ("开户银行", "bank_name"),
    ("银行账号", "bank_account"),
    ("备注", "notes"),
]
HEADERS = [header for header, _ in COLUMNS]
KEY_OF = dict(COLUMNS)
HEADER_OF = {key: header for header, key in COLUMNS}

ALIASES: dict[str, str] = {
    "名字": "name",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "身份证": "id_number",
    "公民身份证号码": "id_number",
    "证件号码": "id_number",
    "出生年月": "birth_date",
    "出生年月日": "birth_date",
    "户口性质": "residence",
    "户籍类型": "residence",
    "乡镇": "township",
    "街道": "township",
    "乡镇街道": "township",
    "乡(镇)": "township",
    "村": "village",
    "社区": "village",
    "村社区": "village",
    "村(居)": "village",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "手机号码": "phone",
    "联系方式": "phone",
    "类别": "category",
    "优抚对象类别": "category",
    "人员类别": "category",
    "伤残类别": "disability_cause",
    "残疾性质": "disability_cause",
    "残疾等级": "disability_level",
    "等级": "disability_level",
    "批准时间": "approved_on",
    "认定时间": "approved_on",
    "入伍日期": "enlisted_on",
    "入伍年月": "enlisted_on",
    "退伍时间": "discharged_on",
    "退伍日期": "discharged_on",
    "退役日期": "discharged_on",
    "服役年限": "service_years",
    "服役年数": "service_years",
    "开户行": "bank_name",
    "银行": "bank_name",
    "账号": "bank_account",
    "银行卡号": "bank_account",
    "卡号": "bank_account",
    "存折账号": "bank_account",
}
# Columns that carry no data: listed as warnings, never errors.
IGNORED = {"序号", "编号", "行号"}


def key_for_header(header: str) -> str | None:
    """The field key of a header cell, tolerant of spaces and full-width brackets."""
    text = "".join(header.split()).replace("（", "(").replace("）", ")")
    return KEY_OF.get(text) or ALIASES.get(text) or ALIASES.get(text.replace("(", "").replace(")", ""))
