from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.management.commands._recoveries import decided, waiting_recovery
from youfu.accounts.models import User
from youfu.accounts.services import do_approve_recovery
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Approve an account recovery (reset-second-factor and reset-password print its number; "
        "`youfu recovery-requests` lists those waiting): a second factor's devices are deleted, or "
        "the one-time password the admin typed is set, and every session and token of the account "
        "ends. Only a leader who neither asked for it nor owns the account; audited (981)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("request_id", type=int)

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        recovery = do_approve_recovery(waiting_recovery(actor, options["request_id"]), acting_user=actor)
        return decided(recovery)
