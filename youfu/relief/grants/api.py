"""/api/v1/relief: temporary relief. Applications, each step of the approval chain, documents
and the county's settings. Every write is a service; refusals answer 400/403/404/409 and
change nothing."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from youfu.accounts.models import User
from youfu.audit.services import record_view
from youfu.benefits.money import to_fen
from youfu.core.authed import acting_user
from youfu.core.bounds import Choice, Id, RegionCode, Year
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.registry.models import Beneficiary
from youfu.relief.grants import selectors, services
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import ChainStep, GrantState, ReliefGrant, ReliefReason
from youfu.relief.grants.schemas import (
    ApproveIn,
    DocumentOut,
    GrantDetailOut,
    GrantIn,
    GrantOut,
    ReasonIn,
    ResubmitIn,
    SettingsIn,
    SettingsOut,
    document_out,
    grant_out,
    settings_out,
    step_out,
)

router = Router(tags=["relief"])


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    selectors.require_reader(user)
    return user


def _detail(user: User, grant_id: int, *, viewed: bool = False) -> dict[str, Any]:
    grant = selectors.get_grant(user, grant_id)
    if viewed:
        record_view(user, grant, region=grant.region_id)
    return {
        **grant_out(grant),
        "actions": [str(a) for a in t.actions_for(grant, user)],
        "steps": [step_out(s) for s in selectors.history(grant)],
        "documents": [document_out(d) for d in grant.documents.select_related("uploaded_by")],
    }


def _person(user: User, person_id: int) -> Beneficiary:
    # A role that reads no person (the admin, the auditor) is refused as such, not told the
    # person is unknown.
    selectors.require_reader(user)
    person: Beneficiary | None = Beneficiary.objects.visible_to(user).filter(pk=person_id).first()
    if person is None:
        message = Message(gettext_noop("Unknown person %(id)s."), {"id": person_id})
        raise InvalidInput(message, code="unknown_beneficiary", fields={"beneficiary": message})
    return person


def _choice(value: str | None, choices: list[str], name: str) -> str:
    if value and value not in choices:
        message = Message(gettext_noop("Unknown %(name)s %(value)s."), {"name": name, "value": value})
        raise InvalidInput(message, fields={name: message})
    return value or ""


# --- lists and one grant ---------------------------------------------------------------------


@router.get("", response=list[GrantOut])
@paginate(PageNumberPagination)
def list_grants(
    request: HttpRequest,
    state: Choice | None = None,
    next_step: Choice | None = None,
    reason: Choice | None = None,
    township: RegionCode | None = None,
    year: Year | None = None,
    beneficiary: Id | None = None,
    waiting: bool = False,
) -> "_Presented":
    """The grants in the user's region, newest first; ``waiting=true``: those waiting for the
    user's own step."""
    user = _reader(request)
    filters = selectors.GrantFilters(
        state=_choice(state, GrantState.values, "state"),
        next_step=_choice(next_step, ChainStep.values, "next_step"),
        reason=_choice(reason, ReliefReason.values, "reason"),
        township=township or "",
        year=year,
        beneficiary=beneficiary,
        waiting=waiting,
    )
    return _Presented(selectors.filtered(user, filters).select_related("settings_version"))


class _Presented:
    """A queryset that the paginator slices and counts, presented row by row."""

    def __init__(self, qs: QuerySet[ReliefGrant]) -> None:
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [grant_out(g) for g in self.qs[index]]


@router.get("/{int:relief_id}", response=GrantDetailOut)
def get_grant(request: HttpRequest, relief_id: int) -> dict[str, Any]:
    return _detail(_reader(request), relief_id, viewed=True)


# --- the chain -------------------------------------------------------------------------------


@router.post("", response={201: GrantDetailOut})
def apply(request: HttpRequest, payload: GrantIn) -> Status[dict[str, Any]]:
    """Enter an application: ``{beneficiary, reason, amount, applied_on, note}``; it waits at
    the step above the submitter (``next_step``)."""
    user = acting_user(request)
    grant = services.do_apply(
        _person(user, payload.beneficiary),
        services.Application(
            reason=payload.reason,
            amount_fen=to_fen(payload.amount),
            applied_on=payload.applied_on,
            note=payload.note.strip(),
        ),
        acting_user=user,
    )
    return Status(201, _detail(user, grant.pk))


@router.post("/{int:relief_id}/approve", response=GrantDetailOut)
def approve(request: HttpRequest, relief_id: int, payload: ApproveIn) -> dict[str, Any]:
    user = _reader(request)
    services.do_approve(selectors.get_grant(user, relief_id), note=payload.note.strip(), acting_user=user)
    return _detail(user, relief_id)


@router.post("/{int:relief_id}/return", response=GrantDetailOut)
def return_grant(request: HttpRequest, relief_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _reader(request)
    services.do_return(selectors.get_grant(user, relief_id), reason=payload.reason, acting_user=user)
    return _detail(user, relief_id)


@router.post("/{int:relief_id}/resubmit", response=GrantDetailOut)
def resubmit(request: HttpRequest, relief_id: int, payload: ResubmitIn) -> dict[str, Any]:
    """The submitter's corrected application, after a return: the chain starts again."""
    user = _reader(request)
    services.do_resubmit(
        selectors.get_grant(user, relief_id),
        services.Application(
            reason=payload.reason,
            amount_fen=to_fen(payload.amount),
            applied_on=payload.applied_on,
            note=payload.note.strip(),
        ),
        acting_user=user,
    )
    return _detail(user, relief_id)


@router.post("/{int:relief_id}/cancel", response=GrantDetailOut)
def cancel(request: HttpRequest, relief_id: int, payload: ReasonIn) -> dict[str, Any]:
    """Cancel an approved grant before it is paid (409 once a batch holds its payment), or
    withdraw a returned application."""
    user = _reader(request)
    services.do_cancel(selectors.get_grant(user, relief_id), reason=payload.reason, acting_user=user)
    return _detail(user, relief_id)


@router.post("/{int:relief_id}/documents", response={201: list[DocumentOut]})
def add_documents(
    request: HttpRequest, relief_id: int, files: File[list[UploadedFile]]
) -> Status[list[dict[str, Any]]]:
    """Attach documents (multipart ``files``): JPEG, PNG or PDF by their content, 10 MB each."""
    user = _reader(request)
    documents = services.do_add_documents(selectors.get_grant(user, relief_id), files, acting_user=user)
    return Status(201, [document_out(d) for d in documents])


# --- settings --------------------------------------------------------------------------------


@router.get("/settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> dict[str, Any]:
    return settings_out(selectors.settings_for(_reader(request)))


@router.post("/settings", response=SettingsOut)
def set_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    """A leader sets the caps, the leader line and the eligible categories (their change is
    the approval); a new version is in force from now."""
    user = acting_user(request)
    changes: dict[str, Any] = {}
    for name in ("case_cap", "year_cap", "leader_above"):
        value = getattr(payload, name)
        if value is not None:
            changes[f"{name}_fen"] = to_fen(value)
    if payload.categories is not None:
        changes["categories"] = payload.categories
    return settings_out(services.do_set_relief_settings(acting_user=user, **changes))
