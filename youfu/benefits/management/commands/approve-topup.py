from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import topup_for, topup_summary
from youfu.benefits.services import do_approve_topup
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = "Put a local top-up in force (a county leader who did not enter it)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("topup_id", type=int, metavar="ID")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        found = topup_for(actor, options["topup_id"])
        return topup_summary(do_approve_topup(found, acting_user=actor))
