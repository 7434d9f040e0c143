"""/api/v1/petitions: intake, the workflow's transitions, reception days. Scoped and
audited (every write is a service). Transitions that are not allowed answer 409."""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.accounts.scope import get_visible_or_404
from youfu.api.pagination import PageNumberPagination
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
from youfu.petitions import services
from youfu.petitions.codes import format_code
from youfu.petitions.models import Petition, PetitionEvent, ReceptionDay
from youfu.petitions.selectors import (
    RepeatCandidate,
    get_petition,
    latest_extension,
    petitions_for,
    possible_repeats,
    reception_days_for,
    require_petition_reader,
    stored_person_keys,
    timeline,
)
from youfu.petitions.validation import (
    PetitionData,
    clean_category,
    clean_channel,
    clean_group_size,
    clean_petitioners,
    clean_text,
    invalid,
)
from youfu.regions.models import Region

router = Router(tags=["petitions"])


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


def _repeat_out(c: RepeatCandidate) -> dict[str, Any]:
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


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _reader(request: HttpRequest) -> User:
    user = _user(request)
    require_petition_reader(user)
    return user


def _petition(request: HttpRequest, petition_id: int) -> Petition:
    return get_petition(_reader(request), petition_id)


def _fresh(petition: Petition) -> dict[str, Any]:
    return petition_out(
        Petition.objects.select_related("region", "handling_unit", "lead").get(pk=petition.pk)
    )


def _other_petition(user: User, petition_id: int | None, field_name: str) -> Petition | None:
    if petition_id is None:
        return None
    found = petitions_for(user).filter(pk=petition_id).first()
    if found is None:
        raise invalid(field_name, gettext_noop("Unknown petition %(id)s."), {"id": petition_id})
    return found


def _today() -> date:
    return timezone.localdate()


# --- intake --------------------------------------------------------------------------------


@router.get("", response=list[PetitionSummaryOut])
@paginate(PageNumberPagination)
def list_petitions(request: HttpRequest, state: Choice | None = None) -> QuerySet[Petition]:
    user = _reader(request)
    qs: QuerySet[Petition] = petitions_for(user)
    if state:
        qs = qs.filter(state=state)
    return qs


@router.post("", response={201: PetitionCreatedOut})
def create_petition(request: HttpRequest, payload: PetitionIn) -> Status[dict[str, Any]]:
    from youfu.registry.models import Beneficiary

    user = _user(request)
    region = user.region
    if payload.region:
        region = Region.objects.filter(code=payload.region.strip()).first()
        if region is None:
            raise invalid("region", gettext_noop("Unknown region code %(code)s."), {"code": payload.region})
    if region is None:
        raise invalid("region", gettext_noop("This field is required."))
    representatives = [{"name": r} if isinstance(r, str) else r.dict() for r in payload.representatives]
    people = clean_petitioners([p.dict() for p in payload.petitioners], representatives)
    beneficiary = None
    if payload.beneficiary is not None:
        beneficiary = Beneficiary.objects.visible_to(user).filter(pk=payload.beneficiary).first()
        if beneficiary is None:
            raise invalid("beneficiary", gettext_noop("Unknown person."))
    reception = None
    if payload.reception is not None:
        reception = ReceptionDay.objects.visible_to(user).filter(pk=payload.reception).first()
        if reception is None:
            raise invalid("reception", gettext_noop("Unknown reception day."))
    data = PetitionData(
        channel=clean_channel(payload.channel),
        received_on=payload.received_on,
        category=clean_category(payload.category),
        subject=clean_text(payload.subject, "subject", max_length=200),
        content=clean_text(payload.content, "content", max_length=20000),
        region=region,
        petitioners=people,
        group_size=clean_group_size(payload.group_size, people),
        referred_by=clean_text(payload.referred_by, "referred_by", max_length=200, required=False),
        beneficiary=beneficiary,
        reception=reception,
    )
    repeat_of = _other_petition(user, payload.repeat_of, "repeat_of")
    petition = services.do_register_petition(data, acting_user=user, repeat_of=repeat_of)
    candidates = (
        []
        if repeat_of is not None
        else possible_repeats(user, people, data.subject, on=data.received_on, exclude_pk=petition.pk)
    )
    body = {**_fresh(petition), "possible_repeats": [_repeat_out(c) for c in candidates]}
    return Status(201, body)


