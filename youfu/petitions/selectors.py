"""Reads of petitions, always through the region scope (``Petition.scope``)."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from youfu.accounts.models import Department, User
from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability, Role
from youfu.core.scope import get_visible_or_404
from youfu.petitions.models import (
    HANDLING_STATES,
    OPEN_STATES,
    Extension,
    ExtensionState,
    Notification,
    Petition,
    PetitionEvent,
    ReceptionDay,
    State,
)
from youfu.regions.models import Region, RegionLevel
from youfu.registry.services import id_number_index

if TYPE_CHECKING:
    from youfu.petitions.validation import PetitionerData

SIMILAR_SUBJECT = 0.6
RECENT_DAYS = 365
SOON_WORKING_DAYS = 3  # "due soon": within this many working days


def petitions_for(user: User) -> QuerySet[Petition]:
    qs: QuerySet[Petition] = Petition.objects.visible_to(user).select_related(
        "region", "handling_unit", "lead"
    )
    return qs


def get_petition(user: User, petition_id: int) -> Petition:
    return get_visible_or_404(petitions_for(user), user, pk=petition_id)


def require_petition_reader(user: User) -> None:
    if not (getattr(user, "is_authenticated", False) and user.can(Capability.READ_PERSONAL_DATA)):
        raise PermissionDenied()


def subject_key(subject: str) -> str:
    """Letters and digits only, folded: "关于 补发抚恤金！" and "关于补发抚恤金" are one subject."""
    text = unicodedata.normalize("NFKC", subject).casefold()
    return "".join(ch for ch in text if ch.isalnum())[:200]


def subject_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


@dataclass(frozen=True)
class RepeatCandidate:
    petition: Petition
    similarity: float

    @property
    def concluded_after_rereview(self) -> bool:
        """Art. 36: such a matter raised again on the same facts is declined, not reopened."""
        return self.petition.state == State.CONCLUDED and self.petition.rereview_replied_on is not None


def person_keys(petitioners: list[PetitionerData]) -> tuple[list[str], list[str]]:
    """(ID-number blind indexes, phone numbers) of the people named."""
    indexes = [id_number_index(p.id_number) for p in petitioners if p.id_number]
    phones = [p.phone for p in petitioners if p.phone]
    return indexes, phones


def stored_person_keys(petition: Petition) -> tuple[list[str], list[str]]:
    rows = list(petition.petitioners.values_list("id_number_index", "phone"))
    return [i for i, _ in rows if i], [p for _, p in rows if p]


def share_a_petitioner(a: Petition, b: Petition) -> bool:
    """Whether the two matters name one person, as repeats are found: the same ID number
    (blind index) or the same phone number."""
    indexes, phones = stored_person_keys(a)
    if not indexes and not phones:
        return False
    same_person = Q()
    if indexes:
        same_person |= Q(id_number_index__in=indexes)
    if phones:
        same_person |= Q(phone__in=phones)
    return b.petitioners.filter(same_person).exists()


def possible_repeats(
    user: User,
    petitioners: list[PetitionerData] | None = None,
    subject: str = "",
    *,
    on: date,
    keys: tuple[list[str], list[str]] | None = None,
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[RepeatCandidate]:
    """Open or recent (≤ 1 year) petitions by the same person (ID number or phone) on a
    similar subject. The person match uses indexed columns; only those few rows are
    compared by subject."""
    indexes, phones = keys if keys is not None else person_keys(petitioners or [])
    if not indexes and not phones:
        return []
    same_person = Q()
    if indexes:
        same_person |= Q(petitioners__id_number_index__in=indexes)
    if phones:
        same_person |= Q(petitioners__phone__in=phones)
    rows = (
        petitions_for(user)
        .select_related("repeat_of")
        .filter(same_person)
        .filter(Q(state__in=OPEN_STATES) | Q(received_on__gte=on - timedelta(days=RECENT_DAYS)))
        .exclude(pk=exclude_pk or 0)
        .distinct()
        .order_by("-received_on", "-pk")[:50]
    )
    key = subject_key(subject)
    found: dict[int, RepeatCandidate] = {}
    for row in rows:
        original = row.repeat_of if row.repeat_of_id else row
        assert original is not None
        if original.pk == exclude_pk:
            continue
        score = max(subject_similarity(key, row.subject_key), subject_similarity(key, original.subject_key))
        if score >= SIMILAR_SUBJECT and (original.pk not in found or found[original.pk].similarity < score):
            found[original.pk] = RepeatCandidate(original, round(score, 2))
    return sorted(found.values(), key=lambda c: (-c.similarity, -c.petition.pk))[:limit]


def timeline(petition: Petition) -> QuerySet[PetitionEvent]:
    return petition.events.select_related("actor").order_by("at", "pk")


def handling_units_for(region: Region) -> QuerySet[Department]:
    """Departments that may handle a matter of ``region``: those of the region itself, of
    the places above it (the county's bodies) and of the places below it."""
    codes = [region.code]
    parent = region.parent
    while parent is not None:
        codes.append(parent.code)
        parent = parent.parent
    qs: QuerySet[Department] = (
        Department.objects.filter(Q(region_id__in=codes) | Q(region__code__startswith=region.scope_prefix))
        .select_related("region")
        .order_by("region_id", "name")
    )
    return qs


LEAD_ROLES = (Role.LEADER, Role.COUNTY_CLERK, Role.TOWNSHIP_CLERK, Role.DEPARTMENT_LIAISON)


def leads_for(region: Region) -> QuerySet[User]:
    """Who may be named lead (包案领导/责任人) of a matter of ``region``."""
    codes = [region.code]
    parent = region.parent
    while parent is not None:
        codes.append(parent.code)
        parent = parent.parent
    qs: QuerySet[User] = User.objects.filter(
        Q(region_id__in=codes) | Q(region__code__startswith=region.scope_prefix),
        is_active=True,
        role__in=LEAD_ROLES,
    ).order_by("role", "username")
    return qs


def county_of(region: Region) -> Region:
    current = region
    while current.level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        if current.parent is None:
            break
        current = current.parent
    return current


def running_due(*, after: date | None = None, until: date | None = None) -> Q:
    """Matters whose running deadline (the one the bureau works to in their state, as
    ``Petition.current_due``) lies between ``after`` and ``until`` (both included)."""

    def within(field: str) -> Q:
        bounds = Q(**{f"{field}__isnull": False})
        if after is not None:
            bounds &= Q(**{f"{field}__gte": after})
        if until is not None:
            bounds &= Q(**{f"{field}__lte": until})
        return bounds

    return (
        (Q(state=State.REGISTERED) & within("accept_due"))
        | (Q(state__in=HANDLING_STATES) & within("handle_due"))
        | (Q(state=State.REVIEW_REQUESTED) & within("review_due"))
        | (Q(state=State.REREVIEW_REQUESTED) & within("rereview_due"))
    )


def townships_for_routing(petition: Petition) -> QuerySet[Region]:
    """The townships (乡镇/街道) of the matter's county that it can be given to (交乡镇(街道)办理),
    not the villages below its current place."""
    county = county_of(petition.region)
    qs: QuerySet[Region] = (
        Region.objects.filter(level=RegionLevel.TOWNSHIP, code__startswith=county.scope_prefix)
        .exclude(pk=petition.region_id)
        .order_by("code")
    )
    return qs


def my_petitions(user: User) -> QuerySet[Petition]:
    """The matters a user leads or their department handles, still open."""
    mine = Q(lead=user)
    if user.department_id is not None:
        mine |= Q(handling_unit_id=user.department_id)
    return petitions_for(user).filter(mine, state__in=OPEN_STATES).order_by("handle_due", "pk")


def latest_extension(petition: Petition) -> Extension | None:
    """The petition's last extension request (waiting, approved or refused), or None."""
    found: Extension | None = (
        Extension.objects.filter(petition_id=petition.pk)
        .select_related("requested_by", "decided_by")
        .order_by("-pk")
        .first()
    )
    return found


# Requests a leader can still act on: the matter is still being handled.
_DECIDABLE = (State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS)


def extensions_to_decide(user: User) -> QuerySet[Extension]:
    """Extension requests waiting for a leader's decision, within the user's scope, oldest
    first (the nearest deadline first among those)."""
    qs: QuerySet[Extension] = (
        Extension.objects.visible_to(user)
        .filter(state=ExtensionState.PENDING, petition__state__in=_DECIDABLE)
        .select_related("petition", "petition__region", "requested_by")
        .order_by("petition__handle_due", "pk")
    )
    return qs


def notifications_for(user: User) -> QuerySet[Notification]:
    qs: QuerySet[Notification] = Notification.objects.filter(user=user).select_related("petition")
    return qs


def upcoming_reception_days(today: date, *, region: Region | None = None) -> QuerySet[ReceptionDay]:
    qs: QuerySet[ReceptionDay] = ReceptionDay.objects.filter(
        date__gte=today, cancelled_at__isnull=True
    ).order_by("date", "pk")
    if region is not None:
        qs = qs.filter(region__code__startswith=region.scope_prefix)
    return qs


def reception_days_for(user: User) -> QuerySet[ReceptionDay]:
    qs: QuerySet[ReceptionDay] = ReceptionDay.objects.visible_to(user).order_by("-date", "-pk")
    return qs


def reception_days_for_intake(user: User) -> QuerySet[ReceptionDay]:
    """The days a visit can be registered at: cancelled days are left out."""
    return reception_days_for(user).filter(cancelled_at__isnull=True)
