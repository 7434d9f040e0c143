from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import batch_for
from youfu.benefits.services import do_close_batch
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = "Close a batch whose bank returns were imported."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("batch_id", type=int, metavar="ID")
        parser.add_argument("--note", default="")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        batch = do_close_batch(batch_for(actor, options["batch_id"]), acting_user=actor, note=options["note"])
        return {"ok": True, "id": batch.pk, "period": batch.period_label, "state": batch.state}
