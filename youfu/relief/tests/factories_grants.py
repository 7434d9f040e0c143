"""Temporary relief test data, built through the services (they check, audit and schedule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils import timezone

from youfu.accounts.models import User
from youfu.audit.models import AuditEvent
from youfu.benefits.models import OneOffPayment
from youfu.benefits.money import to_fen
from youfu.core.roles import Role
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.relief.grants import services
from youfu.relief.grants.models import ChainStep, ReliefDocument, ReliefGrant, ReliefSettings, ReliefStep
from youfu.relief.grants.transitions import round_actors
from youfu.testing import World, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 32


def second_clerk(world: World) -> User:
    """Another county clerk: approves the first clerk's own entries."""
    found = User.objects.filter(username="clerk2").first()
    return found or make_user("clerk2", Role.COUNTY_CLERK, world.county)


def second_leader(world: World) -> User:
    found = User.objects.filter(username="leader2").first()
    return found or make_user("leader2", Role.LEADER, world.county)


def eligible_person(
    world: World, region: Region | None = None, category: Category = Category.DISABLED_VETERAN, **person: Any
) -> Beneficiary:
    return register(world.county_clerk, region or world.village_a, (category,), **person)


def application(
    amount: str | Decimal = "1000.00",
    *,
    reason: str = "illness",
    applied_on: date | None = None,
    note: str = "",
) -> services.Application:
    return services.Application(
        reason=reason,
        amount_fen=to_fen(Decimal(amount)),
        applied_on=applied_on or timezone.localdate(),
        note=note,
    )


def apply(
    world: World,
    person: Beneficiary,
    amount: str | Decimal = "1000.00",
    *,
    by: User | None = None,
    **kwargs: Any,
) -> ReliefGrant:
    return services.do_apply(person, application(amount, **kwargs), acting_user=by or world.village_assistant)


def holder(world: World, step: str, grant: ReliefGrant) -> User:
    """Someone who may take ``step`` of ``grant`` and has not taken part in its round yet."""
    taken = round_actors(grant)
    candidates = {
        ChainStep.TOWNSHIP: [world.township_clerk],
        ChainStep.COUNTY: [world.county_clerk, second_clerk(world)],
        ChainStep.LEADER: [world.leader, second_leader(world)],
    }[ChainStep(step)]
    return next(u for u in candidates if u.pk not in taken)


def approve_all(world: World, grant: ReliefGrant) -> ReliefGrant:
    """Take every remaining step of the chain, each by a different user of the right role."""
    while grant.state == "pending":
        grant = services.do_approve(grant, acting_user=holder(world, grant.next_step, grant))
    return grant


def approved_grant(world: World, person: Beneficiary | None = None, amount: str = "1000.00") -> ReliefGrant:
    return approve_all(world, apply(world, person or eligible_person(world), amount))


def set_settings(world: World, **changes: Any) -> ReliefSettings:
    return services.do_set_relief_settings(acting_user=world.leader, **changes)


def fingerprint() -> tuple[Any, ...]:
    """What a refusal must leave as it was: every relief row, the one-offs and the audit log."""

    def rows(model: type[Model]) -> list[tuple[Any, ...]]:
        return sorted(
            (tuple(sorted(r.items())) for r in model._default_manager.values()), key=repr
        )  # scope: test

    return (
        rows(ReliefGrant),
        rows(ReliefStep),
        rows(ReliefDocument),
        rows(ReliefSettings),
        rows(OneOffPayment),
        AuditEvent.objects.count(),
    )
