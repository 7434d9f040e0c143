"""The discoveries API's input and output schemas, and how a finding is presented."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from ninja import Schema

from youfu.core.bounds import Choice, Identifier, Note
from youfu.relief.discoveries.models import Discovery, DiscoveryRefresh, Rule
from youfu.relief.discoveries.present import action, evidence, evidence_text


class ResolveIn(Schema):
    outcome: Choice  # acted | not_applicable
    note: Note = ""
    reference: Identifier = ""  # "qualification:123", "housing_case:45", "premium:7"


class EvidenceOut(Schema):
    age: int | None = None
    year: int | None = None
    residence: str | None = None
    disability_level: int | None = None
    grade: str | None = None
    surveyed_on: date | None = None
    death_date: date | None = None
    household_members: int | None = None
    payee: bool | None = None


class DiscoveryOut(Schema):
    """A row of ``selectors.with_evidence``."""

    id: int
    rule: str
    rule_label: str
    beneficiary: int
    name: str
    township: str
    state: str  # open | resolved | lapsed (no longer applies)
    found_at: datetime
    closed_at: datetime | None
    evidence: EvidenceOut
    evidence_text: str
    act_url: str
    outcome: str  # acted | not_applicable, or "" while open
    note: str
    reference: str
    resolved_by: str | None

    @staticmethod
    def resolve_rule_label(obj: Discovery) -> str:
        return str(Rule(obj.rule).label)

    @staticmethod
    def resolve_beneficiary(obj: Discovery) -> int:
        return int(obj.beneficiary_id)

    @staticmethod
    def resolve_name(obj: Discovery) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_township(obj: Discovery) -> str:
        return obj.beneficiary.township.name

    @staticmethod
    def resolve_evidence(obj: Discovery) -> dict[str, Any]:
        return evidence(obj, timezone.localdate().year)

    @staticmethod
    def resolve_evidence_text(obj: Discovery) -> str:
        return evidence_text(obj, timezone.localdate().year)

    @staticmethod
    def resolve_act_url(obj: Discovery) -> str:
        return action(obj)[1]

    @staticmethod
    def resolve_resolved_by(obj: Discovery) -> str | None:
        return obj.resolved_by.username if obj.resolved_by else None


class RefreshOut(Schema):
    at: datetime
    region_prefix: str
    added: int
    closed: int
    reopened: int
    rules: dict[str, dict[str, int]] = {}


class RuleCountOut(Schema):
    rule: str
    label: str
    open: int


class SummaryOut(Schema):
    last_refreshed_at: datetime | None
    rules: list[RuleCountOut]


def refresh_out(refresh: DiscoveryRefresh, rules: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    return {
        "at": refresh.at,
        "region_prefix": refresh.region_prefix,
        "added": refresh.added,
        "closed": refresh.closed,
        "reopened": refresh.reopened,
        "rules": rules or {},
    }
