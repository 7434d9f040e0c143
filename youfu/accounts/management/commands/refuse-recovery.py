from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.management.commands._recoveries import decided, waiting_recovery
from youfu.accounts.models import User
from youfu.accounts.services import do_refuse_recovery
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Refuse an account recovery, saying why (the admin reads the reason); the account keeps its "
        "password and second factor. Only a leader who neither asked for it nor owns the account; "
        "audited (982)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("request_id", type=int)
        parser.add_argument("--reason", required=True)

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        recovery = waiting_recovery(actor, options["request_id"])
        return decided(do_refuse_recovery(recovery, reason=options["reason"], acting_user=actor))
