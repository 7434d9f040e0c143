"""困难排查: every write of the needs checks, each checked (role, scope, state, rules), in one
transaction with its audit record.

- ``do_open_round``: a county or township clerk opens a round; one ``INSERT … SELECT`` lists every
  household of the region with a living member who holds a priority category. The round closes the
  earlier open rounds of the same place (their unchecked households are checked in the new one).
- ``do_check_no_difficulty`` / ``do_record_finding``: a household is checked, with no difficulty or
  with findings (each finding checks the household too).
- ``do_solve_finding`` (only with a written solution), ``do_reassign_finding``,
  ``do_add_finding_note``: the finding's table in ``transitions.py``.
- ``do_close_round``: a clerk ends an open round early, on a date; its open findings stay open.
- ``do_set_needs_settings``: a leader sets how many months a round covers (quarterly by default).

The rules (dates, the owner, the person in the round) are checked here, in one place that the
pages, the API and the demo share; a refusal raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, Role, require
from youfu.core.scope import ancestor_codes
from youfu.outreach.needs import transitions
from youfu.outreach.needs.models import (
    CheckOutcome,
    Finding,
    FindingKind,
    FindingNote,
    FindingState,
    HouseholdCheck,
    NeedsRound,
    NeedsSettings,
)
from youfu.outreach.needs.periods import PERIODS
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import PRIORITY_CATEGORIES
from youfu.registry.models import Beneficiary, Household, PersonStatus, Qualification, QualificationStatus

# Who opens a round: the clerks of a county or a township (a village assistant checks households
# and records findings in it; a liaison's department has no households of its own).
ROUND_OPENERS = frozenset({Role.COUNTY_CLERK, Role.TOWNSHIP_CLERK})
ROUND_LEVELS = frozenset({RegionLevel.COUNTY, RegionLevel.TOWNSHIP})
NAME_MAX = 100
NOTE_MAX = 500
TEXT_MAX = 2000


def _invalid(field: str, msgid: str, **params: object) -> InvalidInput:
    message = Message(msgid, params)
    return InvalidInput(message, fields={field: message})


def _text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _invalid(field, gettext_noop("This field is required."))
    if len(text) > max_length:
        raise _invalid(field, gettext_noop("At most %(n)d characters."), n=max_length)
    return text


def _in_scope(model: type[NeedsRound] | type[HouseholdCheck] | type[Finding], pk: int, user: User) -> None:
    """The record is one the actor may see (services are also called without a view in front)."""
    if not model.objects.visible_to(user).filter(pk=pk).exists():
        raise NotFound()


def county_of(region: Region) -> Region:
    """The county a region belongs to (itself for a county)."""
    if region.level in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
        return region
    return Region.objects.get(code=region.code[:6].ljust(12, "0"))


# --- settings --------------------------------------------------------------------------------


def period_months_for(region: Region) -> int:
    """How many months a round of this place covers (the county's setting)."""
    found = (
        NeedsSettings.objects.filter(region=county_of(region)).values_list("period_months", flat=True).first()
    )
    return int(found) if found is not None else 3


def do_set_needs_settings(period_months: int, *, acting_user: User) -> NeedsSettings:
    """A leader changes the county's period; the change is the approval, and it is audited."""
    require(acting_user, Capability.APPROVE)
    if acting_user.region is None:
        raise PermissionDenied()
    if period_months not in PERIODS:
        raise _invalid("period_months", gettext_noop("A round covers 1, 3, 6 or 12 months."))
    county = county_of(acting_user.region)
    with transaction.atomic():
        settings, _created = NeedsSettings.objects.select_for_update().get_or_create(region=county)
        old = settings.period_months
        if old == period_months and not _created:
            return settings
        settings.period_months = period_months
        settings.updated_at = timezone.now()
        settings.updated_by = acting_user
        settings.save(update_fields=["period_months", "updated_at", "updated_by"])
        record_event(
            EventType.NEEDS_SETTINGS_CHANGED,
            actor=acting_user,
            region=county,
            obj=settings,
            old={"period_months": old},
            new={"period_months": period_months},
        )
    return settings


# --- rounds ----------------------------------------------------------------------------------


def _snapshot_households(round_: NeedsRound) -> int:
    """Every household of the round's region with a living member holding an active priority
    qualification, as unchecked rows, in one ``INSERT … SELECT`` (the rows never leave the
    database; the query count does not grow with the county)."""
    c, h, b, q = (m._meta.db_table for m in (HouseholdCheck, Household, Beneficiary, Qualification))
    categories = sorted(PRIORITY_CATEGORIES)
    marks = ", ".join(["%s"] * len(categories))
    sql = (
        f"INSERT INTO {c} (round_id, household_id, township_id, outcome, checked_on, checked_by_id, note) "  # noqa: S608 - table names from _meta
        f"SELECT %s, h.id, MIN(b.township_id), %s, NULL, NULL, '' FROM {h} h "
        f"JOIN {b} b ON b.household_id = h.id "
        "WHERE h.region_id LIKE %s AND b.status = %s AND EXISTS ("
        f"SELECT 1 FROM {q} q WHERE q.beneficiary_id = b.id AND q.status = %s AND q.category IN ({marks})"
        ") GROUP BY h.id"
    )
    params: list[Any] = [
        round_.pk,
        CheckOutcome.NOT_YET.value,
        round_.region.scope_prefix + "%",
        PersonStatus.ALIVE.value,
        QualificationStatus.ACTIVE.value,
        *categories,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def covering_round(region: Region) -> NeedsRound | None:
    """The open round of a larger place (the county's, for a township) that already checks the
    households of ``region``: no round of ``region`` may open until it is closed."""
    found: NeedsRound | None = (
        NeedsRound.objects.filter(  # scope: rounds above the region the actor opens in
            region_id__in=ancestor_codes(region.scope_prefix), closed_at__isnull=True
        )
        .exclude(region_id=region.code)
        .select_related("region")
        .first()
    )
    return found


def covered_message(covering: NeedsRound) -> Message:
    return Message(
        gettext_noop(
            "The round %(name)s of %(region)s is still open (due %(due)s) and checks these "
            "households: a new round can open here once it is closed."
        ),
        {"name": covering.name, "region": covering.region.name, "due": covering.due_on.isoformat()},
    )


def may_close_round(round_: NeedsRound, user: User) -> bool:
    """Whoever may open a round of the round's place may close it early (a county clerk any round
    of the county, a township clerk their township's)."""
    return (
        round_.is_open
        and user.can(Capability.WRITE_RECORDS)
        and user.role in ROUND_OPENERS
        and user.region is not None
        and user.region.contains(round_.region_id)
    )


def do_close_round(round_: NeedsRound, closed_on: date, *, acting_user: User) -> NeedsRound:
    """A clerk ends an open round early (结束本轮排查) on ``closed_on``: its unchecked households
    stay unchecked (the next round lists them again), and its open findings stay open and are
    followed up as before. Closing a closed round is a 409."""
    require(acting_user, Capability.WRITE_RECORDS)
    _in_scope(NeedsRound, round_.pk, acting_user)
    if acting_user.role not in ROUND_OPENERS or acting_user.region is None:
        raise PermissionDenied(Message(gettext_noop("A county or township clerk closes a round.")))
    if not acting_user.region.contains(round_.region_id):
        raise PermissionDenied(
            Message(
                gettext_noop("Only the clerks of %(region)s close this round."),
                {"region": round_.region.name},
            )
        )
    today = timezone.localdate()
    if closed_on > today:
        raise _invalid("closed_on", gettext_noop("The date cannot be in the future."))
    with transaction.atomic():
        locked = NeedsRound.objects.select_for_update().get(pk=round_.pk)  # scope: checked above
        _require_open(locked)
        if closed_on < locked.opened_on:
            raise _invalid(
                "closed_on",
                gettext_noop("The date cannot be before the round opened (%(date)s)."),
                date=locked.opened_on,
            )
        last = max(
            (
                d
                for d in (
                    HouseholdCheck.objects.filter(round=locked).aggregate(  # scope: the round's own rows
                        m=Max("checked_on")
                    )["m"],
                    Finding.objects.filter(round=locked).aggregate(  # scope: the round's own rows
                        m=Max("found_on")
                    )["m"],
                )
                if d is not None
            ),
            default=None,
        )
        if last is not None and closed_on < last:
            raise _invalid(
                "closed_on",
                gettext_noop("The round has a check on %(date)s: it cannot close before it."),
                date=last,
            )
        now = timezone.now()
        closed_at = now if closed_on == today else timezone.make_aware(datetime.combine(closed_on, time.max))
        locked.closed_at = closed_at
        locked.save(update_fields=["closed_at"])
        unchecked = HouseholdCheck.objects.filter(  # scope: the round's own rows
            round=locked, outcome=CheckOutcome.NOT_YET
        ).count()
        open_findings = Finding.objects.filter(  # scope: the round's own rows
            round=locked, state=FindingState.OPEN
        ).count()
        record_event(
            EventType.NEEDS_ROUND_CLOSED,
            actor=acting_user,
            region=locked.region_id,
            obj=locked,
            old={"closed_at": None},
            new={"closed_on": closed_on},
            extra={"unchecked": unchecked, "open_findings": open_findings},
        )
    round_.closed_at = locked.closed_at
    return round_


def do_open_round(name: str, region: Region, due_on: date, *, acting_user: User) -> NeedsRound:
    require(acting_user, Capability.WRITE_RECORDS)
    if acting_user.role not in ROUND_OPENERS or acting_user.region is None:
        raise PermissionDenied(Message(gettext_noop("A county or township clerk opens a round.")))
    name = _text(name, "name", NAME_MAX)
    if region.level not in ROUND_LEVELS:
        raise _invalid("region", gettext_noop("A round checks a county or a township."))
    if not acting_user.region.contains(region.code):
        raise _invalid("region", gettext_noop("%(name)s is outside your region."), name=region.name)
    today = timezone.localdate()
    if due_on < today:
        raise _invalid("due_on", gettext_noop("The due date cannot be in the past."))
    with transaction.atomic():
        covering = covering_round(region)
        if covering is not None:
            raise Conflict(covered_message(covering), code="round_covered")
        if NeedsRound.objects.filter(region=region, name=name).exists():  # scope: a name taken in this region
            raise Conflict(
                Message(
                    gettext_noop("%(region)s has a round named %(name)s already."),
                    {"region": region.name, "name": name},
                ),
                code="round_exists",
                fields={"name": gettext_noop("already used")},
            )
        now = timezone.now()
        earlier = NeedsRound.objects.select_for_update().filter(  # scope: this place's own rounds
            region__code__startswith=region.scope_prefix, closed_at__isnull=True
        )
        closed = sorted(earlier.values_list("pk", flat=True))
        earlier.update(closed_at=now)
        round_ = NeedsRound.objects.create(name=name, region=region, due_on=due_on, opened_by=acting_user)
        households = _snapshot_households(round_)
        round_.households = households
        round_.save(update_fields=["households"])
        record_event(
            EventType.NEEDS_ROUND_OPENED,
            actor=acting_user,
            region=region,
            obj=round_,
            new={"name": name, "region": region.code, "due_on": due_on, "households": households},
            extra={"closed": closed} if closed else None,
        )
    return round_


# --- checking households ---------------------------------------------------------------------


def _require_open(round_: NeedsRound) -> None:
    if round_.closed_at is not None:
        raise Conflict(
            Message(
                gettext_noop("This round is closed: the next round of the same place checks its households.")
            ),
            code="round_closed",
        )


def _check_date(value: date, round_: NeedsRound, field: str) -> None:
    if value > timezone.localdate():
        raise _invalid(field, gettext_noop("The date cannot be in the future."))
    if value < round_.opened_on:
        raise _invalid(
            field,
            gettext_noop("The date cannot be before the round opened (%(date)s)."),
            date=round_.opened_on,
        )


def do_check_no_difficulty(
    round_: NeedsRound, check_ids: Iterable[int], *, checked_on: date, note: str = "", acting_user: User
) -> int:
    """These households of the round were checked on ``checked_on`` and have no difficulty (a village
    assistant ticks the ones visited that day). Only the unchecked ones the actor may see change;
    returns how many did, and none is a 409."""
    require(acting_user, Capability.WRITE_RECORDS)
    _in_scope(NeedsRound, round_.pk, acting_user)
    _require_open(round_)
    _check_date(checked_on, round_, "checked_on")
    note = _text(note, "note", NOTE_MAX, required=False)
    with transaction.atomic():
        ids = sorted(
            HouseholdCheck.objects.visible_to(acting_user)
            .filter(round=round_, pk__in=list(check_ids), outcome=CheckOutcome.NOT_YET)
            .values_list("pk", flat=True)
        )
        # Compare-and-set: only rows still unchecked change, whoever got there first.
        changed = HouseholdCheck.objects.filter(
            pk__in=ids, outcome=CheckOutcome.NOT_YET
        ).update(  # scope: ids above
            outcome=CheckOutcome.NO_DIFFICULTY, checked_on=checked_on, checked_by=acting_user, note=note
        )
        if changed == 0:
            raise Conflict(
                Message(gettext_noop("This household is checked already in this round.")),
                code="checked_already",
            )
        record_event(
            EventType.NEEDS_HOUSEHOLD_CHECKED,
            actor=acting_user,
            obj=round_,
            new={
                "outcome": CheckOutcome.NO_DIFFICULTY.value,
                "checked_on": checked_on,
                "note": note,
                "count": changed,
            },
            extra={"checks": ids},
        )
    return int(changed)


def eligible_owner_refusal(owner: User | None, person: Beneficiary) -> Message | None:
    """Why ``owner`` cannot follow up a finding of ``person`` (None when they can): an active
    user with casework whose scope covers the person."""
    if owner is None:
        return Message(gettext_noop("Unknown user."))
    if not owner.is_active:
        return Message(gettext_noop("%(username)s is not an active user."), {"username": owner.username})
    if not owner.can(Capability.WRITE_RECORDS):
        return Message(gettext_noop("%(username)s does not do casework."), {"username": owner.username})
    if not Beneficiary.objects.visible_to(owner).filter(pk=person.pk).exists():
        return Message(
            gettext_noop("%(username)s does not work where this person lives."), {"username": owner.username}
        )
    return None


def _owner(username: str, person: Beneficiary) -> User:
    found = User.objects.filter(username=(username or "").strip()).first()
    refusal = eligible_owner_refusal(found, person)
    if refusal is not None:
        raise InvalidInput(refusal, fields={"owner": refusal})
    assert found is not None
    return found


def do_record_finding(
    round_: NeedsRound,
    person: Beneficiary,
    *,
    kind: str,
    description: str,
    owner: str,
    due_on: date,
    found_on: date | None = None,
    acting_user: User,
) -> Finding:
    """A difficulty of ``person`` found in this round; the person's household counts as checked,
    with findings. ``owner`` is the username of who follows it up."""
    require(acting_user, Capability.WRITE_RECORDS)
    _in_scope(NeedsRound, round_.pk, acting_user)
    _require_open(round_)
    if not Beneficiary.objects.visible_to(acting_user).filter(pk=person.pk).exists():
        raise _invalid("beneficiary", gettext_noop("Unknown person."))
    if not round_.region.contains(person.region_id):
        raise _invalid("beneficiary", gettext_noop("This person does not live in the round's region."))
    if person.status != PersonStatus.ALIVE:
        raise _invalid("beneficiary", gettext_noop("This person has died."))
    check = HouseholdCheck.objects.filter(  # scope: the person is visible to the actor (above)
        round=round_, household_id=person.household_id
    ).first()
    if person.household_id is None or check is None:
        raise _invalid("beneficiary", gettext_noop("This person's household is not in the round."))
    if kind not in FindingKind.values:
        raise _invalid("kind", gettext_noop("Unknown kind %(kind)s."), kind=kind)
    description = _text(description, "description", TEXT_MAX)
    found_on = found_on or timezone.localdate()
    _check_date(found_on, round_, "found_on")
    if due_on < timezone.localdate():
        raise _invalid("due_on", gettext_noop("The due date cannot be in the past."))
    owner_user = _owner(owner, person)
    with transaction.atomic():
        locked = HouseholdCheck.objects.select_for_update().get(pk=check.pk)  # scope: fetched above
        if locked.outcome != CheckOutcome.FINDINGS:
            locked.outcome = CheckOutcome.FINDINGS
            locked.checked_on = found_on if locked.checked_on is None else locked.checked_on
            locked.checked_by = locked.checked_by or acting_user
            locked.save(update_fields=["outcome", "checked_on", "checked_by"])
        finding = Finding.objects.create(
            round=round_,
            household_check=locked,
            beneficiary=person,
            kind=kind,
            description=description,
            owner=owner_user,
            found_on=found_on,
            due_on=due_on,
            created_by=acting_user,
        )
        record_event(
            EventType.NEEDS_FINDING_RECORDED,
            actor=acting_user,
            region=person.region_id,
            obj=finding,
            new={
                "round": round_.pk,
                "beneficiary_id": person.pk,
                "kind": kind,
                "owner": owner_user.username,
                "found_on": found_on,
                "due_on": due_on,
            },
        )
    return finding


# --- following findings up -------------------------------------------------------------------


def do_solve_finding(finding: Finding, *, solution: str, solved_on: date, acting_user: User) -> Finding:
    """Close a finding; only with a written solution."""
    _in_scope(Finding, finding.pk, acting_user)
    action = transitions.begin(finding, "solve", acting_user)
    solution = _text(solution, "solution", TEXT_MAX)
    if solved_on > timezone.localdate():
        raise _invalid("solved_on", gettext_noop("The date cannot be in the future."))
    if solved_on < finding.found_on:
        raise _invalid(
            "solved_on",
            gettext_noop("It cannot be solved before it was found (%(date)s)."),
            date=finding.found_on,
        )
    with transaction.atomic():
        transitions.move(
            finding, action, {"solution": solution, "solved_on": solved_on, "solved_by": acting_user}
        )
        record_event(
            action.event,
            actor=acting_user,
            region=finding.beneficiary.region_id,
            obj=finding,
            old={"state": FindingState.OPEN.value},
            new={"state": FindingState.SOLVED.value, "solved_on": solved_on},
        )
    return finding


def do_reassign_finding(finding: Finding, *, owner: str, acting_user: User) -> Finding:
    _in_scope(Finding, finding.pk, acting_user)
    action = transitions.begin(finding, "reassign", acting_user)
    new_owner = _owner(owner, finding.beneficiary)
    if new_owner.pk == finding.owner_id:
        return finding
    old_owner = finding.owner.username
    with transaction.atomic():
        transitions.move(finding, action, {"owner": new_owner})
        record_event(
            action.event,
            actor=acting_user,
            region=finding.beneficiary.region_id,
            obj=finding,
            old={"owner": old_owner},
            new={"owner": new_owner.username},
        )
    return finding


def do_add_finding_note(
    finding: Finding, *, text: str, written_on: date | None = None, acting_user: User
) -> FindingNote:
    """What was done so far, on the way to a solution."""
    _in_scope(Finding, finding.pk, acting_user)
    action = transitions.begin(finding, "note", acting_user)
    text = _text(text, "note", TEXT_MAX)
    written_on = written_on or timezone.localdate()
    if written_on > timezone.localdate():
        raise _invalid("written_on", gettext_noop("The date cannot be in the future."))
    if written_on < finding.found_on:
        raise _invalid(
            "written_on",
            gettext_noop("The date cannot be before it was found (%(date)s)."),
            date=finding.found_on,
        )
    with transaction.atomic():
        transitions.move(finding, action, {})  # holds the finding open while the note is written
        note = FindingNote.objects.create(
            finding=finding, written_on=written_on, text=text, written_by=acting_user
        )
        record_event(
            action.event,
            actor=acting_user,
            region=finding.beneficiary.region_id,
            obj=finding,
            new={"written_on": written_on, "note": text},
        )
    return note
