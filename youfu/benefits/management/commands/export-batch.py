from __future__ import annotations

import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.commanding import batch_for
from youfu.benefits.money import money
from youfu.benefits.services import bank_file_name, do_export_batch, do_export_batch_per_bank
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Write an approved batch's bank file (.csv or .xlsx): "
        "序号,姓名,公民身份号码,开户银行,银行账号,金额,摘要 and a totals line; with --per-bank, one "
        "file per bank into the directory -o, named PERIOD-BANK.csv (or .xlsx), 序号 from 1 in each. "
        "For the county clerk who sends the files; full ID numbers and accounts: the export is audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("batch_id", type=int, metavar="ID")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.csv|FILE.xlsx|DIR")
        parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="CSV only")
        parser.add_argument(
            "--per-bank", action="store_true", help="one file per bank into the directory given by -o"
        )
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], default="csv", help="with --per-bank (default csv)"
        )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        if options["per_bank"]:
            return self._per_bank(actor, **options)
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

    def _per_bank(self, actor: User, **options: Any) -> dict[str, Any]:
        directory = Path(options["output"])
        if directory.exists() and not directory.is_dir():
            raise InvalidInput(
                Message(
                    gettext_noop("With --per-bank, -o names a directory; %(path)s is a file."),
                    {"path": str(directory)},
                )
            )
        batch = batch_for(actor, options["batch_id"])
        fmt = options["format"]
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(
                Message(
                    gettext_noop("Cannot write to %(path)s: %(reason)s"),
                    {"path": str(directory), "reason": exc.strerror},
                )
            ) from None
        # Every file is written beside its target first; all are moved into place only once
        # the export is recorded, and none is left behind when one cannot be written.
        temporaries: dict[str, tuple[str, IO[bytes]]] = {}

        def open_file(bank: str) -> IO[bytes]:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=f".{fmt}")
            out = os.fdopen(handle, "wb")
            temporaries[bank] = (temporary, out)
            return out

        placed: list[dict[str, Any]] = []
        try:
            results = do_export_batch_per_bank(
                batch, open_file, fmt=fmt, encoding=options["encoding"], acting_user=actor
            )
            for result in results:
                temporary, out = temporaries[result.bank]
                out.close()
                target = directory / bank_file_name(batch, result.bank, fmt)
                os.replace(temporary, target)
                placed.append(
                    {
                        "bank": result.bank,
                        "file": str(target),
                        "lines": result.lines,
                        "total": money(result.total_fen),
                    }
                )
        finally:
            for temporary, out in temporaries.values():
                out.close()
                if os.path.exists(temporary):
                    os.unlink(temporary)
        return {
            "ok": True,
            "id": batch.pk,
            "format": fmt,
            "lines": sum(f["lines"] for f in placed),
            "files": placed,
        }
