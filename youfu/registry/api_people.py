"""/api/v1/beneficiaries: search, register, read, edit contact details, life events,
the audited ID-number reveal and the export. Region-scoped: a person outside the user's
region is a 404. Field keys are ``registry.validation``'s, as in the import template."""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from pydantic import ConfigDict

from youfu.accounts.models import User
from youfu.audit.services import record_view
from youfu.core.authed import acting_user
from youfu.core.bounds import (
    MAX_QUALIFICATIONS,
    AccountText,
    Choice,
    DateText,
    DisabilityLevel,
    Id,
    IdNumberText,
    Note,
    PersonName,
    PhoneText,
    RegionCode,
    ServiceYears,
    ShortText,
    Text200,
)
from youfu.core.pagination import PageNumberPagination
from youfu.core.replica import reads_from_replica
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404
from youfu.regions.models import Region, RegionLevel
from youfu.registry import exporting
from youfu.registry.forms import (
    RegionChoices,
    clean_contact,
    clean_life_event,
    clean_registration,
    invalid_input,
    search_filters,
)
from youfu.registry.models import Beneficiary, LifeEvent, Qualification
from youfu.registry.search import search_beneficiaries
from youfu.registry.services import (
    do_record_life_event,
    do_register_beneficiary,
    do_update_beneficiary,
    reveal_id_number,
)

router = Router(tags=["registry"])


class RegionRef(Schema):
    code: str
    name: str


class QualificationBrief(Schema):
    id: int
    category: str
    status: str
    level: int | None = Field(None, alias="disability_level")


class BeneficiaryBrief(Schema):
    id: int
    name: str
    id_number: str = Field(alias="id_number_masked")
    sex: str
    birth_date: date
    status: str
    township: RegionRef
    village: RegionRef | None
    qualifications: list[QualificationBrief]

    @staticmethod
    def resolve_village(obj: Beneficiary) -> Region | None:
        return obj.region if obj.region.level == RegionLevel.VILLAGE else None

    @staticmethod
    def resolve_qualifications(obj: Beneficiary) -> list[Qualification]:
        return list(obj.qualifications.all())


class SuspensionOut(Schema):
    started_on: date
    ended_on: date | None
    reason: str


class QualificationOut(Schema):
    id: int
    category: str
    disability_cause: str
    disability_level: int | None
    approved_on: date
    status: str
    ended_on: date | None
    end_reason: str
    enlisted_on: date | None
    discharged_on: date | None
    service_years: int | None
    notes: str
    suspensions: list[SuspensionOut]

    @staticmethod
    def resolve_suspensions(obj: Qualification) -> list[Any]:
        return list(obj.suspensions.all())


class LifeEventOut(Schema):
    id: int
    kind: str
    effective_on: date
    qualification_id: int | None
    details: dict[str, Any]
    note: str
    recorded_at: datetime
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: LifeEvent) -> str:
        return obj.recorded_by.username


class BeneficiaryOut(BeneficiaryBrief):
    ethnicity: str
    residence: str
    phone: str
    bank_name: str
    bank_account: str = Field(alias="bank_account_masked")
    death_date: date | None
    notes: str
    qualifications: list[QualificationOut]  # type: ignore[assignment]
    life_events: list[LifeEventOut]

    @staticmethod
    def resolve_life_events(obj: Beneficiary) -> list[LifeEvent]:
        return list(obj.life_events.all())


class QualificationIn(Schema):
    category: Choice = ""
    approved_on: DateText | None = None
    disability_cause: Choice = ""
    disability_level: DisabilityLevel | Annotated[str, Field(max_length=10)] | None = None
    enlisted_on: DateText | None = None
    discharged_on: DateText | None = None
    service_years: ServiceYears | Annotated[str, Field(max_length=10)] | None = None
    notes: Note = ""


class BeneficiaryIn(Schema):
    """A person as the import template has them (the same keys), with their qualifications."""

    name: PersonName = ""
    id_number: IdNumberText = ""
    sex: Choice = ""
    birth_date: DateText | None = None
    ethnicity: Annotated[str, Field(max_length=20)] = ""
    residence: Choice = ""
    township: ShortText = Field("", description="code or name")
    village: ShortText = Field("", description="code or name, inside the township")
    phone: PhoneText = ""
    bank_name: ShortText = ""
    bank_account: AccountText = ""
    notes: Note = ""
    qualifications: list[QualificationIn] = Field(default_factory=list, max_length=MAX_QUALIFICATIONS)


