"""The needs checks' .xlsx downloads: a round's households and findings, and the findings list.

Files of personal data: each download is recorded (``PERSONAL_DATA_EXPORTED``). Every cell goes
through the formula-safe writer (``core.csvio.xlsx_cells``); the column titles are the bureau's
own, in Chinese, like the registry's and the recoveries' files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from youfu.accounts.models import User
from youfu.audit.services import record_export
from youfu.core.csvio import XlsxSheet, xlsx_bytes, xlsx_response
from youfu.core.roles import Capability, require
from youfu.outreach.needs.models import Finding, HouseholdCheck, NeedsRound
from youfu.registry.models import Beneficiary, PersonStatus

CHUNK = 2000

FINDING_HEADERS = [
    "编号",
    "排查轮次",
    "乡镇(街道)",
    "村(社区)",
    "姓名",
    "公民身份号码",
    "困难类型",
    "困难情况",
    "责任人",
    "发现日期",
    "办结期限",
    "状态",
    "是否逾期",
    "解决办法",
    "解决日期",
]
CHECK_HEADERS = [
    "乡镇(街道)",
    "村(社区)",
    "住址",
    "家庭成员",
    "排查结果",
    "排查日期",
    "排查人",
    "说明",
    "发现困难数",
]


def _finding_rows(findings: QuerySet[Finding]) -> Iterable[list[Any]]:
    today = timezone.localdate()
    for f in findings.select_related(
        "round", "beneficiary__township", "beneficiary__region", "owner"
    ).iterator(chunk_size=CHUNK):
        person = f.beneficiary
        yield [
            f.pk,
            f.round.name,
            person.township.name,
            person.region.name if person.region_id != person.township_id else "",
            person.name,
            person.id_number_masked,
            f.get_kind_display(),
            f.description,
            str(f.owner),
            f.found_on,
            f.due_on,
            f.get_state_display(),
            "是" if f.is_overdue(today) else "",
            f.solution,
            f.solved_on,
        ]


def _members(user: User, checks: QuerySet[HouseholdCheck]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    people = (
        Beneficiary.objects.visible_to(user)
        .filter(household_id__in=checks.values("household_id"), status=PersonStatus.ALIVE)
        .order_by("household_id", "birth_date", "pk")
        .values_list("household_id", "name")
    )
    for household_id, name in people.iterator(chunk_size=CHUNK):
        names[household_id].append(name)
    return names


def _check_rows(user: User, checks: QuerySet[HouseholdCheck]) -> Iterable[list[Any]]:
    members = _members(user, checks)
    counted = checks.annotate(found=Count("findings")).select_related(
        "township", "household__region", "checked_by"
    )
    for c in counted.iterator(chunk_size=CHUNK):
        household = c.household
        yield [
            c.township.name,
            household.region.name if household.region_id != c.township_id else "",
            household.address,
            "、".join(members.get(household.pk, [])),
            c.get_outcome_display(),
            c.checked_on,
            str(c.checked_by) if c.checked_by else "",
            c.note,
            c.found,
        ]


def do_export_findings(
    findings: QuerySet[Finding], *, filters: dict[str, Any], acting_user: User
) -> HttpResponse:
    """The findings list as the clerk filtered it (``findings`` is already in their scope)."""
    require(acting_user, Capability.READ_PERSONAL_DATA)
    data, rows = xlsx_bytes(XlsxSheet("困难排查问题", FINDING_HEADERS, _finding_rows(findings)))
    record_export(acting_user, "needs_findings", rows, filters=filters, format="xlsx")
    return xlsx_response(data, f"needs-findings-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


def do_export_round(
    round_: NeedsRound, checks: QuerySet[HouseholdCheck], findings: QuerySet[Finding], *, acting_user: User
) -> HttpResponse:
    """A round's households (checked and not yet) and its findings, two sheets."""
    require(acting_user, Capability.READ_PERSONAL_DATA)
    data, rows = xlsx_bytes(
        XlsxSheet("排查户", CHECK_HEADERS, _check_rows(acting_user, checks)),
        XlsxSheet("发现问题", FINDING_HEADERS, _finding_rows(findings)),
    )
    record_export(acting_user, "needs_round", rows, round=round_.pk, format="xlsx")
    return xlsx_response(data, f"needs-round-{round_.pk}-{timezone.localtime():%Y%m%d}.xlsx")