# Static paths before /{petition_id}.


@router.get("/reception-days", response=list[ReceptionDayOut], tags=["reception days"])
@paginate(PageNumberPagination)
def list_reception_days(request: HttpRequest, upcoming: bool = False) -> QuerySet[ReceptionDay]:
    user = _reader(request)
    qs = reception_days_for(user).select_related("leader")
    if upcoming:
        # Coming days that will take place: a cancelled one will not.
        qs = qs.filter(date__gte=_today(), cancelled_at__isnull=True).order_by("date", "pk")
    return qs


@router.post("/reception-days", response={201: ReceptionDayOut}, tags=["reception days"])
def create_reception_day(request: HttpRequest, payload: ReceptionDayIn) -> Status[ReceptionDay]:
    from youfu.petitions.selectors import leads_for

    user = _user(request)
    region = user.region
    if payload.region:
        region = Region.objects.filter(code=payload.region.strip()).first()
        if region is None:
            raise invalid("region", gettext_noop("Unknown region code %(code)s."), {"code": payload.region})
    if region is None:
        raise invalid("region", gettext_noop("This field is required."))
    leader = None
    if payload.leader:
        leader = leads_for(region).filter(username=payload.leader.strip()).first()
        if leader is None:
            raise invalid("leader", gettext_noop("Unknown user %(username)s."), {"username": payload.leader})
    day = services.do_create_reception_day(
        region=region,
        on=payload.date,
        place=clean_text(payload.place, "place", max_length=200),
        leader=leader,
        leader_name=clean_text(payload.leader_name, "leader_name", max_length=100, required=False),
        leader_title=clean_text(payload.leader_title, "leader_title", max_length=100, required=False),
        time=clean_text(payload.time, "time", max_length=40, required=False),
        topics=clean_text(payload.topics, "topics", max_length=2000, required=False),
        acting_user=user,
    )
    return Status(201, day)


def _reception_day(request: HttpRequest, reception_id: int) -> ReceptionDay:
    return get_visible_or_404(
        reception_days_for(_reader(request)).select_related("leader"), _user(request), pk=reception_id
    )


def _reception_leader(day: ReceptionDay, username: str | None) -> User | None:
    from youfu.petitions.selectors import leads_for

    if not username:
        return None
    leader = leads_for(day.region).filter(username=username.strip()).first()
    if leader is None:
        raise invalid("leader", gettext_noop("Unknown user %(username)s."), {"username": username})
    return leader


@router.get("/reception-days/{reception_id}", response=ReceptionDayOut, tags=["reception days"])
def get_reception_day(request: HttpRequest, reception_id: int) -> ReceptionDay:
    return _reception_day(request, reception_id)


@router.patch("/reception-days/{reception_id}", response=ReceptionDayOut, tags=["reception days"])
def update_reception_day(request: HttpRequest, reception_id: int, payload: ReceptionDayPatch) -> ReceptionDay:
    """Change a coming reception day. A day in the past or a cancelled day answers 409."""
    day = _reception_day(request, reception_id)
    sent = payload.model_dump(exclude_unset=True)
    if "date" in sent and sent["date"] is None:
        raise invalid("date", gettext_noop("This field is required."))
    leader = _reception_leader(day, sent["leader"]) if "leader" in sent else day.leader

    def text(name: str, max_length: int, *, required: bool = False) -> str:
        value = sent.get(name)
        if name not in sent or value is None:
            return str(getattr(day, name))
        return clean_text(value, name, max_length=max_length, required=required)

    services.do_update_reception_day(
        day,
        on=sent.get("date") or day.date,
        place=text("place", 200, required=True),
        leader=leader,
        leader_name=text("leader_name", 100),
        leader_title=text("leader_title", 100),
        time=text("time", 40),
        topics=text("topics", 2000),
        acting_user=_user(request),
    )
    return _reception_day(request, reception_id)


