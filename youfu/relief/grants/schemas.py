"""The relief API's input and output schemas, and how a grant is presented."""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema

from youfu.benefits.money import money
from youfu.core.bounds import BoundedDate, Choice, Id, Money, Note
from youfu.registry.categories import Category
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import ReliefDocument, ReliefGrant, ReliefReason, ReliefSettings, ReliefStep

ReasonCode = Annotated[ReliefReason, Field(description="illness | disaster | accident | schooling | other")]


class GrantIn(Schema):
    beneficiary: Id
    reason: ReasonCode
    amount: Money
    applied_on: BoundedDate
    note: Note = ""


class ResubmitIn(Schema):
    reason: ReasonCode
    amount: Money
    applied_on: BoundedDate
    note: Note = ""


class ApproveIn(Schema):
    note: Note = ""


class ReasonIn(Schema):
    reason: Note


class StepOut(Schema):
    round: int
    action: str
    step: str | None
    by: str
    at: datetime
    from_state: str | None
    to_state: str
    note: str


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class GrantOut(Schema):
    id: int
    state: str
    next_step: str | None
    amount: str
    beneficiary: int
    beneficiary_name: str
    township: str
    reason: str
    applied_on: date
    note: str
    entry_step: str
    chain: list[str]
    needs_leader: bool
    round: int
    submitted_by: str
    settings_version: int
    approved_on: date | None
    paid_on: date | None
    created_at: datetime


class GrantDetailOut(GrantOut):
    actions: list[str]
    steps: list[StepOut]
    documents: list[DocumentOut]


class SettingsIn(Schema):
    case_cap: Money | None = None
    year_cap: Money | None = None
    leader_above: Money | None = None
    categories: list[Choice] | None = Field(None, max_length=len(Category))


class SettingsOut(Schema):
    version: int
    case_cap: str
    year_cap: str
    leader_above: str
    categories: list[str]
    set_at: datetime
    set_by: str | None


def grant_out(grant: ReliefGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "state": grant.state,
        "next_step": grant.next_step or None,
        "amount": money(grant.amount_fen),
        "beneficiary": grant.beneficiary_id,
        "beneficiary_name": grant.beneficiary.name,
        "township": grant.township_id,
        "reason": grant.reason,
        "applied_on": grant.applied_on,
        "note": grant.note,
        "entry_step": grant.entry_step,
        "chain": [str(s) for s in t.chain(grant.entry_step, grant.needs_leader)],
        "needs_leader": grant.needs_leader,
        "round": grant.round,
        "submitted_by": grant.submitted_by.username,
        "settings_version": grant.settings_version.number,
        "approved_on": grant.approved_on,
        "paid_on": grant.paid_on,
        "created_at": grant.created_at,
    }


def step_out(step: ReliefStep) -> dict[str, Any]:
    return {
        "round": step.round,
        "action": step.action,
        "step": step.step or None,
        "by": step.actor_name,
        "at": step.at,
        "from_state": step.from_state or None,
        "to_state": step.to_state,
        "note": step.note,
    }


def document_out(document: ReliefDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "uploaded_by": document.uploaded_by.username,
        "uploaded_at": document.uploaded_at,
    }


def settings_out(version: ReliefSettings) -> dict[str, Any]:
    return {
        "version": version.number,
        "case_cap": money(version.case_cap_fen),
        "year_cap": money(version.year_cap_fen),
        "leader_above": money(version.leader_above_fen),
        "categories": list(version.categories),
        "set_at": version.set_at,
        "set_by": version.set_by.username if version.set_by else None,
    }
