from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.audit.anchors import AnchorError, parse, read_anchors
from youfu.audit.verify import verify_chain
from youfu.core.commands import YoufuCommand
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Recompute the audit log's hash chain and hold it to its anchors (the nightly copies of its "
        "head in YOUFU_AUDIT_ANCHOR_FILE, and any --anchor); exit 1 naming the first broken event. "
        "Prints the head as SEQ:HASH: keep it somewhere the database cannot reach."
    )
    changes_state = False

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="a head written down earlier (as this command prints it): the chain must still reach "
            "that event with that hash; may be given several times",
        )

    def run(self, actor: None, **options: Any) -> dict[str, Any]:
        try:
            anchors = [*read_anchors(), *(parse(text) for text in options["anchor"])]
        except AnchorError as exc:
            text = gettext_noop("The audit log's anchors cannot be read: %(reason)s")
            unreadable = Message(text, {"reason": str(exc)})
            raise InvalidInput(unreadable, code="bad_anchor") from exc
        result = verify_chain(anchors=anchors)
        if not result.ok:
            raise Conflict(
                f"audit log broken at event #{result.broken_seq}: {result.reason} "
                f"({result.checked} events before it are intact)",
                code="audit_chain_broken",
            )
        return {
            "ok": True,
            "checked": result.checked,
            "head": f"{result.head_seq}:{result.head_hash}",
            "anchors": result.anchors,
        }
