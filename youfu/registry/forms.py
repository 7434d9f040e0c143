"""The registry's forms, and the input parsing the forms and the API share.

Field rules live in ``registry.validation`` so the pages, the API and the spreadsheet
import refuse the same things with the same reasons; here its ``(key, Message)`` errors
are placed on form fields. Every form takes the acting user's regions, so a select
never offers a place outside the user's region.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from youfu.accounts.models import User
from youfu.core.errors import InvalidInput
from youfu.core.forms import CHOOSE, ManyOptionsSelect
from youfu.core.idnumber import InvalidIdNumber, parse_id_number
from youfu.core.messages import Message
from youfu.core.text import compact, normalize_text
from youfu.regions.models import Region, RegionLevel
from youfu.regions.selectors import regions_for
from youfu.registry.categories import Category, DisabilityCause, level_refusal
from youfu.registry.models import (
    Beneficiary,
    LifeEventKind,
    PersonStatus,
    Qualification,
    QualificationStatus,
    Residence,
    Sex,
)
from youfu.registry.search import SearchFilters
from youfu.registry.services import Payee
from youfu.registry.validation import (
    FieldErrors,
    Invalid,
    PersonData,
    QualificationData,
    RegionLookup,
    clean_person,
    clean_qualification,
    parse_account,
    parse_bank,
    parse_category,
    parse_date,
    parse_level,
    parse_name,
    parse_phone,
    parse_residence,
)

REQUEST_INVALID = Message(gettext_noop("The request is not valid."))


def invalid_input(errors: FieldErrors) -> InvalidInput:
    """The API's 400 for validation errors: the first per field, in the envelope's ``fields``."""
    fields: dict[str, Message] = {}
    for key, message in errors:
        fields.setdefault(key, message)
    return InvalidInput(REQUEST_INVALID, fields=fields)


# --- regions ----------------------------------------------------------------------------


class RegionChoices:
    """The townships and villages of the user's region: select choices and the lookup that
    ``registry.validation`` resolves names and codes with. One query (two for a village
    assistant, whose township is above their region)."""

    def __init__(self, user: User) -> None:
        regions = list(
            regions_for(user).filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]).order_by("code")
        )
        own = getattr(user, "region", None)
        if own is not None and own.level == RegionLevel.VILLAGE and own.parent_id:
            # A village assistant's people are still named by township and village.
            regions[:0] = Region.objects.filter(code=own.parent_id)
        self.lookup = RegionLookup(regions)
        townships = [r for r in regions if r.level == RegionLevel.TOWNSHIP]
        self.townships: list[tuple[str, str]] = [(r.code, r.name) for r in townships]
        villages: dict[str, list[tuple[str, str]]] = {}
        for r in regions:
            if r.level == RegionLevel.VILLAGE and r.parent_id:
                villages.setdefault(r.parent_id, []).append((r.code, r.name))
        self.villages: list[tuple[str, list[tuple[str, str]]]] = [
            (t.name, villages[t.code]) for t in townships if t.code in villages
        ]

    def township_choices(self, empty: str = "—") -> list[Any]:
        return [("", empty), *self.townships]

    def village_choices(self, empty: str = "—") -> list[Any]:
        return [("", empty), *self.villages]


def _blank(label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label)]


CATEGORY_CHOICES = [*_blank(), *Category.choices]
CAUSE_CHOICES = [*_blank(), *DisabilityCause.choices]
LEVEL_CHOICES = [*_blank(), *[(str(n), str(n)) for n in range(1, 11)]]
SEX_CHOICES = [*_blank(), *Sex.choices]
RESIDENCE_CHOICES = [*_blank(), *Residence.choices]
# One status box: the person's (alive, deceased) or a qualification's (active, suspended, ended).
STATUS_CHOICES = [
    *_blank(),
    (PersonStatus.ALIVE.value, _("alive")),
    (PersonStatus.DECEASED.value, _("deceased")),
    (QualificationStatus.ACTIVE.value, _("qualification active")),
    (QualificationStatus.SUSPENDED.value, _("qualification suspended")),
    (QualificationStatus.ENDED.value, _("qualification ended")),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class _ValidatedForm(forms.Form):
    """A form whose rules are ``registry.validation``'s: its errors land on the fields."""

    # validation key → form field, where they differ
    renamed: Mapping[str, str] = {}

    def place(self, errors: FieldErrors, renamed: Mapping[str, str] | None = None) -> None:
        names = {**self.renamed, **(renamed or {})}
        for key, message in errors:
            name = names.get(key, key)
            if name in self.fields:
                if name in self.errors:
                    continue  # Django already refused the value (e.g. not a valid choice)
                self.add_error(name, str(message))
            else:
                self.add_error(None, str(message))


