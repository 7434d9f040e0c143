"""临时救助 temporary relief: every write (settings, applications, each step of the chain,
documents, payment), each checking the role, the scope, the state and the rules, in one
transaction with its audit record.

The rules, each in one place:
- who may apply for whom: ``eligibility_refusal`` (an eligible category held, alive, in the county);
- the caps: ``cap_refusal`` (per case; per person and calendar year of ``applied_on``, counting
  pending, approved and paid grants);
- who takes which step: the transition table, ``youfu/relief/grants/transitions.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event, record_export
from youfu.benefits.models import OneOffKind
from youfu.benefits.money import money, yuan
from youfu.benefits.services import do_schedule_one_off, do_withdraw_one_off
from youfu.core.csvio import XlsxSheet, xlsx_bytes
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, Role
from youfu.core.roles import require as require_capability
from youfu.core.uploads import check_upload
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, PersonStatus, QualificationStatus
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import (
    COUNTING_STATES,
    ChainStep,
    GrantState,
    ReliefDocument,
    ReliefGrant,
    ReliefSettings,
    ReliefStep,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_DOCUMENTS = 10  # per application

# --- settings ------------------------------------------------------------------------------

DEFAULT_CASE_CAP_FEN = 500_000
DEFAULT_YEAR_CAP_FEN = 1_000_000
DEFAULT_LEADER_ABOVE_FEN = 300_000
DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category.DISABLED_VETERAN,
    Category.RETURNED_ILL_VETERAN,
    Category.DEMOBILIZED_VETERAN,
    Category.MARTYR_SURVIVOR,
    Category.DUTY_DEATH_SURVIVOR,
    Category.ILLNESS_DEATH_SURVIVOR,
    Category.ACTIVE_DUTY_FAMILY,
    Category.CONSCRIPT_FAMILY,
)


def county_code(code: str) -> str:
    """The county of a region code: its first six digits."""
    return code[:6] + "000000"


def _defaults(code: str) -> ReliefSettings:
    return ReliefSettings(
        county_id=code,
        number=1,
        case_cap_fen=DEFAULT_CASE_CAP_FEN,
        year_cap_fen=DEFAULT_YEAR_CAP_FEN,
        leader_above_fen=DEFAULT_LEADER_ABOVE_FEN,
        categories=[c.value for c in DEFAULT_CATEGORIES],
    )


def settings_in_force(county: Region | str) -> ReliefSettings:
    """The county's newest settings version, or the defaults (not stored yet: reading never
    writes) until a grant or a leader first uses them."""
    code = county if isinstance(county, str) else county.code
    found = ReliefSettings.objects.filter(county_id=code).order_by("-number").first()
    return found or _defaults(code)


def _stored_settings(code: str) -> ReliefSettings:
    """The version in force, stored (the defaults become version 1): what a grant records.
    Call inside the writing service's transaction."""
    found = settings_in_force(code)
    if found.pk is not None:
        return found
    defaults = _defaults(code)
    stored, _created = ReliefSettings.objects.get_or_create(
        county_id=code,
        number=1,
        defaults={
            f: getattr(defaults, f)
            for f in ("case_cap_fen", "year_cap_fen", "leader_above_fen", "categories")
        },
    )
    return stored


_UNSET: Any = object()


def _settings_values(s: ReliefSettings) -> dict[str, Any]:
    return {
        "case_cap_fen": s.case_cap_fen,
        "year_cap_fen": s.year_cap_fen,
        "leader_above_fen": s.leader_above_fen,
        "categories": sorted(s.categories),
    }


def leader_county(user: User) -> Region:
    """The county a leader sets relief for: only a county's leader sets its settings."""
    if user.role != Role.LEADER or user.region is None or user.region.level != "county":
        raise PermissionDenied(Message(gettext_noop("Only a county's leader sets the relief settings.")))
    return user.region


