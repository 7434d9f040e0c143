from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.money import parse_month
from youfu.benefits.services import batch_summary, do_create_batch
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Compute the county's payment batch for a month: due minus confirmed-paid, "
        "with arrears and recoveries."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--period", required=True, metavar="YYYY-MM")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        period = parse_month(options["period"])
        if period is None:
            raise InvalidInput(
                Message(gettext_noop("%(value)s is not a month like 2026-11."), {"value": options["period"]})
            )
        return batch_summary(do_create_batch(period, acting_user=actor))
