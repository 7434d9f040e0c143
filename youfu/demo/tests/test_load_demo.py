from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from youfu.accounts.models import RoleRequest, User
from youfu.audit.models import AuditEvent
from youfu.audit.verify import verify_chain
from youfu.core.roles import Role
from youfu.demo import generator
from youfu.demo.generator import load_county, records_not_from_the_demo
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary
from youfu.testing import make_user

DEMO_USERS = ("admin", "clerk", "clerk2", "township", "village", "leader", "liaison", "auditor")


@pytest.mark.django_db
def test_it_loads_the_demo_county_and_can_run_again() -> None:
    out = StringIO()
    args = ("--password", "youfu-demo-2026", "--persons", "0", "--i-know-this-is-not-production")
    call_command("load-demo", *args, stdout=out)
    assert "township" in out.getvalue() and "auditor" in out.getvalue()
    counts = (User.objects.count(), Region.objects.count(), AuditEvent.objects.count())
    assert counts[0] == 8
    assert set(User.objects.values_list("username", "role")) == {
        ("admin", "county_admin"),
        ("clerk", "county_clerk"),
        ("clerk2", "county_clerk"),
        ("township", "township_clerk"),
        ("village", "village_assistant"),
        ("leader", "leader"),
        ("liaison", "department_liaison"),
        ("auditor", "auditor"),
    }
    assert User.objects.get(username="township").region.name == "城关镇"
    assert User.objects.get(username="village").region.parent == User.objects.get(username="township").region
    assert User.objects.get(username="liaison").department.name == "县民政局"
    # The demo's accounts are its bootstrap: each has its role, none waits for a leader.
    assert not RoleRequest.objects.exists()
    call_command("load-demo", *args, stdout=StringIO())
    assert (User.objects.count(), Region.objects.count(), AuditEvent.objects.count()) == counts
    assert User.objects.get(username="clerk").check_password("youfu-demo-2026")
    # The demo's password is published: no account is made to change it at the first sign-in,
    # or the first visitor would lock the next one out.
    assert not User.objects.filter(must_change_password=True).exists()
    signed_in = Client().post("/accounts/login/", {"username": "clerk", "password": "youfu-demo-2026"})
    assert signed_in["Location"] == "/"
    assert verify_chain().ok


@pytest.mark.django_db
def test_without_debug_it_refuses_unless_told_this_is_not_production() -> None:
    with override_settings(DEBUG=False), pytest.raises(CommandError) as refused:
        call_command("load-demo", "--persons", "10", stdout=StringIO(), stderr=StringIO())
    assert refused.value.returncode == 1
    assert "--i-know-this-is-not-production" in str(refused.value)
    assert not User.objects.exists() and not Region.objects.exists() and not AuditEvent.objects.exists()
    with override_settings(DEBUG=True):
        call_command("load-demo", "--persons", "10", "--registry-only", stdout=StringIO())
    assert Beneficiary.objects.count() == 10


def _changes_schema(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("DROP INDEX", "CREATE INDEX", "ALTER TABLE"))


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.django_db
def test_a_database_with_records_the_demo_did_not_make_keeps_its_indexes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    call_command("load-demo", "--persons", "0", "--i-know-this-is-not-production", stdout=StringIO())
    assert records_not_from_the_demo(DEMO_USERS) == []
    make_user("wang", Role.COUNTY_CLERK, Region.objects.get(code="341199000000"))
    assert records_not_from_the_demo(DEMO_USERS) == ["users"]
    # A "large" load would drop and rebuild the registry's indexes: not in this database.
    monkeypatch.setattr(generator, "LARGE", 50)
    table = Beneficiary._meta.db_table
    before = _indexes(table)
    with CaptureQueriesContext(connection) as queries:
        result = load_county(persons=100, actor=None, workers=0, demo_usernames=DEMO_USERS)
    assert result.persons == 100 and not result.indexes_rebuilt
    assert not [q for q in queries.captured_queries if _changes_schema(q["sql"])]
    assert _indexes(table) == before


@pytest.mark.django_db
def test_a_database_only_the_demo_filled_gets_the_fast_load(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("load-demo", "--persons", "0", "--i-know-this-is-not-production", stdout=StringIO())
    monkeypatch.setattr(generator, "LARGE", 50)
    if connection.vendor == "postgresql":
        # The regions and accounts were written in this test's own transaction: their deferred
        # checks must run before a foreign key to them can be dropped (a real load commits them
        # first).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    table = Beneficiary._meta.db_table
    before = _indexes(table)
    with CaptureQueriesContext(connection) as queries:
        result = load_county(persons=100, actor=None, workers=0, demo_usernames=DEMO_USERS)
    assert result.persons == 100 and result.indexes_rebuilt
    assert [q for q in queries.captured_queries if _changes_schema(q["sql"])]
    assert _indexes(table) == before