# --- search -----------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("name, pinyin, initials, ID number or its end, phone")}
        ),
    )
    township = forms.ChoiceField(label=_("Township"), required=False, widget=ManyOptionsSelect)
    village = forms.ChoiceField(label=_("Village"), required=False, widget=ManyOptionsSelect)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=CATEGORY_CHOICES)
    level = forms.ChoiceField(label=_("Disability level"), required=False, choices=LEVEL_CHOICES)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    residence = forms.ChoiceField(label=_("Residence"), required=False, choices=RESIDENCE_CHOICES)

    def __init__(self, data: Any, *, regions: RegionChoices) -> None:
        super().__init__(data)
        self.fields["township"].choices = regions.township_choices()  # type: ignore[attr-defined]
        self.fields["village"].choices = regions.village_choices()  # type: ignore[attr-defined]
        # A filter changed fetches the results table with the whole form (htmx; the form's own
        # hx-target and hx-push-url are inherited). Each select asks by itself: a trigger filter
        # on the form would be script htmx may not evaluate under the site's policy.
        for name, field in self.fields.items():
            if name != "q":
                field.widget.attrs.update({"hx-get": reverse("registry:list"), "hx-include": "closest form"})

    def search(self) -> tuple[str, SearchFilters]:
        """The query and filters; a value the form refused is left out rather than failing."""
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        level = data.get("level")
        return normalize_text(data.get("q", "")), SearchFilters(
            township=data.get("township") or "",
            village=data.get("village") or "",
            category=data.get("category") or "",
            disability_level=int(level) if level else None,
            status=data.get("status") or "",
            residence=data.get("residence") or "",
        )