class ContactIn(Schema):
    """Contact fields only: a bank account changes through a bank_change life event."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    ethnicity: Annotated[str, Field(max_length=20)] | None = None
    residence: Choice | None = None
    phone: PhoneText | None = None
    notes: Note | None = None


class PayeeIn(Schema):
    name: PersonName = ""
    id_number: IdNumberText = ""
    bank_name: ShortText = ""
    bank_account: AccountText = ""


class LifeEventIn(Schema):
    kind: Choice = Field(
        "",
        description="death, move, level_change, suspension, suspension_end, cancellation, "
        "bank_change or phone_change",
    )
    effective_on: DateText = Field("", description="YYYY-MM-DD")
    qualification_id: Id | None = None
    to_region: RegionCode = Field(
        "", description="the code of a township or village of the county, or of the county moved to"
    )
    level: DisabilityLevel | Annotated[str, Field(max_length=10)] | None = None
    reason: Text200 = ""
    bank_name: ShortText = ""
    bank_account: AccountText = ""
    phone: PhoneText = ""
    note: Annotated[str, Field(max_length=500)] = ""
    payee: PayeeIn | None = Field(None, description="a death's payee of the lump sum and arrears")


class RevealOut(Schema):
    id_number: str


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    require(user, Capability.READ_PERSONAL_DATA)
    return user


def _writer(request: HttpRequest) -> User:
    user = acting_user(request)
    require(user, Capability.WRITE_REGISTRY)
    return user


def _detail(user: User, beneficiary_id: int) -> Beneficiary:
    return get_visible_or_404(
        Beneficiary.objects.select_related("township", "region").prefetch_related(
            "qualifications__suspensions", "life_events__recorded_by"
        ),
        user,
        pk=beneficiary_id,
    )


@router.get("", response=list[BeneficiaryBrief])
@paginate(PageNumberPagination)
def list_beneficiaries(
    request: HttpRequest,
    q: ShortText = "",
    township: ShortText = "",
    village: ShortText = "",
    category: Choice = "",
    level: DisabilityLevel | None = None,
    status: Choice = "",
    residence: Choice = "",
) -> QuerySet[Beneficiary]:
    """Search by name, pinyin or initials, ID number (or its last 4–6 characters) or phone,
    and filter by place, category, disability level, status and residence."""
    user = _reader(request)
    filters = search_filters(
        township=township,
        village=village,
        category=category,
        level=level,
        status=status,
        residence=residence,
    )
    return (
        search_beneficiaries(user, q, filters)
        .select_related("township", "region")
        .prefetch_related("qualifications")
    )


@router.get(
    "/export",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The template's columns, one row per qualification; audited.",
                "content": {mime: {} for mime in exporting.CONTENT_TYPES.values()},
            }
        }
    },
)
@decorate_view(reads_from_replica)
def export_beneficiaries(
    request: HttpRequest,
    format: Choice = "xlsx",
    q: ShortText = "",
    township: ShortText = "",
    village: ShortText = "",
    category: Choice = "",
    level: DisabilityLevel | None = None,
    status: Choice = "",
    residence: Choice = "",
) -> HttpResponseBase:
    """The search's people as .xlsx or .csv, identifiers masked unless the role may reveal them."""
    user = _reader(request)
    filters = search_filters(
        township=township,
        village=village,
        category=category,
        level=level,
        status=status,
        residence=residence,
    )
    return exporting.export_response(user, exporting.ExportRequest(q, filters), format)


@router.post("", response={201: BeneficiaryOut})
def create_beneficiary(request: HttpRequest, payload: BeneficiaryIn) -> Status[Beneficiary]:
    user = _writer(request)
    raw = payload.model_dump()
    qualifications = raw.pop("qualifications")
    person, cleaned, errors = clean_registration(raw, qualifications, RegionChoices(user).lookup)
    if errors or person is None:
        raise invalid_input(errors)
    created = do_register_beneficiary(person, cleaned, acting_user=user)
    return Status(201, _detail(user, created.pk))


@router.get("/{beneficiary_id}", response=BeneficiaryOut)
def get_beneficiary(request: HttpRequest, beneficiary_id: int) -> Beneficiary:
    user = _reader(request)
    person = _detail(user, beneficiary_id)
    record_view(user, person, region=person.region_id)
    return person


@router.patch("/{beneficiary_id}", response=BeneficiaryOut)
def update_beneficiary(request: HttpRequest, beneficiary_id: int, payload: ContactIn) -> Beneficiary:
    user = _writer(request)
    person = _detail(user, beneficiary_id)
    changes, errors = clean_contact(payload.model_dump(exclude_unset=True))
    if errors:
        raise invalid_input(errors)
    do_update_beneficiary(person, acting_user=user, **changes)
    return _detail(user, beneficiary_id)


@router.post("/{beneficiary_id}/life-events", response={201: LifeEventOut})
def record_life_event(request: HttpRequest, beneficiary_id: int, payload: LifeEventIn) -> Status[LifeEvent]:
    user = _writer(request)
    person = get_visible_or_404(Beneficiary.objects.select_related("region"), user, pk=beneficiary_id)
    event, errors = clean_life_event(payload.model_dump(), person, user)
    if errors or event is None:
        raise invalid_input(errors)
    recorded = do_record_life_event(
        person, event.kind, event.effective_on, acting_user=user, **event.service_arguments()
    )
    return Status(201, recorded)


@router.post("/{beneficiary_id}/reveal-id-number", response=RevealOut)
def reveal_beneficiary_id_number(request: HttpRequest, beneficiary_id: int) -> RevealOut:
    """The full ID number, for roles that may see it (403 otherwise). Recorded in the audit log."""
    user = acting_user(request)
    # The capability first, so a role without it learns nothing of which ids exist.
    require(user, Capability.REVEAL_ID_NUMBER)
    person = get_visible_or_404(Beneficiary, user, pk=beneficiary_id)
    return RevealOut(id_number=reveal_id_number(person, acting_user=user))
