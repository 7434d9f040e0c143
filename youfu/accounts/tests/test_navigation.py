"""The menu is worked out once a request, however many templates the page renders with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from youfu.accounts import context_processors
from youfu.registry.tests.factories import register
from youfu.testing import World, log_in


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The users the menu was worked out for, in order."""
    calls: list[Any] = []
    real = context_processors.nav_for

    def counting(user: Any) -> Any:
        calls.append(user)
        return real(user)

    monkeypatch.setattr(context_processors, "nav_for", counting)
    return calls


@pytest.mark.django_db
def test_the_person_page_works_out_the_menu_once(world: World, client: Client, asked: list[Any]) -> None:
    # The person page renders the areas' cards with the request (youfu/core/sections.py), each a
    # template with the context processors: the menu (every entry's own check) was asked each time.
    person = register(world.county_clerk, world.village_a)
    log_in(client, world.county_clerk)
    page = client.get(f"/registry/{person.pk}/")
    assert page.status_code == 200
    assert 'href="/registry/"' in page.content.decode()
    assert len(asked) == 1
    client.get(f"/registry/{person.pk}/")
    assert len(asked) == 2  # once a request, not once a session


@pytest.mark.django_db
def test_a_new_user_in_the_same_request_gets_their_own_menu(world: World, rf: Any) -> None:
    request = rf.get("/")
    request.user = world.county_clerk
    clerk = list(context_processors.navigation(request)["nav_apps"])
    request.user = world.auditor
    assert list(context_processors.navigation(request)["nav_apps"]) != clerk


@pytest.mark.django_db
def test_a_fragment_without_the_menu_does_not_work_it_out(
    world: World, client: Client, asked: list[Any]
) -> None:
    # The search results htmx asks for as a clerk types have no menu: nothing asks for it.
    register(world.county_clerk, world.village_a)
    log_in(client, world.county_clerk)
    fragment = client.get("/registry/?q=", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'data-testid="results"' in fragment.content.decode()
    assert asked == []
    assert 'href="/registry/"' in client.get("/registry/").content.decode()
    assert len(asked) == 1
