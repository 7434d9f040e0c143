"""Account recovery from the command line, for an installation run from a shell: the admin's
``reset-second-factor`` (and ``reset-password`` of an account that requires a second factor)
asks, ``youfu recovery-requests`` lists what waits, a leader approves (``approve-recovery``) or
refuses with a reason (``refuse-recovery``) — the same services as the page and the API, with the
role commands' options and exit codes."""

from __future__ import annotations

import io
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.models import AccountRecovery, RecoveryKind, RecoveryState, User
from youfu.core.roles import Role
from youfu.testing import PASSWORD, World, enrol_totp, make_user, run_command

GIVEN = "given-by-admin-42"


def youfu(*args: str) -> tuple[int, Any]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, "--json", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, json.loads(out.getvalue()) if out.getvalue() else str(exc)
    return 0, json.loads(out.getvalue())


@pytest.mark.django_db
def test_the_admin_asks_and_a_second_leader_approves_from_the_shell(world: World) -> None:
    enrol_totp(world.leader)
    code, asked = youfu("reset-second-factor", "leader", "--reason", "手机丢失", "--as", "admin")
    assert code == 0 and asked["state"] == RecoveryState.PENDING and asked["kind"] == "second_factor"
    assert TOTPDevice.objects.filter(user=world.leader).exists()
    leader2 = make_user("leader2", Role.LEADER, world.county)
    code, listed = youfu("recovery-requests", "--as", leader2.username)
    assert code == 0 and [r["id"] for r in listed["waiting"]] == [asked["id"]]
    assert listed["waiting"][0]["username"] == "leader" and listed["waiting"][0]["reason"] == "手机丢失"

    code, said = youfu("approve-recovery", str(asked["id"]), "--as", "leader")
    assert code == 1 and said["error"]["code"] == "own_account"
    code, said = youfu("approve-recovery", str(asked["id"]), "--as", leader2.username)
    assert code == 0 and said["state"] == RecoveryState.APPROVED
    assert not TOTPDevice.objects.filter(user=world.leader).exists()
    assert youfu("recovery-requests", "--as", "admin")[1]["waiting"] == []


@pytest.mark.django_db
def test_a_leader_refuses_with_a_reason(world: World) -> None:
    enrol_totp(world.leader)
    asked = youfu("reset-second-factor", "leader", "--reason", "手机丢失", "--as", "admin")[1]
    leader2 = make_user("leader2", Role.LEADER, world.county)
    code, said = youfu("refuse-recovery", str(asked["id"]), "--reason", "未见本人", "--as", leader2.username)
    assert code == 0 and (said["state"], said["decision_reason"]) == (RecoveryState.REFUSED, "未见本人")
    assert TOTPDevice.objects.filter(user=world.leader).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "county_clerk", "auditor"])
def test_only_a_leader_decides(world: World, who: str) -> None:
    enrol_totp(world.leader)
    asked = youfu("reset-second-factor", "leader", "--reason", "手机丢失", "--as", "admin")[1]
    status, said = youfu("approve-recovery", str(asked["id"]), "--as", getattr(world, who).username)
    assert status == 1 and said["ok"] is False and said["error"]["code"] == "forbidden"
    assert AccountRecovery.objects.get().state == RecoveryState.PENDING


@pytest.mark.django_db
def test_unknown_requests_and_users_and_a_decided_one_are_clear_errors(world: World) -> None:
    leader2 = make_user("leader2", Role.LEADER, world.county)
    status, said = youfu("approve-recovery", "99999", "--as", leader2.username)
    assert status == 1 and said["error"]["code"] == "unknown_recovery"
    status, said = youfu("reset-second-factor", "nobody", "--reason", "x", "--as", "admin")
    assert status == 1 and said["error"]["code"] == "unknown_user"
    status, said = youfu("reset-second-factor", "leader", "--reason", " ", "--as", "admin")
    assert status == 1 and said["error"]["code"] == "reason_required"
    status, said = youfu("reset-second-factor", "leader", "--reason", "x", "--as", "leader2")
    assert status == 1 and said["error"]["code"] == "forbidden"
    status, said = youfu("reset-second-factor", "leader", "--reason", "手机丢失", "--as", "admin")
    assert status == 1 and said["error"]["code"] == "no_second_factor"
    enrol_totp(world.leader)
    asked = youfu("reset-second-factor", "leader", "--reason", "手机丢失", "--as", "admin")[1]
    status, said = youfu("reset-second-factor", "leader", "--reason", "又丢了", "--as", "admin")
    assert status == 1 and said["error"]["code"] == "recovery_pending"
    assert youfu("approve-recovery", str(asked["id"]), "--as", leader2.username)[0] == 0
    status, said = youfu("refuse-recovery", str(asked["id"]), "--reason", "x", "--as", leader2.username)
    assert status == 1 and said["ok"] is False and said["error"]["code"] == "recovery_decided"


@pytest.mark.django_db
def test_reset_password_of_a_leader_opens_a_request(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(GIVEN + "\n"))
    code, out, err = run_command("reset-password", "leader", "--password-stdin", "--as", "admin", "--json")
    assert code == 0, err
    said = json.loads(out)
    recovery = AccountRecovery.objects.get()
    assert said == {
        "ok": True,
        "id": world.leader.pk,
        "username": "leader",
        "request": recovery.pk,
        "state": "pending",
        "waiting_for": "leader",
    }
    assert recovery.kind == RecoveryKind.PASSWORD and GIVEN not in recovery.password_hash
    assert User.objects.get(pk=world.leader.pk).check_password(PASSWORD)
    # Without --json it says so, in both languages, with the request's number.
    monkeypatch.setattr("sys.stdin", io.StringIO(GIVEN + "\n"))
    admin2 = make_user("admin2", Role.COUNTY_ADMIN, world.county)
    code, out, err = run_command("reset-password", "admin2", "--password-stdin", "--as", "admin")
    assert code == 0, err
    second = AccountRecovery.objects.get(user=admin2)
    assert f"request: {second.pk}" in out and f"approve-recovery {second.pk}" in out and "领导" in out
    # A leader approves it: the password takes effect.
    leader2 = make_user("leader2", Role.LEADER, world.county)
    assert youfu("approve-recovery", str(recovery.pk), "--as", leader2.username)[0] == 0
    leader = User.objects.get(pk=world.leader.pk)
    assert leader.check_password(GIVEN) and leader.must_change_password
