"""Turning what people type into registry values, with a reason for every refusal.

Shared by the spreadsheet import, the forms and the API, so a rule is written once.
Keys are the canonical field names; the importer maps its columns onto them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from youfu.core.banks import bank_names, normalize_bank
from youfu.core.bounds import EARLIEST_DATE
from youfu.core.idnumber import IdNumber, InvalidIdNumber, parse_id_number
from youfu.core.messages import Message
from youfu.core.text import compact, normalize_text
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import (
    CATEGORY_BY_CHINESE_NAME,
    CAUSE_BY_CHINESE_NAME,
    Category,
    DisabilityCause,
    level_refusal,
)
from youfu.registry.models import Residence, Sex

FieldErrors = list[tuple[str, Message]]

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_SEX = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "male": Sex.MALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "f": Sex.FEMALE,
}
_RESIDENCE = {
    "城镇": Residence.URBAN,
    "城市": Residence.URBAN,
    "非农业": Residence.URBAN,
    "农村": Residence.RURAL,
    "农业": Residence.RURAL,
    "urban": Residence.URBAN,
    "rural": Residence.RURAL,
}
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [re.compile(r"^(\d{4})[-/.](\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月?$")]
_EXCEL_EPOCH = date(1899, 12, 30)
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
_ACCOUNT = re.compile(r"^\d{8,30}$")


class Invalid(ValueError):
    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.en)


def parse_date(value: Any) -> date | None:
    """Excel dates (a date, a datetime or a serial number) and the text forms clerks type:
    2019-08-01, 2019/8/1, 2019.8.1, 2019年8月1日; a month alone (2019.08) is its first day.
    Only dates from 1900 on (0001-01-01 is a typing slip, not a date) and before 3000, as
    months are parsed; each field's own rule refuses the future where it must."""
    parsed = _parse_date(value)
    if parsed is not None and not EARLIEST_DATE <= parsed <= _LATEST_PARSED:
        raise Invalid(
            Message(
                gettext_noop("%(value)s lies outside %(earliest)s to %(latest)s."),
                {
                    "value": parsed.isoformat(),
                    "earliest": EARLIEST_DATE.isoformat(),
                    "latest": _LATEST_PARSED.isoformat(),
                },
            )
        )
    return parsed


_LATEST_PARSED = date(2999, 12, 31)


def _parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 80000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise Invalid(Message(gettext_noop("%(value)s is not a date."), {"value": value}))
    text = compact(value)
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    else:
        for pattern in _MONTH_PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    return date(int(m[1]), int(m[2]), 1)
                except ValueError:
                    break
    raise Invalid(
        Message(gettext_noop("%(value)s is not a date; write it like 2019-08-01."), {"value": text})
    )


