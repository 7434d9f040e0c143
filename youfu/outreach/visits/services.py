"""走访慰问: creating a campaign (and listing whom it visits) and recording a visit.

Every write checks the role and the scope, runs in one transaction and writes its audit record.
The rules on a campaign's and a visit's input live here once; the API, the pages and the demo
all come through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.money import money
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, Role, require
from youfu.outreach.visits.models import MAX_VISIT_MONEY_FEN, Visit, VisitCampaign, VisitTarget
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Qualification

if TYPE_CHECKING:
    from youfu.accounts.models import User

# A campaign is a holiday's visits: weeks, at most a year.
MAX_CAMPAIGN_DAYS = 366
MAX_AGE = 120
CAMPAIGN_LEVELS = frozenset({RegionLevel.COUNTY, RegionLevel.TOWNSHIP})
CREATORS = frozenset({Role.COUNTY_CLERK, Role.TOWNSHIP_CLERK})


@dataclass(frozen=True)
class CampaignData:
    name: str
    starts_on: date
    ends_on: date
    categories: tuple[str, ...]
    region: Region
    min_age: int | None = None


@dataclass(frozen=True)
class VisitData:
    visited_on: date
    visitors: str
    money_fen: int = 0
    goods: str = ""


# --- who is a target -------------------------------------------------------------------------


def born_on_or_before(on: date, years: int) -> date:
    """The latest birth date of someone who is at least ``years`` old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February: a person born on 1 March is not yet that old
        return on.replace(year=on.year - years, day=28)


