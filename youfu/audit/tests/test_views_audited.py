"""Opening one person's record is recorded like a write (PERSONAL_DATA_VIEWED, 952): the person,
a petition, a relief grant and a medical claim, as a page and through the API. The record names
the record's type and id, never its contents; the same user reopening it within the window is
the same reading; a refused request records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.petitions.tests.factories import register as register_petition
from youfu.registry.tests.factories import register as register_person
from youfu.relief.tests import factories_grants, factories_medical
from youfu.testing import World, bearer, log_in

VIEWED = int(EventType.PERSONAL_DATA_VIEWED)


def _person(world: World) -> models.Model:
    return register_person(world.township_clerk, world.village_a, name="柳湾看过")


def _petition(world: World) -> models.Model:
    return register_petition(world.county_clerk, world.township_a)


def _grant(world: World) -> models.Model:
    return factories_grants.apply(world, factories_grants.eligible_person(world, name="柳湾救助"))


def _claim(world: World) -> models.Model:
    return factories_medical.claim(world, factories_medical.eligible_person(world, name="柳湾医疗"))


# (record maker, page URL, API URL)
RECORDS: dict[str, tuple[Callable[[World], models.Model], Callable[[int], str], str]] = {
    "person": (_person, lambda pk: reverse("registry:detail", args=[pk]), "/api/v1/beneficiaries/{}"),
    "petition": (_petition, lambda pk: reverse("petitions:detail", args=[pk]), "/api/v1/petitions/{}"),
    "grant": (_grant, lambda pk: reverse("relief_grants:detail", args=[pk]), "/api/v1/relief/{}"),
    "claim": (
        _claim,
        lambda pk: reverse("relief_medical:claim_detail", args=[pk]),
        "/api/v1/medical/claims/{}",
    ),
}


def _views(record: models.Model) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            event_type=VIEWED, object_type=record._meta.label_lower, object_id=str(record.pk)
        ).order_by("seq")
    )


def _open(world: World, how: str, url: str) -> Any:
    if how == "api":
        return Client().get(url, **bearer(world.county_clerk))
    client = Client()
    log_in(client, world.county_clerk)
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["page", "api"])
@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_opening_a_record_is_audited_once_a_while(world: World, kind: str, how: str) -> None:
    make, page, api = RECORDS[kind]
    record = make(world)
    url = page(record.pk) if how == "page" else api.format(record.pk)

    assert _open(world, how, url).status_code == 200
    [event] = _views(record)
    assert event.actor_id == world.county_clerk.pk
    assert event.region_id is not None
    assert event.old is None and event.new is None and event.extra == {}

    assert _open(world, how, url).status_code == 200  # a reload: the same reading
    assert len(_views(record)) == 1


@pytest.mark.django_db
def test_every_opening_is_recorded_without_a_window(world: World, settings: Any) -> None:
    settings.YOUFU_AUDIT_VIEW_WINDOW_SECONDS = 0
    person = _person(world)
    for _ in range(2):
        assert _open(world, "page", reverse("registry:detail", args=[person.pk])).status_code == 200
    assert len(_views(person)) == 2


@pytest.mark.django_db
def test_another_user_opening_it_is_recorded_apart(world: World) -> None:
    person = _person(world)
    url = reverse("registry:detail", args=[person.pk])
    _open(world, "page", url)
    client = Client()
    log_in(client, world.township_clerk)
    assert client.get(url).status_code == 200
    assert [e.actor_id for e in _views(person)] == [world.county_clerk.pk, world.township_clerk.pk]


@pytest.mark.django_db
def test_a_refused_opening_records_nothing(world: World) -> None:
    person = _person(world)
    client = Client()
    log_in(client, world.other_township_clerk)
    assert client.get(reverse("registry:detail", args=[person.pk])).status_code == 404
    assert _views(person) == []
    assert Client().get(f"/api/v1/beneficiaries/{person.pk}", **bearer(world.auditor)).status_code == 403
    assert _views(person) == []
