"""Role requests from the command line, for an installation run from a shell: the admin's
create-user asks, ``youfu role-requests`` lists what waits, a leader approves (``approve-role``)
or refuses with a reason (``refuse-role``) — the same services as the page and the API."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from youfu.accounts.models import RoleRequestState
from youfu.accounts.tests.test_role_requests import new_clerk, pending
from youfu.core.roles import Role
from youfu.testing import World


def youfu(*args: str) -> tuple[int, Any]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, "--json", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, json.loads(out.getvalue()) if out.getvalue() else str(exc)
    return 0, json.loads(out.getvalue())


@pytest.mark.django_db
def test_the_admin_asks_and_a_leader_approves_from_the_shell(world: World) -> None:
    clerk = new_clerk(world)
    request = pending(clerk)
    code, listed = youfu("role-requests", "--as", world.leader.username)
    assert code == 0 and [r["id"] for r in listed["waiting"]] == [request.pk]
    assert listed["waiting"][0]["username"] == "zhao" and listed["waiting"][0]["role"] == Role.TOWNSHIP_CLERK

    code, said = youfu("approve-role", str(request.pk), "--as", world.leader.username)
    assert code == 0 and said["state"] == RoleRequestState.APPROVED
    clerk.refresh_from_db()
    assert (clerk.role, clerk.region_id) == (Role.TOWNSHIP_CLERK, world.township_a.code)
    assert youfu("role-requests", "--as", world.admin.username)[1]["waiting"] == []


@pytest.mark.django_db
def test_a_leader_refuses_with_a_reason(world: World) -> None:
    clerk = new_clerk(world)
    request = pending(clerk)
    code, said = youfu("refuse-role", str(request.pk), "--reason", "不在编", "--as", world.leader.username)
    assert code == 0 and (said["state"], said["reason"]) == (RoleRequestState.REFUSED, "不在编")
    clerk.refresh_from_db()
    assert clerk.role == ""


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "county_clerk", "auditor"])
def test_only_a_leader_decides(world: World, who: str) -> None:
    request = pending(new_clerk(world))
    status, said = youfu("approve-role", str(request.pk), "--as", getattr(world, who).username)
    assert status == 1 and said["ok"] is False and said["error"]["code"] == "forbidden"
    assert pending(request.user).pk == request.pk


@pytest.mark.django_db
def test_an_unknown_request_and_a_decided_one_are_clear_errors(world: World) -> None:
    request = pending(new_clerk(world))
    status, said = youfu("approve-role", "99999", "--as", world.leader.username)
    assert status == 1 and said["error"]["code"] == "unknown_role_request"
    assert youfu("approve-role", str(request.pk), "--as", world.leader.username)[0] == 0
    status, said = youfu("refuse-role", str(request.pk), "--reason", "x", "--as", world.leader.username)
    assert status == 1 and said["ok"] is False
