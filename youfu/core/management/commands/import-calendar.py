from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.workdays import import_calendar

if TYPE_CHECKING:
    from youfu.accounts.models import User


class Command(YoufuCommand):
    help = (
        "Import a year's public holidays and make-up working days from a CSV file "
        "(date,kind,name; kind = holiday|workday). The file's years become known; "
        "stored petition deadlines are recomputed. All or nothing."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV file: UTF-8, UTF-8 with BOM, or GBK")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                Message(
                    gettext_noop("Cannot read %(path)s: %(reason)s"),
                    {"path": str(path), "reason": exc.strerror},
                )
            ) from None
        return dict(import_calendar(data, acting_user=actor, filename=path.name).as_dict())
