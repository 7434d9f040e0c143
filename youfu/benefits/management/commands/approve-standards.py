from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import standards_version, standards_version_summary
from youfu.benefits.services import do_approve_standards
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = "Put a standards version in force (a county leader who did not import it)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("version_id", type=int, metavar="ID")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        found = standards_version(options["version_id"])
        return standards_version_summary(do_approve_standards(found, acting_user=actor))
