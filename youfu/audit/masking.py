"""What the audit log may show of a person: field names, ids and masked values, never personal
data in clear (an auditor reads the log, not the registry).

One function, ``mask_event_values``, masks the values of an event's old/new/extra by field
name. The services call it before writing (``record_event`` stores what it returns), and the
log page, its CSV and the API call it again on every event they show: events written before
this rule existed keep their rows (the log is append-only and HMAC-chained) but are shown
masked. Masking is idempotent: a masked value masks to itself.

``describe_changes`` renders an event's values as "字段: 旧值 → 新值" lines for the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import pgettext, pgettext_lazy

from youfu.core.idnumber import mask_id_number

# Stored in place of free text (notes, reasons, bank names): the auditor learns that the
# field was written or changed, not what it says. Shown translated (``_MARK_LABELS``).
GIVEN = "(given)"
CHANGED = "(changed)"


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: the first character stays."""
    value = value.strip()
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; a landline keeps its last four: 0551-1234567 → ********4567."""
    value = value.strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    if "*" in value and value[-4:].isdigit():
        return value  # already masked
    return "*" * (len(value) - 4) + value[-4:]


def mask_account(value: str) -> str:
    value = value.strip()
    return "*" * max(len(value) - 4, 0) + value[-4:] if value else ""


def mask_birth_date(value: Any) -> str:
    """1990-05-01 → 1990-**-**: the year stays (it may decide a benefit), the day goes."""
    text = value.isoformat() if isinstance(value, date) else str(value or "")
    return text[:4] + "-**-**" if re.match(r"^\d{4}", text) else ""


def mask_id(value: str) -> str:
    value = value.strip()
    if not value or "*" in value:
        return value
    return mask_id_number(value)


def mask_text(value: Any, *, changed: bool = False) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return CHANGED if changed else GIVEN


def _already_marked(value: Any) -> bool:
    return value in (GIVEN, CHANGED)


# Field name → how its value is masked. The names are those the services write (a person's
# snapshot, a qualification's columns, a life event's details, a payee).
_NAME_FIELDS = frozenset({"name", "payee", "payee_name"})
_PHONE_FIELDS = frozenset({"phone", "contact_phone"})
_TEXT_FIELDS = frozenset(
    {"notes", "note", "reason", "end_reason", "bank_name", "ethnicity", "address", "content", "payee_bank"}
)
_ACCOUNT_FIELDS = frozenset({"bank_account", "payee_bank_account"})
_ID_FIELDS = frozenset({"id_number", "payee_id_number"})
_BIRTH_FIELDS = frozenset({"birth_date"})


def _mask_field(key: str, value: Any, *, changed: bool, texts: bool = True) -> Any:
    if value is None or _already_marked(value):
        return value
    if key in _NAME_FIELDS:
        return mask_name(str(value))
    if key in _PHONE_FIELDS:
        return mask_phone(str(value))
    if key in _ACCOUNT_FIELDS:
        return mask_account(str(value))
    if key in _ID_FIELDS:
        return mask_id(str(value))
    if key in _BIRTH_FIELDS:
        return mask_birth_date(value)
    if key in _TEXT_FIELDS and texts:
        return mask_text(value, changed=changed)
    if isinstance(value, Mapping):
        return {k: _mask_field(str(k), v, changed=changed, texts=texts) for k, v in value.items()}
    return value


# Events whose values describe beneficiaries, payees or households: the registry (1xx), relief
# (3xx), outreach (5xx), a recovery's settlement and a lump sum's payee. Their names, phones,
# accounts, ID numbers and birth dates are masked and their free texts (notes, reasons, bank
# names) reduced to "(given)" / "(changed)".
_PERSON_EVENTS = frozenset({220, 230, 240, 241})


def _policy(event_type: int) -> str:
    if 100 <= event_type < 200 or 300 <= event_type < 400 or 500 <= event_type < 600:
        return "person"
    if event_type in _PERSON_EVENTS:
        return "person"
    # Other benefit events (standards, batches) hold staff's texts, which stay; an identifier
    # of a person there is still masked. Petitions (4xx) write no texts; reference data (8xx,
    # a region's or a department's name) and security (9xx, staff accounts) are not about the
    # people the bureau serves, and are shown as written.
    if 200 <= event_type < 300:
        return "identifiers"
    return "none"


def _life_event_details(values: dict[str, Any], *, changed: bool) -> dict[str, Any]:
    # A life event's "old"/"new" are a phone or an account, depending on its kind.
    kind = values.get("kind")
    out = {k: _mask_field(k, v, changed=changed) for k, v in values.items()}
    mask: Callable[[str], str] | None = {
        "phone_change": mask_phone,
        "bank_change": mask_account,
    }.get(str(kind))
    for key in ("old", "new"):
        if mask is not None and isinstance(values.get(key), str):
            out[key] = mask(values[key])
    return out


def mask_values(event_type: int, values: Any, *, changed: bool = False) -> Any:
    """One of an event's old/new/extra, masked. ``changed``: the value is the old or new side
    of a change (free text then reads "(changed)" rather than "(given)")."""
    policy = _policy(int(event_type))
    if not isinstance(values, Mapping) or policy == "none":
        return values
    values = dict(values)
    if policy == "person" and "kind" in values and ("old" in values or "new" in values):
        return _life_event_details(values, changed=changed)
    texts = policy == "person"
    return {k: _mask_field(str(k), v, changed=changed, texts=texts) for k, v in values.items()}


@dataclass(frozen=True)
class MaskedValues:
    old: Any
    new: Any
    extra: Any


def mask_event_values(event_type: int, old: Any, new: Any, extra: Any) -> MaskedValues:
    """An event's values as the audit log may keep and show them."""
    changed = old is not None and new is not None
    return MaskedValues(
        old=mask_values(event_type, old, changed=changed),
        new=mask_values(event_type, new, changed=changed),
        extra=mask_values(event_type, extra),
    )


