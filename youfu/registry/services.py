"""Writes to the registry. Each runs in one transaction and writes its audit record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from pypinyin import Style, lazy_pinyin

from youfu.audit.events import EventType
from youfu.audit.services import diff, record_event
from youfu.core.crypto import blind_index, decrypt, encrypt
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.idnumber import IdNumber, mask_id_number
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import Region
from youfu.registry.categories import Category, level_refusal
from youfu.registry.models import (
    Beneficiary,
    DeathPayee,
    DisabilityAssessment,
    LifeEvent,
    LifeEventKind,
    PersonStatus,
    Qualification,
    QualificationStatus,
    Suspension,
)
from youfu.registry.signals import entitlement_changed
from youfu.registry.validation import PersonData, QualificationData

if TYPE_CHECKING:
    from youfu.accounts.models import User


def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials: 张三 → ("zhangsan", "zs"). Non-Han characters pass through."""
    syllables = lazy_pinyin(name, errors="default")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(syllables).lower().replace(" ", ""), "".join(initials).lower().replace(" ", "")


def mask_account(account: str) -> str:
    return ("*" * max(len(account) - 4, 0) + account[-4:]) if account else ""


def id_number_index(value: str) -> str:
    return blind_index(value, "id_number")


def person_columns(
    person: PersonData, *, keys: tuple[str, str] | None = None, index: str | None = None
) -> dict[str, Any]:
    """The model's column values for a validated person, encrypted and indexed. A bulk
    import passes the name's pinyin keys and the blind index it has already computed."""
    pinyin, initials = keys or name_keys(person.name)
    number = person.id_number.value
    return {
        "name": person.name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_date": person.birth_date,
        "id_number_encrypted": encrypt(number),
        "id_number_index": index or id_number_index(number),
        "id_number_masked": mask_id_number(number),
        "id_number_last4": number[-4:],
        "residence": person.residence,
        "region": person.region,
        "township": person.township,
        "phone": person.phone,
        "bank_name": person.bank_name,
        "bank_account_encrypted": encrypt(person.bank_account),
        "bank_account_masked": mask_account(person.bank_account),
        "notes": person.notes,
    }


def qualification_columns(data: QualificationData) -> dict[str, Any]:
    return {
        "category": data.category,
        "disability_cause": data.disability_cause,
        "disability_level": data.disability_level,
        "approved_on": data.approved_on,
        "enlisted_on": data.enlisted_on,
        "discharged_on": data.discharged_on,
        "service_years": data.service_years,
        "notes": data.notes,
    }


def snapshot(beneficiary: Beneficiary) -> dict[str, Any]:
    """What the audit log keeps of a person: never an unmasked identifier."""
    return {
        "name": beneficiary.name,
        "id_number": beneficiary.id_number_masked,
        "sex": beneficiary.sex,
        "birth_date": beneficiary.birth_date,
        "ethnicity": beneficiary.ethnicity,
        "residence": beneficiary.residence,
        "region": beneficiary.region_id,
        "phone": beneficiary.phone,
        "bank_name": beneficiary.bank_name,
        "bank_account": beneficiary.bank_account_masked,
        "status": beneficiary.status,
        "death_date": beneficiary.death_date,
        "notes": beneficiary.notes,
    }


def _check_region(actor: User, region: Region) -> None:
    if actor.region is None or not actor.region.contains(region.code):
        raise InvalidInput(
            Message(gettext_noop("%(region)s lies outside your region."), {"region": region.name}),
            fields={"township": gettext_noop("outside your region")},
        )


def _create_qualification(beneficiary: Beneficiary, data: QualificationData) -> Qualification:
    qualification = Qualification.objects.create(beneficiary=beneficiary, **qualification_columns(data))
    if data.category == Category.DISABLED_VETERAN and data.disability_level:
        DisabilityAssessment.objects.create(
            qualification=qualification,
            cause=data.disability_cause,
            level=data.disability_level,
            effective_on=data.approved_on,
        )
    return qualification