def targets_on(
    region: Region, categories: tuple[str, ...], on: date, min_age: int | None = None
) -> QuerySet[Beneficiary]:
    """The people a campaign visits: living on ``on`` (no death on or before it), in ``region``,
    holding on ``on`` a qualification of one of ``categories`` (approved by then, not ended by
    then), and at least ``min_age`` years old on ``on`` when it is given. Unscoped: the service
    that calls it has checked that the region is the user's."""
    held = Qualification.objects.filter(
        beneficiary=OuterRef("pk"), category__in=categories, approved_on__lte=on
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    people = Beneficiary.objects.filter(region__code__startswith=region.scope_prefix).filter(
        Q(death_date__isnull=True) | Q(death_date__gt=on), Exists(held)
    )
    if min_age:
        people = people.filter(birth_date__lte=born_on_or_before(on, min_age))
    return people.order_by()


def _insert_targets(campaign: VisitCampaign) -> int:
    """One INSERT … SELECT: the work does not grow with the number of people in Python."""
    people = targets_on(campaign.region, tuple(campaign.categories), campaign.starts_on, campaign.min_age)
    sql, params = people.values(person_ref=F("pk")).query.sql_with_params()
    table = VisitTarget._meta.db_table
    with connection.cursor() as cursor:
        insert = f"INSERT INTO {table} (campaign_id, beneficiary_id) SELECT %s, people.person_ref FROM ({sql}) people"  # noqa: S608, E501
        cursor.execute(insert, [campaign.pk, *params])
        return int(cursor.rowcount)


# --- campaigns -------------------------------------------------------------------------------


def may_create_campaigns(user: User) -> bool:
    return (
        user.can(Capability.WRITE_RECORDS)
        and user.role in CREATORS
        and user.region is not None
        and user.region.level in CAMPAIGN_LEVELS
    )


def campaign_refusal(data: CampaignData) -> InvalidInput | None:
    """What is wrong with a campaign's input, or None (the forms and the API ask the same)."""
    fields: dict[str, Message] = {}
    if not data.name.strip():
        fields["name"] = Message(gettext_noop("Give the campaign a name."))
    if data.ends_on < data.starts_on:
        fields["ends_on"] = Message(gettext_noop("The campaign ends before it starts."))
    elif (data.ends_on - data.starts_on).days >= MAX_CAMPAIGN_DAYS:
        fields["ends_on"] = Message(gettext_noop("A campaign lasts at most a year."))
    known = set(Category.values)
    if not data.categories:
        fields["categories"] = Message(gettext_noop("Choose at least one category."))
    elif any(c not in known for c in data.categories):
        fields["categories"] = Message(
            gettext_noop("Unknown category: %(value)s."),
            {"value": ", ".join(c for c in data.categories if c not in known)},
        )
    if data.min_age is not None and not 0 <= data.min_age <= MAX_AGE:
        fields["min_age"] = Message(gettext_noop("An age from 0 to 120."))
    if data.region.level not in CAMPAIGN_LEVELS:
        fields["region"] = Message(gettext_noop("A campaign covers the county or one township."))
    if not fields:
        return None
    return InvalidInput(next(iter(fields.values())), fields=fields)


def do_create_campaign(data: CampaignData, *, acting_user: User) -> tuple[VisitCampaign, int]:
    """Create the campaign and list its targets; returns it and the number of targets.
    A campaign that would visit nobody is refused, and nothing is kept."""
    require(acting_user, Capability.WRITE_RECORDS)
    if not may_create_campaigns(acting_user):
        raise PermissionDenied(Message(gettext_noop("County and township clerks create visit campaigns.")))
    assert acting_user.region is not None
    if not acting_user.region.contains(data.region.code):
        raise NotFound()
    refusal = campaign_refusal(data)
    if refusal is not None:
        raise refusal
    categories = sorted(set(data.categories))
    with transaction.atomic():
        campaign = VisitCampaign.objects.create(
            name=data.name.strip(),
            region=data.region,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            categories=categories,
            min_age=data.min_age or None,
            created_by=acting_user,
        )
        targets = _insert_targets(campaign)
        if targets == 0:
            nobody = Message(gettext_noop("Nobody in the region holds these categories on the first day."))
            raise InvalidInput(nobody, code="no_targets", fields={"categories": nobody})
        record_event(
            EventType.VISIT_CAMPAIGN_CREATED,
            actor=acting_user,
            region=data.region,
            obj=campaign,
            new={
                "title": campaign.name,
                "starts_on": data.starts_on,
                "ends_on": data.ends_on,
                "categories": categories,
                "min_age": campaign.min_age,
                "targets": targets,
            },
        )
    return campaign, targets


def may_change_campaign(user: User, campaign: VisitCampaign) -> bool:
    """A campaign is changed by the clerks who could have created it: a township clerk changes
    their township's, not the county's they work in."""
    return may_create_campaigns(user) and user.region is not None and user.region.contains(campaign.region_id)


def do_change_campaign(
    campaign: VisitCampaign, *, acting_user: User, name: str | None = None, ends_on: date | None = None
) -> VisitCampaign:
    """Rename a campaign or move its last day (a campaign extended, or closed early). Its targets
    stay as they were listed on the first day; the last day never falls before a recorded visit."""
    require(acting_user, Capability.WRITE_RECORDS)
    if not VisitCampaign.objects.visible_to(acting_user).filter(pk=campaign.pk).exists():
        raise NotFound()
    if not may_change_campaign(acting_user, campaign):
        raise PermissionDenied(
            Message(gettext_noop("Only the clerks of the campaign's region may change it."))
        )
    with transaction.atomic():
        locked = VisitCampaign.objects.select_for_update().get(pk=campaign.pk)
        wanted = CampaignData(
            name=locked.name if name is None else name,
            starts_on=locked.starts_on,
            ends_on=locked.ends_on if ends_on is None else ends_on,
            categories=tuple(locked.categories),
            region=locked.region,
        )
        refusal = campaign_refusal(wanted)
        if refusal is not None:
            raise refusal
        last_visit = Visit.objects.filter(target__campaign=locked).aggregate(last=Max("visited_on"))["last"]
        if last_visit is not None and wanted.ends_on < last_visit:
            message = Message(
                gettext_noop("Visits were recorded up to %(date)s: the campaign cannot end before."),
                {"date": last_visit.isoformat()},
            )
            raise InvalidInput(message, fields={"ends_on": message})
        old = {"title": locked.name, "ends_on": locked.ends_on}
        new = {"title": wanted.name.strip(), "ends_on": wanted.ends_on}
        changed = [key for key in old if old[key] != new[key]]
        if not changed:
            return locked
        locked.name, locked.ends_on = new["title"], wanted.ends_on
        locked.save(update_fields=["name", "ends_on"])
        record_event(
            EventType.VISIT_CAMPAIGN_CHANGED,
            actor=acting_user,
            region=locked.region_id,
            obj=locked,
            old={key: old[key] for key in changed},
            new={key: new[key] for key in changed},
        )
    return locked


# --- visits ----------------------------------------------------------------------------------


def visit_refusal(campaign: VisitCampaign, person: Beneficiary, data: VisitData) -> InvalidInput | None:
    """What is wrong with a visit's input, or None."""
    fields: dict[str, Message] = {}
    today = timezone.localdate()
    if data.visited_on > today:
        fields["visited_on"] = Message(gettext_noop("A visit is recorded once it has taken place."))
    elif not campaign.is_open_on(data.visited_on):
        fields["visited_on"] = Message(
            gettext_noop("The campaign runs from %(start)s to %(end)s."),
            {"start": campaign.starts_on.isoformat(), "end": campaign.ends_on.isoformat()},
        )
    elif person.death_date is not None and data.visited_on > person.death_date:
        fields["visited_on"] = Message(gettext_noop("The person had died by then."))
    if not data.visitors.strip():
        fields["visitors"] = Message(gettext_noop("Name who made the visit."))
    if not 0 <= data.money_fen <= MAX_VISIT_MONEY_FEN:
        fields["money"] = Message(
            gettext_noop("Money from 0 to %(max)s yuan."), {"max": money(MAX_VISIT_MONEY_FEN)}
        )
    if not fields:
        return None
    return InvalidInput(next(iter(fields.values())), fields=fields)


def target_of(campaign: VisitCampaign, person: Beneficiary, user: User) -> VisitTarget | None:
    found: VisitTarget | None = (
        VisitTarget.objects.visible_to(user).filter(campaign=campaign, beneficiary=person).first()
    )
    return found


def do_record_visit(
    campaign: VisitCampaign, person: Beneficiary, data: VisitData, *, acting_user: User
) -> Visit:
    """Record that ``person`` was visited in ``campaign``. The person must be one of the
    campaign's targets the user may see; a second visit of the same person is a conflict."""
    require(acting_user, Capability.WRITE_RECORDS)
    if not VisitCampaign.objects.visible_to(acting_user).filter(pk=campaign.pk).exists():
        raise NotFound()
    if not Beneficiary.objects.visible_to(acting_user).filter(pk=person.pk).exists():
        raise NotFound()
    target = target_of(campaign, person, acting_user)
    if target is None:
        raise InvalidInput(
            Message(gettext_noop("This person is not one of the campaign's targets.")),
            code="not_a_target",
            fields={"beneficiary": gettext_noop("not a target of this campaign")},
        )
    refusal = visit_refusal(campaign, person, data)
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        # The target row is the lock: two clerks recording the same person queue here.
        VisitTarget.objects.select_for_update().filter(pk=target.pk).get()
        if Visit.objects.filter(target=target).exists():
            raise _already_visited()
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    target=target,
                    visited_on=data.visited_on,
                    visitors=data.visitors.strip(),
                    money_fen=data.money_fen,
                    goods=data.goods.strip(),
                    recorded_by=acting_user,
                )
        except IntegrityError:
            raise _already_visited() from None
        record_event(
            EventType.VISIT_RECORDED,
            actor=acting_user,
            region=person.region_id,
            obj=visit,
            new={
                "campaign": campaign.pk,
                "beneficiary": person.pk,
                "visited_on": data.visited_on,
                "money": money(data.money_fen),
                "goods": bool(visit.goods),
            },
        )
    return visit


def _already_visited() -> Conflict:
    return Conflict(
        Message(gettext_noop("This person has already been visited in this campaign.")),
        code="already_visited",
    )