def do_set_relief_settings(
    *,
    acting_user: User,
    case_cap_fen: int = _UNSET,
    year_cap_fen: int = _UNSET,
    leader_above_fen: int = _UNSET,
    categories: Sequence[str] = _UNSET,
) -> ReliefSettings:
    """A leader sets the caps, the leader line or the eligible categories: a new version in
    force from now (setting is itself the approval). Grants already entered keep theirs."""
    require_capability(acting_user, Capability.APPROVE)
    county = leader_county(acting_user)
    with transaction.atomic():
        current = ReliefSettings.objects.select_for_update().get(pk=_stored_settings(county.code).pk)
        before = _settings_values(current)
        after = dict(before)
        for key, value in (
            ("case_cap_fen", case_cap_fen),
            ("year_cap_fen", year_cap_fen),
            ("leader_above_fen", leader_above_fen),
        ):
            if value is not _UNSET:
                after[key] = value
        if categories is not _UNSET:
            after["categories"] = sorted(set(categories))
        _check_settings(after)
        if after == before:
            return current
        latest = ReliefSettings.objects.filter(county=county).aggregate(n=Max("number"))["n"] or 0
        version = ReliefSettings.objects.create(county=county, number=latest + 1, set_by=acting_user, **after)
        old = {k: v for k, v in before.items() if after[k] != v}
        record_event(
            EventType.RELIEF_SETTINGS_CHANGED,
            actor=acting_user,
            region=county,
            obj=version,
            old=old,
            new={k: after[k] for k in old},
            extra={"version": version.number},
        )
    return version


def _check_settings(values: dict[str, Any]) -> None:
    fields: dict[str, Message] = {}
    for key in ("case_cap_fen", "year_cap_fen"):
        if not 0 < values[key] < 10**11:
            fields[key.removesuffix("_fen")] = Message(gettext_noop("more than 0"))
    if not 0 <= values["leader_above_fen"] < 10**11:
        fields["leader_above"] = Message(gettext_noop("0 or more"))
    if not fields and values["case_cap_fen"] > values["year_cap_fen"]:
        fields["case_cap"] = Message(gettext_noop("not more than the yearly cap"))
    unknown = [c for c in values["categories"] if c not in Category.values]
    if unknown or not values["categories"]:
        fields["categories"] = Message(gettext_noop("choose one or more categories of the registry"))
    if fields:
        raise InvalidInput(
            Message(
                gettext_noop("These relief settings are not valid: %(fields)s."),
                {"fields": ", ".join(fields)},
            ),
            code="invalid_settings",
            fields=fields,
        )


# --- the rules -----------------------------------------------------------------------------


def eligibility_refusal(person: Beneficiary, version: ReliefSettings) -> Message | None:
    """Why ``person`` may not be granted relief under ``version``, or None: a registered
    person alive, living in the county, holding a qualification of an eligible category
    (not ended: moving out of the county ends them)."""
    if person.status != PersonStatus.ALIVE:
        return Message(gettext_noop("%(name)s is recorded as deceased."), {"name": person.name})
    if county_code(person.region_id) != version.county_id:
        return Message(gettext_noop("%(name)s is not registered in this county."), {"name": person.name})
    held = person.qualifications.exclude(status=QualificationStatus.ENDED).filter(
        category__in=version.categories
    )
    if not held.exists():
        return Message(
            gettext_noop("%(name)s holds no category eligible for temporary relief (%(categories)s)."),
            {"name": person.name, "categories": category_names(version.categories)},
        )
    return None


def category_names(codes: Iterable[str]) -> str:
    return "、".join(str(Category(c).label) for c in codes if c in Category.values)


def year_total_fen(person: Beneficiary, year: int, *, excluding: ReliefGrant | None = None) -> int:
    """What the person's grants applied for in ``year`` hold of the yearly cap: pending,
    approved and paid ones (returned and cancelled ones hold nothing)."""
    qs = ReliefGrant.objects.filter(  # scope: the caller holds the person; totals only
        beneficiary=person, applied_on__year=year, state__in=COUNTING_STATES
    )
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    total: int | None = qs.aggregate(total=Sum("amount_fen"))["total"]
    return total or 0


def cap_refusal(
    person: Beneficiary,
    amount_fen: int,
    applied_on: date,
    version: ReliefSettings,
    *,
    excluding: ReliefGrant | None = None,
) -> InvalidInput | Conflict | None:
    if amount_fen > version.case_cap_fen:
        message = Message(
            gettext_noop("%(amount)s yuan is more than the cap per case of %(cap)s yuan."),
            {"amount": money(amount_fen), "cap": money(version.case_cap_fen)},
        )
        return InvalidInput(message, code="over_case_cap", fields={"amount": message})
    held = year_total_fen(person, applied_on.year, excluding=excluding)
    if held + amount_fen > version.year_cap_fen:
        left = max(version.year_cap_fen - held, 0)
        message = Message(
            gettext_noop(
                "%(name)s already holds %(held)s yuan of relief in %(year)s (pending, approved or paid); "
                "the yearly cap of %(cap)s yuan leaves %(left)s yuan."
            ),
            {
                "name": person.name,
                "held": money(held),
                "year": applied_on.year,
                "cap": money(version.year_cap_fen),
                "left": money(left),
            },
        )
        return Conflict(message, code="over_year_cap", fields={"amount": message})
    return None