def do_register_beneficiary(
    person: PersonData, qualifications: list[QualificationData], *, acting_user: User
) -> Beneficiary:
    require(acting_user, Capability.WRITE_REGISTRY)
    _check_region(acting_user, person.region)
    if Beneficiary.objects.filter(id_number_index=id_number_index(person.id_number.value)).exists():
        raise Conflict(
            Message(gettext_noop("A person with this ID number is already registered.")),
            code="duplicate_person",
            fields={"id_number": gettext_noop("already registered")},
        )
    categories = [q.category for q in qualifications]
    if len(set(categories)) != len(categories):
        raise InvalidInput(Message(gettext_noop("The same category is given twice.")))
    with transaction.atomic():
        beneficiary = Beneficiary.objects.create(**person_columns(person))
        created = [_create_qualification(beneficiary, q) for q in qualifications]
        _entitlement_changed(beneficiary, None, "registered")
        record_event(
            EventType.BENEFICIARY_CREATED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=beneficiary,
            new={**snapshot(beneficiary), "qualifications": [q.category for q in created]},
        )
    return beneficiary


# Fields a clerk may edit directly; the rest changes through life events.
EDITABLE_FIELDS = ("name", "ethnicity", "residence", "phone", "notes")


def do_update_beneficiary(beneficiary: Beneficiary, *, acting_user: User, **changes: Any) -> Beneficiary:
    require(acting_user, Capability.WRITE_REGISTRY)
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"bank_name", "bank_account"}
    if unknown:
        raise InvalidInput(
            Message(
                gettext_noop("These fields cannot be changed here: %(fields)s."),
                {"fields": ", ".join(sorted(unknown))},
            )
        )
    before = snapshot(beneficiary)
    fields: list[str] = []
    for name in EDITABLE_FIELDS:
        if name in changes and getattr(beneficiary, name) != changes[name]:
            setattr(beneficiary, name, changes[name])
            fields.append(name)
    if "name" in fields:
        beneficiary.name_pinyin, beneficiary.name_initials = name_keys(beneficiary.name)
        fields += ["name_pinyin", "name_initials"]
    if "bank_account" in changes or "bank_name" in changes:
        account = changes.get("bank_account")
        if account is not None and account != decrypt(beneficiary.bank_account_encrypted):
            beneficiary.bank_account_encrypted = encrypt(account)
            beneficiary.bank_account_masked = mask_account(account)
            fields += ["bank_account_encrypted", "bank_account_masked"]
        if "bank_name" in changes and changes["bank_name"] != beneficiary.bank_name:
            beneficiary.bank_name = changes["bank_name"]
            fields.append("bank_name")
    old, new = diff(before, snapshot(beneficiary))
    if not fields:
        return beneficiary
    with transaction.atomic():
        beneficiary.updated_at = timezone.now()
        beneficiary.save(update_fields=[*fields, "updated_at"])
        if "residence" in fields:
            # The rate depends on it, in every month: the residence has no date of its own.
            _entitlement_changed(beneficiary, None, "residence")
        record_event(
            EventType.BENEFICIARY_CHANGED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=beneficiary,
            old=old,
            new=new,
        )
    return beneficiary


def do_add_qualification(
    beneficiary: Beneficiary, data: QualificationData, *, acting_user: User
) -> Qualification:
    require(acting_user, Capability.WRITE_REGISTRY)
    if beneficiary.qualifications.filter(category=data.category).exists():
        raise Conflict(
            Message(gettext_noop("This person already holds this category.")),
            code="duplicate_qualification",
            fields={"category": gettext_noop("already held")},
        )
    with transaction.atomic():
        qualification = _create_qualification(beneficiary, data)
        _entitlement_changed(beneficiary, None, "qualification")
        record_event(
            EventType.QUALIFICATION_ADDED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=qualification,
            new={**qualification_columns(data), "beneficiary": beneficiary.pk},
        )
    return qualification


def reveal_id_number(beneficiary: Beneficiary, *, acting_user: User) -> str:
    """The full ID number, for a role that may see it; the reading is audited."""
    require(acting_user, Capability.REVEAL_ID_NUMBER)
    record_event(
        EventType.PERSONAL_DATA_REVEALED,
        actor=acting_user,
        region=beneficiary.region_id,
        obj=beneficiary,
        extra={"field": "id_number"},
    )
    return decrypt(beneficiary.id_number_encrypted)


# --- life events --------------------------------------------------------------------------


