"""The medical area's .xlsx exports: claims, the premium list, outpatient subsidies, the
yearly totals. Cells go through the formula-safe writer; each download of personal data is
audited as PERSONAL_DATA_EXPORTED (what, how many rows, which personal fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from youfu.audit.services import record_export
from youfu.benefits.money import yuan
from youfu.core.csvio import DATETIME_FORMAT, XlsxSheet, local_datetime, xlsx_bytes
from youfu.core.roles import Capability, require
from youfu.registry.models import Beneficiary
from youfu.relief.medical.models import MedicalClaim, MedicalPremium, OutpatientSubsidy

if TYPE_CHECKING:
    from youfu.accounts.models import User
    from youfu.relief.medical.selectors import TownshipTotals


def _audit(user: User, what: str, rows: int, personal: list[str], filters: dict[str, Any]) -> None:
    record_export(user, what, rows, fields=personal, filters=filters)


def do_export_claims(claims: QuerySet[MedicalClaim], *, acting_user: User, filters: dict[str, Any]) -> bytes:
    require(acting_user, Capability.READ_PERSONAL_DATA)
    headers = [
        _("Number"),
        _("Township"),
        pgettext("of a person", "Name"),
        _("ID number"),
        _("Hospital"),
        _("Admitted on"),
        _("Left hospital on"),
        _("Total cost"),
        _("Basic medical insurance"),
        _("Serious-illness insurance"),
        _("Paid by others"),
        _("Target (%)"),
        _("By the rule"),
        _("Left of the yearly cap"),
        _("Subsidy"),
        _("State"),
        _("Entered by"),
        _("Entered at"),
        _("Decided by"),
        _("Reason"),
    ]
    rows = (
        [
            c.pk,
            c.beneficiary.township.name,
            c.beneficiary.name,
            c.beneficiary.id_number_masked,
            c.hospital,
            c.admitted_on,
            c.discharged_on,
            c.total_cost,
            c.insurance_paid,
            c.serious_illness_paid,
            c.other_paid,
            c.target_percent,
            c.computed,
            c.cap_left,
            c.subsidy,
            c.get_state_display(),
            str(c.entered_by),  # the full name, or the username when none
            local_datetime(c.entered_at),
            str(c.decided_by) if c.decided_by else "",
            c.refusal_reason,
        ]
        for c in claims.select_related("beneficiary__township", "entered_by", "decided_by").iterator(
            chunk_size=2000
        )
    )
    data, count = xlsx_bytes(
        XlsxSheet(_("Medical claims"), headers, rows, number_formats={17: DATETIME_FORMAT})
    )
    _audit(acting_user, "medical_claims", count, ["name", "id_number_masked"], filters)
    return data


def do_export_premiums(
    people: QuerySet[Beneficiary], year: int, *, acting_user: User, filters: dict[str, Any]
) -> bytes:
    """``people`` annotated with ``has_premium`` (``selectors.premium_people_for``)."""
    require(acting_user, Capability.READ_PERSONAL_DATA)
    headers = [
        _("Township"),
        pgettext("of a person", "Name"),
        _("ID number"),
        _("Year"),
        _("Premium recorded"),
        _("Amount"),
    ]
    amounts = dict(
        MedicalPremium.objects.filter(year=year, beneficiary__in=people.values("pk")).values_list(
            "beneficiary_id", "amount_fen"
        )
    )
    rows = (
        [
            p.township.name,
            p.name,
            p.id_number_masked,
            year,
            _("yes") if p.has_premium else _("no"),  # type: ignore[attr-defined]
            yuan(amounts[p.pk]) if p.pk in amounts else "",
        ]
        for p in people.iterator(chunk_size=2000)
    )
    data, count = xlsx_bytes(XlsxSheet(_("Medical premiums"), headers, rows))
    _audit(acting_user, "medical_premiums", count, ["name", "id_number_masked"], filters)
    return data


def do_export_outpatient(
    subsidies: QuerySet[OutpatientSubsidy], *, acting_user: User, filters: dict[str, Any]
) -> bytes:
    require(acting_user, Capability.READ_PERSONAL_DATA)
    headers = [
        _("Township"),
        pgettext("of a person", "Name"),
        _("ID number"),
        _("Year"),
        _("Amount"),
        _("Paid on"),
        _("Note"),
    ]
    rows = (
        [
            s.beneficiary.township.name,
            s.beneficiary.name,
            s.beneficiary.id_number_masked,
            s.year,
            s.amount,
            s.paid_on,
            s.note,
        ]
        for s in subsidies.select_related("beneficiary__township").iterator(chunk_size=2000)
    )
    data, count = xlsx_bytes(XlsxSheet(_("Outpatient subsidies"), headers, rows))
    _audit(acting_user, "medical_outpatient", count, ["name", "id_number_masked"], filters)
    return data


def export_totals(totals: list[TownshipTotals], year: int) -> bytes:
    """The yearly totals per township hold no personal data: not audited as an export."""
    headers = [
        _("Township"),
        _("Claims"),
        _("Subsidies approved or paid"),
        _("Subsidies waiting"),
        _("Premiums"),
        _("Premium amount"),
        _("Outpatient subsidies"),
        _("Outpatient amount"),
    ]
    rows = (
        [
            t.name,
            t.claims,
            yuan(t.subsidy_fen),
            yuan(t.pending_fen),
            t.premiums,
            yuan(t.premium_fen),
            t.outpatient,
            yuan(t.outpatient_fen),
        ]
        for t in totals
    )
    data, _count = xlsx_bytes(XlsxSheet(f"{year}", headers, rows))
    return data
