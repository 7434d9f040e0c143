"""/api/v1/petitions: intake, the workflow's transitions, reception days. Scoped and
audited (every write is a service). Transitions that are not allowed answer 409."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Router, Status
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.audit.services import record_view
from youfu.core.authed import acting_user
from youfu.core.bounds import (
    Choice,
)
from youfu.core.pagination import PageNumberPagination
from youfu.core.scope import get_visible_or_404
from youfu.petitions import services
from youfu.petitions.api_schemas import (
    AcceptIn,
    AssignIn,
    BeneficiaryIn,
    ConcludeIn,
    DeclineIn,
    EventOut,
    ExtendIn,
    ForwardIn,
    LinkRepeatIn,
    PetitionCreatedOut,
    PetitionIn,
    PetitionOut,
    PetitionSummaryOut,
    ReceptionDayCancelIn,
    ReceptionDayIn,
    ReceptionDayOut,
    ReceptionDayPatch,
    RefuseExtensionIn,
    RepeatOut,
    ReplyIn,
    RequestIn,
    RouteIn,
    SatisfactionIn,
    StartIn,
    petition_out,
    repeat_out,
)
from youfu.petitions.models import Petition, PetitionEvent, ReceptionDay
from youfu.petitions.selectors import (
    get_petition,
    leads_for,
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
from youfu.registry.models import Beneficiary

router = Router(tags=["petitions"])


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    require_petition_reader(user)
    return user


def _petition(request: HttpRequest, petition_id: int) -> Petition:
    return get_petition(_reader(request), petition_id)


def _fresh(petition: Petition) -> dict[str, Any]:
    return petition_out(  # scope: re-reads the petition the handler has just fetched in scope
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
    user = acting_user(request)
    # The admin and the auditor are refused as such before the person or reception day named
    # would be looked up (and said to be unknown).
    require_petition_reader(user)
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
    body = {**_fresh(petition), "possible_repeats": [repeat_out(c) for c in candidates]}
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
    user = acting_user(request)
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
        reception_days_for(_reader(request)).select_related("leader"), acting_user(request), pk=reception_id
    )


def _reception_leader(day: ReceptionDay, username: str | None) -> User | None:
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
        acting_user=acting_user(request),
    )
    return _reception_day(request, reception_id)


@router.post("/reception-days/{reception_id}/cancel", response=ReceptionDayOut, tags=["reception days"])
def cancel_reception_day(
    request: HttpRequest, reception_id: int, payload: ReceptionDayCancelIn
) -> ReceptionDay:
    """Cancel a coming reception day; it stays on record. A past or cancelled day answers 409."""
    day = _reception_day(request, reception_id)
    services.do_cancel_reception_day(
        day, reason=clean_text(payload.reason, "reason", max_length=2000), acting_user=acting_user(request)
    )
    return _reception_day(request, reception_id)


@router.get("/{petition_id}", response=PetitionOut)
def get_petition_detail(request: HttpRequest, petition_id: int) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    record_view(acting_user(request), petition, region=petition.region_id)
    return petition_out(petition)


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
        acting_user(request),
        subject=petition.subject,
        keys=stored_person_keys(petition),
        on=petition.received_on,
        exclude_pk=petition.pk,
    )
    return [repeat_out(c) for c in candidates]


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
        acting_user=acting_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/decline", response=PetitionOut)
def decline(request: HttpRequest, petition_id: int, payload: DeclineIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    user = acting_user(request)
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
        acting_user=acting_user(request),
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
        acting_user=acting_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/start", response=PetitionOut)
def start(request: HttpRequest, petition_id: int, payload: StartIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_start_petition(
        petition, started_on=payload.started_on, note=payload.note, acting_user=acting_user(request)
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
        acting_user=acting_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/extend/approve", response=PetitionOut)
def approve_extension(request: HttpRequest, petition_id: int) -> dict[str, Any]:
    """A leader approves the waiting request: ``handle_due`` moves."""
    petition = _petition(request, petition_id)
    services.do_approve_extension(petition, acting_user=acting_user(request))
    return _fresh(petition)


@router.post("/{petition_id}/extend/refuse", response=PetitionOut)
def refuse_extension(request: HttpRequest, petition_id: int, payload: RefuseExtensionIn) -> dict[str, Any]:
    """A leader refuses the waiting request: ``handle_due`` stays, and a new request may follow."""
    petition = _petition(request, petition_id)
    services.do_refuse_extension(
        petition,
        reason=clean_text(payload.reason, "reason", max_length=2000),
        acting_user=acting_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/reply", response=PetitionOut)
def reply(request: HttpRequest, petition_id: int, payload: ReplyIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_reply_petition(
        petition,
        replied_on=payload.replied_on,
        text=clean_text(payload.text, "text", max_length=20000),
        acting_user=acting_user(request),
    )
    return _fresh(petition)


# Review (复查) and re-review (复核): the same two endpoints at each stage, one implementation.


def _stage_endpoints(name: str, stage: services.Stage) -> None:
    path = name.replace("_", "-")  # the stage's name in the URL

    def request_stage(request: HttpRequest, petition_id: int, payload: RequestIn) -> dict[str, Any]:
        petition = _petition(request, petition_id)
        services.do_request_stage(
            stage,
            petition,
            requested_on=payload.requested_on,
            note=payload.note,
            acting_user=acting_user(request),
        )
        return _fresh(petition)

    def reply_stage(request: HttpRequest, petition_id: int, payload: ReplyIn) -> dict[str, Any]:
        petition = _petition(request, petition_id)
        services.do_reply_stage(
            stage,
            petition,
            replied_on=payload.replied_on,
            text=clean_text(payload.text, "text", max_length=20000),
            acting_user=acting_user(request),
        )
        return _fresh(petition)

    # The names give the operation ids and URL names the endpoints had when written out.
    request_stage.__name__ = request_stage.__qualname__ = f"{name}_request"
    reply_stage.__name__ = reply_stage.__qualname__ = f"{name}_reply"
    router.post(f"/{{petition_id}}/{path}-request", response=PetitionOut)(request_stage)
    router.post(f"/{{petition_id}}/{path}-reply", response=PetitionOut)(reply_stage)


for _name, _stage in services.STAGES.items():
    _stage_endpoints(_name, _stage)


@router.post("/{petition_id}/conclude", response=PetitionOut)
def conclude(request: HttpRequest, petition_id: int, payload: ConcludeIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    services.do_conclude_petition(
        petition, concluded_on=payload.concluded_on, note=payload.note, acting_user=acting_user(request)
    )
    return _fresh(petition)


@router.post("/{petition_id}/link-repeat", response=PetitionOut)
def link_repeat(request: HttpRequest, petition_id: int, payload: LinkRepeatIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    user = acting_user(request)
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
        acting_user=acting_user(request),
    )
    return _fresh(petition)


@router.post("/{petition_id}/route", response=PetitionOut)
def route(request: HttpRequest, petition_id: int, payload: RouteIn) -> dict[str, Any]:
    """Give a new matter (e.g. one submitted online to the county) to a township."""
    petition = _petition(request, petition_id)
    region = Region.objects.filter(code=payload.region.strip()).first()
    if region is None:
        raise invalid("region", gettext_noop("Unknown region code %(code)s."), {"code": payload.region})
    services.do_route_petition(petition, region=region, note=payload.note, acting_user=acting_user(request))
    return _fresh(petition)


@router.post("/{petition_id}/beneficiary", response=PetitionOut)
def link_beneficiary(request: HttpRequest, petition_id: int, payload: BeneficiaryIn) -> dict[str, Any]:
    petition = _petition(request, petition_id)
    user = acting_user(request)
    person = None
    if payload.beneficiary is not None:
        person = Beneficiary.objects.visible_to(user).filter(pk=payload.beneficiary).first()
        if person is None:
            raise invalid("beneficiary", gettext_noop("Unknown person."))
    services.do_link_beneficiary(petition, beneficiary=person, acting_user=user)
    return _fresh(petition)
