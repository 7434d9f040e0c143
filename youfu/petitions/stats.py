"""Petition statistics by month, channel, category and township, in aggregate SQL.

received · new matters · repeats · accepted · accepted on time (decision within the
acceptance deadline) · replied · concluded on time (written reply within the conclusion
deadline, extension included) · average days from receipt to reply · satisfaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils.translation import gettext as _

from youfu.core.csvio import XlsxSheet, xlsx_bytes
from youfu.petitions.models import Category, Channel, Petition
from youfu.regions.models import Region


def _metrics() -> dict[str, Any]:
    return {
        "received": Count("pk"),
        "repeats": Count("pk", filter=Q(repeat_of__isnull=False)),
        "accepted": Count("pk", filter=Q(accepted_on__isnull=False)),
        "accepted_on_time": Count(
            "pk", filter=Q(accepted_on__isnull=False, accepted_on__lte=F("accept_due"))
        ),
        "replied": Count("pk", filter=Q(replied_on__isnull=False)),
        "concluded_on_time": Count("pk", filter=Q(replied_on__isnull=False, replied_on__lte=F("handle_due"))),
        "average_days": Avg("days_to_reply"),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction="satisfied")),
        "basically_satisfied": Count("pk", filter=Q(satisfaction="basically_satisfied")),
        "dissatisfied": Count("pk", filter=Q(satisfaction="dissatisfied")),
    }


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["new"] = row["received"] - row["repeats"]
    average = row["average_days"]
    row["average_days"] = round(float(average), 1) if average is not None else None
    rated = row["rated"]
    happy = row["satisfied"] + row["basically_satisfied"]
    row["satisfaction_rate"] = round(100 * happy / rated, 1) if rated else None
    return row


def _grouped(qs: QuerySet[Petition], key: Any) -> list[dict[str, Any]]:
    return [_finish(r) for r in qs.values(key=key).annotate(**_metrics()).order_by("key")]


def statistics(petitions: QuerySet[Petition], *, start: date, end: date) -> dict[str, Any]:
    """Petitions received in [start, end], from an already scoped queryset."""
    qs = petitions.filter(received_on__gte=start, received_on__lte=end).order_by()
    months = _grouped(qs, TruncMonth("received_on"))
    for row in months:
        row["label"] = f"{row['key']:%Y-%m}" if row["key"] else ""
    channels = _grouped(qs, F("channel"))
    for row in channels:
        row["label"] = str(Channel(row["key"]).label)
    categories = _grouped(qs, F("category"))
    for row in categories:
        row["label"] = str(Category(row["key"]).label)
    townships = _grouped(qs, Substr("region_id", 1, 9))
    codes = [f"{row['key']}000" for row in townships]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for row in townships:
        row["label"] = names.get(f"{row['key']}000", row["key"])
    total = _finish(dict(qs.aggregate(**_metrics())))
    total["label"] = _("Total")
    return {
        "by_month": months,
        "by_channel": channels,
        "by_category": categories,
        "by_township": townships,
        "total": total,
    }


def metric_labels() -> list[tuple[str, str]]:
    return [
        ("received", _("received")),
        ("new", _("new matters")),
        ("repeats", _("repeats")),
        ("accepted", _("accepted")),
        ("accepted_on_time", _("accepted on time")),
        ("replied", _("replied")),
        ("concluded_on_time", _("concluded on time")),
        ("average_days", _("average days to reply")),
        ("rated", _("rated")),
        ("satisfied", _("satisfied")),
        ("basically_satisfied", _("basically satisfied")),
        ("dissatisfied", _("dissatisfied")),
        ("satisfaction_rate", _("satisfaction rate (%)")),
    ]


def to_xlsx(stats: dict[str, Any], *, title: str) -> bytes:
    sheets = [
        ("by_month", _("By month")),
        ("by_channel", _("By channel")),
        ("by_category", _("By category")),
        ("by_township", _("By township")),
    ]
    labels = metric_labels()

    def cells(row: dict[str, Any]) -> list[Any]:
        return [row["label"]] + [row[name] for name, _label in labels]

    data, _count = xlsx_bytes(
        *(
            XlsxSheet(
                sheet_title,
                ["", *(label for _name, label in labels)],
                [cells(row) for row in stats[key]],
                heading=title,
                widths=[18],
                totals=lambda _rows: cells(stats["total"]),
            )
            for key, sheet_title in sheets
        )
    )
    return data
