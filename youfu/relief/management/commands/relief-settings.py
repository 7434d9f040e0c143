from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.benefits.money import parse_amount, to_fen
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.relief.grants.schemas import settings_out
from youfu.relief.grants.selectors import settings_for
from youfu.relief.grants.services import category_names, do_set_relief_settings, leader_county

_OPTIONS = (("case_cap", "--case-cap"), ("year_cap", "--year-cap"), ("leader_above", "--leader-above"))


class Command(YoufuCommand):
    help = (
        "Set the county's temporary relief settings: the cap per case, the cap per person and year, "
        "and the amount above which a leader approves too (yuan). Only a leader may; setting is the "
        "approval, audited, and grants already entered keep the settings they were checked against. "
        "Without options, print the settings in force."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        for _name, flag in _OPTIONS:
            parser.add_argument(flag, metavar="YUAN")
        parser.add_argument(
            "--categories",
            metavar="CODE,CODE",
            help="eligible registry categories, comma-separated (e.g. disabled_veteran,martyr_survivor)",
        )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        leader_county(actor)
        changes: dict[str, Any] = {}
        for name, flag in _OPTIONS:
            text = options[name]
            if text is None:
                continue
            amount = parse_amount(text)
            if amount is None:
                raise InvalidInput(
                    Message(
                        gettext_noop("%(flag)s %(value)s is not an amount in yuan like 5000 or 5000.00."),
                        {"flag": flag, "value": text},
                    ),
                    fields={name: gettext_noop("yuan, two decimals")},
                )
            changes[f"{name}_fen"] = to_fen(amount)
        if options["categories"] is not None:
            changes["categories"] = [c.strip() for c in options["categories"].split(",") if c.strip()]
        if changes:
            do_set_relief_settings(acting_user=actor, **changes)
        return {"ok": True, **settings_out(settings_for(actor))}

    def describe(self, result: dict[str, Any]) -> str:
        return "\n".join(
            [
                f"version: {result['version']}",
                f"case_cap: {result['case_cap']}",
                f"year_cap: {result['year_cap']}",
                f"leader_above: {result['leader_above']}",
                f"categories: {','.join(result['categories'])} ({category_names(result['categories'])})",
                f"set_by: {result['set_by'] or '-'}",
            ]
        )
