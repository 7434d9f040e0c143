from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import topup_for, topup_summary
from youfu.benefits.services import do_refuse_topup
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = "Refuse a local top-up awaiting approval, with a reason (a county leader who did not enter it)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("topup_id", type=int, metavar="ID")
        parser.add_argument("--reason", required=True, help="why: the clerk reads it to correct the entry")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        found = topup_for(actor, options["topup_id"])
        return topup_summary(do_refuse_topup(found, acting_user=actor, reason=options["reason"]))
