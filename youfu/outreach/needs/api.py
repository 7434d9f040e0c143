"""/api/v1/needs-checks: rounds, household checks and findings. Scoped (another township's
record is a 404) and audited (every write is a service); a finding is closed only with a
written solution, and solving it twice is a 409."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.core.authed import acting_user
from youfu.core.bounds import BoundedDate, Choice, Id, Note, RegionCode, ShortText, Username
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.core.roles import Capability
from youfu.outreach.needs import selectors, services
from youfu.outreach.needs.models import Finding, HouseholdCheck, NeedsRound
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary

router = Router(tags=["needs checks"])


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    if not user.can(Capability.READ_PERSONAL_DATA):
        raise PermissionDenied()
    return user


def _invalid(field: str, msgid: str, **params: object) -> InvalidInput:
    message = Message(msgid, params)
    return InvalidInput(message, fields={field: message})


# --- schemas ---------------------------------------------------------------------------------


class RoundIn(Schema):
    name: ShortText
    region: RegionCode
    due_on: BoundedDate


class TownshipOut(Schema):
    code: str
    name: str
    households: int
    checked: int
    no_difficulty: int
    with_findings: int


class KindOut(Schema):
    kind: str
    open: int
    solved: int


class RoundOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    due_on: date
    opened_on: date
    opened_by: str
    open: bool
    closed_on: date | None
    households: int


class RoundDetailOut(RoundOut):
    checked: int
    unchecked: int
    no_difficulty: int
    with_findings: int
    findings_open: int
    findings_solved: int
    findings_overdue: int
    by_township: list[TownshipOut]
    by_kind: list[KindOut]


class CheckOut(Schema):
    id: int
    household: int
    address: str
    region: str
    township: str
    outcome: str  # "" (not checked yet), "no_difficulty" or "findings"
    checked_on: date | None
    checked_by: str | None
    note: str


class CloseIn(Schema):
    closed_on: BoundedDate | None = None  # today when left out


class CheckIn(Schema):
    checked_on: BoundedDate | None = None  # today when left out
    note: Note = ""


class FindingIn(Schema):
    beneficiary: Id
    kind: Choice
    description: Note
    owner: Username
    due_on: BoundedDate
    found_on: BoundedDate | None = None  # today when left out


class FindingOut(Schema):
    id: int
    round: int
    beneficiary: int
    beneficiary_name: str
    township: str
    kind: str
    description: str
    owner: str
    found_on: date
    due_on: date
    overdue: bool
    state: str
    solution: str
    solved_on: date | None
    solved_by: str | None


class NoteOut(Schema):
    id: int
    written_on: date
    note: str
    written_by: str


class FindingDetailOut(FindingOut):
    notes: list[NoteOut]


class SolveIn(Schema):
    solution: Note
    solved_on: BoundedDate


class ReassignIn(Schema):
    owner: Username


class NoteIn(Schema):
    note: Note
    written_on: BoundedDate | None = None


def round_out(r: NeedsRound) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "region": r.region_id,
        "region_name": r.region.name,
        "due_on": r.due_on,
        "opened_on": r.opened_on,
        "opened_by": r.opened_by.username,
        "open": r.is_open,
        "closed_on": timezone.localdate(r.closed_at) if r.closed_at else None,
        "households": r.households,
    }


def check_out(c: HouseholdCheck) -> dict[str, Any]:
    return {
        "id": c.pk,
        "household": c.household_id,
        "address": c.household.address,
        "region": c.household.region_id,
        "township": c.township.name,
        "outcome": c.outcome,
        "checked_on": c.checked_on,
        "checked_by": c.checked_by.username if c.checked_by else None,
        "note": c.note,
    }


def finding_out(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "round": f.round_id,
        "beneficiary": f.beneficiary_id,
        "beneficiary_name": f.beneficiary.name,
        "township": f.beneficiary.township.name,
        "kind": f.kind,
        "description": f.description,
        "owner": f.owner.username,
        "found_on": f.found_on,
        "due_on": f.due_on,
        "overdue": f.is_overdue(timezone.localdate()),
        "state": f.state,
        "solution": f.solution,
        "solved_on": f.solved_on,
        "solved_by": f.solved_by.username if f.solved_by else None,
    }


def _finding_detail(user: User, finding_id: int) -> dict[str, Any]:
    finding = selectors.get_finding(user, finding_id)
    notes = [
        {"id": n.pk, "written_on": n.written_on, "note": n.text, "written_by": n.written_by.username}
        for n in selectors.finding_notes(user, finding)
    ]
    return {**finding_out(finding), "notes": notes}


# --- rounds ----------------------------------------------------------------------------------


@router.get("/rounds", response=list[RoundOut])
@paginate(PageNumberPagination)
def list_rounds(request: HttpRequest, open: bool | None = None) -> list[dict[str, Any]]:
    user = _reader(request)
    qs: QuerySet[NeedsRound] = selectors.rounds_for(user)
    if open is not None:
        qs = qs.filter(closed_at__isnull=open)
    return _LazyRows(qs, round_out)  # type: ignore[return-value]


@router.post("/rounds", response={201: RoundOut})
def open_round(request: HttpRequest, payload: RoundIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    region = Region.objects.filter(code=payload.region.strip()).first()
    if region is None:
        raise _invalid("region", gettext_noop("Unknown region code %(code)s."), code=payload.region)
    round_ = services.do_open_round(payload.name, region, payload.due_on, acting_user=user)
    return Status(201, round_out(selectors.get_round(user, round_.pk)))


@router.get("/rounds/{round_id}", response=RoundDetailOut)
def get_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    user = _reader(request)
    round_ = selectors.get_round(user, round_id)
    progress = selectors.round_progress(user, round_)
    total = progress.total
    return {
        **round_out(round_),
        "checked": total.checked,
        "unchecked": total.unchecked,
        "no_difficulty": total.no_difficulty,
        "with_findings": total.with_findings,
        "findings_open": progress.findings_open,
        "findings_solved": progress.findings_solved,
        "findings_overdue": progress.findings_overdue,
        "by_township": [t.__dict__ for t in progress.townships],
        "by_kind": [{"kind": k, "open": o, "solved": s} for k, _label, o, s in progress.by_kind],
    }


@router.post("/rounds/{round_id}/close", response=RoundOut)
def close_round(request: HttpRequest, round_id: Id, payload: CloseIn) -> dict[str, Any]:
    """结束本轮排查: the round ends early on ``closed_on``; its open findings stay open."""
    user = _reader(request)
    round_ = selectors.get_round(user, round_id)
    services.do_close_round(round_, payload.closed_on or timezone.localdate(), acting_user=user)
    return round_out(selectors.get_round(user, round_.pk))


@router.get("/rounds/{round_id}/households", response=list[CheckOut])
@paginate(PageNumberPagination)
def list_households(
    request: HttpRequest, round_id: Id, state: Choice = "", township: RegionCode = ""
) -> list[dict[str, Any]]:
    """``state``: ``unchecked``, ``checked``, ``no_difficulty`` or ``findings``."""
    user = _reader(request)
    round_ = selectors.get_round(user, round_id)
    qs = selectors.checks_for(user, round_, state=state, township=township)
    return _LazyRows(qs, check_out)  # type: ignore[return-value]


@router.post("/checks/{needs_check_id}/no-difficulty", response=CheckOut)
def check_no_difficulty(request: HttpRequest, needs_check_id: Id, payload: CheckIn) -> dict[str, Any]:
    user = _reader(request)
    check = selectors.get_check(user, needs_check_id)
    services.do_check_no_difficulty(
        check.round,
        [check.pk],
        checked_on=payload.checked_on or timezone.localdate(),
        note=payload.note,
        acting_user=user,
    )
    return check_out(selectors.get_check(user, needs_check_id))


@router.post("/rounds/{round_id}/findings", response={201: FindingOut})
def record_finding(request: HttpRequest, round_id: Id, payload: FindingIn) -> Status[dict[str, Any]]:
    user = _reader(request)
    round_ = selectors.get_round(user, round_id)
    person = Beneficiary.objects.visible_to(user).filter(pk=payload.beneficiary).first()
    if person is None:
        raise _invalid("beneficiary", gettext_noop("Unknown person."))
    finding = services.do_record_finding(
        round_,
        person,
        kind=payload.kind,
        description=payload.description,
        owner=payload.owner,
        due_on=payload.due_on,
        found_on=payload.found_on,
        acting_user=user,
    )
    return Status(201, finding_out(selectors.get_finding(user, finding.pk)))


# --- findings --------------------------------------------------------------------------------


@router.get("/findings", response=list[FindingOut])
@paginate(PageNumberPagination)
def list_findings(
    request: HttpRequest,
    state: Choice = "",
    region: RegionCode = "",
    kind: Choice = "",
    owner: Username = "",
    round: Id | None = None,
    overdue: bool = False,
) -> list[dict[str, Any]]:
    """What is outstanding (``state=open``): overdue findings first, then by due date."""
    user = _reader(request)
    qs = selectors.findings_for(
        user, state=state, region=region, kind=kind, owner=owner, round_id=round, overdue=overdue
    )
    return _LazyRows(qs, finding_out)  # type: ignore[return-value]


@router.get("/findings/{finding_id}", response=FindingDetailOut)
def get_finding(request: HttpRequest, finding_id: Id) -> dict[str, Any]:
    return _finding_detail(_reader(request), finding_id)


@router.post("/findings/{finding_id}/solve", response=FindingDetailOut)
def solve_finding(request: HttpRequest, finding_id: Id, payload: SolveIn) -> dict[str, Any]:
    user = _reader(request)
    finding = selectors.get_finding(user, finding_id)
    services.do_solve_finding(
        finding, solution=payload.solution, solved_on=payload.solved_on, acting_user=user
    )
    return _finding_detail(user, finding_id)


@router.post("/findings/{finding_id}/reassign", response=FindingDetailOut)
def reassign_finding(request: HttpRequest, finding_id: Id, payload: ReassignIn) -> dict[str, Any]:
    user = _reader(request)
    finding = selectors.get_finding(user, finding_id)
    services.do_reassign_finding(finding, owner=payload.owner, acting_user=user)
    return _finding_detail(user, finding_id)


@router.post("/findings/{finding_id}/notes", response={201: FindingDetailOut})
def add_note(request: HttpRequest, finding_id: Id, payload: NoteIn) -> Status[dict[str, Any]]:
    user = _reader(request)
    finding = selectors.get_finding(user, finding_id)
    services.do_add_finding_note(finding, text=payload.note, written_on=payload.written_on, acting_user=user)
    return Status(201, _finding_detail(user, finding_id))


class _LazyRows:
    """A queryset that the paginator counts and slices, presented row by row."""

    def __init__(self, qs: QuerySet[Any], present: Any) -> None:
        self.qs = qs
        self.present = present

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.present(row) for row in self.qs[item]]
