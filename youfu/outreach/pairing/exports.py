"""The pairing list and the yearly totals as .xlsx: data only, every text cell written through
the formula-safe writer. The list holds people's names, so downloading it is audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from youfu.accounts.models import User
from youfu.audit.services import record_export
from youfu.benefits.money import yuan
from youfu.core.csvio import XlsxSheet, xlsx_bytes
from youfu.outreach.pairing.models import Pairing
from youfu.outreach.pairing.selectors import PairingFilters, Summary, Totals, kind_columns

MAX_ROWS = 100_000  # far beyond any county's pairings


def pairings_xlsx(qs: QuerySet[Pairing], *, filters: PairingFilters, acting_user: User) -> bytes:
    header = [
        _("paired department"),
        _("township"),
        pgettext("of a person", "Name"),
        _("ID number"),
        _("paired on"),
        _("ended on"),
        _("number of activities"),
        _("last activity"),
    ]
    rows = [
        [
            p.department.name,
            p.beneficiary.township.name,
            p.beneficiary.name,
            p.beneficiary.id_number_masked,
            p.started_on,
            p.ended_on,
            getattr(p, "activity_count", 0),
            getattr(p, "last_activity_on", None),
        ]
        for p in qs[:MAX_ROWS]
    ]
    data, count = xlsx_bytes(XlsxSheet(_("Pairings"), header, rows))
    record_export(
        acting_user, "pairings", count, filters=filters.describe(), fields=["name", "id_number_masked"]
    )
    return data


def _figures(totals: Totals) -> list[Any]:
    out: list[Any] = [totals.households]
    for code, _label, amount_label, count_label in kind_columns():
        kind = totals.by_kind[code]
        out.append(kind.activities)
        if amount_label:
            out.append(yuan(kind.amount_fen))
        if count_label:
            out.append(kind.count)
    out += [totals.activities, yuan(totals.amount_fen)]
    return out


def summary_header() -> list[str]:
    header = [_("households paired")]
    for _code, label, amount_label, count_label in kind_columns():
        header.append(f"{label}·{_('number of activities')}")
        if amount_label:
            header.append(f"{label}·{amount_label}({_('yuan')})")
        if count_label:
            header.append(f"{label}·{count_label}")
    return [*header, _("number of activities in all"), _("money in all (yuan)")]


def summary_xlsx(found: Summary) -> bytes:
    rows = [[row.department.name, *_figures(row.totals)] for row in found.departments]
    title = _("Pairing support %(year)d") % {"year": found.year}
    header = [_("paired department"), *summary_header()]
    data, _count = xlsx_bytes(
        XlsxSheet(title, header, rows, totals=lambda _rows: [_("Total"), *_figures(found.county)])
    )
    return data
