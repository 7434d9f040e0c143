from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from youfu.accounts.models import User
from youfu.benefits.commanding import batch_for
from youfu.benefits.services.reconcile import do_reconcile
from youfu.core.commands import YoufuCommand
from youfu.core.errors import YoufuError

# Exit codes: 0 the batch agrees with the full recomputation, 1 it differs, 2 the check
# could not be made (unknown batch, no start month, a payment that cannot be computed).
DIFFER, CANNOT_CHECK = 1, 2


class Command(YoufuCommand):
    help = (
        "Check a batch (--batch ID: the county's latest), or else the open batch, or else the batch "
        "the county would make next, against the full recomputation of every person, benefit and "
        "month from the payments start month, and its parts of the lines paying several benefits "
        "against its items. Writes nothing but its audit record. Exit 0: they agree; 1: they differ "
        "(the differences are listed); 2: the check could not be made."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            required=True,
            help="recompute every month in full, as the oracle of the batches (required)",
        )
        parser.add_argument("--batch", type=int, metavar="ID", help="the batch to check")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        batch = batch_for(actor, options["batch"]) if options["batch"] is not None else None
        result = do_reconcile(acting_user=actor, batch=batch).as_dict()
        self.agree = result["agree"]
        return result

    def describe(self, result: dict[str, Any]) -> str:
        what = f"batch {result['batch']}" if result["batch"] else "the next batch"
        lines = [
            f"{what} ({result['period']}): {result['items']['batch']} items, "
            f"{result['total']['batch']} yuan; "
            f"full recomputation: {result['items']['full']} items, {result['total']['full']} yuan",
            "agree" if result["differences"] == 0 else f"DIFFER: {result['differences']} difference(s)",
        ]
        for d in result["listed"]:
            lines.append(
                f"  {d['kind']} person {d['beneficiary_id']} {d['benefit']} {d['month']}: "
                f"batch {d['batch']} full {d['full']}"
            )
        parts = result["line_parts"]
        lines.append(
            f"lines paying several benefits: {parts['lines']}, their parts "
            + ("agree with their items" if not parts["differences"] else f"DIFFER: {parts['differences']}")
        )
        for d in parts["listed"]:
            lines.append(
                f"  person {d['beneficiary_id']} {d['benefit'] or 'the line'}: "
                f"parts {d['parts']} items {d['expected']}"
            )
        sums = result["line_sums"]
        if sums["kept"]:
            lines.append(
                "the lines' sums kept for the reports "
                + ("agree with the lines" if not sums["differences"] else f"DIFFER: {sums['differences']}")
            )
        for d in sums["listed"]:
            lines.append(f"  {d['status']} benefits {d['benefits']}: kept {d['kept']} lines {d['lines']}")
        waiting = result["changes_waiting"]
        if waiting["people"] or waiting["categories"]:
            lines.append(
                f"changes recorded since, for the next batch: {waiting['people']} people, "
                f"{waiting['categories']} category changes"
            )
        return "\n".join(lines)

    def fail(self, exc: YoufuError, *, as_json: bool) -> None:
        try:
            super().fail(exc, as_json=as_json)
        except CommandError as error:
            raise CommandError(str(error), returncode=CANNOT_CHECK) from None

    def handle(self, *args: Any, **options: Any) -> None:
        self.agree = True
        super().handle(*args, **options)
        if not self.agree:
            raise SystemExit(DIFFER)