@dataclass(frozen=True)
class Application:
    """What a clerk enters (and corrects on resubmission); checked by the form or the schema."""

    reason: str
    amount_fen: int
    applied_on: date
    note: str = ""


def _check_application(data: Application) -> None:
    if data.amount_fen <= 0:
        raise InvalidInput(
            Message(gettext_noop("The amount must be more than 0.")),
            code="invalid_amount",
            fields={"amount": gettext_noop("more than 0")},
        )
    if data.applied_on > timezone.localdate():
        raise InvalidInput(
            Message(gettext_noop("The date %(date)s is in the future."), {"date": data.applied_on}),
            fields={"applied_on": gettext_noop("in the future")},
        )


def _check_rules(
    person: Beneficiary, data: Application, version: ReliefSettings, *, excluding: ReliefGrant | None = None
) -> None:
    reason = eligibility_refusal(person, version)
    if reason is not None:
        raise InvalidInput(reason, code="ineligible", fields={"beneficiary": reason})
    problem = cap_refusal(person, data.amount_fen, data.applied_on, version, excluding=excluding)
    if problem is not None:
        raise problem


def _locked_person(person: Beneficiary, user: User) -> Beneficiary:
    """The person, locked: two applications for one person are checked against the yearly cap
    one after the other."""
    locked = Beneficiary.objects.visible_to(user).select_for_update().filter(pk=person.pk).first()
    if locked is None:
        raise NotFound()
    return locked


def _require_visible(grant: ReliefGrant, user: User) -> None:
    if not ReliefGrant.objects.visible_to(user).filter(pk=grant.pk).exists():
        raise NotFound()


# --- documents -----------------------------------------------------------------------------

Checked = tuple["UploadedFile", str, str, bytes]


def _check_documents(uploads: Sequence[UploadedFile], already: int = 0) -> list[Checked]:
    if already + len(uploads) > MAX_DOCUMENTS:
        raise InvalidInput(
            Message(gettext_noop("An application holds at most %(n)d documents."), {"n": MAX_DOCUMENTS}),
            fields={"documents": gettext_noop("too many")},
        )
    return [(u, *check_upload(u, f"documents.{i}")) for i, u in enumerate(uploads)]


def _store_documents(
    grant: ReliefGrant, checked: Sequence[Checked], user: User, stored: list[str]
) -> list[ReliefDocument]:
    documents = []
    for upload, content_type, digest, content in checked:
        document = ReliefDocument(
            grant=grant,
            original_name=(upload.name or "file")[-200:],
            content_type=content_type,
            size=len(content),
            sha256=digest,
            uploaded_by=user,
        )
        document.file.save("upload", ContentFile(content), save=False)
        stored.append(document.file.name)
        document.save()
        documents.append(document)
    return documents


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def do_add_documents(
    grant: ReliefGrant, uploads: Sequence[UploadedFile], *, acting_user: User
) -> list[ReliefDocument]:
    """Documents added to an application that is pending or returned, by a caseworker who sees it."""
    require_capability(acting_user, Capability.WRITE_RECORDS)
    _require_visible(grant, acting_user)
    if grant.state not in (GrantState.PENDING, GrantState.RETURNED):
        raise Conflict(
            Message(
                gettext_noop("This application is %(state)s: its documents are closed."),
                {"state": GrantState(grant.state).label},
            ),
            code="invalid_transition",
        )
    checked = _check_documents(uploads, grant.documents.count())
    stored: list[str] = []
    try:
        with transaction.atomic():
            documents = _store_documents(grant, checked, acting_user, stored)
            for document in documents:
                record_event(
                    EventType.RELIEF_DOCUMENT_ADDED,
                    actor=acting_user,
                    region=grant.region_id,
                    obj=grant,
                    new={
                        "document": document.pk,
                        "content_type": document.content_type,
                        "size": document.size,
                    },
                )
    except BaseException:
        _delete_files(stored)
        raise
    return documents


# --- the chain -----------------------------------------------------------------------------