# --- rendering ("字段: 旧值 → 新值") ---------------------------------------------------------

FIELD_LABELS = {
    "name": pgettext_lazy("audit field", "name"),
    "id_number": pgettext_lazy("audit field", "ID number"),
    "sex": pgettext_lazy("audit field", "sex"),
    "birth_date": pgettext_lazy("audit field", "birth date"),
    "ethnicity": pgettext_lazy("audit field", "ethnicity"),
    "residence": pgettext_lazy("audit field", "residence"),
    "region": pgettext_lazy("audit field", "region"),
    "township": pgettext_lazy("audit field", "township"),
    "phone": pgettext_lazy("audit field", "phone"),
    "bank_name": pgettext_lazy("audit field", "bank"),
    "bank_account": pgettext_lazy("audit field", "bank account"),
    "status": pgettext_lazy("audit field", "status"),
    "state": pgettext_lazy("audit field", "state"),
    "death_date": pgettext_lazy("audit field", "date of death"),
    "notes": pgettext_lazy("audit field", "notes"),
    "note": pgettext_lazy("audit field", "note"),
    "reason": pgettext_lazy("audit field", "reason"),
    "qualifications": pgettext_lazy("audit field", "qualifications"),
    "qualification": pgettext_lazy("audit field", "qualification"),
    "category": pgettext_lazy("audit field", "category"),
    "disability_cause": pgettext_lazy("audit field", "disability cause"),
    "disability_level": pgettext_lazy("audit field", "disability level"),
    "approved_on": pgettext_lazy("audit field", "approved on"),
    "enlisted_on": pgettext_lazy("audit field", "enlisted on"),
    "discharged_on": pgettext_lazy("audit field", "discharged on"),
    "service_years": pgettext_lazy("audit field", "years of service"),
    "beneficiary": pgettext_lazy("audit field", "person"),
    "kind": pgettext_lazy("audit field", "kind"),
    "effective_on": pgettext_lazy("audit field", "effective on"),
    "payee": pgettext_lazy("audit field", "payee"),
    "old": pgettext_lazy("audit field", "before"),
    "new": pgettext_lazy("audit field", "after"),
    "from": pgettext_lazy("audit field", "from"),
    "to": pgettext_lazy("audit field", "to"),
    "left_county": pgettext_lazy("audit field", "left the county"),
    "old_level": pgettext_lazy("audit field", "level before"),
    "new_level": pgettext_lazy("audit field", "level after"),
    "suspended_from": pgettext_lazy("audit field", "suspended from"),
    "file": pgettext_lazy("audit field", "file"),
    "filename": pgettext_lazy("audit field", "file"),
    "rows": pgettext_lazy("audit field", "rows"),
    "outcome": pgettext_lazy("audit field", "outcome"),
    "dry_run": pgettext_lazy("audit field", "dry run"),
    "source": pgettext_lazy("audit field", "source"),
    "persons_created": pgettext_lazy("audit field", "people registered"),
    "persons_updated": pgettext_lazy("audit field", "people updated"),
    "qualifications_created": pgettext_lazy("audit field", "qualifications added"),
    "beneficiary_ids": pgettext_lazy("audit field", "ids registered"),
    "updated_ids": pgettext_lazy("audit field", "ids updated"),
    "fields_changed": pgettext_lazy("audit field", "fields changed"),
    "qualification_ids": pgettext_lazy("audit field", "qualification ids added"),
    "update": pgettext_lazy("audit field", "update"),
    "errors": pgettext_lazy("audit field", "errors"),
    "warnings": pgettext_lazy("audit field", "warnings"),
    "code": pgettext_lazy("audit field", "code"),
    "sha256": pgettext_lazy("audit field", "SHA-256"),
    "count": pgettext_lazy("audit field", "count"),
    "amount": pgettext_lazy("audit field", "amount"),
    "total": pgettext_lazy("audit field", "total"),
    "persons": pgettext_lazy("audit field", "people"),
    "percent": pgettext_lazy("audit field", "percent"),
    "username": pgettext_lazy("audit field", "user name"),
    "full_name": pgettext_lazy("audit field", "full name"),
    "role": pgettext_lazy("audit field", "role"),
    "department": pgettext_lazy("audit field", "department"),
    "is_active": pgettext_lazy("audit field", "active"),
    "year": pgettext_lazy("audit field", "year"),
    "ip": pgettext_lazy("audit field", "IP address"),
    "method": pgettext_lazy("audit field", "method"),
    "filters": pgettext_lazy("audit field", "filters"),
    "field": pgettext_lazy("audit field", "field"),
    "fields": pgettext_lazy("audit field", "fields"),
    "region_id": pgettext_lazy("audit field", "region"),
    "channel": pgettext_lazy("audit field", "channel"),
    "received_on": pgettext_lazy("audit field", "received on"),
    "group_size": pgettext_lazy("audit field", "group size"),
    "accepted_on": pgettext_lazy("audit field", "accepted on"),
    "declined_on": pgettext_lazy("audit field", "declined on"),
    "earlier_case_id": pgettext_lazy("audit field", "earlier case"),
    "forwarded_on": pgettext_lazy("audit field", "forwarded on"),
    "handling_unit_id": pgettext_lazy("audit field", "handling unit"),
    "lead_id": pgettext_lazy("audit field", "lead"),
    "assigned_on": pgettext_lazy("audit field", "assigned on"),
    "started_on": pgettext_lazy("audit field", "started on"),
    "extension_days": pgettext_lazy("audit field", "extension days"),
    "extended_on": pgettext_lazy("audit field", "extended on"),
    "replied_on": pgettext_lazy("audit field", "replied on"),
    "review_requested_on": pgettext_lazy("audit field", "review requested on"),
    "review_replied_on": pgettext_lazy("audit field", "review replied on"),
    "rereview_requested_on": pgettext_lazy("audit field", "re-review requested on"),
    "rereview_replied_on": pgettext_lazy("audit field", "re-review replied on"),
    "concluded_on": pgettext_lazy("audit field", "concluded on"),
    "repeat_of_id": pgettext_lazy("audit field", "repeat of"),
    "beneficiary_id": pgettext_lazy("audit field", "person"),
    "reception_id": pgettext_lazy("audit field", "reception day"),
    "satisfaction": pgettext_lazy("audit field", "satisfaction"),
    "broken_seq": pgettext_lazy("audit field", "first broken event"),
    "checked": pgettext_lazy("audit field", "events checked"),
    "ok": pgettext_lazy("audit field", "intact"),
    "anchors": pgettext_lazy("audit field", "anchors held"),
    "anchor_file_unreadable": pgettext_lazy("audit field", "anchor file unreadable"),
    "added": pgettext_lazy("audit field", "added"),
    "banks": pgettext_lazy("audit field", "banks"),
    "effective_dates": pgettext_lazy("audit field", "effective dates"),
    "encoding": pgettext_lazy("audit field", "encoding"),
    "format": pgettext_lazy("audit field", "format"),
    "held_persons": pgettext_lazy("audit field", "people held"),
    "held_total": pgettext_lazy("audit field", "amount held"),
    "lines": pgettext_lazy("audit field", "lines"),
    "payments_start": pgettext_lazy("audit field", "payments start month"),
    "pending_lump_sums": pgettext_lazy("audit field", "lump sums waiting"),
    "per_bank": pgettext_lazy("audit field", "per bank"),
    "personal_data": pgettext_lazy("audit field", "personal data"),
    "recoveries_total": pgettext_lazy("audit field", "recoveries total"),
    "superseded": pgettext_lazy("audit field", "superseded"),
    "unchanged": pgettext_lazy("audit field", "unchanged"),
    "what": pgettext_lazy("audit field", "what"),
    "items": pgettext_lazy("audit field", "items"),
    "created": pgettext_lazy("audit field", "created"),
    "renamed": pgettext_lazy("audit field", "renamed"),
    "households": pgettext_lazy("audit field", "households"),
    "seed": pgettext_lazy("audit field", "seed"),
    "expires_at": pgettext_lazy("audit field", "expires at"),
    "prefix": pgettext_lazy("audit field", "token prefix"),
    "tokens_revoked": pgettext_lazy("audit field", "tokens revoked"),
    "until": pgettext_lazy("audit field", "until"),
    "user": pgettext_lazy("audit field", "user"),
    "changed": pgettext_lazy("audit field", "changed"),
    "dates": pgettext_lazy("audit field", "dates"),
    "newly_known": pgettext_lazy("audit field", "newly known"),
    "removed": pgettext_lazy("audit field", "removed"),
    "years": pgettext_lazy("audit field", "years"),
    "attachment": pgettext_lazy("audit field", "attachment"),
    "attachments": pgettext_lazy("audit field", "attachments"),
    "cancelled_at": pgettext_lazy("audit field", "cancelled at"),
    "content_type": pgettext_lazy("audit field", "content type"),
    "date": pgettext_lazy("audit field", "date"),
    "leader": pgettext_lazy("audit field", "leader"),
    "petitioners": pgettext_lazy("audit field", "petitioners"),
    "petitions": pgettext_lazy("audit field", "petitions"),
    "size": pgettext_lazy("audit field", "size"),
    "deadline": pgettext_lazy("audit field", "deadline"),
    "due": pgettext_lazy("audit field", "due"),
}

