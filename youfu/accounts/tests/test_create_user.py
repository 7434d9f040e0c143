from __future__ import annotations

import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from youfu.accounts.models import RoleRequest, User
from youfu.accounts.services import do_approve_role_request
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.roles import Role
from youfu.regions.models import Region, RegionLevel
from youfu.testing import COUNTY, TOWNSHIP_A, World

STRONG = "river-stone-2026"


def create_user(*args: str, password: str = STRONG, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out, err = StringIO(), StringIO()
    try:
        call_command("create-user", *args, "--password-stdin", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_bootstraps_the_first_admin_as_system(monkeypatch: pytest.MonkeyPatch) -> None:
    Region.objects.create(code=COUNTY, name="青山县", level=RegionLevel.COUNTY)
    code, out, err = create_user(
        "root", "--role", "county_admin", "--region", COUNTY, "--json", monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert json.loads(out)["username"] == "root"
    event = AuditEvent.objects.get(event_type=EventType.USER_CREATED)
    assert event.actor_name == "system" and event.actor_id is None
    assert event.new is not None and event.new["role"] == "county_admin"
    # From now on --as is required.
    code, _, err = create_user(
        "second", "--role", "county_admin", "--region", COUNTY, monkeypatch=monkeypatch
    )
    assert code == 1 and "--as" in err


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_it_hashes_with_argon2(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = create_user(
        "wang", "--role", "county_clerk", "--region", COUNTY, "--as", "admin", monkeypatch=monkeypatch
    )
    assert code == 0, err
    user = User.objects.get(username="wang")
    assert user.password.startswith("argon2$")
    assert user.check_password(STRONG)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "password", "needle"),
    [
        (["x1", "--role", "mayor", "--region", COUNTY], STRONG, "mayor"),
        (["x2", "--role", "county_clerk", "--region", "999999999999"], STRONG, "999999999999"),
        (["clerk", "--role", "county_clerk", "--region", COUNTY], STRONG, "clerk"),
        (["x3", "--role", "county_clerk", "--region", COUNTY], "short1", "password"),
        (["x4", "--role", "county_clerk", "--region", COUNTY], "aaaaaaaaaaaaaa", "password"),
        (["x5", "--role", "county_clerk", "--region", COUNTY], "12345678901234", "password"),
        (["x6", "--role", "township_clerk", "--region", COUNTY], STRONG, "township"),
    ],
    ids=["unknown-role", "unknown-region", "duplicate", "short", "one-class", "digits", "wrong-level"],
)
def test_it_rejects_bad_input_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, args: list[str], password: str, needle: str
) -> None:
    users, events = User.objects.count(), AuditEvent.objects.count()
    code, _, err = create_user(*args, "--as", "admin", password=password, monkeypatch=monkeypatch)
    assert code == 1
    assert needle.lower() in err.lower()
    assert " / " in err  # zh-Hans and English
    assert User.objects.count() == users
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_only_an_admin_creates_users(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, _ = create_user(
        "x", "--role", "county_clerk", "--region", COUNTY, "--as", "clerk", monkeypatch=monkeypatch
    )
    assert code == 1
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_a_township_clerk_is_created_in_a_township_and_waits_for_a_leader(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = create_user(
        "li",
        "--role",
        "township_clerk",
        "--region",
        TOWNSHIP_A,
        "--as",
        "admin",
        "--json",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    answer = json.loads(out)
    user = User.objects.get(username="li")
    # The installation has a leader: the role is asked for, not given.
    assert user.role == "" and user.region_id == TOWNSHIP_A
    assert answer["awaiting_approval"] is True and answer["requested_role"] == "township_clerk"
    request = RoleRequest.objects.get(pk=answer["role_request"])
    assert (request.user, request.role, request.region_id) == (user, Role.TOWNSHIP_CLERK, TOWNSHIP_A)
    event = AuditEvent.objects.get(event_type=EventType.USER_CREATED, object_id=str(user.pk))
    assert event.actor_name == "admin" and event.region_id == TOWNSHIP_A
    assert AuditEvent.objects.filter(event_type=EventType.ROLE_REQUESTED, object_id=str(user.pk)).exists()

    do_approve_role_request(request, acting_user=world.leader)
    user.refresh_from_db()
    assert user.role == Role.TOWNSHIP_CLERK and user.region_id == TOWNSHIP_A


@pytest.mark.django_db
def test_until_there_is_a_leader_the_command_grants_the_role_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bootstrap: nobody could approve before the first leader, so the command sets an
    installation up alone; the first leader ends that."""
    county = Region.objects.create(code=COUNTY, name="青山县", level=RegionLevel.COUNTY)
    Region.objects.create(code=TOWNSHIP_A, name="城关镇", parent=county, level=RegionLevel.TOWNSHIP)
    assert create_user("root", "--role", "county_admin", "--region", COUNTY, monkeypatch=monkeypatch)[0] == 0
    code, out, err = create_user(
        "wang",
        "--role",
        "county_clerk",
        "--region",
        COUNTY,
        "--as",
        "root",
        "--json",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert json.loads(out)["awaiting_approval"] is False
    assert User.objects.get(username="wang").role == Role.COUNTY_CLERK
    created = AuditEvent.objects.get(event_type=EventType.USER_CREATED, actor_name="root")
    # The role is the bootstrap's; the password is still the admin's, good for one sign-in.
    assert created.extra == {"bootstrap": "no_leader_yet", "one_time_password": True}

    code, out, err = create_user(
        "zhang", "--role", "leader", "--region", COUNTY, "--as", "root", "--json", monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert User.objects.get(username="zhang").role == Role.LEADER

    # From the first leader on, the command asks like every other way in.
    code, out, err = create_user(
        "li",
        "--role",
        "township_clerk",
        "--region",
        TOWNSHIP_A,
        "--as",
        "root",
        "--json",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert json.loads(out)["awaiting_approval"] is True
    assert User.objects.get(username="li").role == ""
