from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from youfu.core.commands import YoufuCommand
from youfu.reports.appraisal import parse_year
from youfu.reports.tally import ends_to_count, recount


class Command(YoufuCommand):
    help = (
        "Count the dashboard's heavy figures now (the registry, the people paid, what the bank paid "
        "each month, the visits and the homes, per region), as the queue does every "
        "YOUFU_DASHBOARD_TALLY_MINUTES: this year and the last one, or --year. "
        "Counts and sums only: nobody is named."
    )
    changes_state = False  # the counts are derived from the registry and rewritten whole

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", metavar="YYYY", help="count this year only")

    def run(self, actor: None, **options: Any) -> dict[str, Any]:
        ends = [date(parse_year(options["year"]), 12, 31)] if options["year"] else ends_to_count()
        counted = []
        for end in ends:
            run = recount(end)
            counted.append(
                {"end": end.isoformat(), "counted_at": run.counted_at.isoformat(), "seconds": run.seconds}
            )
        return {"counted": counted}

    def describe(self, result: dict[str, Any]) -> str:
        return "\n".join(f"counted {c['end']} in {c['seconds']:.1f} s" for c in result["counted"])