@router.post("/reception-days/{reception_id}/cancel", response=ReceptionDayOut, tags=["reception days"])
def cancel_reception_day(
    request: HttpRequest, reception_id: int, payload: ReceptionDayCancelIn
) -> ReceptionDay:
    """Cancel a coming reception day; it stays on record. A past or cancelled day answers 409."""
    day = _reception_day(request, reception_id)
    services.do_cancel_reception_day(
        day, reason=clean_text(payload.reason, "reason", max_length=2000), acting_user=_user(request)
    )
    return _reception_day(request, reception_id)


@router.get("/{petition_id}", response=PetitionOut)
def get_petition_detail(request: HttpRequest, petition_id: int) -> dict[str, Any]:
    return petition_out(_petition(request, petition_id))


@router.get("/{petition_id}/events", response=list[EventOut])
def list_events(request: HttpRequest, petition_id: int) -> list[dict[str, Any]]:
    events: QuerySet[PetitionEvent] = timeline(_petition(request, petition_id))
    return [
        {
            "at": e.at,
            "on": e.on,
            "actor": e.actor_name,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "note": e.note,
        }
        for e in events
    ]


@router.get("/{petition_id}/possible-repeats", response=list[RepeatOut])
def list_possible_repeats(request: HttpRequest, petition_id: int) -> list[dict[str, Any]]:
    petition = _petition(request, petition_id)
    candidates = possible_repeats(
        _user(request),
        subject=petition.subject,
        keys=stored_person_keys(petition),
        on=petition.received_on,
        exclude_pk=petition.pk,
    )
    return [_repeat_out(c) for c in candidates]


# --- transitions ---------------------------------------------------------------------------


