"""Validating the rows: cells converted, each row cleaned by ``registry.validation``, rows
of one person merged, and the whole plan checked against the database. Nothing is written."""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.core.crypto import decrypt
from youfu.core.imports import RowError
from youfu.core.messages import Message
from youfu.core.text import compact, normalize_text
from youfu.regions.models import RegionLevel
from youfu.regions.selectors import regions_for
from youfu.registry.categories import CHINESE_CAUSE, CHINESE_NAMES, Category
from youfu.registry.columns import HEADER_OF
from youfu.registry.importing.read import Grid, Header
from youfu.registry.models import Beneficiary, Qualification
from youfu.registry.services import id_number_index
from youfu.registry.validation import (
    Invalid,
    PersonData,
    QualificationData,
    RegionLookup,
    clean_person,
    clean_qualification,
    parse_date,
)

if TYPE_CHECKING:
    from youfu.accounts.models import User

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the importer checks a county's whole file against the registry (duplicates, existing "
    "qualifications) for a clerk whose import the entry point checked with require(); it writes"
    " nothing"
)

DATE_KEYS = frozenset({"birth_date", "approved_on", "enlisted_on", "discharged_on"})
# Person fields that rows of the same person must agree on (when both rows give them).
PERSON_KEYS = (
    "name",
    "sex",
    "ethnicity",
    "residence",
    "township",
    "village",
    "phone",
    "bank_name",
    "bank_account",
)
CHUNK = 500  # ids per IN (...): well under SQLite's 999 variables
_HAN_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·\s]+$")
# The columns that describe a qualification rather than the person.
QUALIFICATION_KEYS = frozenset(
    {
        "category",
        "disability_cause",
        "disability_level",
        "approved_on",
        "enlisted_on",
        "discharged_on",
        "service_years",
    }
)


# --- cells ------------------------------------------------------------------------------------


class _CellError(ValueError):
    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.en)


