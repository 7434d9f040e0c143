from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.accounts.selectors import users_for
from youfu.accounts.services import do_reset_password
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Reset a user's password (for someone who lost theirs). The password is read from standard "
        "input (--password-stdin) and is good for one sign-in: the user then chooses their own. "
        "Every session and API token of the user ends; the audit log records who reset it. For an "
        "account whose role requires a second factor (the admin, a leader) it only opens a request: "
        "the password is set when a leader who neither asked nor owns the account approves it "
        "(`youfu approve-recovery`); the request's number is printed."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password-stdin", action="store_true", required=True)
        parser.add_argument("--reason", default="", help="why (the leader reads it, where one decides)")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        password = sys.stdin.readline().rstrip("\r\n")
        # The admin's own region only, as on the users page.
        user = users_for(actor).filter(username=options["username"]).first()
        if user is None:
            raise InvalidInput(
                Message(
                    gettext_noop("No user named %(username)s in your region."),
                    {"username": options["username"]},
                ),
                code="unknown_user",
            )
        done = do_reset_password(user, password, acting_user=actor, reason=options["reason"])
        if done.recovery is not None:
            return {
                "ok": True,
                "id": user.pk,
                "username": user.username,
                "request": done.recovery.pk,
                "state": done.recovery.state,
                "waiting_for": "leader" if done.waits else "",
            }
        return {
            "ok": True,
            "id": user.pk,
            "username": user.username,
            "must_change_password": True,
            "tokens_revoked": done.tokens_revoked,
        }

    def describe(self, result: dict[str, Any]) -> str:
        if result.get("waiting_for"):
            return "\n".join(
                [
                    f"request: {result['request']}",
                    f"username: {result['username']}",
                    Message(
                        gettext_noop(
                            "The password is set once a leader who neither asked nor owns the account "
                            "approves the request (youfu approve-recovery %(id)s --as LEADER)."
                        ),
                        {"id": result["request"]},
                    ).bilingual(),
                ]
            )
        return super().describe(result)
