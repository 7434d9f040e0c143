from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.services import do_set_topup, parse_topup
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


class Command(YoufuCommand):
    help = (
        "Enter the county's local top-up over the standards, in percent, from a date on (a county "
        "clerk); it applies once a leader approves it (approve-topup ID). History is kept."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("percent", help="e.g. 8 or 8.5 (between -100 and 100)")
        parser.add_argument("--from", dest="effective_on", required=True, metavar="YYYY-MM-DD")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        percent = parse_topup(options["percent"])
        try:
            effective_on = date.fromisoformat(options["effective_on"])
        except ValueError:
            raise InvalidInput(
                Message(
                    gettext_noop("%(value)s is not a date like 2026-01-01."),
                    {"value": options["effective_on"]},
                )
            ) from None
        topup = do_set_topup(percent, effective_on, acting_user=actor)
        return {
            "ok": True,
            "percent": f"{topup.percent:.2f}",
            "from": topup.effective_on.isoformat(),
            "id": topup.pk,
            "state": topup.state,
        }
