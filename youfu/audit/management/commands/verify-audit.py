from __future__ import annotations

from typing import Any

from youfu.audit.verify import verify_chain
from youfu.core.commands import YoufuCommand
from youfu.core.errors import Conflict


class Command(YoufuCommand):
    help = "Recompute the audit log's hash chain; exit 1 naming the first broken event."
    changes_state = False

    def run(self, actor: None, **options: Any) -> dict[str, Any]:
        result = verify_chain()
        if not result.ok:
            raise Conflict(
                f"audit log broken at event #{result.broken_seq}: {result.reason} "
                f"({result.checked} events before it are intact)",
                code="audit_chain_broken",
            )
        return {"ok": True, "checked": result.checked}
