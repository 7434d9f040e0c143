"""``youfu restore FILE``: a backup into a new, empty database (either engine), then checked."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from youfu.backup.services import do_restore
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Restore a backup written by `youfu backup` into this installation's database, which must "
        "be new: made by `youfu migrate` (same youfu version), with nothing in it. Needs the "
        "YOUFU_DATA_KEY the backup was made with, and refuses another before writing anything. "
        "Then verifies the audit chain and compares every table's count and money sums with the "
        "backup's manifest: exit 0 when all agree, 1 otherwise (and nothing is kept). SQLite and "
        "PostgreSQL either way. No --as: the new database has no user until the backup's arrive."
    )
    # The target has no users to act as; the restore is recorded as the system's, like the
    # bootstrap of a new installation.
    changes_state = False

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a backup written by youfu backup")

    def run(self, actor: None, **options: Any) -> dict[str, Any]:
        return do_restore(Path(options["file"])).as_dict()
