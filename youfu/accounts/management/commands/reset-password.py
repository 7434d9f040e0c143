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
        "Every session and API token of the user ends; the audit log records who reset it."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password-stdin", action="store_true", required=True)

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
        revoked = do_reset_password(user, password, acting_user=actor)
        return {
            "ok": True,
            "id": user.pk,
            "username": user.username,
            "must_change_password": True,
            "tokens_revoked": revoked,
        }
