from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import batch_for, read_file
from youfu.benefits.services import do_import_bank_returns
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Import the bank's returns: the exported file with 状态 (成功|失败) and 原因 appended. Every "
        "line must "
        "match by 序号, 银行账号 and 金额, or nothing is imported."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("batch_id", type=int, metavar="ID")
        parser.add_argument("file", help=".xlsx or .csv")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        data, name = read_file(options["file"])
        batch = batch_for(actor, options["batch_id"])
        result = do_import_bank_returns(batch, data, acting_user=actor, filename=name)
        return {**result.as_dict(), "id": batch.pk, "state": batch.state}
