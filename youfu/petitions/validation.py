"""Checking what a clerk, a script or the public form sends, before a service runs.

Every problem is an ``InvalidInput`` naming the field, so the API answers 400 with
``fields`` and a form shows the error beside the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
from youfu.core.idnumber import InvalidIdNumber, parse_id_number
from youfu.core.messages import Message
from youfu.core.text import compact, normalize_text
from youfu.petitions.deadlines import MAX_REPRESENTATIVES
from youfu.petitions.models import Category, Channel

if TYPE_CHECKING:
    from youfu.petitions.models import ReceptionDay
    from youfu.regions.models import Region
    from youfu.registry.models import Beneficiary

_PHONE = re.compile(r"^\+?\d{5,20}$")


@dataclass(frozen=True)
class PetitionerData:
    name: str
    phone: str = ""
    id_number: str = ""  # validated and normalized, or ""
    is_representative: bool = False


@dataclass(frozen=True)
class PetitionData:
    channel: str
    received_on: date
    category: str
    subject: str
    content: str
    region: Region
    petitioners: list[PetitionerData]
    group_size: int = 1
    referred_by: str = ""
    beneficiary: Beneficiary | None = None
    reception: ReceptionDay | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def invalid(
    field_name: str, msgid: str, params: Mapping[str, Any] | None = None, *, code: str = "invalid"
) -> InvalidInput:
    message = Message(msgid, params or {})
    return InvalidInput(message, code=code, fields={field_name: message})


def clean_phone(raw: object, field_name: str, *, required: bool = False) -> str:
    phone = compact(raw).replace("-", "")
    if not phone:
        if required:
            raise invalid(field_name, gettext_noop("A phone number is required."))
        return ""
    if not _PHONE.match(phone):
        raise invalid(field_name, gettext_noop("A phone number is 5 to 20 digits."))
    return phone


def clean_id_number(raw: object, field_name: str) -> str:
    if not compact(raw):
        return ""
    try:
        return parse_id_number(raw).value
    except InvalidIdNumber as exc:
        raise InvalidInput(exc.message, code="invalid_id_number", fields={field_name: exc.message}) from None


def clean_text(raw: object, field_name: str, *, max_length: int, required: bool = True) -> str:
    text = str(raw or "").strip()
    if required and not text:
        raise invalid(field_name, gettext_noop("This field is required."))
    if len(text) > max_length:
        raise invalid(
            field_name,
            gettext_noop("At most %(n)d characters, please."),
            {"n": max_length},
        )
    return text


def clean_choice(raw: object, field_name: str, choices: Iterable[str]) -> str:
    value = str(raw or "").strip()
    allowed = list(choices)
    if value not in allowed:
        raise invalid(
            field_name,
            gettext_noop("Choose one of %(choices)s."),
            {"choices": ", ".join(allowed)},
        )
    return value


def clean_channel(raw: object) -> str:
    return clean_choice(raw, "channel", Channel.values)


def clean_category(raw: object) -> str:
    return clean_choice(raw, "category", Category.values)


def clean_petitioner(raw: Mapping[str, Any], prefix: str, *, phone_required: bool = False) -> PetitionerData:
    name = normalize_text(raw.get("name"))
    if not name:
        raise invalid(f"{prefix}.name", gettext_noop("A name is required."))
    if len(name) > 50:
        raise invalid(f"{prefix}.name", gettext_noop("At most %(n)d characters, please."), {"n": 50})
    return PetitionerData(
        name=name,
        phone=clean_phone(raw.get("phone"), f"{prefix}.phone", required=phone_required),
        id_number=clean_id_number(raw.get("id_number"), f"{prefix}.id_number"),
        is_representative=bool(raw.get("is_representative", False)),
    )


def clean_petitioners(
    petitioners: Sequence[Mapping[str, Any]],
    representatives: Sequence[Mapping[str, Any]] = (),
    *,
    phone_required: bool = False,
) -> list[PetitionerData]:
    """The people of a petition; representatives (Art. 20: at most 5) are marked, and added
    when they are not among the petitioners already."""
    if not petitioners and not representatives:
        raise invalid("petitioners", gettext_noop("Name at least one petitioner."))
    people = [
        clean_petitioner(p, f"petitioners.{i}", phone_required=phone_required)
        for i, p in enumerate(petitioners)
    ]
    reps = [clean_petitioner(r, f"representatives.{i}") for i, r in enumerate(representatives)]
    marked = [p for p in people if p.is_representative]
    if len(reps) + len(marked) > MAX_REPRESENTATIVES:
        raise invalid(
            "representatives",
            gettext_noop("A group names at most %(n)d representatives (Art. 20)."),
            {"n": MAX_REPRESENTATIVES},
            code="too_many_representatives",
        )
    for rep in reps:
        same = next(
            (
                i
                for i, p in enumerate(people)
                if p.name == rep.name and (not rep.phone or not p.phone or p.phone == rep.phone)
            ),
            None,
        )
        if same is None:
            people.append(PetitionerData(rep.name, rep.phone, rep.id_number, is_representative=True))
        else:
            p = people[same]
            people[same] = PetitionerData(
                p.name, p.phone or rep.phone, p.id_number or rep.id_number, is_representative=True
            )
    if sum(p.is_representative for p in people) > MAX_REPRESENTATIVES:
        raise invalid(
            "representatives",
            gettext_noop("A group names at most %(n)d representatives (Art. 20)."),
            {"n": MAX_REPRESENTATIVES},
            code="too_many_representatives",
        )
    return people


def clean_group_size(raw: object, petitioners: Sequence[PetitionerData]) -> int:
    if raw in (None, ""):
        return len(petitioners)
    try:
        size = int(str(raw))
    except ValueError:
        raise invalid("group_size", gettext_noop("Enter a whole number.")) from None
    if size < 1 or size > 100000:
        raise invalid("group_size", gettext_noop("Enter a whole number.")) from None
    return max(size, len(petitioners))
