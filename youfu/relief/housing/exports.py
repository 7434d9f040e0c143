"""The housing lists as .xlsx workbooks: data, never formulas (``csvio.xlsx_cells``), ID numbers
masked, and each download audited as a personal-data export with its filters and row count."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse
from django.utils import timezone

from youfu.accounts.models import User
from youfu.audit.services import record_export
from youfu.benefits.money import yuan
from youfu.core.csvio import XlsxSheet, xlsx_file_response, xlsx_spooled
from youfu.core.roles import Capability, require
from youfu.relief.housing.models import CaseKind, CaseState, Grade, HousingCase, HousingSurvey


def _person_cells(p: Any) -> list[Any]:
    village = p.region.name if p.region_id != p.township_id else ""
    return [p.township.name, village, p.name, p.id_number_masked]


def survey_rows(surveys: Iterable[HousingSurvey]) -> Iterable[list[Any]]:
    for s in surveys:
        yield [
            *_person_cells(s.beneficiary),
            str(Grade(s.grade).label),
            s.surveyed_on,
            getattr(s, "photo_count", 0),
        ]


SURVEY_HEADER = ["乡镇(街道)", "村(社区)", "姓名", "公民身份号码", "等级", "调查日期", "照片数"]


def case_rows(cases: Iterable[HousingCase]) -> Iterable[list[Any]]:
    for c in cases:
        yield [
            *_person_cells(c.beneficiary),
            str(CaseKind(c.kind).label),
            str(CaseState(c.state).label),
            c.opened_on,
            c.approved_on,
            yuan(c.budget_fen),
            None if c.proposed_fen is None else yuan(c.proposed_fen),
            yuan(c.paid_fen),
            c.completed_on,
        ]


CASE_HEADER = [
    "乡镇(街道)",
    "村(社区)",
    "姓名",
    "公民身份号码",
    "类型",
    "状态",
    "立项日期",
    "批准日期",
    "批准预算(元)",
    "待批预算(元)",
    "已拨付(元)",
    "竣工日期",
]


def unserved_rows(surveys: Iterable[HousingSurvey]) -> Iterable[list[Any]]:
    for s in surveys:
        yield [*_person_cells(s.beneficiary), str(Grade(s.grade).label), s.surveyed_on]


UNSERVED_HEADER = ["乡镇(街道)", "村(社区)", "姓名", "公民身份号码", "等级", "调查日期"]


def xlsx_response(
    user: User, *, what: str, filters: dict[str, Any], header: Sequence[str], rows: Iterable[list[Any]]
) -> FileResponse:
    """The rows as a download named ``housing-<what>-<time>.xlsx``; the export is audited."""
    require(user, Capability.READ_PERSONAL_DATA)
    spool, count = xlsx_spooled(XlsxSheet(what, header, rows))
    record_export(
        user,
        f"housing_{what}",
        count,
        filters={k: v for k, v in filters.items() if v},
        fields=["name", "id_number_masked"],
    )
    return xlsx_file_response(spool, f"housing-{what}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
