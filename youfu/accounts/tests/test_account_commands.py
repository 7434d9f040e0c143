"""The command line's accounts (issue 15, security.md gap 1): ``youfu reset-password`` sets a
one-time password with its audit record and ends the user's sessions and tokens; Django's own
``changepassword`` and ``createsuperuser``, which wrote no audit record (and left the tokens
valid), refuse and name youfu's commands."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import get_commands

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.testing import PASSWORD, World, run_command

GIVEN = "given-by-admin-42"


def reset_command(*args: str, password: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return run_command("reset-password", *args, "--password-stdin")


@pytest.mark.django_db
class TestTheCommands:
    def test_reset_password(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        clerk = world.county_clerk
        do_issue_token(clerk, acting_user=clerk)
        code, out, err = reset_command(
            "clerk", "--as", "admin", "--json", password=GIVEN, monkeypatch=monkeypatch
        )
        assert code == 0, err
        assert json.loads(out) == {
            "ok": True,
            "id": clerk.pk,
            "username": "clerk",
            "must_change_password": True,
            "tokens_revoked": 1,
        }
        clerk.refresh_from_db()
        assert clerk.must_change_password and clerk.check_password(GIVEN)
        reset = AuditEvent.objects.get(event_type=EventType.PASSWORD_RESET, object_id=str(clerk.pk))
        assert reset.actor_name == "admin"

    @pytest.mark.parametrize(
        "args, password, says",
        [
            (("nobody", "--as", "admin"), GIVEN, "nobody"),
            (("clerk", "--as", "leader"), GIVEN, "You may not do this."),
            (("clerk",), GIVEN, "--as"),
            (("clerk", "--as", "admin"), "short", "too weak"),
        ],
        ids=["unknown user", "not an admin", "no acting user", "weak"],
    )
    def test_reset_password_refuses(
        self, world: World, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], password: str, says: str
    ) -> None:
        before = AuditEvent.objects.count()
        code, _out, err = reset_command(*args, password=password, monkeypatch=monkeypatch)
        assert code == 1 and says in err, err
        assert AuditEvent.objects.count() == before
        assert User.objects.get(username="clerk").check_password(PASSWORD)

    @pytest.mark.parametrize(
        "argv, points_to",
        [
            (("changepassword", "clerk"), "reset-password"),
            (("changepassword",), "reset-password"),
            (
                ("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org"),
                "create-user",
            ),
            (("createsuperuser",), "create-user"),
        ],
    )
    def test_djangos_own_are_refused(self, world: World, argv: tuple[str, ...], points_to: str) -> None:
        assert get_commands()[argv[0]] == "youfu.accounts"
        before = (AuditEvent.objects.count(), User.objects.count())
        code, _out, err = run_command(*argv)
        assert code == 1
        assert points_to in err and "audit" in err, err
        assert (AuditEvent.objects.count(), User.objects.count()) == before
        assert User.objects.get(username="clerk").check_password(PASSWORD)
