from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import standards_version, standards_version_summary
from youfu.benefits.services import do_refuse_standards
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Refuse a standards version awaiting approval, with a reason (a county leader who did not import it)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("version_id", type=int, metavar="ID")
        parser.add_argument("--reason", required=True, help="why: the clerk reads it to correct the entry")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        found = standards_version(options["version_id"])
        return standards_version_summary(
            do_refuse_standards(found, acting_user=actor, reason=options["reason"])
        )