def search_filters(
    *,
    township: str = "",
    village: str = "",
    category: str = "",
    level: int | str | None = None,
    status: str = "",
    residence: str = "",
) -> SearchFilters:
    """The API's filters, checked: an unknown value is a 400, never an empty result."""
    errors: FieldErrors = []

    def take(key: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except Invalid as exc:
            errors.append((key, exc.message))
            return None

    for key, code in (("township", township), ("village", village)):
        if code and not (code.isdigit() and len(code) == 12):
            errors.append((key, Message(gettext_noop("Give the region's 12-digit code."))))
    parsed_category = take("category", parse_category, category)
    parsed_level = take("level", parse_level, level)
    parsed_residence = take("residence", parse_residence, residence)
    valid_status = {value for value, _label in STATUS_CHOICES if value}
    if status and status not in valid_status:
        errors.append(
            (
                "status",
                Message(
                    gettext_noop("%(value)s is not a status; use one of: %(choices)s."),
                    {"value": status, "choices": ", ".join(sorted(valid_status))},
                ),
            )
        )
    if errors:
        raise invalid_input(errors)
    return SearchFilters(
        township=township,
        village=village,
        category=parsed_category or "",
        disability_level=parsed_level,
        status=status,
        residence=parsed_residence or "",
    )


# --- registering a person ---------------------------------------------------------------

QUALIFICATION_KEYS = (
    "category",
    "disability_cause",
    "disability_level",
    "approved_on",
    "enlisted_on",
    "discharged_on",
    "service_years",
)


def clean_registration(
    person: Mapping[str, Any], qualifications: list[Mapping[str, Any]], regions: RegionLookup
) -> tuple[PersonData | None, list[QualificationData], FieldErrors]:
    """A person and their qualifications; qualification errors are keyed
    ``qualifications.<n>.<key>``."""
    data, errors = clean_person(person, regions)
    cleaned: list[QualificationData] = []
    for n, raw in enumerate(qualifications):
        qualification, q_errors = clean_qualification(raw)
        errors += [(f"qualifications.{n}.{key}", message) for key, message in q_errors]
        if qualification is not None:
            cleaned.append(qualification)
    categories = [q.category for q in cleaned]
    for n, category in enumerate(categories):
        if category in categories[:n]:
            errors.append(
                (
                    f"qualifications.{n}.category",
                    Message(gettext_noop("The same category is given twice.")),
                )
            )
    return data, cleaned, errors


class _QualificationFields(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False, choices=CATEGORY_CHOICES)
    disability_cause = forms.ChoiceField(label=_("Disability cause"), required=False, choices=CAUSE_CHOICES)
    disability_level = forms.ChoiceField(label=_("Disability level"), required=False, choices=LEVEL_CHOICES)
    approved_on = forms.CharField(label=_("Approved on"), required=False, widget=_date_input())
    enlisted_on = forms.CharField(label=_("Enlisted on"), required=False, widget=_date_input())
    discharged_on = forms.CharField(label=_("Discharged on"), required=False, widget=_date_input())
    service_years = forms.CharField(label=_("Years of service"), required=False, max_length=5)


class PersonCreateForm(_QualificationFields, _ValidatedForm):
    """A new person with their first qualification."""

    name = forms.CharField(label=pgettext_lazy("of a person", "Name"), required=False, max_length=100)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=30)
    sex = forms.ChoiceField(
        label=_("Sex"), required=False, choices=SEX_CHOICES, help_text=_("Checked against the ID number.")
    )
    birth_date = forms.CharField(
        label=_("Birth date"),
        required=False,
        widget=_date_input(),
        help_text=_("Checked against the ID number."),
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=20, initial="汉族")
    residence = forms.ChoiceField(label=_("Residence"), required=False, choices=RESIDENCE_CHOICES)
    township = forms.ChoiceField(label=_("Township"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    bank_name = forms.CharField(label=_("Bank"), required=False, max_length=100)
    bank_account = forms.CharField(label=_("Bank account"), required=False, max_length=40)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    qualification_notes = forms.CharField(
        label=_("Notes on the qualification"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = [
        "name",
        "id_number",
        "sex",
        "birth_date",
        "ethnicity",
        "residence",
        "township",
        "village",
        "phone",
        "bank_name",
        "bank_account",
        "notes",
        "category",
        "disability_cause",
        "disability_level",
        "approved_on",
        "enlisted_on",
        "discharged_on",
        "service_years",
        "qualification_notes",
    ]
    person_fields = field_order[:12]
    renamed = {"qualifications.0." + key: key for key in QUALIFICATION_KEYS} | {
        "qualifications.0.notes": "qualification_notes"
    }

    def __init__(self, data: Any = None, *, regions: RegionChoices) -> None:
        super().__init__(data)
        self.regions = regions
        self.fields["township"].choices = regions.township_choices()  # type: ignore[attr-defined]
        self.fields["village"].choices = regions.village_choices()  # type: ignore[attr-defined]
        for name in ("name", "id_number", "residence", "township", "category", "approved_on"):
            self.fields[name].widget.attrs["required"] = True
        self.person: PersonData | None = None
        self.qualification: QualificationData | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        qualification = {key: data.get(key) for key in QUALIFICATION_KEYS}
        qualification["notes"] = data.get("qualification_notes")
        person, qualifications, errors = clean_registration(data, [qualification], self.regions.lookup)
        self.place(errors)
        if not errors:
            self.person, self.qualification = person, qualifications[0]
        return data


class QualificationForm(_QualificationFields, _ValidatedForm):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        for name in ("category", "approved_on"):
            self.fields[name].widget.attrs["required"] = True
        self.qualification: QualificationData | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        qualification, errors = clean_qualification(data)
        self.place(errors)
        self.qualification = qualification
        return data


# --- contact fields ---------------------------------------------------------------------

CONTACT_FIELDS = ("name", "ethnicity", "residence", "phone", "notes")


def clean_contact(raw: Mapping[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    """The contact fields present in ``raw`` (a form or a PATCH), as the model stores them."""
    changes: dict[str, Any] = {}
    errors: FieldErrors = []
    if "name" in raw:
        try:
            changes["name"] = parse_name(raw["name"])
        except Invalid as exc:
            errors.append(("name", exc.message))
            changes["name"] = normalize_text(raw["name"])
    if "ethnicity" in raw:
        ethnicity = normalize_text(raw["ethnicity"])
        if len(ethnicity) > 20:
            errors.append(("ethnicity", Message(gettext_noop("The ethnicity is too long."))))
        changes["ethnicity"] = ethnicity
    if "residence" in raw:
        try:
            residence = parse_residence(raw["residence"])
        except Invalid as exc:
            errors.append(("residence", exc.message))
        else:
            if residence is None:
                errors.append(("residence", Message(gettext_noop("Residence (城镇 or 农村) is required."))))
            changes["residence"] = residence
    if "phone" in raw:
        try:
            changes["phone"] = parse_phone(raw["phone"])
        except Invalid as exc:
            errors.append(("phone", exc.message))
    if "notes" in raw:
        changes["notes"] = normalize_text(raw["notes"])
    return changes, errors


class PersonEditForm(_ValidatedForm):
    name = forms.CharField(label=pgettext_lazy("of a person", "Name"), max_length=100)
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=20)
    residence = forms.ChoiceField(label=_("Residence"), choices=RESIDENCE_CHOICES)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data: Any = None, *, beneficiary: Beneficiary) -> None:
        super().__init__(data, initial={name: getattr(beneficiary, name) for name in CONTACT_FIELDS})
        self.changes: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        changes, errors = clean_contact({k: v for k, v in data.items() if k in CONTACT_FIELDS})
        self.place(errors)
        self.changes = changes
        return data


# --- life events ------------------------------------------------------------------------

# Kinds that concern one qualification rather than the whole person.
QUALIFICATION_KINDS = frozenset(
    {
        LifeEventKind.LEVEL_CHANGE,
        LifeEventKind.SUSPENSION,
        LifeEventKind.SUSPENSION_END,
        LifeEventKind.CANCELLATION,
    }
)


@dataclass
class LifeEventInput:
    kind: str
    effective_on: date
    qualification: Qualification | None = None
    to_region: Region | None = None
    level: int | None = None
    reason: str = ""
    bank_name: str = ""
    bank_account: str = ""
    phone: str = ""
    note: str = ""
    payee: Payee | None = None

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``services.do_record_life_event`` after the kind and date."""
        return {
            "qualification": self.qualification,
            "to_region": self.to_region,
            "level": self.level,
            "reason": self.reason,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account,
            "phone": self.phone,
            "note": self.note,
            "payee": self.payee,
        }


def _level_of(code: str) -> str:
    for level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
        digits = {RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9}[level]
        if code[digits:].strip("0") == "":
            return level
    return RegionLevel.VILLAGE


def resolve_destination(value: Any, beneficiary: Beneficiary, user: User) -> Region:
    """Where a person moved: a township or village of the county, or any place outside it
    by its code (another county's regions need not be in our tree: the file leaves)."""
    code = compact(value)
    if not code:
        raise Invalid(Message(gettext_noop("Name the village or township moved to.")))
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise Invalid(Message(gettext_noop("Give the region's code: 12 digits, or 6 for a county.")))
    code = code.ljust(12, "0")
    county = beneficiary.region_id[:6]
    region = Region.objects.filter(code=code).first()
    if code.startswith(county):
        if region is None:
            raise Invalid(Message(gettext_noop("No region %(code)s in the county."), {"code": code}))
        if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            raise Invalid(Message(gettext_noop("Choose the township or village moved to.")))
        if region.code == beneficiary.region_id:
            raise Invalid(Message(gettext_noop("The person already lives there.")))
        # The move service treats a place outside the acting user's own region as leaving
        # the county (it ends every qualification), so a township clerk cannot move a
        # person to another township of the county: the county clerk does that.
        if user.region is None or not user.region.contains(code):
            raise Invalid(
                Message(gettext_noop("Only a clerk whose region includes both places can record this move."))
            )
        return region
    if region is not None:
        return region
    # Leaving the county ends every benefit here, so the code must at least be a real
    # county's: a province of GB/T 2260 and a county part (000000000000 is a slip).
    county_part = code[2:6] if code[:2] not in _WITHOUT_COUNTIES else "1111"
    if code[:2] not in _PROVINCES or county_part[:2] == "00" or county_part[2:] == "00":
        raise Invalid(
            Message(
                gettext_noop(
                    "%(code)s is not the code of a county, township or village; give the county "
                    "moved to (6 digits) or a place of this county."
                ),
                {"code": code},
            )
        )
    return Region(code=code, name="", level=_level_of(code))


# The provinces of GB/T 2260 (and Taiwan, Hong Kong, Macao).
_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42"}
    | {"43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
)
_WITHOUT_COUNTIES = frozenset({"71", "81", "82"})


def _optional_payee(raw: Mapping[str, Any] | None, errors: FieldErrors) -> Payee | None:
    raw = raw or {}
    if not any(compact(raw.get(k)) for k in ("name", "id_number", "bank_name", "bank_account")):
        return None
    found: FieldErrors = []
    name = normalize_text(raw.get("name"))
    try:
        name = parse_name(raw.get("name"), payee=True)
    except Invalid as exc:
        found.append(("payee.name", exc.message))
    number = None
    try:
        number = parse_id_number(raw.get("id_number"))
    except InvalidIdNumber as exc:
        found.append(("payee.id_number", exc.message))
    bank_name = ""
    try:
        bank_name = parse_bank(raw.get("bank_name"))
    except Invalid as exc:
        found.append(("payee.bank_name", exc.message))
    else:
        if not bank_name:
            found.append(("payee.bank_name", Message(gettext_noop("Name the bank of the account."))))
    account = ""
    try:
        account = parse_account(raw.get("bank_account"))
    except Invalid as exc:
        found.append(("payee.bank_account", exc.message))
    else:
        if not account:
            found.append(("payee.bank_account", Message(gettext_noop("The bank account is required."))))
    errors += found
    if found or number is None:
        return None
    return Payee(name=name, id_number=number, bank_name=bank_name, bank_account=account)


def clean_life_event(
    raw: Mapping[str, Any], beneficiary: Beneficiary, user: User, *, today: date | None = None
) -> tuple[LifeEventInput | None, FieldErrors]:
    """A life event as the API sends it (``qualification_id``, ``to_region``, ``payee`` …)."""
    errors: FieldErrors = []
    kind = compact(raw.get("kind"))
    if kind not in LifeEventKind.values:
        errors.append(
            (
                "kind",
                Message(
                    gettext_noop("%(value)s is not a kind of life event; use one of: %(choices)s."),
                    {"value": kind, "choices": ", ".join(LifeEventKind.values)},
                ),
            )
        )
    effective_on = None
    try:
        effective_on = parse_date(raw.get("effective_on"))
    except Invalid as exc:
        errors.append(("effective_on", exc.message))
    else:
        if effective_on is None:
            errors.append(("effective_on", Message(gettext_noop("The date is required."))))
        elif effective_on > (today or timezone.localdate()):
            errors.append(
                ("effective_on", Message(gettext_noop("A life event cannot take effect in the future.")))
            )
    data = LifeEventInput(
        kind=kind, effective_on=effective_on or date.min, note=normalize_text(raw.get("note"))
    )
    if len(data.note) > 500:
        errors.append(("note", Message(gettext_noop("The note is too long."))))

    if kind in QUALIFICATION_KINDS:
        chosen = raw.get("qualification_id")
        if chosen in (None, ""):
            errors.append(
                ("qualification_id", Message(gettext_noop("Choose which qualification this concerns.")))
            )
        else:
            data.qualification = beneficiary.qualifications.filter(pk=_int_or_zero(chosen)).first()
            if data.qualification is None:
                errors.append(
                    ("qualification_id", Message(gettext_noop("This person holds no such qualification.")))
                )
    reason = normalize_text(raw.get("reason"))
    match kind:
        case LifeEventKind.MOVE:
            try:
                data.to_region = resolve_destination(raw.get("to_region"), beneficiary, user)
            except Invalid as exc:
                errors.append(("to_region", exc.message))
        case LifeEventKind.LEVEL_CHANGE:
            try:
                data.level = parse_level(raw.get("level"))
            except Invalid as exc:
                errors.append(("level", exc.message))
            else:
                if data.level is None:
                    errors.append(("level", Message(gettext_noop("The new disability level is required."))))
            qualification = data.qualification
            if qualification is not None:
                if qualification.category != Category.DISABLED_VETERAN:
                    errors.append(
                        (
                            "qualification_id",
                            Message(gettext_noop("Only a disabled veteran's level can change.")),
                        )
                    )
                elif data.level and (refusal := level_refusal(qualification.disability_cause, data.level)):
                    errors.append(("level", refusal))
                elif data.level == qualification.disability_level:
                    errors.append(("level", Message(gettext_noop("This is the current level."))))
        case LifeEventKind.SUSPENSION | LifeEventKind.CANCELLATION:
            if not reason:
                errors.append(("reason", Message(gettext_noop("Give the reason."))))
            elif len(reason) > 200:
                errors.append(("reason", Message(gettext_noop("The reason is too long."))))
            data.reason = reason
        case LifeEventKind.BANK_CHANGE:
            try:
                data.bank_name = parse_bank(raw.get("bank_name"))
            except Invalid as exc:
                errors.append(("bank_name", exc.message))
            else:
                if not data.bank_name:
                    errors.append(("bank_name", Message(gettext_noop("Name the bank of the account."))))
            try:
                data.bank_account = parse_account(raw.get("bank_account"))
            except Invalid as exc:
                errors.append(("bank_account", exc.message))
            else:
                if not data.bank_account:
                    errors.append(("bank_account", Message(gettext_noop("The bank account is required."))))
        case LifeEventKind.PHONE_CHANGE:
            try:
                data.phone = parse_phone(raw.get("phone"))
            except Invalid as exc:
                errors.append(("phone", exc.message))
            else:
                if not data.phone:
                    errors.append(("phone", Message(gettext_noop("The new phone number is required."))))
        case LifeEventKind.DEATH:
            data.payee = _optional_payee(raw.get("payee"), errors)
    if errors:
        return None, errors
    return data, errors


def _int_or_zero(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class LifeEventForm(_ValidatedForm):
    kind = forms.ChoiceField(label=_("What happened"), choices=[*_blank(CHOOSE), *LifeEventKind.choices])
    effective_on = forms.CharField(label=_("Effective on"), widget=_date_input())
    qualification = forms.ChoiceField(label=_("Qualification"), required=False)
    to_township = forms.ChoiceField(label=_("Moved to township"), required=False)
    to_village = forms.ChoiceField(label=_("Moved to village"), required=False)
    to_region = forms.CharField(
        label=_("Or the code of the place moved to"),
        required=False,
        max_length=12,
        help_text=_("12-digit region code; a place outside the county ends the qualifications here."),
    )
    level = forms.ChoiceField(label=_("New disability level"), required=False, choices=LEVEL_CHOICES)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
    bank_name = forms.CharField(label=_("Bank"), required=False, max_length=100)
    bank_account = forms.CharField(label=_("Bank account"), required=False, max_length=40)
    phone = forms.CharField(label=_("New phone"), required=False, max_length=20)
    payee_name = forms.CharField(label=_("Payee's name"), required=False, max_length=50)
    payee_id_number = forms.CharField(label=_("Payee's ID number"), required=False, max_length=30)
    payee_bank_name = forms.CharField(label=_("Payee's bank"), required=False, max_length=100)
    payee_bank_account = forms.CharField(label=_("Payee's bank account"), required=False, max_length=40)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    renamed = {
        "qualification_id": "qualification",
        "payee.name": "payee_name",
        "payee.id_number": "payee_id_number",
        "payee.bank_name": "payee_bank_name",
        "payee.bank_account": "payee_bank_account",
    }
    # Which kinds each group of fields belongs to: the page shows a group only for them.
    groups: dict[str, tuple[str, ...]] = {
        "qualification": tuple(QUALIFICATION_KINDS),
        "to_township": (LifeEventKind.MOVE,),
        "to_village": (LifeEventKind.MOVE,),
        "to_region": (LifeEventKind.MOVE,),
        "level": (LifeEventKind.LEVEL_CHANGE,),
        "reason": (LifeEventKind.SUSPENSION, LifeEventKind.CANCELLATION),
        "bank_name": (LifeEventKind.BANK_CHANGE,),
        "bank_account": (LifeEventKind.BANK_CHANGE,),
        "phone": (LifeEventKind.PHONE_CHANGE,),
        "payee_name": (LifeEventKind.DEATH,),
        "payee_id_number": (LifeEventKind.DEATH,),
        "payee_bank_name": (LifeEventKind.DEATH,),
        "payee_bank_account": (LifeEventKind.DEATH,),
    }

    def __init__(
        self, data: Any = None, *, beneficiary: Beneficiary, user: User, regions: RegionChoices
    ) -> None:
        super().__init__(data, initial={"effective_on": timezone.localdate().isoformat()})
        self.beneficiary = beneficiary
        self.user = user
        choices = [
            (str(q.pk), f"{q.get_category_display()} ({q.get_status_display()})")
            for q in beneficiary.qualifications.all()
        ]
        self.fields["qualification"].choices = [*_blank(), *choices]  # type: ignore[attr-defined]
        self.fields["to_township"].choices = regions.township_choices()  # type: ignore[attr-defined]
        self.fields["to_village"].choices = regions.village_choices()  # type: ignore[attr-defined]
        for name, kinds in self.groups.items():
            setattr(self.fields[name], "kinds", " ".join(kinds))  # noqa: B010 -- read by the template
        self.event: LifeEventInput | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = {
            "kind": data.get("kind"),
            "effective_on": data.get("effective_on"),
            "qualification_id": data.get("qualification"),
            "to_region": data.get("to_region") or data.get("to_village") or data.get("to_township"),
            "level": data.get("level"),
            "reason": data.get("reason"),
            "bank_name": data.get("bank_name"),
            "bank_account": data.get("bank_account"),
            "phone": data.get("phone"),
            "note": data.get("note"),
            "payee": {
                "name": data.get("payee_name"),
                "id_number": data.get("payee_id_number"),
                "bank_name": data.get("payee_bank_name"),
                "bank_account": data.get("payee_bank_account"),
            },
        }
        event, errors = clean_life_event(raw, self.beneficiary, self.user)
        # The destination may come from any of three fields: show its error on the one used.
        to_field = "to_region" if data.get("to_region") else "to_village" if data.get("to_village") else None
        self.place(errors, {"to_region": to_field or "to_township"})
        self.event = event
        return data
