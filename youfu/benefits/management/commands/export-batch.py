from __future__ import annotations

import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from youfu.benefits.commanding import batch_for
from youfu.benefits.services import do_export_batch
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Write an approved batch's bank file (.csv or .xlsx): "
        "序号,姓名,公民身份号码,开户银行,银行账号,金额,摘要 and a totals line. "
        "Full ID numbers and accounts: the export is audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("batch_id", type=int, metavar="ID")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.csv|FILE.xlsx")
        parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="CSV only")

    def run(self, actor: Any, **options: Any) -> dict[str, Any]:
        target = Path(options["output"])
        fmt = target.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise InvalidInput(Message(gettext_noop("Name the output file .csv or .xlsx.")))
        batch = batch_for(actor, options["batch_id"])
        # Written beside the target and moved into place only once the export is recorded.
        handle, temporary = tempfile.mkstemp(
            dir=target.parent or Path("."), prefix=".export-", suffix=target.suffix
        )
        try:
            with os.fdopen(handle, "wb") as out:
                result = do_export_batch(batch, out, fmt=fmt, encoding=options["encoding"], acting_user=actor)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return {**result.as_dict(), "id": batch.pk, "file": str(target)}
