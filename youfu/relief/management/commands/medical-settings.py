from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.core.commands import YoufuCommand
from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability, require
from youfu.registry.categories import Category
from youfu.relief.medical.services import (
    county_code,
    do_change_medical_settings,
    parse_categories,
    parse_target,
    parse_year_cap,
    settings_in_force,
)


class Command(YoufuCommand):
    help = (
        "Set the county's medical top-up: the target share of the total cost (percent), the yearly cap "
        "per person (yuan) and who may claim (categories holding a regular benefit). Only a leader may; "
        "setting is the approval, audited, with the history kept; claims already entered keep the "
        "settings they were computed with. Without options, print the settings in force."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--target", metavar="PERCENT", help="e.g. 90 or 85.5 (above 0, at most 100)")
        parser.add_argument("--year-cap", metavar="YUAN", help="e.g. 20000")
        parser.add_argument(
            "--categories",
            metavar="CODE,CODE",
            help="who may claim, comma-separated (e.g. disabled_veteran,martyr_survivor)",
        )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        require(actor, Capability.APPROVE)
        if actor.region is None or actor.region.level != "county":
            raise PermissionDenied()
        changes: dict[str, Any] = {}
        if options["target"] is not None:
            changes["target_bp"] = parse_target(options["target"])
        if options["year_cap"] is not None:
            changes["year_cap_fen"] = parse_year_cap(options["year_cap"])
        if options["categories"] is not None:
            changes["categories"] = parse_categories(options["categories"].split(","))
        rule = (
            do_change_medical_settings(acting_user=actor, **changes)
            if changes
            else settings_in_force(county_code(actor.region_id))
        )
        return {"ok": True, **rule.as_dict()}

    def describe(self, result: dict[str, Any]) -> str:
        names = "、".join(str(Category(c).label) for c in result["categories"])
        return "\n".join(
            [
                f"target: {result['target']}%",
                f"year_cap: {result['year_cap']}",
                f"categories: {','.join(result['categories'])} ({names})",
                f"set_at: {result['set_at'] or '-'}",
                f"set_by: {result['set_by'] or '-'}",
            ]
        )
