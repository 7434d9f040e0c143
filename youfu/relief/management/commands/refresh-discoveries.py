from __future__ import annotations

from typing import Any

from youfu.accounts.models import User
from youfu.core.commands import YoufuCommand
from youfu.relief.discoveries.models import Rule
from youfu.relief.discoveries.services import do_refresh_discoveries


class Command(YoufuCommand):
    help = (
        "Run the 应享未享 rules now over the acting clerk's region (they also run every night on the "
        "job queue): add what they find, close what no longer applies, audited once. Prints the counts."
    )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        result = do_refresh_discoveries(acting_user=actor)
        return {
            "ok": True,
            "at": result.refresh.at.isoformat(),
            "region_prefix": result.refresh.region_prefix,
            "added": result.added,
            "closed": result.closed,
            "reopened": result.reopened,
            "rules": result.by_rule,
        }

    def describe(self, result: dict[str, Any]) -> str:
        lines = [f"added {result['added']}, closed {result['closed']}, reopened {result['reopened']}"]
        for rule in Rule:
            counts = result["rules"][rule.value]
            lines.append(f"{rule.value}: +{counts['added']} -{counts['closed']} ↺{counts['reopened']}")
        return "\n".join(lines)