def do_apply(
    person: Beneficiary,
    data: Application,
    *,
    documents: Sequence[UploadedFile] = (),
    acting_user: User,
) -> ReliefGrant:
    """Enter an application: it waits at the step above the submitter."""
    require_capability(acting_user, Capability.WRITE_RECORDS)
    t.require(None, t.Action.APPLY, acting_user)
    _check_application(data)
    checked = _check_documents(documents)
    entry = t.ENTRY_STEP[acting_user.role]
    stored: list[str] = []
    try:
        with transaction.atomic():
            person = _locked_person(person, acting_user)
            version = _stored_settings(county_code(person.region_id))
            _check_rules(person, data, version)
            grant = ReliefGrant.objects.create(
                beneficiary=person,
                region_id=person.region_id,
                township_id=person.township_id,
                reason=data.reason,
                amount_fen=data.amount_fen,
                applied_on=data.applied_on,
                note=data.note,
                state=GrantState.PENDING,
                next_step=entry,
                entry_step=entry,
                needs_leader=data.amount_fen > version.leader_above_fen,
                submitted_by=acting_user,
                settings_version=version,
            )
            t.record_step(
                grant, t.Action.APPLY, acting_user=acting_user, step="", from_state="", note=data.note
            )
            record_event(
                EventType.RELIEF_APPLIED,
                actor=acting_user,
                region=grant.region_id,
                obj=grant,
                new=t.snapshot(grant),
                extra={"beneficiary": person.pk, **({"note": data.note} if data.note else {})},
            )
            _store_documents(grant, checked, acting_user, stored)
    except BaseException:
        _delete_files(stored)
        raise
    return grant


def do_approve(grant: ReliefGrant, *, note: str = "", acting_user: User) -> ReliefGrant:
    """Approve the grant's next step. After the last step the grant is approved and scheduled
    as a one-off payment of the next monthly batch, in the same transaction."""
    _require_visible(grant, acting_user)
    with transaction.atomic():
        grant = _locked(grant)
        t.require(grant, t.Action.APPROVE, acting_user)
        step = grant.next_step
        following = t.step_after(grant)
        if following is not None:
            return t.move(
                grant,
                t.Action.APPROVE,
                acting_user=acting_user,
                changes={"next_step": following},
                note=note,
                step=step,
            )
        # The last step: the person must still be eligible (alive, in the county, …).
        reason = eligibility_refusal(grant.beneficiary, grant.settings_version)
        if reason is not None:
            raise Conflict(reason, code="ineligible")
        one_off = do_schedule_one_off(
            grant.beneficiary,
            kind=OneOffKind.RELIEF,
            amount_fen=grant.amount_fen,
            reference=f"relief:{grant.pk}",
            acting_user=acting_user,
        )
        return t.move(
            grant,
            t.Action.APPROVE,
            acting_user=acting_user,
            changes={
                "state": GrantState.APPROVED,
                "next_step": "",
                "approved_on": timezone.localdate(),
                "one_off_id": one_off.pk,
            },
            note=note,
            step=step,
            event_type=EventType.RELIEF_APPROVED,
        )


def _locked(grant: ReliefGrant) -> ReliefGrant:
    return (
        ReliefGrant.objects.select_for_update(of=("self",))  # scope: the caller checked the grant is visible
        .select_related("beneficiary", "settings_version", "region", "one_off")
        .get(pk=grant.pk)
    )


