"""Separation of duties (issue 15, GB/T 22239's three administrators), read off the access table:
the system admin keeps accounts, settings and backups and reads nobody's records; the auditor
reads the audit log and changes nothing.

This is not a second walk. ``test_scope_walk.py`` proves that every persona gets through exactly
the cells ``ACCESS`` gives it (and that no answer shows the admin or the auditor a person's name);
here the table itself is held to the duties: every cell the admin or the auditor is in must be one
listed below as theirs. So a route that would let the admin read the registry fails twice: here
because the table may not say so, and in the walk if the app lets it through anyway.
"""

from __future__ import annotations

import pytest

from youfu.accounts.tests import test_scope_walk as walk
from youfu.accounts.tests.walking import PERSONAS
from youfu.core.roles import ROLE_CAPABILITIES, Capability, Role

# Open to anyone, signed in or not: signing in, the language, one's own profile, the API's
# description, the petitioners' own pages.
EVERYONE = {
    "",
    "accounts/login/",
    "accounts/login/otp/",
    "accounts/login/enrol/",
    "accounts/logout/",
    "accounts/profile/",
    "accounts/profile/two-factor/",
    "accounts/password/",
    "i18n/setlang/",
    "api/v1/",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/auth/token",
    "api/v1/auth/tokens",
    "api/v1/auth/tokens/<token_id>",
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
        "api/v1/recovery-requests",
        "api/v1/recovery-requests/<account_recovery_id>",
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

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ADMIN = next(letter for letter, name in PERSONAS.items() if name == "admin")
AUDITOR = next(letter for letter, name in PERSONAS.items() if name == "auditor")


def _public(cell: walk.Cell) -> bool:
    return cell.route.template.startswith(PUBLIC_PREFIXES)


def _writes(cell: walk.Cell) -> bool:
    """A write the table grants: a read-only page's POST answers as its GET does."""
    return cell.method in WRITE_METHODS and cell.route.template not in walk.READ_ONLY


def beyond_duties(cells: list[walk.Cell], letter: str, reads: set[str], may_write: bool) -> list[str]:
    found = []
    for cell in cells:
        if letter not in cell.who or _public(cell):
            continue
        if _writes(cell):
            if not may_write and cell.route.template not in EVERYONE:
                found.append(f"{cell.name}: a write")
            continue
        if cell.route.template not in reads:
            found.append(f"{cell.name}: not one of its reads")
    return found


def test_the_admin_reads_no_personal_data() -> None:
    assert Capability.READ_PERSONAL_DATA not in ROLE_CAPABILITIES[Role.COUNTY_ADMIN]
    assert beyond_duties(walk.cells(), ADMIN, ADMIN_READS, may_write=True) == []


def test_the_auditor_reads_the_audit_log_and_changes_nothing() -> None:
    assert beyond_duties(walk.cells(), AUDITOR, AUDITOR_READS, may_write=False) == []


def test_the_duties_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the admin the registry's list and the auditor a petition's writes: both are reported."""
    registry = dict(walk.ACCESS["registry/"])
    registry["GET"] = str(registry["GET"]) + ADMIN
    monkeypatch.setitem(walk.ACCESS, "registry/", registry)
    petitions = {
        method: (who + AUDITOR if isinstance(who, str) else who)
        for method, who in walk.ACCESS["api/v1/petitions"].items()
    }
    monkeypatch.setitem(walk.ACCESS, "api/v1/petitions", petitions)
    cells = walk.cells()
    assert "GET /registry/: not one of its reads" in beyond_duties(cells, ADMIN, ADMIN_READS, may_write=True)
    found = beyond_duties(cells, AUDITOR, AUDITOR_READS, may_write=False)
    assert "POST /api/v1/petitions: a write" in found, found
    assert "GET /api/v1/petitions: not one of its reads" in found, found
