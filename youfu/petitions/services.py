"""Writes to petitions. Each runs in one transaction with its audit record.

A transition is a compare-and-set ``UPDATE … WHERE state = <the state read>``: when the
row count is not 1, someone else moved the matter first and the call is a ``Conflict``
(409) that changes nothing. Every transition also writes a ``PetitionEvent`` row.

Nothing here delays, discourages or blocks a petition: registering needs no approval and
is never rate-limited, and a matter passed down from a higher level is handled like any
other. The audit log records what changed, not what people wrote (texts stay in the
petition, which the auditor cannot read).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from youfu.accounts.models import Department, User
from youfu.accounts.roles import Capability, Role
from youfu.audit.events import EventType
from youfu.audit.services import SYSTEM_ACTOR, record_event
from youfu.core.crypto import encrypt
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.idnumber import mask_id_number
from youfu.core.messages import Message
from youfu.core.workdays import WorkCalendar
from youfu.petitions import deadlines
from youfu.petitions.codes import new_code
from youfu.petitions.models import (
    CLOSED_STATES,
    DUE_FIELDS,
    LIVE_EXTENSION_STATES,
    Attachment,
    Channel,
    Extension,
    ExtensionState,
    Petition,
    Petitioner,
    PetitionEvent,
    ReceptionDay,
    Satisfaction,
    State,
)
from youfu.petitions.selectors import (
    RECENT_DAYS,
    handling_units_for,
    leads_for,
    share_a_petitioner,
    subject_key,
)
from youfu.petitions.validation import PetitionData, invalid
from youfu.regions.models import Region, RegionLevel

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from youfu.registry.models import Beneficiary

PUBLIC_ACTOR = "public"

# Columns whose values go into the audit record (no free text: texts are personal).
_AUDITED = (
    "state",
    "region_id",
    "channel",
    "category",
    "received_on",
    "group_size",
    "accepted_on",
    "declined_on",
    "earlier_case_id",
    "forwarded_on",
    "handling_unit_id",
    "lead_id",
    "assigned_on",
    "started_on",
    "extension_days",
    "extended_on",
    "replied_on",
    "review_requested_on",
    "review_replied_on",
    "rereview_requested_on",
    "rereview_replied_on",
    "concluded_on",
    "repeat_of_id",
    "beneficiary_id",
    "reception_id",
    "satisfaction",
    *DUE_FIELDS.values(),
    "calendar_complete",
)


def _snapshot(petition: Petition, fields: Iterable[str] = _AUDITED) -> dict[str, Any]:
    return {f: getattr(petition, f) for f in fields if f in _AUDITED}


def _today() -> date:
    return timezone.localdate()


# --- permission ----------------------------------------------------------------------------


def _require_casework(actor: User) -> None:
    if not actor.can(Capability.WRITE_RECORDS):
        raise PermissionDenied()


def _require_intake(actor: User) -> None:
    """Decisions on a matter (accept, decline, forward, assign, conclude) belong to the
    petition office's clerks; a department liaison works on what is assigned to them."""
    _require_casework(actor)
    if actor.role == Role.DEPARTMENT_LIAISON:
        raise PermissionDenied()


def _require_visible(petition: Petition, actor: User) -> None:
    if not Petition.objects.visible_to(actor).filter(pk=petition.pk).exists():
        raise NotFound()


# --- dates ---------------------------------------------------------------------------------


def _check_date(value: date, field_name: str, *, not_before: date | None, before_what: Any) -> None:
    if value > _today():
        raise invalid(field_name, gettext_noop("The date %(date)s is in the future."), {"date": value})
    if not_before is not None and value < not_before:
        raise InvalidInput(
            Message(
                gettext_noop("The date %(date)s is before %(what)s (%(earlier)s)."),
                {"date": value, "what": before_what, "earlier": not_before},
            ),
            code="date_too_early",
            fields={field_name: Message(gettext_noop("before %(earlier)s"), {"earlier": not_before})},
        )


def _latest(*dates: date | None) -> date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None


# --- the transition engine -----------------------------------------------------------------

NOT_NOW = gettext_noop("This petition is %(state)s: it cannot be %(action)s now.")


@dataclass(frozen=True)
class Step:
    action: str  # "accept", "assign", …
    label: str  # for the 409 message: "accepted", "assigned", …
    event_type: EventType


def _conflict(petition: Petition, step: Step) -> Conflict:
    return Conflict(
        Message(NOT_NOW, {"state": State(petition.state).label, "action": Message(step.label)}),
        code="invalid_transition",
    )


