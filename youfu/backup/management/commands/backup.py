"""``youfu backup -o FILE --as USER``: the whole installation, consistent while it runs, in one file."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from youfu.accounts.models import User
from youfu.backup.services import do_backup
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Write a backup of the database (every table, in one consistent state, while the server "
        "runs), the uploaded files and the archived reports to FILE (a .tar with a manifest of "
        "counts, money sums and SHA-256s). The keys are not in it: keep YOUFU_DATA_KEY apart. "
        "County system admin only."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the backup file to write")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        return do_backup(Path(options["output"]), acting_user=actor).as_dict()
