"""Separation of duties (issue 15, GB/T 22239's three administrators), walked over every route:
the system admin keeps accounts, settings and backups and reads nobody's records; the auditor
reads the audit log and changes nothing.

Every route the project registers (the route walk's, ``test_scope_walk.py``) is requested with
GET as each of them: a page or operation that answers 2xx must be one listed here as theirs (a
page listing personal data answers 403, not an empty list). Then the auditor sends every write of
the walk, with its valid payload: each is refused (403/404) and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from youfu.accounts.tests import test_scope_walk as walk
from youfu.accounts.tests import walk_accounts
from youfu.accounts.tests.test_scope_walk import walk_world  # noqa: F401 (a fixture)
from youfu.core.roles import Capability
from youfu.testing import World, bearer, log_in

# Open to anyone, signed in or not: signing in, the language, the API's description, the
# petitioners' own pages.
EVERYONE = {
    "",
    "accounts/login/",
    "accounts/login/otp/",
    "accounts/login/enrol/",
    "accounts/profile/",
    "accounts/profile/two-factor/",
    "i18n/setlang/",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/auth/tokens",
    "api/v1/me",
}
PUBLIC_PREFIXES = ("p/", "api/v1/public/")

# The region tree and the departments are reference data every role reads.
REFERENCE = {
    "regions/",
    "regions/<str:code>/",
    "api/v1/regions",
    "api/v1/regions/<code>",
    "api/v1/departments",
    "api/v1/departments/<department_id>",
}

ADMIN_READS = (
    EVERYONE
    | REFERENCE
    | {
        "accounts/users/",
        "accounts/users/<int:user_id>/",
        "api/v1/users",
        "api/v1/users/<user_id>",
        "api/v1/role-requests",
        "api/v1/role-requests/<request_id>",
        "regions/import/",
        "calendar/",
        # The money parameters' page and settings: the admin keeps the payments start month.
        "benefits/standards/",
        "api/v1/standards",
        "api/v1/standards/versions",
        "api/v1/topups",
        "api/v1/benefit-settings",
        # The report queue's jobs (who asked, their state), never their files.
        "api/v1/reports/jobs",
        "api/v1/reports/jobs/<job_id>",
    }
)

AUDITOR_READS = (
    EVERYONE
    | REFERENCE
    | {
        "audit/",
        "audit/export.csv",
        "api/v1/audit/events",
    }
)

# Texts of township A's person that no page of the admin or the auditor may show.
PERSON_MARKS = ("柳湾张三",)


@pytest.fixture
def duties_world(walk_world: World, monkeypatch: pytest.MonkeyPatch) -> World:  # noqa: F811
    # The accounts' own samples (a role request), until the walk merges them itself.
    for name, sample in walk_accounts.SAMPLES.items():
        monkeypatch.setitem(walk.SAMPLES, name, sample)
        sample(walk_world)
    for key, write in walk_accounts.WRITES.items():
        monkeypatch.setitem(walk.WRITES, key, write)
    return walk_world


def _get(client: Client, user: Any, route: walk.Route, url: str) -> int:
    if route.template.startswith("api/"):
        return int(Client().get(url, **bearer(user)).status_code)
    log_in(client, user)  # afresh each time: the walk also passes the logout page
    return int(client.get(url).status_code)


def _reads(world: World, persona: str, allowed: set[str]) -> list[str]:
    user = getattr(world, persona)
    found = []
    client = Client()
    for route in walk.all_routes():
        if route.methods and "GET" not in route.methods:
            continue
        if route.template.startswith(PUBLIC_PREFIXES):
            continue
        url = walk.concrete(route, world)
        status = _get(client, user, route, url)
        if 200 <= status < 300 and route.template not in allowed:
            found.append(f"{persona} GET {url} answered {status}")
    return found


@pytest.mark.django_db
def test_the_admin_reads_no_personal_data(duties_world: World) -> None:
    assert not duties_world.admin.can(Capability.READ_PERSONAL_DATA)
    assert _reads(duties_world, "admin", ADMIN_READS) == []


@pytest.mark.django_db
def test_the_auditor_reads_the_audit_log_and_no_personal_data(duties_world: World) -> None:
    assert _reads(duties_world, "auditor", AUDITOR_READS) == []


@pytest.mark.django_db
def test_the_read_walk_can_fail(duties_world: World) -> None:
    """With the admin given the clerks' reading, the walk reports the registry's pages."""
    found = _reads(duties_world, "county_clerk", ADMIN_READS)
    assert any("/registry/" in line for line in found), found
    assert any("/api/v1/beneficiaries" in line for line in found), found


@pytest.mark.django_db
def test_the_auditor_changes_nothing(duties_world: World) -> None:
    world = duties_world
    auditor = world.auditor
    found: list[str] = []
    for method, route in [*walk.write_routes(), *walk.payload_routes()]:
        write = walk.WRITES.get((method, route.template)) or walk.NAMES_A_IN_PAYLOAD[(method, route.template)]
        url = walk.concrete(route, world)
        built = write.build(world)
        for payload in built if isinstance(built, list) else [built]:
            client = Client()
            auth: dict[str, str] = {}
            if route.template.startswith("api/"):
                auth = bearer(auditor)
            else:
                log_in(client, auditor)
            before = walk.fingerprint()
            response = walk._send(client, method, url, write, payload, auth)
            after = walk.fingerprint()
            changed = sorted(label for label in before if before[label] != after.get(label))
            what = f"{method} {url} {sorted(payload)}"
            if response.status_code not in (403, 404):
                found.append(f"{what} answered {response.status_code}, not 403/404")
            if changed:
                found.append(f"{what} changed {changed}")
    assert found == []
