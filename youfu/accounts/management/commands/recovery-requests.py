from __future__ import annotations

from typing import Any

from youfu.accounts.management.commands._recoveries import described
from youfu.accounts.models import RecoveryState, User
from youfu.accounts.selectors import recoveries_for
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "The account recoveries of your region still waiting for a leader (a second factor reset, "
        "or the password of an account that requires a second factor; for the admin who asked and "
        "the leader who decides): number, account, kind, reason, who asked and when."
    )
    changes_state = True  # names its reader with --as: the list is the reader's region's

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        waiting = recoveries_for(actor).filter(state=RecoveryState.PENDING).order_by("pk")
        return {"ok": True, "waiting": [described(r) for r in waiting]}

    def describe(self, result: dict[str, Any]) -> str:
        """One block a request, oldest first: ``id: N`` then its fields, as the other commands print."""
        rows = result["waiting"]
        blocks = ["\n".join(f"{k}: {'' if v is None else v}" for k, v in row.items()) for row in rows]
        return "\n\n".join(blocks) if blocks else "waiting: 0"