_LOST_DIGITS = Message(
    gettext_noop(
        "Excel turned this ID number into a number and it has lost digits; "
        "format the column as text and type the number again."
    )
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _id_cell(value: Any) -> Any:
    if _is_number(value):
        if float(value).is_integer() and len(str(int(value))) == 15:
            return str(int(value))  # an old 15-digit number: the validator explains
        raise _CellError(_LOST_DIGITS)
    return value


def _name_cell(value: Any) -> str:
    text = normalize_text(value)
    # 张　三: spaces that align two-character names are not part of the name.
    return "".join(text.split()) if _HAN_NAME.match(text) else text


def _region_cell(value: Any) -> str:
    if _is_number(value) and float(value).is_integer():
        return str(int(value))  # a code typed as a number
    return compact(value)


def _number_cell(value: Any) -> Any:
    return value


def _text_cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number Excel stored as a number
    return value


_CELL: dict[str, Callable[[Any], Any]] = {
    "id_number": _id_cell,
    "name": _name_cell,
    "township": _region_cell,
    "village": _region_cell,
    "bank_account": _number_cell,  # the validator refuses a number (digits may be lost)
    "disability_level": _number_cell,
    "service_years": _number_cell,
}


def _converter(key: str) -> Callable[[Any], Any]:
    """What a spreadsheet cell means for the validators, and the refusals only a cell can
    tell (a number where Excel lost digits); the validators normalize text themselves."""
    if key in DATE_KEYS:
        return _date_cell
    return _CELL.get(key, _text_cell)


@functools.lru_cache(maxsize=65536)
def _date_text(text: str) -> date | None:
    """Dates written as text repeat (a month of enlistment, a day of approval): parse each once."""
    try:
        return parse_date(text)
    except Invalid as exc:
        raise _CellError(exc.message) from None


def _date_cell(value: Any) -> Any:
    if type(value) is str:
        return _date_text(value)
    if isinstance(value, (clock_time, timedelta)):
        raise _CellError(Message(gettext_noop("This is a time, not a date.")))
    if not _is_number(value):
        return value
    number = float(value)
    if 1800 <= number < 2200:
        # Excel stored 2019.08 (typed as a month) or 1979 (a year) as a number, not as a
        # date: read it as a year and month when that is unambiguous.
        text = repr(number)
        year, _, fraction = text.partition(".")
        if fraction in ("", "0"):
            raise _CellError(
                Message(
                    gettext_noop("%(value)s is a year alone; write the date like 2019-08-01."),
                    {"value": year},
                )
            )
        if len(fraction) == 2 and 1 <= int(fraction) <= 12:
            return date(int(year), int(fraction), 1)
        if len(fraction) == 1 and fraction != "1":
            return date(int(year), int(fraction), 1)
        raise _CellError(
            Message(
                gettext_noop(
                    "Excel turned %(value)s into a number, so the month is unclear; "
                    "format the column as text and write it like 2019-10."
                ),
                {"value": text},
            )
        )
    return value


# --- validating rows --------------------------------------------------------------------------


@dataclass
class PersonPlan:
    first_row: int
    person: PersonData
    given: set[str]
    index: str  # blind index of the ID number
    qualifications: list[tuple[int, QualificationData]] = field(default_factory=list)
    existing_pk: int | None = None


@dataclass
class Plan:
    rows: int = 0
    persons: dict[str, PersonPlan] = field(default_factory=dict)  # ID number → plan
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


def _lookup_for(user: User) -> RegionLookup:
    regions = list(regions_for(user))
    region = user.region
    if region is not None and region.level == RegionLevel.VILLAGE and region.parent is not None:
        # A village assistant names the township too; the region check below keeps the
        # rows inside their village.
        regions.append(region.parent)
    return RegionLookup(regions)


def validate_rows(grid: Grid, header: Header, user: User, plan: Plan) -> None:
    lookup = _lookup_for(user)
    today = timezone.localdate()
    texts = header.texts
    user_region = user.region

    def column(key: str) -> str:
        return texts.get(key) or HEADER_OF.get(key, key)

    keys = list(header.columns)
    values_of = operator.itemgetter(*header.columns.values())  # a tuple: REQUIRED_KEYS are several
    need = max(header.columns.values()) + 1
    converters = [_converter(key) for key in keys]
    # Text in most columns goes to the validators as it is; they normalize it themselves.
    text_converters = [None if convert is _text_cell else convert for convert in converters]
    cells = list(zip(keys, converters, text_converters, strict=True))
    prefix = user_region.scope_prefix if user_region is not None else None
    seen_categories: dict[tuple[str, str], int] = {}
    by_name_birth: dict[tuple[str, date], tuple[str, int]] = {}
    for index in range(header.first_data, len(grid.rows)):
        row = grid.rows[index]
        if len(row) < need:
            row = [*row, *([None] * (need - len(row)))]
        values = values_of(row)
        number = index + 1
        raw: dict[str, Any] = {}
        given: set[str] = set()
        row_errors: list[RowError] = []
        for (key, convert, convert_text), value in zip(
            cells, values if len(keys) > 1 else (values,), strict=True
        ):
            if type(value) is str:
                # isspace() knows U+3000, the ideographic space.
                if not value or value.isspace():
                    raw[key] = None
                    continue
                if convert_text is None:
                    raw[key] = value
                    given.add(key)
                    continue
            elif value is None:
                raw[key] = None
                continue
            given.add(key)
            try:
                raw[key] = convert(value)
            except _CellError as exc:
                row_errors.append(RowError(number, column(key), exc.message))
                raw[key] = None
        if not given:
            continue
        plan.rows += 1
        # A cell already refused above is not refused again as "required".
        bad_keys = {key for key in given if raw[key] is None}
        person, person_errors = clean_person(raw, lookup, today=today)
        # A row with every qualification column empty registers the person alone (an
        # export writes such a row for a person who holds no qualification).
        person_only = not (given & QUALIFICATION_KEYS)
        qualification, qualification_errors = (
            (None, []) if person_only else clean_qualification(raw, today=today)
        )
        for key, message in (*person_errors, *qualification_errors):
            if key not in bad_keys:
                row_errors.append(RowError(number, column(key), message))
        if person is not None and prefix is not None and not person.region.code.startswith(prefix):
            key = "village" if person.village else "township"
            row_errors.append(
                RowError(
                    number,
                    column(key),
                    Message(
                        gettext_noop("%(region)s lies outside your region."), {"region": person.region.name}
                    ),
                )
            )
        if row_errors or person is None or (qualification is None and not person_only):
            plan.errors += row_errors
            continue
        id_value = person.id_number.value
        existing = plan.persons.get(id_value)
        if existing is None:
            existing = PersonPlan(number, person, given, id_number_index(id_value))
            plan.persons[id_value] = existing
            twin = by_name_birth.get((person.name, person.birth_date))
            if twin is not None and twin[0] != id_value:
                plan.warnings.append(
                    RowError(
                        number,
                        column("name"),
                        Message(
                            gettext_noop(
                                "Possible duplicate: row %(row)d has the same name and birth date "
                                "with another ID number."
                            ),
                            {"row": twin[1]},
                        ),
                    )
                )
            else:
                by_name_birth[(person.name, person.birth_date)] = (id_value, number)
        else:
            disagreements = _disagreements(existing, person, given)
            if disagreements:
                plan.errors += [
                    RowError(
                        number,
                        column(key),
                        Message(
                            gettext_noop(
                                "Row %(row)d has the same ID number with a different %(column)s; "
                                "a person's rows must agree."
                            ),
                            {"row": existing.first_row, "column": column(key)},
                        ),
                    )
                    for key in disagreements
                ]
                continue
            _merge(existing, person, given)
        if qualification is None:
            continue
        first = seen_categories.get((id_value, qualification.category))
        if first is not None:
            plan.errors.append(
                RowError(
                    number,
                    column("category"),
                    Message(
                        gettext_noop("Row %(row)d already gives this person the category %(category)s."),
                        {"row": first, "category": CHINESE_NAMES[qualification.category]},
                    ),
                )
            )
            continue
        seen_categories[(id_value, qualification.category)] = number
        existing.qualifications.append((number, qualification))


def _person_value(person: PersonData, key: str) -> Any:
    if key == "township":
        return person.township.code
    if key == "village":
        return person.village.code if person.village else ""
    return getattr(person, key)


def _disagreements(plan: PersonPlan, person: PersonData, given: set[str]) -> list[str]:
    return [
        key
        for key in PERSON_KEYS
        if key in given
        and key in plan.given
        and _person_value(plan.person, key) != _person_value(person, key)
    ]


def _merge(plan: PersonPlan, person: PersonData, given: set[str]) -> None:
    """A later row may fill what the first row of the person left empty."""
    for key in ("ethnicity", "phone", "bank_name", "bank_account", "notes"):
        if key in given and key not in plan.given:
            setattr(plan.person, key, getattr(person, key))
            plan.given.add(key)
    if "village" in given and "village" not in plan.given:
        plan.person.village = person.village
        plan.given.add("village")


# --- against the database ---------------------------------------------------------------------


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Update:
    beneficiary: Beneficiary
    changes: dict[str, str]
    new_qualifications: list[QualificationData]


def check_database(plan: Plan, user: User, *, update: bool, column: dict[str, str]) -> list[Update]:
    """Who is already registered (one query per chunk of blind indexes), and what --update does."""
    id_col = column.get("id_number") or HEADER_OF["id_number"]
    cat_col = column.get("category") or HEADER_OF["category"]
    by_index = {p.index: p for p in plan.persons.values()}
    registered: dict[str, int] = {}
    for chunk in chunks(list(by_index)):
        registered.update(
            Beneficiary.objects.filter(id_number_index__in=chunk).values_list("id_number_index", "pk")
        )
    visible: dict[int, Beneficiary] = {}
    for pk_chunk in chunks(sorted(registered.values())):
        visible.update(
            (b.pk, b) for b in Beneficiary.objects.visible_to(user).filter(pk__in=pk_chunk).order_by()
        )
    held: dict[int, dict[str, Qualification]] = {}
    if update and visible:
        for pk_chunk in chunks(sorted(visible)):
            for q in Qualification.objects.filter(beneficiary_id__in=pk_chunk).order_by():
                held.setdefault(q.beneficiary_id, {})[q.category] = q
    updates: list[Update] = []
    for index, pk in registered.items():
        person_plan = by_index[index]
        row = person_plan.first_row
        beneficiary = visible.get(pk)
        if beneficiary is None:
            # Registered where this user does not see: say no more than that the row cannot be
            # imported here (never where the person lives, nor that they are registered at all).
            plan.errors.append(
                RowError(
                    row,
                    id_col,
                    Message(
                        gettext_noop(
                            "This person cannot be imported here; "
                            "the county's registry clerk can tell you why."
                        )
                    ),
                )
            )
            continue
        if not update:
            plan.errors.append(
                RowError(
                    row,
                    id_col,
                    Message(
                        gettext_noop(
                            "A person with this ID number is already registered; "
                            "import with the update option to change their phone and bank details."
                        )
                    ),
                )
            )
            continue
        person_plan.existing_pk = pk
        updates.append(_planned_update(plan, person_plan, beneficiary, held.get(pk, {}), column, cat_col))
    return updates


def _planned_update(
    plan: Plan,
    person_plan: PersonPlan,
    beneficiary: Beneficiary,
    held: dict[str, Qualification],
    column: dict[str, str],
    cat_col: str,
) -> Update:
    person = person_plan.person
    if person.name != beneficiary.name:
        plan.warnings.append(
            RowError(
                person_plan.first_row,
                column.get("name") or HEADER_OF["name"],
                Message(
                    gettext_noop(
                        "Registered as %(name)s; an import does not change the name "
                        "(only the phone and bank details)."
                    ),
                    {"name": beneficiary.name},
                ),
            )
        )
    changes: dict[str, str] = {}
    if "phone" in person_plan.given and person.phone != beneficiary.phone:
        changes["phone"] = person.phone
    if "bank_name" in person_plan.given and person.bank_name != beneficiary.bank_name:
        changes["bank_name"] = person.bank_name
    if "bank_account" in person_plan.given and person.bank_account != decrypt(
        beneficiary.bank_account_encrypted
    ):
        changes["bank_account"] = person.bank_account
    new: list[QualificationData] = []
    for row, q in person_plan.qualifications:
        current = held.get(q.category)
        if current is None:
            new.append(q)
            continue
        if (current.disability_cause, current.disability_level, current.approved_on) != (
            q.disability_cause,
            q.disability_level,
            q.approved_on,
        ):
            plan.warnings.append(
                RowError(
                    row,
                    cat_col,
                    Message(
                        gettext_noop(
                            "This qualification is registered with other details (%(details)s); "
                            "an import does not change it: record a life event instead."
                        ),
                        {"details": _describe(current)},
                    ),
                )
            )
    return Update(beneficiary, changes, new)


def _describe(q: Qualification) -> str:
    parts = [CHINESE_NAMES.get(Category(q.category), q.category)]
    if q.disability_cause:
        parts.append(CHINESE_CAUSE.get(q.disability_cause, q.disability_cause))  # type: ignore[call-overload]
    if q.disability_level:
        parts.append(f"{q.disability_level}级")
    parts.append(q.approved_on.isoformat())
    return " ".join(parts)


def duplicate_warnings(plan: Plan, user: User, column: dict[str, str]) -> None:
    """Same name and birth date as someone registered (in the user's region) with another
    ID number: perhaps the same person with a mistyped number. For a clerk to review."""
    new = [p for p in plan.persons.values() if p.existing_pk is None]
    wanted: dict[tuple[str, date], list[PersonPlan]] = {}
    for p in new:
        wanted.setdefault((p.person.name, p.person.birth_date), []).append(p)
    names = sorted({name for name, _ in wanted})
    name_col = column.get("name") or HEADER_OF["name"]
    for chunk in chunks(names):
        rows = (
            Beneficiary.objects.visible_to(user)
            .filter(name__in=chunk)
            .order_by()
            .values_list("name", "birth_date", "id_number_index", "id_number_masked")
        )
        for name, born, index, masked in rows:
            for p in wanted.get((name, born), []):
                if p.index != index:
                    plan.warnings.append(
                        RowError(
                            p.first_row,
                            name_col,
                            Message(
                                gettext_noop(
                                    "Possible duplicate: %(name)s, born %(born)s, is registered "
                                    "with ID number %(masked)s."
                                ),
                                {"name": name, "born": born.isoformat(), "masked": masked},
                            ),
                        )
                    )