@router.post("/{petition_id}/accept", response=PetitionOut)
def accept(request: HttpRequest, petition_id: int, payload: AcceptIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_accept_petition(
        petition,
        accepted_on=payload.accepted_on,
        handling_unit=payload.handling_unit,
        lead=payload.lead,
        note=payload.note,
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/decline", response=PetitionOut)
def decline(request: HttpRequest, petition_id: int, payload: DeclineIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    user = _user(request)
    services.do_decline_petition(
        petition,
        declined_on=payload.declined_on or _today(),
        reason=clean_text(payload.reason, "reason", max_length=2000),
        notice_text=clean_text(payload.notice_text, "notice_text", max_length=5000),
        earlier_case=_other_petition(user, payload.earlier_case, "earlier_case"),
        acting_user=user,
    )
    return _fresh(petition)


@router.post("/{petition_id}/forward", response=PetitionOut)
def forward(request: HttpRequest, petition_id: int, payload: ForwardIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_forward_petition(
        petition,
        forwarded_on=payload.forwarded_on or _today(),
        forwarded_to=clean_text(payload.forwarded_to, "forwarded_to", max_length=200),
        note=payload.note,
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/assign", response=PetitionOut)
def assign(request: HttpRequest, petition_id: int, payload: AssignIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_assign_petition(
        petition,
        handling_unit=payload.handling_unit,
        lead=payload.lead,
        assigned_on=payload.assigned_on,
        note=payload.note,
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/start", response=PetitionOut)
def start(request: HttpRequest, petition_id: int, payload: StartIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_start_petition(
        petition, started_on=payload.started_on, note=payload.note, acting_user=_user(request)
    )
    return _fresh(petition)


@router.post("/{petition_id}/extend", response=PetitionOut)
def extend(request: HttpRequest, petition_id: int, payload: ExtendIn) -> dict[str, Any]:
    """Request an extension of the conclusion period (1–30 days, once). A clerk's request
    waits for a leader (``extension.state`` "pending"); a leader's call approves it at once."""
    petition = _petition(request, petition_id)
    services.do_request_extension(
        petition,
        days=payload.days,
        reason=clean_text(payload.reason, "reason", max_length=2000),
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/extend/approve", response=PetitionOut)
def approve_extension(request: HttpRequest, petition_id: int) -> dict[str, Any]:
    """A leader approves the waiting request: ``handle_due`` moves."""
    petition = _petition(request, petition_id)
    services.do_approve_extension(petition, acting_user=_user(request))
    return _fresh(petition)


@router.post("/{petition_id}/extend/refuse", response=PetitionOut)
def refuse_extension(request: HttpRequest, petition_id: int, payload: RefuseExtensionIn) -> dict[str, Any]:
    """A leader refuses the waiting request: ``handle_due`` stays, and a new request may follow."""
    petition = _petition(request, petition_id)
    services.do_refuse_extension(
        petition, reason=clean_text(payload.reason, "reason", max_length=2000), acting_user=_user(request)
    )
    return _fresh(petition)


@router.post("/{petition_id}/reply", response=PetitionOut)
def reply(request: HttpRequest, petition_id: int, payload: ReplyIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_reply_petition(
        petition,
        replied_on=payload.replied_on,
        text=clean_text(payload.text, "text", max_length=20000),
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/review-request", response=PetitionOut)
def review_request(request: HttpRequest, petition_id: int, payload: RequestIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_request_review(
        petition, requested_on=payload.requested_on, note=payload.note, acting_user=_user(request)
    )
    return _fresh(petition)


@router.post("/{petition_id}/review-reply", response=PetitionOut)
def review_reply(request: HttpRequest, petition_id: int, payload: ReplyIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_reply_review(
        petition,
        replied_on=payload.replied_on,
        text=clean_text(payload.text, "text", max_length=20000),
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/rereview-request", response=PetitionOut)
def rereview_request(request: HttpRequest, petition_id: int, payload: RequestIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_request_rereview(
        petition, requested_on=payload.requested_on, note=payload.note, acting_user=_user(request)
    )
    return _fresh(petition)


@router.post("/{petition_id}/rereview-reply", response=PetitionOut)
def rereview_reply(request: HttpRequest, petition_id: int, payload: ReplyIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_reply_rereview(
        petition,
        replied_on=payload.replied_on,
        text=clean_text(payload.text, "text", max_length=20000),
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/conclude", response=PetitionOut)
def conclude(request: HttpRequest, petition_id: int, payload: ConcludeIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_conclude_petition(
        petition, concluded_on=payload.concluded_on, note=payload.note, acting_user=_user(request)
    )
    return _fresh(petition)


@router.post("/{petition_id}/link-repeat", response=PetitionOut)
def link_repeat(request: HttpRequest, petition_id: int, payload: LinkRepeatIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    user = _user(request)
    original = _other_petition(user, payload.original, "original")
    assert original is not None
    services.do_link_repeat(petition, original=original, acting_user=user)
    return _fresh(petition)


@router.post("/{petition_id}/satisfaction", response=PetitionOut)
def satisfaction(request: HttpRequest, petition_id: int, payload: SatisfactionIn) -> dict[str, Any]:
    """Record the petitioner's satisfaction as told to a clerk (e.g. by phone)."""
    petition = _petition(request, petition_id)
    services.do_rate_petition(
        petition,
        rating=payload.rating,
        comment=clean_text(payload.comment, "comment", max_length=2000, required=False),
        acting_user=_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/route", response=PetitionOut)
def route(request: HttpRequest, petition_id: int, payload: RouteIn) -> dict[str, Any]:
    """Give a new matter (e.g. one submitted online to the county) to a township."""
    petition = _petition(request, petition_id)
    region = Region.objects.filter(code=payload.region.strip()).first()
    if region is None:
        raise invalid("region", gettext_noop("Unknown region code %(code)s."), {"code": payload.region})
    services.do_route_petition(petition, region=region, note=payload.note, acting_user=_user(request))
    return _fresh(petition)


@router.post("/{petition_id}/beneficiary", response=PetitionOut)
def link_beneficiary(request: HttpRequest, petition_id: int, payload: BeneficiaryIn) -> dict[str, Any]:
    from youfu.registry.models import Beneficiary

    petition = _petition(request, petition_id)
    user = _user(request)
    person = None
    if payload.beneficiary is not None:
        person = Beneficiary.objects.visible_to(user).filter(pk=payload.beneficiary).first()
        if person is None:
            raise invalid("beneficiary", gettext_noop("Unknown person."))
    services.do_link_beneficiary(petition, beneficiary=person, acting_user=user)
    return _fresh(petition)