def _transition(
    petition: Petition,
    step: Step,
    *,
    acting_user: User | None,
    allowed_from: Iterable[str],
    to_state: str | None,
    changes: dict[str, Any],
    on: date | None,
    note: str = "",
    calendar: WorkCalendar | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Petition:
    """Move ``petition`` from its current state (one of ``allowed_from``) to ``to_state``
    (``None``: stay) with ``changes``, recomputing deadlines. Call inside ``atomic``."""
    if petition.state not in set(allowed_from):
        raise _conflict(petition, step)
    from_state = petition.state
    target = to_state or from_state
    draft = copy.copy(petition)
    for name, value in changes.items():
        setattr(draft, name, value)
    changes = {**changes, **deadlines.compute(draft, calendar)}
    updated = Petition.objects.filter(pk=petition.pk, state=from_state).update(state=target, **changes)
    if updated != 1:
        # Someone moved the matter since we read it.
        petition.refresh_from_db()
        raise _conflict(petition, step)
    before = _snapshot(petition)
    for name, value in changes.items():
        setattr(petition, name, value)
    petition.state = target
    after = _snapshot(petition)
    old = {k: v for k, v in before.items() if after.get(k) != v}
    new = {k: after[k] for k in old}
    PetitionEvent.objects.create(
        petition=petition,
        on=on,
        actor=acting_user,
        actor_name=acting_user.username
        if acting_user
        else (SYSTEM_ACTOR if step is RECOMPUTE else PUBLIC_ACTOR),
        action=step.action,
        from_state=from_state,
        to_state=target,
        note=note,
    )
    record_event(
        step.event_type,
        actor=acting_user,
        region=petition.region_id,
        obj=petition,
        old=old,
        new=new,
        extra=audit_extra,
    )
    return petition


# --- intake --------------------------------------------------------------------------------


def public_intake_region() -> Region:
    """Where online submissions from the public are registered: the bureau's county
    (``YOUFU_PETITION_PUBLIC_REGION``, else the first county)."""
    from django.conf import settings

    code = getattr(settings, "YOUFU_PETITION_PUBLIC_REGION", "")
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        region = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    if region is None:
        region = Region.objects.order_by("code").first()
    if region is None:
        raise InvalidInput(Message(gettext_noop("The system has no regions yet.")), code="no_region")
    return region


def _new_receipt_code() -> str:
    for _ in range(5):
        code = new_code()
        if not Petition.objects.filter(receipt_code=code).exists():
            return code
    raise RuntimeError("no free receipt code after 5 draws")  # 60 random bits: never happens


def _create_petitioners(petition: Petition, data: PetitionData) -> None:
    from youfu.registry.services import id_number_index

    Petitioner.objects.bulk_create(
        [
            Petitioner(
                petition=petition,
                position=i,
                name=p.name,
                phone=p.phone,
                phone_tail=p.phone[-4:],
                id_number_encrypted=encrypt(p.id_number),
                id_number_index=id_number_index(p.id_number) if p.id_number else "",
                id_number_masked=mask_id_number(p.id_number) if p.id_number else "",
                is_representative=p.is_representative,
            )
            for i, p in enumerate(data.petitioners)
        ]
    )


def _check_region(actor: User, region: Region) -> None:
    if actor.region is None or not actor.region.contains(region.code):
        raise invalid("region", gettext_noop("Unknown region code %(code)s."), {"code": region.code})


def _check_reception_for_intake(day: ReceptionDay, actor: User) -> None:
    cancelled = list(
        ReceptionDay.objects.visible_to(actor).filter(pk=day.pk).values_list("cancelled_at", flat=True)
    )
    if not cancelled:
        raise invalid("reception", gettext_noop("Unknown reception day."))
    if cancelled[0] is not None:
        raise invalid(
            "reception",
            gettext_noop("This reception day was cancelled: choose another one, or none."),
            code="reception_day_cancelled",
        )


def do_register_petition(
    data: PetitionData,
    *,
    acting_user: User | None,
    repeat_of: Petition | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Petition:
    """Register a petition and give it a receipt code. ``acting_user=None`` is the public
    online form. No approval is needed and nothing limits how often one may petition."""
    if acting_user is not None:
        _require_casework(acting_user)
        _check_region(acting_user, data.region)
        _check_date(data.received_on, "received_on", not_before=None, before_what="")
        if data.reception is not None:
            _check_reception_for_intake(data.reception, acting_user)
    elif data.channel != Channel.ONLINE:
        raise PermissionDenied()
    if data.group_size < len(data.petitioners):
        raise invalid("group_size", gettext_noop("The group is smaller than the petitioners named."))
    checked = [check_upload(f, f"attachments.{i}") for i, f in enumerate(attachments)]
    if len(checked) > MAX_PUBLIC_ATTACHMENTS:
        raise invalid(
            "attachments",
            gettext_noop("At most %(n)d attachments."),
            {"n": MAX_PUBLIC_ATTACHMENTS},
            code="too_many_attachments",
        )
    stored: list[str] = []
    try:
        with transaction.atomic():
            petition = Petition(
                region=data.region,
                receipt_code=_new_receipt_code(),
                channel=data.channel,
                category=data.category,
                received_on=data.received_on,
                subject=data.subject,
                subject_key=subject_key(data.subject),
                content=data.content,
                referred_by=data.referred_by,
                group_size=data.group_size,
                beneficiary=data.beneficiary,
                reception=data.reception,
                state=State.REGISTERED,
                created_by=acting_user,
            )
            for name, value in deadlines.compute(petition).items():
                setattr(petition, name, value)
            petition.save()
            _create_petitioners(petition, data)
            for upload, (content_type, digest, content) in zip(attachments, checked, strict=True):
                attachment = _store_attachment(petition, upload, content_type, digest, content, acting_user)
                stored.append(attachment.file.name)
            PetitionEvent.objects.create(
                petition=petition,
                on=data.received_on,
                actor=acting_user,
                actor_name=acting_user.username if acting_user else PUBLIC_ACTOR,
                action="register",
                from_state="",
                to_state=State.REGISTERED,
                note=data.referred_by,
            )
            record_event(
                EventType.PETITION_REGISTERED,
                actor=acting_user,
                region=petition.region_id,
                obj=petition,
                new=_snapshot(petition),
                extra={
                    "petitioners": len(data.petitioners),
                    "attachments": len(checked),
                    "source": "staff" if acting_user else PUBLIC_ACTOR,
                },
            )
            if repeat_of is not None:
                assert acting_user is not None
                do_link_repeat(petition, original=repeat_of, acting_user=acting_user)
    except BaseException:
        _delete_files(stored)
        raise
    return petition


# --- attachments ---------------------------------------------------------------------------

MAX_PUBLIC_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
_EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
}


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def check_upload(upload: UploadedFile, field_name: str = "file") -> tuple[str, str, bytes]:
    """(content type, sha256, bytes) of an acceptable file: a JPEG, PNG or PDF by its first
    bytes (not only its name), at most 10 MB."""
    name = upload.name or ""
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise invalid(
            field_name,
            gettext_noop("%(name)s is larger than 10 MB."),
            {"name": name},
            code="attachment_too_large",
        )
    upload.seek(0)
    content = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise invalid(
            field_name,
            gettext_noop("%(name)s is larger than 10 MB."),
            {"name": name},
            code="attachment_too_large",
        )
    content_type = sniff_content_type(content[:16])
    if content_type is None or not name.lower().endswith(_EXTENSIONS[content_type]):
        raise invalid(
            field_name,
            gettext_noop("%(name)s is not a JPEG or PNG image or a PDF file."),
            {"name": name},
            code="attachment_type",
        )
    return content_type, hashlib.sha256(content).hexdigest(), content


def _store_attachment(
    petition: Petition,
    upload: UploadedFile,
    content_type: str,
    digest: str,
    content: bytes,
    acting_user: User | None,
) -> Attachment:
    attachment = Attachment(
        petition=petition,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=acting_user,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment


def _delete_files(names: Iterable[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def do_add_attachment(petition: Petition, upload: UploadedFile, *, acting_user: User) -> Attachment:
    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    content_type, digest, content = check_upload(upload)
    stored: list[str] = []
    try:
        with transaction.atomic():
            attachment = _store_attachment(petition, upload, content_type, digest, content, acting_user)
            stored.append(attachment.file.name)
            record_event(
                EventType.PETITION_ATTACHMENT_ADDED,
                actor=acting_user,
                region=petition.region_id,
                obj=petition,
                new={"attachment": attachment.pk, "content_type": content_type, "size": attachment.size},
            )
    except BaseException:
        _delete_files(stored)
        raise
    return attachment


# --- decisions on a new matter -------------------------------------------------------------

ACCEPT = Step("accept", gettext_noop("accepted"), EventType.PETITION_ACCEPTED)
DECLINE = Step("decline", gettext_noop("declined"), EventType.PETITION_DECLINED)
FORWARD = Step("forward", gettext_noop("forwarded"), EventType.PETITION_FORWARDED)
ASSIGN = Step("assign", gettext_noop("assigned"), EventType.PETITION_ASSIGNED)
START = Step("start", gettext_noop("started"), EventType.PETITION_STARTED)
EXTEND = Step("extend", gettext_noop("extended"), EventType.PETITION_EXTENDED)
EXTENSION_REQUEST = Step(
    "extension_request", gettext_noop("sent for an extension"), EventType.PETITION_EXTENSION_REQUESTED
)
EXTENSION_REFUSE = Step(
    "extension_refuse", gettext_noop("refused an extension"), EventType.PETITION_EXTENSION_REFUSED
)
REPLY = Step("reply", gettext_noop("replied"), EventType.PETITION_REPLIED)
REVIEW_REQUEST = Step("review_request", gettext_noop("sent for review"), EventType.PETITION_REVIEW_REQUESTED)
REVIEW_REPLY = Step("review_reply", gettext_noop("answered on review"), EventType.PETITION_REVIEW_REPLIED)
REREVIEW_REQUEST = Step(
    "rereview_request", gettext_noop("sent for re-review"), EventType.PETITION_REREVIEW_REQUESTED
)
REREVIEW_REPLY = Step(
    "rereview_reply", gettext_noop("answered on re-review"), EventType.PETITION_REREVIEW_REPLIED
)
CONCLUDE = Step("conclude", gettext_noop("concluded"), EventType.PETITION_CONCLUDED)
LINK_REPEAT = Step("link_repeat", gettext_noop("linked as a repeat"), EventType.PETITION_LINKED_AS_REPEAT)
RATE = Step("rate", gettext_noop("rated"), EventType.PETITION_RATED)
RECOMPUTE = Step("recompute", gettext_noop("recomputed"), EventType.PETITION_DEADLINES_RECOMPUTED)
LINK_PERSON = Step("link_person", gettext_noop("linked"), EventType.PETITION_PERSON_LINKED)
ROUTE = Step("route", gettext_noop("routed"), EventType.PETITION_ROUTED)


def resolve_handling_unit(petition: Petition, unit: Department | int | str | None) -> Department:
    """A department that may handle this matter, by object, id or exact name."""
    units = handling_units_for(petition.region)
    found: Department | None = None
    if isinstance(unit, Department):
        found = units.filter(pk=unit.pk).first()
    elif isinstance(unit, int) or (isinstance(unit, str) and unit.strip().isdigit()):
        found = units.filter(pk=int(unit)).first()
    elif isinstance(unit, str) and unit.strip():
        found = units.filter(name=unit.strip()).first()
    if found is None:
        raise invalid(
            "handling_unit",
            gettext_noop("Unknown handling unit %(unit)s."),
            {"unit": str(unit) if unit is not None else ""},
            code="unknown_handling_unit",
        )
    return found


def resolve_lead(petition: Petition, lead: User | str | None) -> User:
    username = lead.username if isinstance(lead, User) else str(lead or "").strip()
    found = leads_for(petition.region).filter(username=username).first() if username else None
    if found is None:
        raise invalid(
            "lead",
            gettext_noop("Unknown lead %(username)s."),
            {"username": username},
            code="unknown_lead",
        )
    return found


def do_accept_petition(
    petition: Petition,
    *,
    accepted_on: date,
    acting_user: User,
    handling_unit: Department | int | str | None = None,
    lead: User | str | None = None,
    note: str = "",
) -> Petition:
    """Accept (受理). With a handling unit and a lead the matter is assigned at once."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.REGISTERED:
        raise _conflict(petition, ACCEPT)
    _check_date(accepted_on, "accepted_on", not_before=petition.received_on, before_what=_lazy("receipt"))
    unit = user = None
    if handling_unit not in (None, "") or lead not in (None, ""):
        if handling_unit in (None, "") or lead in (None, ""):
            missing = "lead" if handling_unit not in (None, "") else "handling_unit"
            raise invalid(missing, gettext_noop("Name both a handling unit and a lead, or neither."))
        unit = resolve_handling_unit(petition, handling_unit)
        user = resolve_lead(petition, lead)
    with transaction.atomic():
        _transition(
            petition,
            ACCEPT,
            acting_user=acting_user,
            allowed_from={State.REGISTERED},
            to_state=State.ACCEPTED,
            changes={"accepted_on": accepted_on},
            on=accepted_on,
            note=note,
        )
        if unit is not None and user is not None:
            _assign(petition, unit, user, assigned_on=accepted_on, acting_user=acting_user, note="")
    return petition


def do_decline_petition(
    petition: Petition,
    *,
    declined_on: date,
    reason: str,
    notice_text: str,
    acting_user: User,
    earlier_case: Petition | None = None,
) -> Petition:
    """Not accepted (不予受理), with the reason and the notice sent to the petitioner. With
    ``earlier_case``: the same facts were concluded after re-review (Art. 36)."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.REGISTERED:
        raise _conflict(petition, DECLINE)
    _check_date(declined_on, "declined_on", not_before=petition.received_on, before_what=_lazy("receipt"))
    if earlier_case is not None and (
        earlier_case.pk == petition.pk or earlier_case.rereview_replied_on is None
    ):
        raise invalid(
            "earlier_case",
            gettext_noop("The earlier case was not concluded after a re-review."),
            code="not_after_rereview",
        )
    with transaction.atomic():
        return _transition(
            petition,
            DECLINE,
            acting_user=acting_user,
            allowed_from={State.REGISTERED},
            to_state=State.DECLINED,
            changes={
                "declined_on": declined_on,
                "decline_reason": reason,
                "decline_notice": notice_text,
                "earlier_case": earlier_case,
            },
            on=declined_on,
            note=reason,
        )


def do_forward_petition(
    petition: Petition, *, forwarded_on: date, forwarded_to: str, acting_user: User, note: str = ""
) -> Petition:
    """Forwarded (转送) to the agency competent for the matter."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.REGISTERED:
        raise _conflict(petition, FORWARD)
    _check_date(forwarded_on, "forwarded_on", not_before=petition.received_on, before_what=_lazy("receipt"))
    with transaction.atomic():
        return _transition(
            petition,
            FORWARD,
            acting_user=acting_user,
            allowed_from={State.REGISTERED},
            to_state=State.FORWARDED,
            changes={"forwarded_on": forwarded_on, "forwarded_to": forwarded_to},
            on=forwarded_on,
            note=note,
        )


REASSIGNABLE = frozenset({State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED})


def _assign(
    petition: Petition, unit: Department, lead: User, *, assigned_on: date, acting_user: User, note: str
) -> Petition:
    # A first assignment moves the matter to "assigned"; a reassignment keeps its stage.
    to_state = State.ASSIGNED if petition.state in (State.ACCEPTED, State.ASSIGNED) else None
    return _transition(
        petition,
        ASSIGN,
        acting_user=acting_user,
        allowed_from=REASSIGNABLE,
        to_state=to_state,
        changes={"handling_unit": unit, "lead": lead, "assigned_on": assigned_on},
        on=assigned_on,
        note=note,
        audit_extra={"reassignment": petition.handling_unit_id is not None},
    )


def do_assign_petition(
    petition: Petition,
    *,
    handling_unit: Department | int | str | None,
    lead: User | str | None,
    acting_user: User,
    assigned_on: date | None = None,
    note: str = "",
) -> Petition:
    """Assign (交办) to a handling unit and a named lead; again to reassign (recorded)."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if petition.state not in REASSIGNABLE:
        raise _conflict(petition, ASSIGN)
    assigned_on = assigned_on or _today()
    _check_date(assigned_on, "assigned_on", not_before=petition.accepted_on, before_what=_lazy("acceptance"))
    unit = resolve_handling_unit(petition, handling_unit)
    user = resolve_lead(petition, lead)
    with transaction.atomic():
        return _assign(petition, unit, user, assigned_on=assigned_on, acting_user=acting_user, note=note)


# --- handling ------------------------------------------------------------------------------


def do_start_petition(
    petition: Petition, *, acting_user: User, started_on: date | None = None, note: str = ""
) -> Petition:
    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.ASSIGNED:
        raise _conflict(petition, START)
    started_on = started_on or _today()
    _check_date(started_on, "started_on", not_before=petition.assigned_on, before_what=_lazy("assignment"))
    with transaction.atomic():
        return _transition(
            petition,
            START,
            acting_user=acting_user,
            allowed_from={State.ASSIGNED},
            to_state=State.IN_PROGRESS,
            changes={"started_on": started_on},
            on=started_on,
            note=note,
        )


# --- extensions (Art. 34: 经本机关负责人批准) ---------------------------------------------------

EXTENDABLE = frozenset({State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS})


class ExtensionAction(StrEnum):
    REQUEST = "request"  # a clerk asks
    GRANT = "grant"  # a leader extends: the head of the organ's approval itself
    APPROVE = "approve"
    REFUSE = "refuse"


@dataclass(frozen=True)
class ExtensionTransition:
    to_state: str
    capability: Capability  # who may take it
    step: Step  # the timeline row and the audit event


# The extension's one transition table: (its state, action) → next state and who may take it.
# ``None`` is "no extension in play": none asked yet, or the last request was refused (a
# refusal does not use up the one extension). The services, the pages' actions and the API
# all read it.
EXTENSION_TRANSITIONS: dict[tuple[str | None, str], ExtensionTransition] = {
    (None, ExtensionAction.REQUEST): ExtensionTransition(
        ExtensionState.PENDING, Capability.WRITE_RECORDS, EXTENSION_REQUEST
    ),
    (None, ExtensionAction.GRANT): ExtensionTransition(ExtensionState.APPROVED, Capability.APPROVE, EXTEND),
    (ExtensionState.PENDING, ExtensionAction.APPROVE): ExtensionTransition(
        ExtensionState.APPROVED, Capability.APPROVE, EXTEND
    ),
    (ExtensionState.PENDING, ExtensionAction.REFUSE): ExtensionTransition(
        ExtensionState.REFUSED, Capability.APPROVE, EXTENSION_REFUSE
    ),
}


def live_extension(petition: Petition) -> Extension | None:
    """The request waiting or approved (at most one), or None."""
    return (
        Extension.objects.filter(petition_id=petition.pk, state__in=LIVE_EXTENSION_STATES)
        .select_related("requested_by", "decided_by")
        .first()
    )


def extension_actions(petition: Petition, user: User) -> list[str]:
    """What ``user`` may do with the petition's extension now, from the transition table."""
    _live, state = _extension_state(petition)
    if state is None and petition.state not in EXTENDABLE:
        return []
    return [
        action
        for (from_state, action), t in EXTENSION_TRANSITIONS.items()
        if from_state == state and user.can(t.capability)
    ]


EXTENSION_PENDING = gettext_noop("An extension request is already waiting for a leader's decision.")


def _extension_state(petition: Petition) -> tuple[Extension | None, str | None]:
    live = live_extension(petition)
    if live is not None:
        return live, live.state
    # Extended before approvals were recorded, had the migration not seen it: still the one.
    return None, ExtensionState.APPROVED if petition.extension_days is not None else None


def _require_extension_role(action: str, actor: User) -> None:
    """403 for a user the action is not for, whatever the extension's state (the table says who)."""
    capabilities = {t.capability for (_s, a), t in EXTENSION_TRANSITIONS.items() if a == action}
    if not any(actor.can(c) for c in capabilities):
        raise PermissionDenied()


def _extension_transition(state: str | None, action: str, actor: User) -> ExtensionTransition:
    """The table's row for ``action`` from ``state``: 403 for a user the action is not for,
    409 when the extension is not in a state that allows it."""
    _require_extension_role(action, actor)
    transition = EXTENSION_TRANSITIONS.get((state, action))
    if transition is not None:
        return transition
    if action in (ExtensionAction.REQUEST, ExtensionAction.GRANT):
        if state == ExtensionState.PENDING:
            raise Conflict(Message(EXTENSION_PENDING), code="extension_pending")
        raise Conflict(
            Message(gettext_noop("The deadline was already extended once; it cannot be extended again.")),
            code="already_extended",
        )
    raise Conflict(
        Message(gettext_noop("No extension request is waiting for a decision.")),
        code="no_pending_extension",
    )


DEADLINE_PASSED = gettext_noop("The conclusion deadline (%(due)s) has passed; it can no longer be extended.")


def _check_still_in_time(petition: Petition, *, deciding: bool) -> None:
    # The extension must be in force before the period ends: an overdue matter stays overdue.
    if petition.handle_due is None or _today() <= petition.handle_due:
        return
    message = Message(DEADLINE_PASSED, {"due": petition.handle_due})
    if deciding:
        raise Conflict(message, code="deadline_passed")
    raise InvalidInput(message, code="deadline_passed", fields={"days": message})


def _decide_extension(extension: Extension, from_state: str, changes: dict[str, Any]) -> None:
    """Compare-and-set on the request: only the decision that finds it still waiting wins."""
    updated = Extension.objects.filter(pk=extension.pk, state=from_state).update(**changes)
    if updated != 1:
        raise Conflict(
            Message(gettext_noop("The extension request was decided meanwhile; please reload.")),
            code="extension_decided",
        )
    for name, value in changes.items():
        setattr(extension, name, value)


def _apply_extension(
    petition: Petition, extension: Extension, *, from_state: str | None, acting_user: User
) -> None:
    """The approved extension lengthens the period (60 + n days from acceptance)."""
    today = _today()
    _transition(
        petition,
        EXTEND,
        acting_user=acting_user,
        allowed_from=EXTENDABLE,
        to_state=State.EXTENDED,
        changes={
            "extension_days": extension.days,
            "extension_reason": extension.reason,
            "extended_on": today,
        },
        on=today,
        note=extension.reason,
        audit_extra={
            "extension": extension.pk,
            "requested_by": extension.requested_by_id,
            "extension_state": [from_state, ExtensionState.APPROVED],
        },
    )


def do_request_extension(petition: Petition, *, days: int, reason: str, acting_user: User) -> Extension:
    """Ask to extend the conclusion period once, by at most 30 days, with a reason the
    petitioner is told. A clerk's request waits for a leader; a leader's own request is the
    head of the organ's approval and applies at once. The bounds and the one-extension
    rule are checked now, when the request is made."""
    action = ExtensionAction.GRANT if acting_user.can(Capability.APPROVE) else ExtensionAction.REQUEST
    _require_extension_role(action, acting_user)
    _require_visible(petition, acting_user)
    _live, state = _extension_state(petition)
    transition = _extension_transition(state, action, acting_user)
    if petition.state not in EXTENDABLE:
        raise _conflict(petition, transition.step)
    if not 1 <= days <= deadlines.MAX_EXTENSION_DAYS:
        raise invalid(
            "days",
            gettext_noop("An extension is 1 to %(n)d days."),
            {"n": deadlines.MAX_EXTENSION_DAYS},
            code="extension_too_long",
        )
    if not reason.strip():
        raise invalid("reason", gettext_noop("Give the reason; the petitioner is told it."))
    _check_still_in_time(petition, deciding=False)
    today = _today()
    granted = transition.to_state == ExtensionState.APPROVED
    with transaction.atomic():
        try:
            with transaction.atomic():
                extension = Extension.objects.create(
                    petition=petition,
                    state=transition.to_state,
                    days=days,
                    reason=reason.strip(),
                    requested_on=today,
                    requested_by=acting_user,
                    decided_on=today if granted else None,
                    decided_by=acting_user if granted else None,
                )
        except IntegrityError:
            # Another request was made at the same moment: the unique constraint kept one.
            raise Conflict(Message(EXTENSION_PENDING), code="extension_pending") from None
        if granted:
            _apply_extension(petition, extension, from_state=None, acting_user=acting_user)
        else:
            _transition(
                petition,
                EXTENSION_REQUEST,
                acting_user=acting_user,
                allowed_from=EXTENDABLE,
                to_state=None,
                changes={},
                on=today,
                note=_extension_note(extension),
                audit_extra={"extension": extension.pk, "days": days, "extension_state": [None, "pending"]},
            )
    return extension


def _extension_note(extension: Extension) -> str:
    return f"+{extension.days}: {extension.reason}"


def _pending_extension(
    petition: Petition, action: str, acting_user: User
) -> tuple[Extension, ExtensionTransition]:
    _require_extension_role(action, acting_user)
    _require_visible(petition, acting_user)
    live, state = _extension_state(petition)
    transition = _extension_transition(state, action, acting_user)
    assert live is not None  # only a waiting request has a decision in the table
    return live, transition


def do_approve_extension(petition: Petition, *, acting_user: User) -> Extension:
    """A leader approves the waiting request: the conclusion period grows by its days."""
    extension, transition = _pending_extension(petition, ExtensionAction.APPROVE, acting_user)
    if petition.state not in EXTENDABLE:
        raise _conflict(petition, transition.step)
    _check_still_in_time(petition, deciding=True)
    with transaction.atomic():
        _decide_extension(
            extension,
            ExtensionState.PENDING,
            {"state": transition.to_state, "decided_by": acting_user, "decided_on": _today()},
        )
        _apply_extension(petition, extension, from_state=ExtensionState.PENDING, acting_user=acting_user)
    return extension


def do_refuse_extension(petition: Petition, *, reason: str, acting_user: User) -> Extension:
    """A leader refuses the waiting request; the deadline stays, and the one extension is not
    used up: a new request may follow."""
    extension, transition = _pending_extension(petition, ExtensionAction.REFUSE, acting_user)
    if not reason.strip():
        raise invalid("reason", gettext_noop("Give the reason for the refusal."))
    today = _today()
    with transaction.atomic():
        _decide_extension(
            extension,
            ExtensionState.PENDING,
            {
                "state": transition.to_state,
                "decided_by": acting_user,
                "decided_on": today,
                "refusal_reason": reason.strip(),
            },
        )
        _transition(
            petition,
            transition.step,
            acting_user=acting_user,
            allowed_from={petition.state},
            to_state=None,
            changes={},
            on=today,
            note=reason.strip(),
            audit_extra={"extension": extension.pk, "extension_state": ["pending", "refused"]},
        )
    return extension


def do_extend_petition(petition: Petition, *, days: int, reason: str, acting_user: User) -> Petition:
    """``do_request_extension`` for callers that want the petition back (a leader's call
    extends at once; a clerk's waits for approval)."""
    do_request_extension(petition, days=days, reason=reason, acting_user=acting_user)
    return petition


def do_reply_petition(petition: Petition, *, replied_on: date, text: str, acting_user: User) -> Petition:
    """The written reply (答复意见书)."""
    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    if petition.state not in (State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED):
        raise _conflict(petition, REPLY)
    _check_date(
        replied_on,
        "replied_on",
        not_before=_latest(petition.accepted_on, petition.assigned_on, petition.started_on),
        before_what=_lazy("the previous step"),
    )
    if not text.strip():
        raise invalid("text", gettext_noop("The reply text is required."))
    with transaction.atomic():
        return _transition(
            petition,
            REPLY,
            acting_user=acting_user,
            allowed_from={State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED},
            to_state=State.REPLIED,
            changes={
                "replied_on": replied_on,
                "reply_text": text.strip(),
                "days_to_reply": (replied_on - petition.received_on).days,
            },
            on=replied_on,
        )


def do_request_review(
    petition: Petition, *, requested_on: date, acting_user: User, note: str = ""
) -> Petition:
    """The petitioner asks for a review (复查, Art. 35). A request after the window is
    recorded too (and marked): the reviewing body decides on it, not this system."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    allowed = {State.REPLIED}
    if petition.review_requested_on is None:
        allowed.add(State.CONCLUDED)
    if petition.state not in allowed or petition.replied_on is None:
        raise _conflict(petition, REVIEW_REQUEST)
    _check_date(requested_on, "requested_on", not_before=petition.replied_on, before_what=_lazy("the reply"))
    late = petition.review_request_due is not None and requested_on > petition.review_request_due
    with transaction.atomic():
        return _transition(
            petition,
            REVIEW_REQUEST,
            acting_user=acting_user,
            allowed_from=allowed,
            to_state=State.REVIEW_REQUESTED,
            changes={"review_requested_on": requested_on, "concluded_on": None},
            on=requested_on,
            note=note,
            audit_extra={"after_window": late},
        )


def do_reply_review(petition: Petition, *, replied_on: date, text: str, acting_user: User) -> Petition:
    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.REVIEW_REQUESTED:
        raise _conflict(petition, REVIEW_REPLY)
    _check_date(
        replied_on,
        "replied_on",
        not_before=petition.review_requested_on,
        before_what=_lazy("the review request"),
    )
    if not text.strip():
        raise invalid("text", gettext_noop("The reply text is required."))
    with transaction.atomic():
        return _transition(
            petition,
            REVIEW_REPLY,
            acting_user=acting_user,
            allowed_from={State.REVIEW_REQUESTED},
            to_state=State.REVIEW_REPLIED,
            changes={"review_replied_on": replied_on, "review_reply_text": text.strip()},
            on=replied_on,
        )


def do_request_rereview(
    petition: Petition, *, requested_on: date, acting_user: User, note: str = ""
) -> Petition:
    """The petitioner asks for a re-review (复核, Art. 36)."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    allowed = {State.REVIEW_REPLIED}
    if petition.rereview_requested_on is None and petition.review_replied_on is not None:
        allowed.add(State.CONCLUDED)
    if petition.state not in allowed or petition.review_replied_on is None:
        raise _conflict(petition, REREVIEW_REQUEST)
    _check_date(
        requested_on,
        "requested_on",
        not_before=petition.review_replied_on,
        before_what=_lazy("the review reply"),
    )
    late = petition.rereview_request_due is not None and requested_on > petition.rereview_request_due
    with transaction.atomic():
        return _transition(
            petition,
            REREVIEW_REQUEST,
            acting_user=acting_user,
            allowed_from=allowed,
            to_state=State.REREVIEW_REQUESTED,
            changes={"rereview_requested_on": requested_on, "concluded_on": None},
            on=requested_on,
            note=note,
            audit_extra={"after_window": late},
        )


def do_reply_rereview(petition: Petition, *, replied_on: date, text: str, acting_user: User) -> Petition:
    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.REREVIEW_REQUESTED:
        raise _conflict(petition, REREVIEW_REPLY)
    _check_date(
        replied_on,
        "replied_on",
        not_before=petition.rereview_requested_on,
        before_what=_lazy("the re-review request"),
    )
    if not text.strip():
        raise invalid("text", gettext_noop("The reply text is required."))
    with transaction.atomic():
        return _transition(
            petition,
            REREVIEW_REPLY,
            acting_user=acting_user,
            allowed_from={State.REREVIEW_REQUESTED},
            to_state=State.REREVIEW_REPLIED,
            changes={"rereview_replied_on": replied_on, "rereview_reply_text": text.strip()},
            on=replied_on,
        )


CONCLUDABLE = frozenset({State.REPLIED, State.REVIEW_REPLIED, State.REREVIEW_REPLIED})


def do_conclude_petition(
    petition: Petition, *, acting_user: User, concluded_on: date | None = None, note: str = ""
) -> Petition:
    """Close the file (办结) after a reply."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if petition.state not in CONCLUDABLE:
        raise _conflict(petition, CONCLUDE)
    concluded_on = concluded_on or _today()
    _check_date(
        concluded_on,
        "concluded_on",
        not_before=_latest(petition.replied_on, petition.review_replied_on, petition.rereview_replied_on),
        before_what=_lazy("the last reply"),
    )
    with transaction.atomic():
        return _transition(
            petition,
            CONCLUDE,
            acting_user=acting_user,
            allowed_from=CONCLUDABLE,
            to_state=State.CONCLUDED,
            changes={"concluded_on": concluded_on},
            on=concluded_on,
            note=note,
        )


# --- repeats and links ---------------------------------------------------------------------


def do_link_repeat(petition: Petition, *, original: Petition, acting_user: User) -> Petition:
    """Record a new petition as a repeat of an open or recent (≤ 1 year) matter by the same
    petitioner: it is handled in the original case rather than opened anew."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if original.repeat_of_id is not None:
        original = original.repeat_of  # type: ignore[assignment]
    _require_visible(original, acting_user)
    if petition.state != State.REGISTERED:
        raise _conflict(petition, LINK_REPEAT)
    if original.pk == petition.pk:
        raise invalid("original", gettext_noop("A petition cannot repeat itself."))
    if not share_a_petitioner(petition, original):
        # A repeat is handled in the original case and the petitioner then sees that case's
        # progress: linking another person's matter would show them someone else's case.
        raise invalid(
            "original",
            gettext_noop(
                "The earlier matter was raised by someone else (no petitioner with the same ID "
                "number or phone): it cannot be linked as a repeat."
            ),
            code="not_the_same_petitioner",
        )
    recent = (petition.received_on - original.received_on).days <= RECENT_DAYS
    if original.state in CLOSED_STATES and not recent:
        raise invalid(
            "original",
            gettext_noop("The earlier matter is closed and more than a year old: register a new case."),
            code="original_not_open",
        )
    if original.state == State.CONCLUDED and original.rereview_replied_on is not None:
        raise invalid(
            "original",
            gettext_noop(
                "The earlier matter was concluded after re-review: decline this one with a "
                "reference to it (Art. 36)."
            ),
            code="concluded_after_rereview",
        )
    with transaction.atomic():
        _transition(
            petition,
            LINK_REPEAT,
            acting_user=acting_user,
            allowed_from={State.REGISTERED},
            to_state=State.REPEAT,
            changes={"repeat_of": original},
            on=_today(),
            audit_extra={"original": original.pk},
        )
        PetitionEvent.objects.create(
            petition=original,
            on=petition.received_on,
            actor=acting_user,
            actor_name=acting_user.username,
            action="repeat_received",
            from_state=original.state,
            to_state=original.state,
            note=petition.receipt_code,
        )
    return petition


def do_link_beneficiary(
    petition: Petition, *, beneficiary: Beneficiary | None, acting_user: User
) -> Petition:
    """Link the matter to the registered person it concerns (or unlink with ``None``)."""
    from youfu.registry.models import Beneficiary

    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    if (
        beneficiary is not None
        and not Beneficiary.objects.visible_to(acting_user).filter(pk=beneficiary.pk).exists()
    ):
        raise invalid("beneficiary", gettext_noop("Unknown person."), code="unknown_beneficiary")
    if petition.beneficiary_id == (beneficiary.pk if beneficiary else None):
        return petition
    with transaction.atomic():
        return _transition(
            petition,
            LINK_PERSON,
            acting_user=acting_user,
            allowed_from=set(State),
            to_state=None,
            changes={"beneficiary": beneficiary},
            on=None,
        )


def do_route_petition(petition: Petition, *, region: Region, acting_user: User, note: str = "") -> Petition:
    """Give a new matter to the township (乡镇/街道) it concerns, e.g. one submitted online,
    which arrives at the county: that township's clerks then see it."""
    _require_intake(acting_user)
    _require_visible(petition, acting_user)
    if petition.state != State.REGISTERED:
        raise _conflict(petition, ROUTE)
    _check_region(acting_user, region)
    if region.level != RegionLevel.TOWNSHIP:
        raise invalid(
            "region",
            gettext_noop("Choose a township (乡镇/街道): %(code)s is not one."),
            {"code": region.code},
            code="not_a_township",
        )
    if region.pk == petition.region_id:
        return petition
    with transaction.atomic():
        return _transition(
            petition,
            ROUTE,
            acting_user=acting_user,
            allowed_from={State.REGISTERED},
            to_state=None,
            changes={"region": region},
            on=_today(),
            note=note or region.name,
        )


RATEABLE = frozenset({State.REPLIED, State.REVIEW_REPLIED, State.REREVIEW_REPLIED, State.CONCLUDED})


def do_rate_petition(petition: Petition, *, rating: str, comment: str, acting_user: User | None) -> Petition:
    """The petitioner's satisfaction with the reply (满意 / 基本满意 / 不满意); from the
    public lookup (``acting_user=None``) or recorded by a clerk who asked by phone."""
    if acting_user is not None:
        _require_casework(acting_user)
        _require_visible(petition, acting_user)
    if petition.state not in RATEABLE:
        raise _conflict(petition, RATE)
    if rating not in Satisfaction.values:
        raise invalid(
            "rating",
            gettext_noop("Choose one of %(choices)s."),
            {"choices": ", ".join(Satisfaction.values)},
        )
    with transaction.atomic():
        return _transition(
            petition,
            RATE,
            acting_user=acting_user,
            allowed_from=RATEABLE,
            to_state=None,
            changes={
                "satisfaction": rating,
                "satisfaction_comment": comment.strip()[:2000],
                "rated_at": timezone.now(),
            },
            on=_today(),
            note=rating,
        )


# --- the calendar changed ------------------------------------------------------------------


def recompute_deadlines(*, acting_user: User | None, since: date) -> int:
    """Recompute the stored deadlines of every petition that may depend on calendar days
    from ``since`` on (any deadline on or after it), auditing each change. Run in the
    calendar import's transaction."""
    calendar = WorkCalendar()
    touches = Q()
    for name in DUE_FIELDS.values():
        touches |= Q(**{f"{name}__gte": since})
    changed = 0
    for petition in Petition.objects.filter(touches).order_by("pk").iterator(chunk_size=500):
        values = deadlines.compute(petition, calendar)
        if all(getattr(petition, k) == v for k, v in values.items()):
            continue
        _transition(
            petition,
            RECOMPUTE,
            acting_user=acting_user,
            allowed_from={petition.state},
            to_state=None,
            changes={},
            on=None,
            calendar=calendar,
            note="calendar",
        )
        changed += 1
    return changed


# --- reception days ------------------------------------------------------------------------


def do_create_reception_day(
    *,
    region: Region,
    on: date,
    place: str,
    leader: User | None,
    leader_name: str,
    acting_user: User,
    leader_title: str = "",
    time: str = "",
    topics: str = "",
) -> ReceptionDay:
    _require_intake(acting_user)
    _check_region(acting_user, region)
    fields = _reception_fields(on, time, place, leader, leader_name, leader_title, topics, current=None)
    with transaction.atomic():
        day = ReceptionDay.objects.create(region=region, created_by=acting_user, **fields)
        record_event(
            EventType.RECEPTION_DAY_CREATED,
            actor=acting_user,
            region=region.code,
            obj=day,
            new={"date": on, "leader": day.leader_id, "region": region.code},
        )
    return day


_RECEPTION_FIELDS = ("date", "time", "place", "leader_id", "leader_name", "leader_title", "topics")


def _reception_fields(
    on: date,
    time: str,
    place: str,
    leader: User | None,
    leader_name: str,
    leader_title: str,
    topics: str,
    *,
    current: ReceptionDay | None,
) -> dict[str, Any]:
    """A reception day's fields, cleaned and checked, for a new day or a change to ``current``.
    A leader chosen from the list gives their own name when none is written, or when the
    previous leader's name was left in place."""
    stale_name = (
        current is not None
        and leader is not None
        and leader.pk != current.leader_id
        and leader_name == current.leader_name
    )
    if leader is not None and (stale_name or not leader_name.strip()):
        leader_name = leader.full_name or leader.username
    if not leader_name.strip():
        raise invalid("leader", gettext_noop("Name the leader who receives."))
    if not place.strip():
        raise invalid("place", gettext_noop("This field is required."))
    return {
        "date": on,
        "time": time.strip(),
        "place": place.strip(),
        "leader_id": leader.pk if leader is not None else None,
        "leader_name": leader_name.strip(),
        "leader_title": leader_title.strip(),
        "topics": topics.strip(),
    }


RECEPTION_PAST = gettext_noop(
    "The reception day of %(date)s is in the past: it stays in the record as it was and can no "
    "longer be changed or cancelled."
)
RECEPTION_CANCELLED = gettext_noop(
    "The reception day of %(date)s was cancelled: it can no longer be changed."
)


def _require_reception_visible(day: ReceptionDay, actor: User) -> ReceptionDay:
    """The day as stored now, if the actor's region holds it."""
    current = ReceptionDay.objects.visible_to(actor).filter(pk=day.pk).first()
    if current is None:
        raise NotFound()
    return current


def _check_reception_open(day: ReceptionDay) -> None:
    if day.cancelled_at is not None:
        raise Conflict(
            Message(RECEPTION_CANCELLED, {"date": day.date.isoformat()}), code="reception_day_cancelled"
        )
    if day.date < _today():
        raise Conflict(Message(RECEPTION_PAST, {"date": day.date.isoformat()}), code="reception_day_past")


def _reception_values(day: ReceptionDay) -> dict[str, Any]:
    return {name: getattr(day, name) for name in _RECEPTION_FIELDS}


def _audit_key(name: str) -> str:
    return "leader" if name == "leader_id" else name


def _apply(changes: dict[str, Any], *days: ReceptionDay) -> None:
    # The caller's copy follows the stored row, like a petition after a transition.
    for day in days:
        for name, value in changes.items():
            setattr(day, name, value)


def _save_reception_change(day: ReceptionDay, changes: dict[str, Any]) -> None:
    """Write ``changes`` unless the day was cancelled or passed since it was read."""
    updated = ReceptionDay.objects.filter(pk=day.pk, cancelled_at__isnull=True, date__gte=_today()).update(
        **changes
    )
    if updated != 1:
        day.refresh_from_db()
        _check_reception_open(day)
        raise Conflict(Message(gettext_noop("The reception day was changed meanwhile; please try again.")))


def do_update_reception_day(
    day: ReceptionDay,
    *,
    on: date,
    place: str,
    leader: User | None,
    leader_name: str,
    acting_user: User,
    leader_title: str = "",
    time: str = "",
    topics: str = "",
) -> ReceptionDay:
    """Change a coming reception day (date, time, place, leader, topics). A day that has
    passed or was cancelled is history and stays as it was (409)."""
    _require_intake(acting_user)
    current = _require_reception_visible(day, acting_user)
    _check_region(acting_user, current.region)
    _check_reception_open(current)
    if on < _today():
        raise invalid(
            "date",
            gettext_noop("A reception day cannot be moved into the past (%(date)s)."),
            {"date": on.isoformat()},
            code="date_in_past",
        )
    wanted = _reception_fields(on, time, place, leader, leader_name, leader_title, topics, current=current)
    before = _reception_values(current)
    changes = {k: v for k, v in wanted.items() if before[k] != v}
    if not changes:
        return current
    with transaction.atomic():
        _save_reception_change(current, changes)
        _apply(changes, current, day)
        record_event(
            EventType.RECEPTION_DAY_CHANGED,
            actor=acting_user,
            region=current.region_id,
            obj=current,
            old={_audit_key(k): before[k] for k in changes},
            new={_audit_key(k): v for k, v in changes.items()},
        )
    return current


def do_cancel_reception_day(day: ReceptionDay, *, reason: str, acting_user: User) -> ReceptionDay:
    """Cancel a coming reception day. The row stays, with who cancelled it, when and why;
    petitions registered at it keep their link."""
    _require_intake(acting_user)
    current = _require_reception_visible(day, acting_user)
    _check_region(acting_user, current.region)
    _check_reception_open(current)
    if not reason.strip():
        raise invalid("reason", gettext_noop("Give the reason for the cancellation."))
    changes = {"cancelled_at": timezone.now(), "cancelled_by": acting_user, "cancel_reason": reason.strip()}
    with transaction.atomic():
        _save_reception_change(current, changes)
        _apply(changes, current, day)
        record_event(
            EventType.RECEPTION_DAY_CANCELLED,
            actor=acting_user,
            region=current.region_id,
            obj=current,
            old={"cancelled_at": None},
            new={"cancelled_at": current.cancelled_at, "reason": current.cancel_reason},
            extra={"date": current.date, "petitions": current.petitions.count()},
        )
    return current


def on_calendar_changed(sender: object, *, since: date, acting_user: User | None, **kwargs: object) -> int:
    return recompute_deadlines(acting_user=acting_user, since=since)
