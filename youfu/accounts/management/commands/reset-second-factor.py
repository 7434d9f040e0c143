from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.management.commands._recoveries import described
from youfu.accounts.models import User
from youfu.accounts.selectors import users_for
from youfu.accounts.services import do_request_second_factor_reset
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Ask for a new second factor for a user who lost theirs (a lost phone), with the reason the "
        "leader reads. Nothing changes until a leader who neither asked nor owns the account "
        "approves it (`youfu approve-recovery`): then the user's devices are deleted, every session "
        "and token ends, and the user enrols a new device at the next sign-in. Prints the request's "
        "number; audited (980)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True)

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
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
        recovery = do_request_second_factor_reset(user, reason=options["reason"], acting_user=actor)
        return {"ok": True, **described(recovery)}
