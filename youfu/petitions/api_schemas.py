"""The petition API's input and output schemas, and how a petition is presented."""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema

from youfu.core.bounds import (
    MAX_PETITIONERS,
    BoundedDate,
    Choice,
    Id,
    IdNumberText,
    LongText,
    Note,
    PersonName,
    PhoneText,
    RegionCode,
    ShortText,
    Text200,
    Username,
)
from youfu.petitions.codes import format_code
from youfu.petitions.models import Petition, ReceptionDay
from youfu.petitions.selectors import (
    RepeatCandidate,
    latest_extension,
)

# --- schemas -------------------------------------------------------------------------------


class PetitionerIn(Schema):
    name: PersonName
    phone: PhoneText = ""
    id_number: IdNumberText | None = None


class PetitionIn(Schema):
    channel: Choice
    received_on: BoundedDate
    category: Choice
    subject: Text200
    content: LongText
    petitioners: list[PetitionerIn] = Field([], max_length=MAX_PETITIONERS)
    group_size: Annotated[int, Field(ge=1, le=100_000)] | None = None
    # Representatives of a group (at most 5): people, or just their names.
    representatives: list[PetitionerIn | PersonName] = Field([], max_length=MAX_PETITIONERS)
    region: RegionCode | None = None  # a region code; the acting user's region when left out
    referred_by: Text200 = ""
    beneficiary: Id | None = None
    reception: Id | None = None
    repeat_of: Id | None = None


class PetitionerOut(Schema):
    name: str
    phone: str
    id_number: str  # masked
    is_representative: bool


class RepeatOut(Schema):
    id: int
    receipt_code: str
    state: str
    received_on: date
    subject: str
    similarity: float
    concluded_after_rereview: bool


class ExtensionOut(Schema):
    state: str  # pending | approved | refused
    days: int
    reason: str
    requested_on: date
    decided_by: str | None  # the leader's username
    decided_on: date | None


class PetitionOut(Schema):
    id: int
    receipt_code: str
    state: str
    channel: str
    category: str
    received_on: date
    region: str
    region_name: str
    subject: str
    content: str
    referred_by: str
    group_size: int
    is_collective: bool
    petitioners: list[PetitionerOut]
    beneficiary: int | None
    reception: int | None
    repeat_of: int | None
    handling_unit: int | None
    handling_unit_name: str | None
    lead: str | None
    accepted_on: date | None
    declined_on: date | None
    decline_reason: str
    decline_notice: str
    earlier_case: int | None
    forwarded_on: date | None
    forwarded_to: str
    assigned_on: date | None
    started_on: date | None
    extension_days: int | None
    extension_reason: str
    replied_on: date | None
    reply_text: str
    review_requested_on: date | None
    review_replied_on: date | None
    review_reply_text: str
    rereview_requested_on: date | None
    rereview_replied_on: date | None
    rereview_reply_text: str
    concluded_on: date | None
    satisfaction: str
    satisfaction_comment: str
    accept_due: date | None
    handle_due: date | None
    review_request_due: date | None
    review_due: date | None
    rereview_request_due: date | None
    rereview_due: date | None
    calendar_complete: bool
    # The last extension request (Art. 34); only an approved one changes ``handle_due``.
    extension: ExtensionOut | None


class PetitionCreatedOut(PetitionOut):
    possible_repeats: list[RepeatOut]


class PetitionSummaryOut(Schema):
    id: int
    receipt_code: str
    state: str
    channel: str
    category: str
    received_on: date
    region: str
    subject: str
    handling_unit: int | None
    lead: str | None
    accept_due: date | None
    handle_due: date | None
    calendar_complete: bool

    @staticmethod
    def resolve_receipt_code(obj: Petition) -> str:
        return format_code(obj.receipt_code)

    @staticmethod
    def resolve_region(obj: Petition) -> str:
        return obj.region_id

    @staticmethod
    def resolve_handling_unit(obj: Petition) -> int | None:
        return obj.handling_unit_id

    @staticmethod
    def resolve_lead(obj: Petition) -> str | None:
        return obj.lead.username if obj.lead is not None else None


class EventOut(Schema):
    at: Any
    on: date | None
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str


class AcceptIn(Schema):
    accepted_on: BoundedDate
    handling_unit: Id | ShortText | None = None
    lead: Username | None = None
    note: Note = ""


class DeclineIn(Schema):
    declined_on: BoundedDate | None = None
    reason: Note
    notice_text: Annotated[str, Field(max_length=5000)]
    earlier_case: Id | None = None


class ForwardIn(Schema):
    forwarded_on: BoundedDate | None = None
    forwarded_to: Text200
    note: Note = ""


class AssignIn(Schema):
    handling_unit: Id | ShortText
    lead: Username
    assigned_on: BoundedDate | None = None
    note: Note = ""