def parse_level(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        level = int(value)
    else:
        text = compact(value).removesuffix("级").removeprefix("第")
        if text in _CN_DIGITS:
            level = _CN_DIGITS[text]
        elif text.isdigit():
            level = int(text)
        elif not text:
            return None
        else:
            raise Invalid(Message(gettext_noop("%(value)s is not a disability level."), {"value": value}))
    refusal = level_refusal(None, level)
    if refusal:
        raise Invalid(refusal)
    return level


def parse_choice(value: Any, table: Mapping[str, str], what: Any) -> str | None:
    text = compact(value)
    if not text:
        return None
    key = text.lower() if text.isascii() else text
    if key in table:
        return table[key]
    raise Invalid(
        Message(
            gettext_noop("%(value)s is not a valid %(what)s; use one of: %(choices)s."),
            {"value": text, "what": what, "choices": "、".join(k for k in table if not k.isascii())},
        )
    )


def parse_residence(value: Any) -> str | None:
    """城镇/农村 (and the older 非农业/农业), or the codes urban/rural."""
    return parse_choice(value, _RESIDENCE, _lazy("residence"))


def parse_category(value: Any) -> Category | None:
    text = compact(value)
    if not text:
        return None
    if text in CATEGORY_BY_CHINESE_NAME:
        return CATEGORY_BY_CHINESE_NAME[text]
    if text in Category.values:
        return Category(text)
    raise Invalid(
        Message(
            gettext_noop("%(value)s is not a category; use one of: %(choices)s."),
            {"value": text, "choices": "、".join(CATEGORY_BY_CHINESE_NAME)},
        )
    )


def parse_cause(value: Any) -> DisabilityCause | None:
    text = compact(value)
    if not text:
        return None
    if text in CAUSE_BY_CHINESE_NAME:
        return CAUSE_BY_CHINESE_NAME[text]
    if text in DisabilityCause.values:
        return DisabilityCause(text)
    raise Invalid(
        Message(gettext_noop("%(value)s is not a disability cause; use 因战, 因公 or 因病."), {"value": text})
    )


def parse_phone(value: Any) -> str:
    text = compact(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if text and not _PHONE.match(text):
        raise Invalid(Message(gettext_noop("%(value)s is not a phone number."), {"value": text}))
    return text


def parse_account(value: Any) -> str:
    text = compact(value).replace("-", "")
    if isinstance(value, float):
        raise Invalid(
            Message(
                gettext_noop(
                    "The bank account was turned into a number by Excel and may have lost digits; "
                    "format the column as text."
                )
            )
        )
    if text and not _ACCOUNT.match(text):
        raise Invalid(Message(gettext_noop("A bank account is 8 to 30 digits.")))
    return text


def parse_bank(value: Any) -> str:
    """The bank of an account, folded onto the maintained list (``youfu/core/banks.csv``):
    农行城关支行 → 中国农业银行. Each bank gets its own bank file, so a name not on the list
    is refused rather than guessed at. Blank stays blank (the caller decides if it is needed)."""
    text = normalize_text(value)
    if not text:
        return ""
    bank = normalize_bank(text)
    if bank is None:
        raise Invalid(
            Message(
                gettext_noop(
                    "%(value)s is not a bank on the list; write the bank's name, such as 中国农业银行, "
                    "农行 or 农商行 (a branch such as 城关支行 may follow). Banks on the list: %(banks)s."
                ),
                {"value": text[:100], "banks": "、".join(bank_names())},
            )
        )
    return bank


def parse_years(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        years = Decimal(compact(value))
    except InvalidOperation:
        raise Invalid(
            Message(gettext_noop("%(value)s is not a number of years."), {"value": value})
        ) from None
    if years < 0 or years > 60:
        raise Invalid(Message(gettext_noop("%(value)s is not a number of years."), {"value": value}))
    return int(years)


class RegionLookup:
    """Townships and villages of the user's region, found by name or code."""

    def __init__(self, regions: list[Region]) -> None:
        self.townships: dict[str, Region] = {}
        self.villages: dict[tuple[str, str], Region] = {}
        for region in regions:
            if region.level == RegionLevel.TOWNSHIP:
                self.townships[region.name] = region
                self.townships[region.code] = region
        for region in regions:
            if region.level == RegionLevel.VILLAGE and region.parent_id:
                self.villages[(region.parent_id, region.name)] = region
                self.villages[(region.parent_id, region.code)] = region

    def township(self, value: Any) -> Region:
        text = normalize_text(value)
        if not text:
            raise Invalid(Message(gettext_noop("The township is required.")))
        region = self.townships.get(text)
        if region is None:
            raise Invalid(Message(gettext_noop("No township %(value)s in your region."), {"value": text}))
        return region

    def village(self, township: Region, value: Any) -> Region | None:
        text = normalize_text(value)
        if not text:
            return None
        region = self.villages.get((township.code, text))
        if region is None:
            raise Invalid(
                Message(
                    gettext_noop("No village %(value)s in %(township)s."),
                    {"value": text, "township": township.name},
                )
            )
        return region


@dataclass
class PersonData:
    name: str
    id_number: IdNumber
    sex: str
    birth_date: date
    ethnicity: str
    residence: str
    township: Region
    village: Region | None
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""
    notes: str = ""

    @property
    def region(self) -> Region:
        return self.village or self.township


@dataclass
class QualificationData:
    category: Category
    approved_on: date
    disability_cause: str = ""
    disability_level: int | None = None
    enlisted_on: date | None = None
    discharged_on: date | None = None
    service_years: int | None = None
    notes: str = ""


def _take(errors: FieldErrors, key: str, parse: Any, *args: Any) -> Any:
    try:
        return parse(*args)
    except Invalid as exc:
        errors.append((key, exc.message))
    except InvalidIdNumber as exc:
        errors.append((key, exc.message))
    return None


# A person's name, as the bank will match it: Chinese characters (rare ones included), the
# middle dot of transcribed names (阿依古丽·买买提), or letters. Never a leading = + - @ that a
# spreadsheet would run as a formula, nor digits, brackets or notes ("张三(已故)").
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3007"
_NAME = re.compile(rf"^[{_HAN}A-Za-z](?:[{_HAN}A-Za-z·・• .'-]*[{_HAN}A-Za-z.])?$")


def parse_name(value: Any, *, payee: bool = False) -> str:
    """The one rule for a person's name, at every entry: the forms, the API, the import and a
    payee's name. Raises ``Invalid``; a blank name is refused too."""
    name = normalize_text(value)
    if not name:
        if payee:
            raise Invalid(Message(gettext_noop("The payee's name is required.")))
        raise Invalid(Message(gettext_noop("The name is required.")))
    if len(name) > 50:
        raise Invalid(Message(gettext_noop("The name is too long.")))
    if not _NAME.match(name):
        raise Invalid(
            Message(
                gettext_noop(
                    "A name may hold Chinese characters, letters and the middle dot (·) only, as on "
                    "the ID card: no digits, brackets or notes, and it cannot begin with =, +, - or @."
                )
            )
        )
    return name


def clean_person(
    raw: Mapping[str, Any], regions: RegionLookup, *, today: date | None = None
) -> tuple[PersonData | None, FieldErrors]:
    errors: FieldErrors = []
    name = _take(errors, "name", parse_name, raw.get("name")) or ""
    number = None
    if raw.get("id_number") not in (None, ""):
        number = _take(errors, "id_number", parse_id_number, raw.get("id_number"))
    if number is None and not any(k == "id_number" for k, _ in errors):
        errors.append(("id_number", Message(gettext_noop("The ID number is required."))))
    sex = _take(errors, "sex", parse_choice, raw.get("sex"), _SEX, _lazy("sex"))
    born = _take(errors, "birth_date", parse_date, raw.get("birth_date"))
    residence = _take(errors, "residence", parse_choice, raw.get("residence"), _RESIDENCE, _lazy("residence"))
    if residence is None and not any(k == "residence" for k, _ in errors):
        errors.append(("residence", Message(gettext_noop("Residence (城镇 or 农村) is required."))))
    township = _take(errors, "township", regions.township, raw.get("township"))
    village = _take(errors, "village", regions.village, township, raw.get("village")) if township else None
    phone = _take(errors, "phone", parse_phone, raw.get("phone")) or ""
    account = _take(errors, "bank_account", parse_account, raw.get("bank_account")) or ""
    bank_name = _take(errors, "bank_name", parse_bank, raw.get("bank_name")) or ""
    if account and not bank_name and not any(k == "bank_name" for k, _ in errors):
        errors.append(("bank_name", Message(gettext_noop("Name the bank of the account."))))
    if number is not None:
        if sex and sex != number.sex:
            errors.append(("sex", Message(gettext_noop("The sex does not agree with the ID number."))))
        if born and born != number.birth_date:
            errors.append(
                ("birth_date", Message(gettext_noop("The birth date does not agree with the ID number.")))
            )
    if errors or number is None:
        return None, errors
    return (
        PersonData(
            name=name,
            id_number=number,
            sex=sex or number.sex,
            birth_date=number.birth_date,
            ethnicity=normalize_text(raw.get("ethnicity")) or "汉族",
            residence=residence,
            township=township,
            village=village,
            phone=phone,
            bank_name=bank_name,
            bank_account=account,
            notes=normalize_text(raw.get("notes")),
        ),
        errors,
    )


def clean_qualification(
    raw: Mapping[str, Any], *, today: date | None = None
) -> tuple[QualificationData | None, FieldErrors]:
    errors: FieldErrors = []
    category = _take(errors, "category", parse_category, raw.get("category"))
    if category is None and not any(k == "category" for k, _ in errors):
        errors.append(("category", Message(gettext_noop("The category is required."))))
    cause = _take(errors, "disability_cause", parse_cause, raw.get("disability_cause"))
    level = _take(errors, "disability_level", parse_level, raw.get("disability_level"))
    approved = _take(errors, "approved_on", parse_date, raw.get("approved_on"))
    if approved is None and not any(k == "approved_on" for k, _ in errors):
        errors.append(("approved_on", Message(gettext_noop("The approval date is required."))))
    elif approved and approved > (today or date.today()):
        errors.append(("approved_on", Message(gettext_noop("The approval date is in the future."))))
    enlisted = _take(errors, "enlisted_on", parse_date, raw.get("enlisted_on"))
    discharged = _take(errors, "discharged_on", parse_date, raw.get("discharged_on"))
    years = _take(errors, "service_years", parse_years, raw.get("service_years"))
    if enlisted and discharged and discharged < enlisted:
        errors.append(("discharged_on", Message(gettext_noop("Discharge comes before enlistment."))))
    if category == Category.DISABLED_VETERAN:
        if cause is None and not any(k == "disability_cause" for k, _ in errors):
            errors.append(
                (
                    "disability_cause",
                    Message(gettext_noop("A disabled veteran needs the cause (因战, 因公 or 因病).")),
                )
            )
        if level is None and not any(k == "disability_level" for k, _ in errors):
            errors.append(
                ("disability_level", Message(gettext_noop("A disabled veteran needs the disability level.")))
            )
        if cause and level and (refusal := level_refusal(cause, level)):
            errors.append(("disability_level", refusal))
    elif category is not None:
        if cause:
            errors.append(
                ("disability_cause", Message(gettext_noop("Only a disabled veteran has a disability cause.")))
            )
        if level:
            errors.append(
                ("disability_level", Message(gettext_noop("Only a disabled veteran has a disability level.")))
            )
    if years is None and enlisted and discharged:
        years = max(0, round((discharged - enlisted).days / 365.25))
    if errors:
        return None, errors
    return (
        QualificationData(
            category=category,
            approved_on=approved,
            disability_cause=cause or "",
            disability_level=level,
            enlisted_on=enlisted,
            discharged_on=discharged,
            service_years=years,
            notes=normalize_text(raw.get("notes")),
        ),
        errors,
    )
