"""应享未享 reads, each in the user's scope: the list with its filters and evidence, the counts
per rule, when the user's region was last refreshed, a person's open findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from youfu.benefits.models import PendingLumpSum
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.scope import get_visible_or_404, region_prefix
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, DeathPayee, PersonStatus, Qualification
from youfu.relief.discoveries.models import Discovery, DiscoveryRefresh, DiscoveryState, Rule

if TYPE_CHECKING:
    from youfu.accounts.models import User

ALL_STATES = "all"
STATE_CHOICES = (*DiscoveryState.values, ALL_STATES)


def discoveries_for(user: User | Any) -> QuerySet[Discovery]:
    return Discovery.objects.visible_to(user)


def clean_rule(rule: str | None) -> Rule | None:
    if not rule:
        return None
    if rule not in Rule.values:
        message = Message(gettext_noop("Unknown rule %(rule)s."), {"rule": rule})
        raise InvalidInput(message, fields={"rule": message})
    return Rule(rule)


def clean_state(state: str | None) -> str:
    state = state or DiscoveryState.OPEN.value
    if state not in STATE_CHOICES:
        message = Message(gettext_noop("Unknown state %(state)s."), {"state": state})
        raise InvalidInput(message, fields={"state": message})
    return state


def region_in_scope(user: User, code: str | None) -> Region | None:
    """The region a list is narrowed to; one outside the user's region is a 404, as everywhere."""
    if not code:
        return None
    return get_visible_or_404(Region, user, code=code.strip())


def with_evidence(queryset: QuerySet[Discovery]) -> QuerySet[Discovery]:
    """The rows as the list shows them: the person, the township, the survey, the death, and
    the evidence read at the time (a premium's level, the household, a payee)."""
    level = Qualification.objects.filter(
        beneficiary=OuterRef("beneficiary_id"), category=Category.DISABLED_VETERAN
    ).values("disability_level")[:1]
    others = (
        Beneficiary.objects.filter(
            household_id=OuterRef("beneficiary__household_id"), status=PersonStatus.ALIVE
        )
        .exclude(pk=OuterRef("beneficiary_id"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    payee = DeathPayee.objects.filter(life_event=OuterRef("death_id"))
    named = PendingLumpSum.objects.filter(life_event=OuterRef("death_id"), named_at__isnull=False)
    return queryset.select_related(
        "beneficiary", "beneficiary__township", "survey", "death", "resolved_by"
    ).annotate(
        disability_level=Subquery(level, output_field=IntegerField()),
        household_others=Coalesce(Subquery(others, output_field=IntegerField()), 0),
        has_payee=Exists(payee) | Exists(named),
    )


def listed(
    user: User,
    *,
    rule: Rule | None = None,
    region: Region | None = None,
    state: str = DiscoveryState.OPEN.value,
    person: int | None = None,
) -> QuerySet[Discovery]:
    queryset = discoveries_for(user)
    if rule is not None:
        queryset = queryset.filter(rule=rule)
    if region is not None:
        queryset = queryset.filter(beneficiary__region__code__startswith=region.scope_prefix)
    if state != ALL_STATES:
        queryset = queryset.filter(state=state)
    if person is not None:
        queryset = queryset.filter(beneficiary_id=person)
    return with_evidence(queryset).order_by("rule", "beneficiary__township_id", "found_at", "pk")


def open_counts(user: User, *, region: Region | None = None) -> dict[str, int]:
    """Open findings per rule code (every rule, 0 where none)."""
    queryset = discoveries_for(user).filter(state=DiscoveryState.OPEN)
    if region is not None:
        queryset = queryset.filter(beneficiary__region__code__startswith=region.scope_prefix)
    counts = dict(queryset.order_by().values_list("rule").annotate(n=Count("pk")).values_list("rule", "n"))
    return {rule.value: int(counts.get(rule.value, 0)) for rule in Rule}


def last_refresh_for(user: User) -> DiscoveryRefresh | None:
    """The latest refresh that covered the user's whole region: the nightly one, or one of the
    user's region or a region above it."""
    prefix = region_prefix(user)
    if prefix is None:
        return None
    covering = [prefix[:n] for n in range(len(prefix) + 1)]
    return DiscoveryRefresh.objects.filter(region_prefix__in=covering).order_by("-at", "-pk").first()


def open_for_person(user: User, person: Beneficiary) -> QuerySet[Discovery]:
    return listed(user, person=person.pk)