@dataclass(frozen=True)
class Payee:
    name: str
    id_number: IdNumber
    bank_name: str
    bank_account: str


def _payable_qualification(beneficiary: Beneficiary, qualification: Qualification | None) -> Qualification:
    if qualification is None or qualification.beneficiary_id != beneficiary.pk:
        raise InvalidInput(
            Message(gettext_noop("Choose which qualification this concerns.")),
            fields={"qualification": gettext_noop("required")},
        )
    return qualification


def do_record_life_event(
    beneficiary: Beneficiary,
    kind: str,
    effective_on: date,
    *,
    acting_user: User,
    qualification: Qualification | None = None,
    note: str = "",
    to_region: Region | None = None,
    level: int | None = None,
    reason: str = "",
    bank_name: str = "",
    bank_account: str = "",
    phone: str = "",
    payee: Payee | None = None,
) -> LifeEvent:
    """Record what happened and apply it to the person and qualifications, all at once."""
    require(acting_user, Capability.WRITE_REGISTRY)
    if effective_on > timezone.localdate():
        raise InvalidInput(
            Message(gettext_noop("A life event cannot take effect in the future.")),
            fields={"effective_on": gettext_noop("in the future")},
        )
    if beneficiary.status == PersonStatus.DECEASED and kind != LifeEventKind.CANCELLATION:
        raise Conflict(Message(gettext_noop("This person is recorded as deceased.")), code="deceased")
    details: dict[str, Any] = {}
    # The first day whose entitlement the event can change (None: any), or no change at all.
    changed: tuple[date | None] | None = None
    with transaction.atomic():
        match kind:
            case LifeEventKind.DEATH:
                if effective_on < beneficiary.birth_date:
                    raise InvalidInput(Message(gettext_noop("The date of death is before the birth date.")))
                beneficiary.status = PersonStatus.DECEASED
                beneficiary.death_date = effective_on
                beneficiary.updated_at = timezone.now()
                beneficiary.save(update_fields=["status", "death_date", "updated_at"])
                details = {"death_date": effective_on, "payee": payee.name if payee else None}
                changed = (effective_on,)
            case LifeEventKind.MOVE:
                if to_region is None:
                    raise InvalidInput(
                        Message(gettext_noop("Name the village or township moved to.")),
                        fields={"to_region": gettext_noop("required")},
                    )
                details = {"from": beneficiary.region_id, "to": to_region.code}
                # The county is the first six digits of the person's own region code.
                if to_region.code[:6] == beneficiary.region_id[:6]:
                    if acting_user.region is None or not acting_user.region.contains(to_region.code):
                        raise InvalidInput(
                            Message(
                                gettext_noop(
                                    "A move to %(region)s lies outside your region: "
                                    "the county clerk records moves between townships."
                                ),
                                {"region": to_region.name},
                            ),
                            fields={"to_region": gettext_noop("outside your region")},
                        )
                    if to_region.level not in ("township", "village"):
                        raise InvalidInput(
                            Message(gettext_noop("Name the village or township moved to.")),
                            fields={"to_region": gettext_noop("required")},
                        )
                    township = to_region if to_region.level == "township" else to_region.parent
                    assert township is not None
                    beneficiary.region = to_region
                    beneficiary.township = township
                    beneficiary.updated_at = timezone.now()
                    beneficiary.save(update_fields=["region", "township", "updated_at"])
                else:
                    # Moving out of the county transfers the file: this county stops paying.
                    details["left_county"] = True
                    changed = (effective_on,)
                    beneficiary.qualifications.exclude(status=QualificationStatus.ENDED).update(
                        status=QualificationStatus.ENDED,
                        ended_on=effective_on,
                        end_reason="moved out of the county",
                    )
            case LifeEventKind.LEVEL_CHANGE:
                qualification = _payable_qualification(beneficiary, qualification)
                if qualification.category != Category.DISABLED_VETERAN or level is None:
                    raise InvalidInput(Message(gettext_noop("Only a disabled veteran's level can change.")))
                cause = qualification.disability_cause
                refusal = level_refusal(cause, level)
                if refusal:
                    raise InvalidInput(refusal)
                details = {"old_level": qualification.disability_level, "new_level": level}
                DisabilityAssessment.objects.update_or_create(
                    qualification=qualification,
                    effective_on=effective_on,
                    defaults={"cause": cause, "level": level},
                )
                qualification.disability_level = level
                qualification.save(update_fields=["disability_level"])
                # An assessment dated before the first one also changes the months before it.
                changed = (None,)
            case LifeEventKind.SUSPENSION:
                qualification = _payable_qualification(beneficiary, qualification)
                if qualification.status != QualificationStatus.ACTIVE:
                    raise Conflict(Message(gettext_noop("Only an active qualification can be suspended.")))
                Suspension.objects.create(qualification=qualification, started_on=effective_on, reason=reason)
                qualification.status = QualificationStatus.SUSPENDED
                qualification.save(update_fields=["status"])
                details = {"reason": reason}
                changed = (effective_on,)
            case LifeEventKind.SUSPENSION_END:
                qualification = _payable_qualification(beneficiary, qualification)
                open_period = qualification.suspensions.filter(ended_on__isnull=True).first()
                if open_period is None or effective_on < open_period.started_on:
                    raise Conflict(Message(gettext_noop("This qualification is not suspended on that date.")))
                open_period.ended_on = effective_on
                open_period.save(update_fields=["ended_on"])
                qualification.status = QualificationStatus.ACTIVE
                qualification.save(update_fields=["status"])
                details = {"suspended_from": open_period.started_on}
                changed = (open_period.started_on,)
            case LifeEventKind.CANCELLATION:
                qualification = _payable_qualification(beneficiary, qualification)
                if qualification.status == QualificationStatus.ENDED:
                    raise Conflict(Message(gettext_noop("This qualification has already ended.")))
                qualification.status = QualificationStatus.ENDED
                qualification.ended_on = effective_on
                qualification.end_reason = reason
                qualification.save(update_fields=["status", "ended_on", "end_reason"])
                details = {"reason": reason}
                changed = (effective_on,)
            case LifeEventKind.BANK_CHANGE:
                details = {
                    "old": mask_account(decrypt(beneficiary.bank_account_encrypted)),
                    "new": mask_account(bank_account),
                    "bank_name": bank_name,
                }
                beneficiary.bank_name = bank_name
                beneficiary.bank_account_encrypted = encrypt(bank_account)
                beneficiary.bank_account_masked = mask_account(bank_account)
                beneficiary.updated_at = timezone.now()
                beneficiary.save(
                    update_fields=["bank_name", "bank_account_encrypted", "bank_account_masked", "updated_at"]
                )
            case LifeEventKind.PHONE_CHANGE:
                details = {"old": beneficiary.phone, "new": phone}
                beneficiary.phone = phone
                beneficiary.updated_at = timezone.now()
                beneficiary.save(update_fields=["phone", "updated_at"])
            case _:
                raise InvalidInput(
                    Message(gettext_noop("Unknown life event %(kind)s."), {"kind": kind}),
                    fields={"kind": gettext_noop("unknown")},
                )
        event = LifeEvent.objects.create(
            beneficiary=beneficiary,
            qualification=qualification,
            kind=kind,
            effective_on=effective_on,
            details=_jsonable(details),
            note=note,
            recorded_by=acting_user,
        )
        if kind == LifeEventKind.DEATH and payee is not None:
            DeathPayee.objects.create(
                life_event=event,
                name=payee.name,
                id_number_encrypted=encrypt(payee.id_number.value),
                id_number_masked=payee.id_number.masked,
                bank_name=payee.bank_name,
                bank_account_encrypted=encrypt(payee.bank_account),
                bank_account_masked=mask_account(payee.bank_account),
            )
        if changed is not None:
            _entitlement_changed(beneficiary, changed[0], str(kind))
        record_event(
            EventType.LIFE_EVENT_RECORDED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=event,
            new={"beneficiary": beneficiary.pk, "kind": kind, "effective_on": effective_on, **event.details},
        )
    return event


def _entitlement_changed(beneficiary: Beneficiary, since: date | None, reason: str) -> None:
    """Tell the apps above (the payments) that this person's entitlement may have changed
    from ``since`` on (None: in any month), in the transaction that changed it."""
    entitlement_changed.send(sender=Beneficiary, persons=[beneficiary.pk], since=since, reason=reason)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()}
