"""The outsider walk over the petition routes, with township A's petition, attachment,
reception day and department created *before* the walk, so list pages and the public
pages are checked against real township-A data too (the project-wide walk in
accounts/tests/test_scope_walk.py creates them lazily, when a route first needs one)."""

from __future__ import annotations

import pytest
from django.test import Client

from youfu.accounts.services import do_issue_token
from youfu.accounts.tests import test_scope_walk as walk
from youfu.petitions.tests import factories
from youfu.testing import World

PREFIXES = ("petitions/", "p/", "api/v1/petitions", "api/v1/public", "api/v1/departments")


@pytest.fixture
def petition_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    routes = [r for r in walk.all_routes() if r.template.lstrip("^").startswith(PREFIXES)]
    assert len(routes) > 20
    monkeypatch.setattr(walk, "all_routes", lambda: routes)


@pytest.fixture
def township_a_data(world: World) -> World:
    do_issue_token(world.township_clerk, acting_user=world.township_clerk)
    factories.walk_petition(world)
    factories.walk_reception_day(world)
    walk.SAMPLES["department_id"](world)
    return world


@pytest.mark.django_db
@pytest.mark.usefixtures("petition_routes")
class TestTheOutsider:
    def test_by_session(self, township_a_data: World, client: Client) -> None:
        assert walk.leaks(township_a_data, client, {}) == []

    def test_by_token(self, township_a_data: World, client: Client) -> None:
        key, _ = do_issue_token(
            township_a_data.other_township_clerk, acting_user=township_a_data.other_township_clerk
        )
        assert walk.leaks(township_a_data, client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}) == []

    def test_the_walk_would_see_a_leak(
        self, township_a_data: World, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import youfu.core.scope as scope

        monkeypatch.setattr(scope, "apply_scope", lambda queryset, user: queryset)
        found = walk.leaks(township_a_data, client, {})
        assert any(leak.startswith("GET /petitions/ showed") for leak in found), found
        assert any("/api/v1/petitions/" in leak for leak in found), found