_MARK_LABELS = {
    GIVEN: pgettext_lazy("audit value", "(filled in)"),
    CHANGED: pgettext_lazy("audit value", "(changed)"),
}


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def _id_ranges(value: Any) -> str | None:
    """[[1, 3], [7, 7]] (an import's ids) → 1–3、7."""
    if not isinstance(value, list) or not all(
        isinstance(r, list) and len(r) == 2 and all(isinstance(n, int) for n in r) for r in value
    ):
        return None
    return "、".join(f"{a}–{b}" if a != b else str(a) for a, b in value)


def render_value(value: Any) -> str:
    ranges = _id_ranges(value)
    if ranges is not None and value:
        return ranges
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return pgettext("audit value", "yes") if value else pgettext("audit value", "no")
    if isinstance(value, str):
        mark = _MARK_LABELS.get(value)
        return str(mark) if mark is not None else value
    if isinstance(value, list | tuple):
        return "、".join(render_value(v) for v in value) if value else "—"
    if isinstance(value, Mapping):
        return "；".join(f"{field_label(str(k))}: {render_value(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str | None  # None: nothing before (a creation, or a detail of the event)
    new: str

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old} → {self.new}"


def describe_changes(event_type: int, old: Any, new: Any, extra: Any) -> list[ChangeLine]:
    """The event's values as lines "字段: 旧值 → 新值" (a creation or a detail: "字段: 值"),
    masked, with field labels in the current language."""
    masked = mask_event_values(event_type, old, new, extra)
    lines: list[ChangeLine] = []
    before = masked.old if isinstance(masked.old, Mapping) else {}
    after = masked.new if isinstance(masked.new, Mapping) else {}
    for key in [*after, *(k for k in before if k not in after)]:
        new_value = render_value(after.get(key))
        if key in before:
            old_value = render_value(before.get(key))
            if before.get(key) == after.get(key) == CHANGED:
                lines.append(ChangeLine(field_label(str(key)), None, str(_MARK_LABELS[CHANGED])))
                continue
            lines.append(ChangeLine(field_label(str(key)), old_value, new_value))
        else:
            lines.append(ChangeLine(field_label(str(key)), None, new_value))
    if isinstance(masked.extra, Mapping):
        lines += [ChangeLine(field_label(str(k)), None, render_value(v)) for k, v in masked.extra.items()]
    return lines
