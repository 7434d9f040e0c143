from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import batch_for
from youfu.benefits.selectors import listed_changes
from youfu.benefits.services import do_approve_batch
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = "Approve a draft batch (a leader who did not create it); it can no longer change."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("batch_id", type=int, metavar="ID")
        parser.add_argument("--note", default="")
        parser.add_argument(
            "--changes-checked",
            action="store_true",
            help="you checked the payee and entitlement changes since the batch before (the batch's page "
            "lists them); recorded with the approval",
        )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        batch = batch_for(actor, options["batch_id"])
        listed = listed_changes(batch, actor)
        batch = do_approve_batch(
            batch,
            acting_user=actor,
            note=options["note"],
            changes=listed.as_dict(),
            changes_checked=options["changes_checked"],
        )
        return {
            "ok": True,
            "id": batch.pk,
            "period": batch.period_label,
            "state": batch.state,
            "changes_listed": listed.as_dict(),
            "changes_checked": options["changes_checked"],
        }
