"""/api/v1/housing: surveys (with photos), cases and their budgets, payments and completion, and
the homes graded C or D that no case serves. Scoped (another region's record is a 404) and thin:
every write is a service, which checks the role, the state and the rules."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_noop
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.benefits.money import to_fen
from youfu.core.authed import acting_user
from youfu.core.bounds import Choice, Id, RegionCode, Year
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.core.roles import Capability, require
from youfu.registry.models import Beneficiary
from youfu.relief.housing import selectors, services
from youfu.relief.housing.models import HousingCase, HousingSurvey
from youfu.relief.housing.schemas import (
    ApproveIn,
    BudgetIn,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CompleteIn,
    DisburseIn,
    PhotoOut,
    RefuseIn,
    SurveyDetailOut,
    SurveyIn,
    SurveyOut,
    UnservedOut,
)
from youfu.relief.housing.transitions import actions_for

router = Router(tags=["housing"])


def _person(user: User, beneficiary_id: int) -> Beneficiary:
    # A role that reads no person (the admin, the auditor) is refused as such, not told the
    # person is unknown.
    require(user, Capability.READ_PERSONAL_DATA)
    person = Beneficiary.objects.visible_to(user).filter(pk=beneficiary_id).first()
    if person is None:
        message = Message(gettext_noop("Unknown person."))
        raise InvalidInput(message, fields={"beneficiary": message})
    return person


def _case_detail(user: User, case: HousingCase) -> HousingCase:
    fresh = selectors.get_case(user, case.pk)
    fresh.actions_now = [str(a) for a in actions_for(fresh, user)]  # type: ignore[attr-defined]
    return fresh


# --- surveys ------------------------------------------------------------------------------


@router.get("/surveys", response=list[SurveyOut])
@paginate(PageNumberPagination)
def list_surveys(
    request: HttpRequest,
    grade: Choice = "",
    township: RegionCode = "",
    year: Year | None = None,
    beneficiary: Id | None = None,
) -> QuerySet[HousingSurvey]:
    return selectors.surveys_for(
        acting_user(request), grade=grade, township=township, year=year, beneficiary=beneficiary
    )


@router.post("/surveys", response={201: SurveyDetailOut})
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status[HousingSurvey]:
    user = acting_user(request)
    survey = services.do_record_survey(
        _person(user, payload.beneficiary),
        grade=payload.grade,
        surveyed_on=payload.surveyed_on,
        note=payload.note,
        acting_user=user,
    )
    return Status(201, selectors.get_survey(user, survey.pk))


@router.get("/surveys/{survey_id}", response=SurveyDetailOut)
def get_survey(request: HttpRequest, survey_id: Id) -> HousingSurvey:
    return selectors.get_survey(acting_user(request), survey_id)


@router.post("/surveys/{survey_id}/photos", response={201: PhotoOut})
def upload_photo(request: HttpRequest, survey_id: Id, file: File[UploadedFile]) -> Status[Any]:
    """A JPEG or PNG photo (multipart field ``file``, ≤ 10 MB, ≤ 40 megapixels), stored
    re-encoded without EXIF, GPS or any other metadata."""
    user = acting_user(request)
    survey = selectors.get_survey(user, survey_id)
    return Status(201, services.do_add_photo(survey, file, acting_user=user))


@router.get("/surveys/{survey_id}/photos/{photo_id}", response={200: None})
def get_photo(request: HttpRequest, survey_id: Id, photo_id: Id) -> FileResponse:
    user = acting_user(request)
    photo = selectors.get_photo(user, selectors.get_survey(user, survey_id), photo_id)
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


# --- the homes no case serves ---------------------------------------------------------------


@router.get("/unserved", response=list[UnservedOut])
@paginate(PageNumberPagination)
def list_unserved(request: HttpRequest, township: RegionCode = "") -> QuerySet[HousingSurvey]:
    """Homes graded C or D by their latest survey with no case waiting, approved or completed
    (a refused case does not serve a home); one row per home (a registry household is one home)."""
    return selectors.unserved_for(acting_user(request), township=township)


# --- cases --------------------------------------------------------------------------------


@router.get("/cases", response=list[CaseOut])
@paginate(PageNumberPagination)
def list_cases(
    request: HttpRequest,
    state: Choice = "",
    kind: Choice = "",
    township: RegionCode = "",
    beneficiary: Id | None = None,
    waiting: bool = False,
) -> QuerySet[HousingCase]:
    return selectors.cases_for(
        acting_user(request),
        state=state,
        kind=kind,
        township=township,
        beneficiary=beneficiary,
        waiting=waiting,
    )


@router.post("/cases", response={201: CaseDetailOut})
def create_case(request: HttpRequest, payload: CaseIn) -> Status[HousingCase]:
    user = acting_user(request)
    case = services.do_open_case(
        _person(user, payload.beneficiary),
        kind=payload.kind,
        budget_fen=to_fen(payload.budget),
        note=payload.note,
        acting_user=user,
    )
    return Status(201, _case_detail(user, case))


@router.get("/cases/{housing_case_id}", response=CaseDetailOut)
def get_case(request: HttpRequest, housing_case_id: Id) -> HousingCase:
    user = acting_user(request)
    return _case_detail(user, selectors.get_case(user, housing_case_id))


@router.post("/cases/{housing_case_id}/approve", response=CaseDetailOut)
def approve_case(request: HttpRequest, housing_case_id: Id, payload: ApproveIn) -> HousingCase:
    """A leader approves the budget waiting (the first one, or a change), never their own proposal."""
    user = acting_user(request)
    case = services.do_approve_budget(
        selectors.get_case(user, housing_case_id), note=payload.note, acting_user=user
    )
    return _case_detail(user, case)


@router.post("/cases/{housing_case_id}/refuse", response=CaseDetailOut)
def refuse_case(request: HttpRequest, housing_case_id: Id, payload: RefuseIn) -> HousingCase:
    user = acting_user(request)
    case = services.do_refuse_budget(
        selectors.get_case(user, housing_case_id), reason=payload.reason, acting_user=user
    )
    return _case_detail(user, case)


@router.post("/cases/{housing_case_id}/budget", response=CaseDetailOut)
def propose_budget(request: HttpRequest, housing_case_id: Id, payload: BudgetIn) -> HousingCase:
    """A new budget for an approved case; the approved one stays in force until a leader approves."""
    user = acting_user(request)
    case = services.do_propose_budget(
        selectors.get_case(user, housing_case_id),
        budget_fen=to_fen(payload.budget),
        reason=payload.reason,
        acting_user=user,
    )
    return _case_detail(user, case)


@router.post("/cases/{housing_case_id}/disburse", response={201: CaseDetailOut})
def disburse(request: HttpRequest, housing_case_id: Id, payload: DisburseIn) -> Status[HousingCase]:
    """Money paid, within the approved budget (409 beyond it, or before approval)."""
    user = acting_user(request)
    case = selectors.get_case(user, housing_case_id)
    services.do_disburse(
        case, amount_fen=to_fen(payload.amount), paid_on=payload.paid_on, note=payload.note, acting_user=user
    )
    return Status(201, _case_detail(user, case))


@router.post("/cases/{housing_case_id}/complete", response=CaseDetailOut)
def complete(request: HttpRequest, housing_case_id: Id, payload: CompleteIn) -> HousingCase:
    user = acting_user(request)
    case = services.do_complete(
        selectors.get_case(user, housing_case_id), completed_on=payload.completed_on, acting_user=user
    )
    return _case_detail(user, case)
