"""Housing writes: surveys and their photos, cases, budgets (maker-checker), payments, completion.

Every function checks the role, the scope (a record outside the user's region is a 404), the
case's state through the one transition table (``transitions.py``) and the rules, runs in one
transaction with the moving row locked, and writes its audit record. Input bounds (grades, dates,
amounts) are checked here too, in one place that the API and the pages both reach: a refusal is
an ``InvalidInput`` (400) naming the field, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.money import money
from youfu.core.bounds import EARLIEST_DATE
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, YoufuError
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.registry.models import Beneficiary, Household, PersonStatus
from youfu.registry.selectors import of_home
from youfu.relief.housing.models import (
    OPEN_STATES,
    BudgetState,
    CaseKind,
    CaseState,
    Grade,
    HousingBudget,
    HousingCase,
    HousingDisbursement,
    HousingPhoto,
    HousingSurvey,
)
from youfu.relief.housing.photos import CleanPhoto, clean_photo
from youfu.relief.housing.transitions import Action, is_clerk, move, require_role, row_for

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

# A new rural house costs tens of thousands of yuan; nothing the bureau pays on one home comes
# near a million (the API's ``Money`` bound is the same).
MAX_AMOUNT_FEN = 99_999_999
MAX_PHOTOS_PER_SURVEY = 20
NOTE_MAX = 2000
REASON_MAX = 500


# --- checks shared by every write --------------------------------------------------------


def _invalid(
    field: str, msgid: str, params: dict[str, Any] | None = None, code: str = "invalid"
) -> InvalidInput:
    message = Message(msgid, params or {})
    return InvalidInput(message, code=code, fields={field: message})


def check_past_date(value: date, field: str, *, not_before: date | None = None) -> date:
    """A date that has happened: not in the future, not before 1900 (nor ``not_before``)."""
    today = timezone.localdate()
    if value > today:
        raise _invalid(field, gettext_noop("This date is in the future."), code="future_date")
    earliest = max(EARLIEST_DATE, not_before) if not_before else EARLIEST_DATE
    if value < earliest:
        raise _invalid(
            field,
            gettext_noop("Give a date from %(earliest)s on."),
            {"earliest": earliest.isoformat()},
            code="date_out_of_range",
        )
    return value


def check_amount(fen: int, field: str) -> int:
    if not 0 < fen <= MAX_AMOUNT_FEN:
        raise _invalid(
            field,
            gettext_noop("Give an amount above 0 and at most %(max)s yuan."),
            {"max": money(MAX_AMOUNT_FEN)},
            code="amount_out_of_range",
        )
    return fen


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _invalid(field, gettext_noop("This field is required."), code="required")
    if len(value) > limit:
        raise _invalid(field, gettext_noop("At most %(n)d characters."), {"n": limit}, code="too_long")
    return value


def _require_clerk(user: User) -> None:
    require(user, Capability.WRITE_RECORDS)
    if not is_clerk(user):
        raise PermissionDenied()


def _require_visible(model: type[models.Model], pk: Any, user: User) -> None:
    if not model._default_manager.visible_to(user).filter(pk=pk).exists():  # type: ignore[attr-defined]
        raise NotFound()


def _person(beneficiary: Beneficiary, user: User) -> None:
    _require_visible(Beneficiary, beneficiary.pk, user)


# --- surveys ------------------------------------------------------------------------------


def do_record_survey(
    beneficiary: Beneficiary,
    *,
    grade: str,
    surveyed_on: date,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
    acting_user: User,
) -> HousingSurvey:
    """A survey of the person's home, graded A (sound) to D (dangerous), with its photos: all of
    them are checked before anything is written, so one bad photo stores nothing."""
    _require_clerk(acting_user)
    _person(beneficiary, acting_user)
    if grade not in Grade.values:
        raise _invalid("grade", gettext_noop("The grade is A, B, C or D."), code="invalid_grade")
    check_past_date(surveyed_on, "surveyed_on")
    note = _text(note, "note", NOTE_MAX)
    if len(photos) > MAX_PHOTOS_PER_SURVEY:
        raise _too_many_photos(InvalidInput, "photos")
    cleaned = [(upload, clean_photo(upload, "photos")) for upload in photos]
    stored: list[str] = []
    try:
        with transaction.atomic():
            survey = HousingSurvey.objects.create(
                beneficiary=beneficiary,
                grade=grade,
                surveyed_on=surveyed_on,
                note=note,
                entered_by=acting_user,
            )
            record_event(
                EventType.HOUSING_SURVEYED,
                actor=acting_user,
                region=beneficiary.region_id,
                obj=survey,
                new={"beneficiary": beneficiary.pk, "grade": grade, "surveyed_on": surveyed_on, "note": note},
            )
            for upload, photo in cleaned:
                _store_photo(survey, upload, photo, acting_user, stored)
    except BaseException:
        _delete(stored)
        raise
    return survey


def _too_many_photos(error: type[InvalidInput] | type[Conflict], field: str) -> YoufuError:
    message = Message(gettext_noop("A survey keeps at most %(n)d photos."), {"n": MAX_PHOTOS_PER_SURVEY})
    return error(message, code="too_many_photos", fields={field: message})


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _store_photo(
    survey: HousingSurvey, upload: UploadedFile, photo: CleanPhoto, acting_user: User, stored: list[str]
) -> HousingPhoto:
    """Write one cleaned photo (inside the caller's transaction; ``stored`` collects the file
    names, for the caller to delete when the transaction fails)."""
    row = HousingPhoto(
        survey=survey,
        original_name=(upload.name or "photo")[-200:],
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.content),
        sha256=photo.sha256,
        uploaded_by=acting_user,
    )
    row.file.save("photo", ContentFile(photo.content), save=False)
    stored.append(row.file.name)
    row.save()
    record_event(
        EventType.HOUSING_PHOTO_ADDED,
        actor=acting_user,
        region=survey.beneficiary.region_id,
        obj=survey,
        new={"photo": row.pk, "content_type": row.content_type, "size": row.size},
    )
    return row


def do_add_photo(survey: HousingSurvey, upload: UploadedFile, *, acting_user: User) -> HousingPhoto:
    """A photo of the surveyed home, stored without its metadata (``photos.clean_photo``)."""
    _require_clerk(acting_user)
    _require_visible(HousingSurvey, survey.pk, acting_user)
    photo = clean_photo(upload)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = HousingSurvey.objects.select_for_update().get(pk=survey.pk)
            if locked.photos.count() >= MAX_PHOTOS_PER_SURVEY:
                raise _too_many_photos(Conflict, "file")
            return _store_photo(locked, upload, photo, acting_user, stored)
    except BaseException:
        _delete(stored)
        raise


# --- cases --------------------------------------------------------------------------------


def _lock_home(beneficiary: Beneficiary) -> None:
    """Serialise case openings for one home: the household row when the person has one."""
    if beneficiary.household_id:
        Household.objects.select_for_update().filter(pk=beneficiary.household_id).first()  # scope: a lock
    else:
        Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).first()  # scope: a lock


def open_case_of_home(beneficiary: Beneficiary) -> HousingCase | None:
    """The pending or approved case of anyone in the person's home (unscoped: a rule's check)."""
    return HousingCase.objects.filter(of_home(beneficiary), state__in=OPEN_STATES).first()


def do_open_case(
    beneficiary: Beneficiary,
    *,
    kind: str,
    budget_fen: int,
    note: str = "",
    opened_on: date | None = None,
    acting_user: User,
) -> HousingCase:
    """A new-house or repair case with its budget, waiting for a leader's approval. One home has
    at most one case open (waiting or approved) at a time."""
    _require_clerk(acting_user)
    _person(beneficiary, acting_user)
    if kind not in CaseKind.values:
        raise _invalid("kind", gettext_noop("The kind is new or repair."), code="invalid_kind")
    check_amount(budget_fen, "budget")
    opened_on = check_past_date(opened_on or timezone.localdate(), "opened_on")
    note = _text(note, "note", NOTE_MAX)
    if beneficiary.status != PersonStatus.ALIVE:
        raise Conflict(
            Message(gettext_noop("This person has died: open the case for a living member of the home.")),
            code="deceased",
        )
    with transaction.atomic():
        _lock_home(beneficiary)
        if open_case_of_home(beneficiary) is not None:
            raise Conflict(
                Message(gettext_noop("This home already has a housing case in progress.")), code="case_open"
            )
        case = HousingCase.objects.create(  # scope: the person was checked to be visible
            beneficiary=beneficiary,
            kind=kind,
            state=CaseState.PENDING,
            proposed_fen=budget_fen,
            opened_on=opened_on,
            note=note,
            entered_by=acting_user,
        )
        HousingBudget.objects.create(
            case=case, amount_fen=budget_fen, proposed_by=acting_user
        )  # scope: new row
        record_event(
            EventType.HOUSING_CASE_OPENED,
            actor=acting_user,
            region=beneficiary.region_id,
            obj=case,
            new={
                "beneficiary": beneficiary.pk,
                "kind": kind,
                "budget": money(budget_fen),
                "opened_on": opened_on,
                "note": note,
            },
        )
    return case


def _locked(case: HousingCase, user: User) -> HousingCase:
    _require_visible(HousingCase, case.pk, user)
    return HousingCase.objects.select_for_update().get(pk=case.pk)  # scope: checked above


def _waiting_budget(case: HousingCase, acting_user: User) -> HousingBudget:
    budget = case.budgets.select_for_update().filter(state=BudgetState.PENDING).first()
    if budget is None:  # the table's guard saw proposed_fen; the row is its record
        raise Conflict(
            Message(gettext_noop("No budget is waiting for a decision on this case.")), code="stale"
        )
    if budget.proposed_by_id == acting_user.pk:
        raise PermissionDenied(
            Message(gettext_noop("A budget is approved by a different user from the one who proposed it.")),
            code="own_entry",
        )
    return budget


def do_approve_budget(
    case: HousingCase, *, note: str = "", acting_user: User, on: date | None = None
) -> HousingCase:
    """A leader approves the budget waiting (the first, or a change): it is then in force. ``on``:
    the date of the decision (today, unless a paper decision is being recorded)."""
    require_role(Action.APPROVE, acting_user)
    note = _text(note, "note", REASON_MAX)
    decided = check_past_date(on or timezone.localdate(), "on")
    with transaction.atomic():
        case = _locked(case, acting_user)
        budget = _waiting_budget(case, acting_user)
        if budget.amount_fen < case.paid_fen:
            raise Conflict(
                Message(
                    gettext_noop("%(paid)s yuan is already paid: the budget cannot be less."),
                    {"paid": money(case.paid_fen)},
                ),
                code="below_paid",
            )
        if case.state == CaseState.PENDING and decided < case.opened_on:
            raise _invalid("on", gettext_noop("The decision cannot come before the case was opened."))
        old = {"state": case.state, "budget": money(case.budget_fen)}
        changes: dict[str, Any] = {"budget_fen": budget.amount_fen, "proposed_fen": None}
        if case.approved_on is None:
            changes["approved_on"] = decided
        row = move(case, Action.APPROVE, **changes)
        budget.state = BudgetState.APPROVED
        budget.decided_by = acting_user
        budget.decided_at = timezone.now()
        budget.decision_note = note
        budget.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        record_event(
            row.event,
            actor=acting_user,
            region=case.beneficiary.region_id,
            obj=case,
            old=old,
            new={"state": case.state, "budget": money(case.budget_fen)},
            extra={"budget_row": budget.pk, "note": note},
        )
    return case


def do_refuse_budget(case: HousingCase, *, reason: str, acting_user: User) -> HousingCase:
    """A leader refuses the budget waiting: a first budget refuses the case (the home counts as
    unserved again); a change leaves the approved budget in force."""
    require_role(Action.REFUSE, acting_user)
    reason = _text(reason, "reason", REASON_MAX, required=True)
    with transaction.atomic():
        case = _locked(case, acting_user)
        budget = _waiting_budget(case, acting_user)
        old = {"state": case.state, "proposed": money(case.proposed_fen)}
        changes: dict[str, Any] = {"proposed_fen": None}
        if case.state == CaseState.PENDING:
            changes["refused_reason"] = reason
        row = move(case, Action.REFUSE, **changes)
        budget.state = BudgetState.REFUSED
        budget.decided_by = acting_user
        budget.decided_at = timezone.now()
        budget.decision_note = reason
        budget.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        record_event(
            row.event,
            actor=acting_user,
            region=case.beneficiary.region_id,
            obj=case,
            old=old,
            new={"state": case.state, "proposed": None},
            extra={"budget_row": budget.pk, "reason": reason},
        )
    return case


def do_propose_budget(case: HousingCase, *, budget_fen: int, reason: str, acting_user: User) -> HousingCase:
    """A clerk proposes a different budget for an approved case; the approved one stays in force
    (money is paid within it) until a leader approves the new one."""
    require_role(Action.BUDGET, acting_user)
    check_amount(budget_fen, "budget")
    reason = _text(reason, "reason", REASON_MAX, required=True)
    with transaction.atomic():
        case = _locked(case, acting_user)
        if budget_fen == case.budget_fen:
            raise _invalid("budget", gettext_noop("This is the budget already approved."), code="same_budget")
        if budget_fen < case.paid_fen:
            raise Conflict(
                Message(
                    gettext_noop("%(paid)s yuan is already paid: the budget cannot be less."),
                    {"paid": money(case.paid_fen)},
                ),
                code="below_paid",
            )
        row = move(case, Action.BUDGET, proposed_fen=budget_fen)
        budget = HousingBudget.objects.create(  # scope: the case was checked to be visible
            case=case, amount_fen=budget_fen, reason=reason, proposed_by=acting_user
        )
        record_event(
            row.event,
            actor=acting_user,
            region=case.beneficiary.region_id,
            obj=case,
            old={"budget": money(case.budget_fen)},
            new={"proposed": money(budget_fen)},
            extra={"budget_row": budget.pk, "reason": reason},
        )
    return case


def do_disburse(
    case: HousingCase, *, amount_fen: int, paid_on: date, note: str = "", acting_user: User
) -> HousingDisbursement:
    """Money paid on the case, within the budget in force (409 beyond it)."""
    require_role(Action.DISBURSE, acting_user)
    check_amount(amount_fen, "amount")
    note = _text(note, "note", REASON_MAX)
    with transaction.atomic():
        case = _locked(case, acting_user)
        row_for(case, Action.DISBURSE)  # 409 before approval
        check_past_date(paid_on, "paid_on", not_before=case.approved_on)
        paid = case.paid_fen + amount_fen
        if paid > case.budget_fen:
            raise Conflict(
                Message(
                    gettext_noop(
                        "Over the approved budget: %(left)s yuan of %(budget)s is left to pay."
                        " A larger budget needs a leader's approval first."
                    ),
                    {"left": money(case.budget_fen - case.paid_fen), "budget": money(case.budget_fen)},
                ),
                code="over_budget",
            )
        row = move(case, Action.DISBURSE, paid_fen=paid)
        disbursement = HousingDisbursement.objects.create(  # scope: the case was checked to be visible
            case=case, amount_fen=amount_fen, paid_on=paid_on, note=note, entered_by=acting_user
        )
        record_event(
            row.event,
            actor=acting_user,
            region=case.beneficiary.region_id,
            obj=case,
            old={"paid": money(paid - amount_fen)},
            new={"paid": money(paid)},
            extra={"disbursement": disbursement.pk, "amount": money(amount_fen), "paid_on": paid_on},
        )
    return disbursement


def do_complete(case: HousingCase, *, completed_on: date, acting_user: User) -> HousingCase:
    """The work is done (after the budget was approved)."""
    require_role(Action.COMPLETE, acting_user)
    with transaction.atomic():
        case = _locked(case, acting_user)
        row_for(case, Action.COMPLETE)  # 409 before approval, whatever the date says
        check_past_date(completed_on, "completed_on", not_before=case.approved_on)
        row = move(case, Action.COMPLETE, completed_on=completed_on)
        record_event(
            row.event,
            actor=acting_user,
            region=case.beneficiary.region_id,
            obj=case,
            old={"state": CaseState.APPROVED.value},
            new={"state": case.state, "completed_on": completed_on},
        )
    return case
