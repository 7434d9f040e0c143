"""应享未享 reads, each in the user's scope: the list with its filters and evidence, the counts
per rule, when the user's region was last refreshed, a person's open findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from youfu.benefits.models import PendingLumpSum
from youfu.core.crypto import decrypt
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404, region_prefix
from youfu.core.templatetags.amounts import amount
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import (
    Beneficiary,
    DeathPayee,
    LifeEvent,
    PersonStatus,
    Qualification,
    QualificationStatus,
)
from youfu.registry.services import id_number_index
from youfu.relief.discoveries import rules
from youfu.relief.discoveries.models import Discovery, DiscoveryRefresh, DiscoveryState, Rule
from youfu.relief.housing.models import SERVING_STATES, HousingCase
from youfu.relief.medical.models import MedicalPremium

if TYPE_CHECKING:
    from youfu.accounts.models import User

ALL_STATES = "all"
STATE_CHOICES = (*DiscoveryState.values, ALL_STATES)


def discoveries_for(user: User | Any) -> QuerySet[Discovery]:
    """A finding names a person and what they may be owed: the roles that read personal data
    only (the admin and the auditor get a 403, not an empty list: separation of duties)."""
    require(user, Capability.READ_PERSONAL_DATA)
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


# --- what a finding may be resolved with ------------------------------------------------------


def payee_indexes(death: LifeEvent) -> set[str]:
    """The blind indexes of the ID numbers of the death's payees (named with it, or later for the
    lump sum), to recognise a payee who was registered since."""
    encrypted = list(
        DeathPayee.objects.filter(life_event=death).values_list("id_number_encrypted", flat=True)
    )
    encrypted += PendingLumpSum.objects.filter(life_event=death, named_at__isnull=False).values_list(
        "payee_id_number_encrypted", flat=True
    )
    return {id_number_index(decrypt(value)) for value in encrypted if value}


def reference_choices(user: User, finding: Discovery) -> list[tuple[str, str]]:
    """The records in the user's scope that may resolve ``finding`` as acted, as (reference,
    words), newest first: the same records ``services._check_reference`` accepts."""
    person = finding.beneficiary
    match finding.rule:
        case Rule.PREMIUM_MISSING:
            assert finding.year is not None
            premiums = MedicalPremium.objects.visible_to(user).filter(beneficiary=person, year=finding.year)
            return [
                (
                    f"premium:{p.pk}",
                    _("%(year)s medical insurance premium, %(amount)s yuan")
                    % {"year": p.year, "amount": amount(p.amount)},
                )
                for p in premiums.order_by("-recorded_at", "-pk")
            ]
        case Rule.HOUSING_UNSERVED:
            home = Q(beneficiary=person)
            if person.household_id is not None:
                home |= Q(beneficiary__household_id=person.household_id)
            cases = (
                HousingCase.objects.visible_to(user)
                .filter(home, state__in=SERVING_STATES)
                .select_related("beneficiary")
                .order_by("-opened_on", "-pk")
            )
            return [
                (
                    f"housing_case:{c.pk}",
                    _("Housing case #%(id)s · %(kind)s · %(state)s")
                    % {"id": c.pk, "kind": c.get_kind_display(), "state": c.get_state_display()}
                    + _whose(c.beneficiary, person),
                )
                for c in cases
            ]
        case Rule.RURAL_VETERAN_60:
            held = Qualification.objects.visible_to(user).filter(
                beneficiary=person, category=Category.ELDERLY_RURAL_VETERAN
            )
        case _:
            assert finding.death is not None
            survivors = Q(beneficiary__id_number_index__in=payee_indexes(finding.death))
            if person.household_id is not None:
                survivors |= Q(beneficiary__household_id=person.household_id)
            held = (
                Qualification.objects.visible_to(user)
                .filter(survivors, category__in=rules.SURVIVOR_CATEGORIES)
                .exclude(beneficiary=person)
            )
    return [
        (f"qualification:{q.pk}", _qualification_words(q, person))
        for q in held.select_related("beneficiary").order_by("-approved_on", "-pk")
    ]


def _qualification_words(qualification: Qualification, person: Beneficiary) -> str:
    words = _("%(category)s · approved on %(date)s") % {
        "category": qualification.get_category_display(),
        "date": qualification.approved_on.isoformat(),
    }
    if qualification.status != QualificationStatus.ACTIVE:
        words += f" · {qualification.get_status_display()}"
    if qualification.beneficiary_id != person.pk:
        words = f"{qualification.beneficiary.name} · {words}"
    return words


def _whose(holder: Beneficiary, person: Beneficiary) -> str:
    return "" if holder.pk == person.pk else f" · {holder.name}"
