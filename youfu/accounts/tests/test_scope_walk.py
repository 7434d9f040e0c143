"""Walk every route of the project as the clerk of another township.

Every URL pattern registered in the project (pages and /api/v1 alike, including routes
that later apps add) is requested with GET and POST, its path parameters filled with
records that belong to township A, by ``other_township_clerk`` of township B. None may
show A's records or change anything. A route with a parameter this walker does not know
fails the test: register a sample for it in ``SAMPLES`` below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from youfu.accounts.models import ApiToken, Department
from youfu.accounts.services import do_issue_token
from youfu.audit.models import AuditEvent
from youfu.benefits.tests import samples as benefit_samples
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.petitions.tests import factories as petition_samples
from youfu.registry.importing import store_error_report
from youfu.registry.models import AnnualReview, Beneficiary, ReviewItem
from youfu.registry.reviews import do_open_annual_review
from youfu.registry.tests.factories import register
from youfu.testing import World


class Shared:
    """A sample that is not township A's own (a county-wide campaign): the outsider may
    open it, but must still see none of township A's records inside it."""

    def __init__(self, sample: Callable[[World], Any]) -> None:
        self.sample = sample

    def __call__(self, world: World) -> Any:
        return self.sample(world)


# Path parameter name → a value identifying a record that lives in township A.
SAMPLES: dict[str, Callable[[World], Any]] = {
    "code": lambda w: w.village_a.code,
    "beneficiary_id": lambda w: Beneficiary.objects.get(name="柳湾张三").pk,
    "token": lambda w: store_error_report(
        b"a\n1\n", "x.csv", ImportRejected([RowError(2, "a", Message("x"))]), acting_user=w.township_clerk
    ),
    "review_id": Shared(lambda w: AnnualReview.objects.get().pk),
    "item_id": lambda w: ReviewItem.objects.get(qualification__beneficiary__name="柳湾张三").pk,
    "user_id": lambda w: w.township_clerk.pk,
    "token_id": lambda w: ApiToken.objects.filter(user=w.township_clerk).values_list("pk", flat=True)[0],
    "petition_id": lambda w: petition_samples.walk_petition(w).pk,
    "attachment_id": lambda w: petition_samples.walk_attachment(w).pk,
    "reception_id": lambda w: petition_samples.walk_reception_day(w).pk,
    "receipt_code": lambda w: petition_samples.walk_petition(w).receipt_code,
    "department_id": lambda w: (
        Department.objects.get_or_create(region=w.township_a, name="城关镇民政办")[0].pk
    ),
    "batch_id": Shared(lambda w: benefit_samples.walk_batch(w).pk),
    "recovery_id": lambda w: benefit_samples.walk_recovery(w).pk,
    "lump_sum_id": lambda w: benefit_samples.walk_lump_sum(w).pk,
    "seq": lambda w: benefit_samples.walk_line(w).seq,
    "version_id": Shared(lambda w: benefit_samples.walk_standards_version(w).pk),
    "topup_id": Shared(lambda w: benefit_samples.walk_topup(w).pk),
}


# Texts that identify township A's records; the outsider must never see them.
def markers(world: World) -> list[str]:
    return [world.township_a.name, world.village_a.name, world.township_clerk.full_name, "柳湾张三"]


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "regions/<str:code>/"
    params: tuple[str, ...]


def _walk(resolvers: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[Route]:
    for entry in resolvers:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, pattern)
        else:
            converters = getattr(entry.pattern, "converters", {})
            params = tuple(converters) if converters else tuple(entry.pattern.regex.groupindex)
            yield Route(pattern, params)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def concrete(route: Route, world: World) -> str:
    path = route.template.lstrip("^").rstrip("$")
    for name in route.params:
        if name not in SAMPLES:
            raise AssertionError(
                f"route {route.template!r} takes <{name}>: add a township-A sample for it to SAMPLES"
            )
        value = str(SAMPLES[name](world))
        path = re.sub(r"<(?:[^>:]+:)?" + re.escape(name) + ">", value, path)
        path = re.sub(r"\(\?P<" + re.escape(name) + r">[^)]*\)", value, path)
    return "/" + path.replace("\\", "")


def leaks(world: World, client: Client, auth: dict[str, str]) -> list[str]:
    """Every way in which a route showed or changed township A's data."""
    found: list[str] = []
    marks = markers(world)
    for route in all_routes():
        url = concrete(route, world)
        for method in ("get", "post"):
            if not auth:
                # Log in afresh for every request: the walk also posts to logout.
                client.force_login(world.other_township_clerk)
            before = AuditEvent.objects.count()
            response = getattr(client, method)(url, **auth)
            status = response.status_code
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            owned = [p for p in route.params if not isinstance(SAMPLES[p], Shared)]
            if owned and 200 <= status < 300:
                found.append(f"{method.upper()} {url} answered {status} for a township-A record")
            for mark in marks:
                if mark in text:
                    found.append(f"{method.upper()} {url} showed {mark!r}")
            changed = AuditEvent.objects.filter(pk__gt=0).count() - before
            writes = AuditEvent.objects.order_by("-seq")[: max(changed, 0)]
            for event in writes:
                if (
                    event.event_type // 100 != 9
                    and event.region_id
                    and world.township_a.code[:9] == event.region_id[:9]
                ):
                    found.append(f"{method.upper()} {url} changed township-A data: {event}")
    return found


@pytest.fixture
def walk_world(world: World) -> World:
    do_issue_token(world.township_clerk, acting_user=world.township_clerk)
    register(world.township_clerk, world.village_a, name="柳湾张三")
    do_open_annual_review(2026, acting_user=world.county_clerk)
    # Make every sample up front, so list pages walked first already have them to leak.
    for sample in SAMPLES.values():
        sample(world)
    return world


@pytest.mark.django_db
def test_the_outsider_session_sees_nothing_of_township_a(walk_world: World, client: Client) -> None:
    assert leaks(walk_world, client, {}) == []


@pytest.mark.django_db
def test_the_outsider_token_sees_nothing_of_township_a(walk_world: World, client: Client) -> None:
    key, _ = do_issue_token(walk_world.other_township_clerk, acting_user=walk_world.other_township_clerk)
    assert leaks(walk_world, client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}) == []


@pytest.mark.django_db
def test_the_walker_finds_a_leak_when_scope_is_broken(
    walk_world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk can fail: with region scope switched off, it reports township A's records."""
    import youfu.accounts.scope as scope

    monkeypatch.setattr(scope, "apply_scope", lambda queryset, user: queryset)
    found = leaks(walk_world, client, {})
    assert any("/regions/" in leak for leak in found), found


@pytest.mark.django_db
def test_the_owner_does_see_their_own_records(walk_world: World, client: Client) -> None:
    client.force_login(walk_world.township_clerk)
    response = client.get(f"/regions/{walk_world.village_a.code}/")
    assert response.status_code == 200
    assert walk_world.village_a.name in response.content.decode()


def test_every_route_parameter_has_a_sample() -> None:
    unknown = {p for r in all_routes() for p in r.params if p not in SAMPLES}
    assert unknown == set(), f"add township-A samples for {unknown} to SAMPLES"
