from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.money import month_label, parse_month
from youfu.benefits.services import do_update_benefit_settings, payments_start
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Set the county's payments start month (the first month paid through youfu: earlier months are "
        "settled history; batches cannot be computed until it is set) and the month the conscript "
        "family allowance is paid. Without options, print them."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--start-month", metavar="YYYY-MM")
        parser.add_argument("--allowance-month", type=int, metavar="1-12")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if options["start_month"] is not None:
            month = parse_month(options["start_month"])
            if month is None:
                raise InvalidInput(
                    Message(
                        gettext_noop("%(value)s is not a month like 2026-01."),
                        {"value": options["start_month"]},
                    ),
                    fields={"start_month": gettext_noop("YYYY-MM")},
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