class StartIn(Schema):
    started_on: BoundedDate | None = None
    note: Note = ""


class ExtendIn(Schema):
    days: Annotated[int, Field(ge=1, le=30, description="at most 30 days (Art. 34)")]
    reason: Note


class RefuseExtensionIn(Schema):
    reason: Note


class ReplyIn(Schema):
    replied_on: BoundedDate
    text: LongText


class RequestIn(Schema):
    requested_on: BoundedDate
    note: Note = ""


class ConcludeIn(Schema):
    concluded_on: BoundedDate | None = None
    note: Note = ""


class LinkRepeatIn(Schema):
    original: Id


class SatisfactionIn(Schema):
    rating: Choice
    comment: Note = ""


class RouteIn(Schema):
    region: RegionCode
    note: Note = ""


class BeneficiaryIn(Schema):
    beneficiary: Id | None


class ReceptionDayIn(Schema):
    date: BoundedDate
    place: Text200
    leader: Username | None = None
    leader_name: ShortText = ""
    leader_title: ShortText = ""
    time: Annotated[str, Field(max_length=40)] = ""
    topics: Note = ""
    region: RegionCode | None = None


# The field is named "date" like the type: the annotation must not read the field's default.
_OptionalDate = BoundedDate | None


class ReceptionDayPatch(Schema):
    """Only the fields sent change; ``leader: null`` unlinks the leader's account."""

    date: _OptionalDate = None
    place: Text200 | None = None
    leader: Username | None = None
    leader_name: ShortText | None = None
    leader_title: ShortText | None = None
    time: Annotated[str, Field(max_length=40)] | None = None
    topics: Note | None = None


class ReceptionDayCancelIn(Schema):
    reason: Note


class ReceptionDayOut(Schema):
    id: int
    date: date
    time: str
    place: str
    region: str
    leader: str | None
    leader_name: str
    leader_title: str
    topics: str
    cancelled_at: datetime | None
    cancel_reason: str

    @staticmethod
    def resolve_region(obj: ReceptionDay) -> str:
        return obj.region_id

    @staticmethod
    def resolve_leader(obj: ReceptionDay) -> str | None:
        return obj.leader.username if obj.leader is not None else None


# --- presenting ----------------------------------------------------------------------------


def extension_out(p: Petition) -> dict[str, Any] | None:
    extension = latest_extension(p)
    if extension is None:
        return None
    return {
        "state": extension.state,
        "days": extension.days,
        "reason": extension.reason,
        "requested_on": extension.requested_on,
        "decided_by": extension.decided_by.username if extension.decided_by else None,
        "decided_on": extension.decided_on,
    }


def petition_out(p: Petition) -> dict[str, Any]:
    return {
        "id": p.pk,
        "receipt_code": format_code(p.receipt_code),
        "state": p.state,
        "channel": p.channel,
        "category": p.category,
        "received_on": p.received_on,
        "region": p.region_id,
        "region_name": p.region.name,
        "subject": p.subject,
        "content": p.content,
        "referred_by": p.referred_by,
        "group_size": p.group_size,
        "is_collective": p.is_collective,
        "petitioners": [
            {
                "name": x.name,
                "phone": x.phone,
                "id_number": x.id_number_masked,
                "is_representative": x.is_representative,
            }
            for x in p.petitioners.all()
        ],
        "beneficiary": p.beneficiary_id,
        "reception": p.reception_id,
        "repeat_of": p.repeat_of_id,
        "handling_unit": p.handling_unit_id,
        "handling_unit_name": p.handling_unit.name if p.handling_unit else None,
        "lead": p.lead.username if p.lead else None,
        "earlier_case": p.earlier_case_id,
        "extension": extension_out(p),
        **{
            name: getattr(p, name)
            for name in (
                "accepted_on",
                "declined_on",
                "decline_reason",
                "decline_notice",
                "forwarded_on",
                "forwarded_to",
                "assigned_on",
                "started_on",
                "extension_days",
                "extension_reason",
                "replied_on",
                "reply_text",
                "review_requested_on",
                "review_replied_on",
                "review_reply_text",
                "rereview_requested_on",
                "rereview_replied_on",
                "rereview_reply_text",
                "concluded_on",
                "satisfaction",
                "satisfaction_comment",
                "accept_due",
                "handle_due",
                "review_request_due",
                "review_due",
                "rereview_request_due",
                "rereview_due",
                "calendar_complete",
            )
        },
    }


def repeat_out(c: RepeatCandidate) -> dict[str, Any]:
    p = c.petition
    return {
        "id": p.pk,
        "receipt_code": format_code(p.receipt_code),
        "state": p.state,
        "received_on": p.received_on,
        "subject": p.subject,
        "similarity": c.similarity,
        "concluded_after_rereview": c.concluded_after_rereview,
    }
