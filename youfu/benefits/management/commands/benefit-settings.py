from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.benefits.money import month_label, parse_month
from youfu.benefits.services import do_update_benefit_settings, payments_start
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Set the county's payments start month (earlier months are settled history; 'none' = the first "
        "batch's period) and the month the conscript family allowance is paid."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--start-month", metavar="YYYY-MM|none")
        parser.add_argument("--allowance-month", type=int, metavar="1-12")

    def run(self, actor: Any, **options: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if options["start_month"] is not None:
            if options["start_month"].lower() == "none":
                changes["payments_start"] = None
            else:
                month = parse_month(options["start_month"])
                if month is None:
                    raise InvalidInput(
                        Message(
                            gettext_noop("%(value)s is not a month like 2026-01."),
                            {"value": options["start_month"]},
                        )
                    )
                changes["payments_start"] = month
        if options["allowance_month"] is not None:
            changes["allowance_month"] = options["allowance_month"]
        current = do_update_benefit_settings(acting_user=actor, **changes)
        start = payments_start(current.region_id)
        return {
            "ok": True,
            "payments_start": month_label(start) if start else None,
            "allowance_month": current.allowance_month,
        }
