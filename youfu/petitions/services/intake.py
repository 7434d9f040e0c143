"""Registering a petition and the decisions on a new matter: accept, decline, forward,
assign, route, link a repeat or a registered person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from youfu.accounts.models import Department, User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.crypto import encrypt
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.idnumber import mask_id_number
from youfu.core.messages import Message
from youfu.petitions import deadlines
from youfu.petitions.codes import new_code
from youfu.petitions.models import (
    CLOSED_STATES,
    Channel,
    Petition,
    Petitioner,
    PetitionEvent,
    ReceptionDay,
    State,
)
from youfu.petitions.selectors import (
    RECENT_DAYS,
    handling_units_for,
    leads_for,
    share_a_petitioner,
    subject_key,
)
from youfu.petitions.services._common import (
    _check_date,
    _check_region,
    _require_casework,
    _require_visible,
    _today,
    begin,
)
from youfu.petitions.services.attachments import (
    MAX_PUBLIC_ATTACHMENTS,
    _delete_files,
    _store_attachment,
    check_upload,
)
from youfu.petitions.services.transitions import (
    PUBLIC_ACTOR,
    Action,
    _snapshot,
    move,
    require_role,
    row_for,
)
from youfu.petitions.validation import PetitionData, invalid
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import Beneficiary
from youfu.registry.services import id_number_index

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile


def public_intake_region() -> Region:
    """Where online submissions from the public are registered: the bureau's county
    (``YOUFU_PETITION_PUBLIC_REGION``, else the first county)."""
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
    begin(petition, Action.ACCEPT, acting_user)
    _check_date(accepted_on, "accepted_on", not_before=petition.received_on, before_what=_lazy("receipt"))
    unit = user = None
    if handling_unit not in (None, "") or lead not in (None, ""):
        if handling_unit in (None, "") or lead in (None, ""):
            missing = "lead" if handling_unit not in (None, "") else "handling_unit"
            raise invalid(missing, gettext_noop("Name both a handling unit and a lead, or neither."))
        unit = resolve_handling_unit(petition, handling_unit)
        user = resolve_lead(petition, lead)
    with transaction.atomic():
        move(
            petition,
            Action.ACCEPT,
            acting_user=acting_user,
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
    begin(petition, Action.DECLINE, acting_user)
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
        return move(
            petition,
            Action.DECLINE,
            acting_user=acting_user,
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
    begin(petition, Action.FORWARD, acting_user)
    _check_date(forwarded_on, "forwarded_on", not_before=petition.received_on, before_what=_lazy("receipt"))
    with transaction.atomic():
        return move(
            petition,
            Action.FORWARD,
            acting_user=acting_user,
            changes={"forwarded_on": forwarded_on, "forwarded_to": forwarded_to},
            on=forwarded_on,
            note=note,
        )


def _assign(
    petition: Petition, unit: Department, lead: User, *, assigned_on: date, acting_user: User, note: str
) -> Petition:
    return move(
        petition,
        Action.ASSIGN,
        acting_user=acting_user,
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
    begin(petition, Action.ASSIGN, acting_user)
    assigned_on = assigned_on or _today()
    _check_date(assigned_on, "assigned_on", not_before=petition.accepted_on, before_what=_lazy("acceptance"))
    unit = resolve_handling_unit(petition, handling_unit)
    user = resolve_lead(petition, lead)
    with transaction.atomic():
        return _assign(petition, unit, user, assigned_on=assigned_on, acting_user=acting_user, note=note)


# --- repeats and links ---------------------------------------------------------------------


def do_link_repeat(petition: Petition, *, original: Petition, acting_user: User) -> Petition:
    """Record a new petition as a repeat of an open or recent (≤ 1 year) matter by the same
    petitioner: it is handled in the original case rather than opened anew."""
    require_role(Action.LINK_REPEAT, acting_user)
    _require_visible(petition, acting_user)
    if original.repeat_of is not None:
        original = original.repeat_of
    _require_visible(original, acting_user)
    row_for(petition, Action.LINK_REPEAT)
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
        move(
            petition,
            Action.LINK_REPEAT,
            acting_user=acting_user,
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
    begin(petition, Action.BENEFICIARY, acting_user)
    if (
        beneficiary is not None
        and not Beneficiary.objects.visible_to(acting_user).filter(pk=beneficiary.pk).exists()
    ):
        raise invalid("beneficiary", gettext_noop("Unknown person."), code="unknown_beneficiary")
    if petition.beneficiary_id == (beneficiary.pk if beneficiary else None):
        return petition
    with transaction.atomic():
        return move(
            petition,
            Action.BENEFICIARY,
            acting_user=acting_user,
            changes={"beneficiary": beneficiary},
            on=None,
        )


def do_route_petition(petition: Petition, *, region: Region, acting_user: User, note: str = "") -> Petition:
    """Give a new matter to the township (乡镇/街道) it concerns, e.g. one submitted online,
    which arrives at the county: that township's clerks then see it."""
    _require_visible(petition, acting_user)
    # A region outside one's own is wrong input whoever names it; then the table says who
    # may give matters to townships (the clerks above them).
    _check_region(acting_user, region)
    require_role(Action.ROUTE, acting_user)
    row_for(petition, Action.ROUTE)
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
        return move(
            petition,
            Action.ROUTE,
            acting_user=acting_user,
            changes={"region": region},
            on=_today(),
            note=note or region.name,
        )
