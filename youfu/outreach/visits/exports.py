"""The campaign's lists as workbooks: the not-visited list a township takes on its rounds, and
the visit register (慰问登记表) a bureau prints and files. Cells are written through the
formula-safe writer; each personal-data download is audited with its size and columns.

The rows come from the selectors (already in the user's scope), read in chunks with the
people's qualifications prefetched per chunk: a fixed number of queries per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from youfu.audit.services import record_export
from youfu.benefits.money import yuan
from youfu.core.csvio import XlsxSheet, xlsx_bytes
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.outreach.visits.selectors import coverage_percent
from youfu.registry.categories import CHINESE_NAMES, Category
from youfu.registry.models import Beneficiary

if TYPE_CHECKING:
    from youfu.accounts.models import User

CHUNK = 2000

REGISTER_HEADERS = ["姓名", "类别", "乡镇(街道)", "走访日期", "走访人", "慰问金", "慰问品"]
NOT_VISITED_HEADERS = ["姓名", "类别", "乡镇(街道)", "村(社区)", "年龄", "联系电话"]
CAMPAIGN_HEADERS = ["名称", "范围", "开始日期", "结束日期", "走访类别", "应走访", "已走访", "覆盖率(%)"]


def categories_label(person: Beneficiary, campaign: VisitCampaign) -> str:
    """The person's categories that the campaign visits (from prefetched qualifications)."""
    wanted = set(campaign.categories)
    on = campaign.starts_on
    names = [
        CHINESE_NAMES[Category(q.category)]
        for q in person.qualifications.all()
        if q.category in wanted and q.approved_on <= on and (q.ended_on is None or q.ended_on > on)
    ]
    return "、".join(dict.fromkeys(names))


def age_on(person: Beneficiary, on: date) -> int:
    born = person.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _audit(user: User, campaign: VisitCampaign | None, what: str, rows: int, fields: list[str]) -> None:
    record_export(user, what, rows, campaign=campaign.pk if campaign else None, fields=fields)


def visit_register(campaign: VisitCampaign, visits: QuerySet[Visit], *, user: User) -> bytes:
    """慰问登记表: one row per visit, and the total of the money."""
    total = 0

    def rows() -> Iterable[list[Any]]:
        nonlocal total
        chunked = visits.prefetch_related("target__beneficiary__qualifications")
        for visit in chunked.iterator(chunk_size=CHUNK):
            person = visit.target.beneficiary
            total += visit.money_fen
            yield [
                person.name,
                categories_label(person, campaign),
                person.township.name,
                visit.visited_on,
                visit.visitors,
                yuan(visit.money_fen),
                visit.goods,
            ]

    data, count = xlsx_bytes(
        XlsxSheet(
            "慰问登记表",
            REGISTER_HEADERS,
            rows(),
            heading=f"{campaign.name} 慰问登记表",
            widths=[12, 24, 14, 12, 24, 12, 24],
            text_columns=frozenset({0, 4, 6}),  # what was typed stays text
            number_formats={5: "0.00"},
            totals=lambda count: [f"合计 {count} 人", "", "", "", "", yuan(total), ""],
        )
    )
    _audit(user, campaign, "visit_register", count, ["name", "categories", "township", "visit"])
    return data


def not_visited_list(campaign: VisitCampaign, targets: QuerySet[VisitTarget], *, user: User) -> bytes:
    def rows() -> Iterable[list[Any]]:
        for target in targets.prefetch_related("beneficiary__qualifications").iterator(chunk_size=CHUNK):
            person = target.beneficiary
            yield [
                person.name,
                categories_label(person, campaign),
                person.township.name,
                person.region.name if person.region_id != person.township_id else "",
                age_on(person, campaign.starts_on),
                person.phone,
            ]

    data, count = xlsx_bytes(
        XlsxSheet(
            "未走访名单",
            NOT_VISITED_HEADERS,
            rows(),
            widths=[12, 24, 14, 16, 8, 16],
            text_columns=frozenset({0, 5}),  # a phone stays text, as typed
        )
    )
    fields = ["name", "categories", "township", "village", "age", "phone"]
    _audit(user, campaign, "not_visited", count, fields)
    return data


def campaign_list(rows: Iterable[tuple[VisitCampaign, int, int]], categories: dict[str, str]) -> bytes:
    """The campaigns with their coverage in the user's scope (no personal data: not audited)."""
    cells = (
        [
            campaign.name,
            campaign.region.name,
            campaign.starts_on,
            campaign.ends_on,
            "、".join(categories.get(c, c) for c in campaign.categories),
            targets,
            visited,
            "" if (percent := coverage_percent(visited, targets)) is None else percent,
        ]
        for campaign, targets, visited in rows
    )
    data, _count = xlsx_bytes(
        XlsxSheet(
            "走访慰问活动",
            CAMPAIGN_HEADERS,
            cells,
            widths=[28, 12, 12, 12, 40, 10, 10, 10],
            text_columns=frozenset({0}),
        )
    )
    return data