def _required_text(text: str, field_name: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(
            Message(gettext_noop("Give the reason.")),
            code="reason_required",
            fields={field_name: gettext_noop("required")},
        )
    return text


def do_return(grant: ReliefGrant, *, reason: str, acting_user: User) -> ReliefGrant:
    """Return the application to its submitter, with the reason, at any step."""
    reason = _required_text(reason, "reason")
    _require_visible(grant, acting_user)
    with transaction.atomic():
        grant = _locked(grant)
        t.require(grant, t.Action.RETURN, acting_user)
        return t.move(
            grant,
            t.Action.RETURN,
            acting_user=acting_user,
            changes={"state": GrantState.RETURNED, "next_step": ""},
            note=reason,
            step=grant.next_step,
        )


def do_resubmit(
    grant: ReliefGrant,
    data: Application,
    *,
    documents: Sequence[UploadedFile] = (),
    acting_user: User,
) -> ReliefGrant:
    """The submitter corrects a returned application and sends it again: it restarts the
    chain from their entry step, checked against the settings now in force."""
    _require_visible(grant, acting_user)
    _check_application(data)
    stored: list[str] = []
    try:
        with transaction.atomic():
            grant = _locked(grant)
            t.require(grant, t.Action.RESUBMIT, acting_user)
            checked = _check_documents(documents, grant.documents.count())
            person = _locked_person(grant.beneficiary, acting_user)
            version = _stored_settings(county_code(person.region_id))
            _check_rules(person, data, version, excluding=grant)
            entry = t.ENTRY_STEP.get(acting_user.role, ChainStep(grant.entry_step))
            grant = t.move(
                grant,
                t.Action.RESUBMIT,
                acting_user=acting_user,
                changes={
                    "state": GrantState.PENDING,
                    "next_step": entry,
                    "entry_step": entry,
                    "needs_leader": data.amount_fen > version.leader_above_fen,
                    "round": grant.round + 1,
                    "reason": data.reason,
                    "amount_fen": data.amount_fen,
                    "applied_on": data.applied_on,
                    "note": data.note,
                    "region_id": person.region_id,
                    "township_id": person.township_id,
                    "settings_version_id": version.pk,
                },
                note=data.note,
            )
            _store_documents(grant, checked, acting_user, stored)
    except BaseException:
        _delete_files(stored)
        raise
    return grant


def do_cancel(grant: ReliefGrant, *, reason: str, acting_user: User) -> ReliefGrant:
    """Cancel an approved grant before it is paid (its one-off payment is withdrawn: 409 when
    a batch holds it already), or withdraw a returned application."""
    reason = _required_text(reason, "reason")
    _require_visible(grant, acting_user)
    with transaction.atomic():
        grant = _locked(grant)
        t.require(grant, t.Action.CANCEL, acting_user)
        if grant.one_off is not None:
            do_withdraw_one_off(grant.one_off, reason=reason, acting_user=acting_user)
        return t.move(
            grant,
            t.Action.CANCEL,
            acting_user=acting_user,
            changes={"state": GrantState.CANCELLED, "next_step": ""},
            note=reason,
        )


# --- export ------------------------------------------------------------------------------

EXPORT_HEADERS = [
    "编号",
    "乡镇(街道)",
    "姓名",
    "公民身份号码",
    "事由",
    "金额",
    "申请日期",
    "状态",
    "待审批环节",
    "经办人",
    "批准日期",
    "发放日期",
]


def do_export_grants(grants: QuerySet[ReliefGrant], *, acting_user: User) -> bytes:
    """The list as an .xlsx workbook (formula-safe cells, masked ID numbers). A file of
    personal data: the download is recorded."""
    require_capability(acting_user, Capability.READ_PERSONAL_DATA)
    found = grants.select_related("beneficiary", "township", "submitted_by").order_by("-applied_on", "-pk")
    rows = (
        [
            g.pk,
            g.township.name,
            g.beneficiary.name,
            g.beneficiary.id_number_masked,
            str(g.get_reason_display()),
            yuan(g.amount_fen),
            g.applied_on,
            str(g.get_state_display()),
            str(g.get_next_step_display()) if g.next_step else "",
            str(g.submitted_by),  # the full name, or the username when none
            g.approved_on,
            g.paid_on,
        ]
        for g in found.iterator(chunk_size=2000)
    )
    data, count = xlsx_bytes(XlsxSheet("临时救助", EXPORT_HEADERS, rows))
    record_export(acting_user, "relief_grants", count, fields=["name", "id_number_masked"])
    return data


# --- payment -------------------------------------------------------------------------------


def mark_paid(one_off_ids: Sequence[int], paid_on: date | None = None) -> int:
    """The bank confirmed these one-off payments: their approved grants are paid (one
    set-based update, a history row each and one audit record). Runs in the transaction of
    the bank returns' import that sent the signal."""
    paid_on = paid_on or timezone.localdate()
    with transaction.atomic():
        grants = ReliefGrant.objects.filter(  # scope: the benefits batch, county-wide
            one_off_id__in=list(one_off_ids), state__in=t.from_states(t.Action.PAY)
        )
        rows = list(grants.select_for_update().values_list("pk", "round", "region_id"))
        if not rows:
            return 0
        count = ReliefGrant.objects.filter(  # scope: the rows just locked
            pk__in=[pk for pk, _r, _g in rows], state__in=t.from_states(t.Action.PAY)
        ).update(state=GrantState.PAID, paid_on=paid_on, updated_at=timezone.now())
        ReliefStep.objects.bulk_create(
            ReliefStep(
                grant_id=pk,
                round=round_,
                action=t.Action.PAY,
                actor=None,
                actor_name="system",
                from_state=GrantState.APPROVED,
                to_state=GrantState.PAID,
            )
            for pk, round_, _region in rows
        )
        record_event(
            EventType.RELIEF_PAID,
            actor=None,
            region=county_code(rows[0][2]),
            object_type="relief.reliefgrant",
            new={"state": GrantState.PAID, "paid_on": paid_on},
            extra={"grants": [pk for pk, _r, _g in rows], "count": count},
        )
    return count


def on_one_offs_paid(sender: Any, ids: Sequence[int] = (), **kwargs: Any) -> None:
    """Receiver of benefits' ``one_offs_paid`` signal (sent in the returns import's
    transaction, on the day the bank's answer is imported: the grants' paid date)."""
    mark_paid(ids)
