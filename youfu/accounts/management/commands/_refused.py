"""Django's own account commands, taken away: they change accounts without an audit record
(and ``changepassword`` leaves the user's API tokens valid). Each refuses, saying which youfu
command does the same with its audit record. ``youfu.accounts`` comes before
``django.contrib.auth`` in INSTALLED_APPS, so these replace Django's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from youfu.core.messages import Message, bilingual_output


class _AnythingParser(CommandParser):
    """Takes whatever Django's command took (``--noinput``, ``--username``, ``--database`` …), so
    that the answer is the refusal, not a usage error."""

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        known, _unknown = self.parse_known_args(args, namespace)
        return known


class RefusedCommand(BaseCommand):
    refusal: Message

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser and offers no hook for another class; the subclass
        # only changes parse_args and adds no state.
        parser.__class__ = _AnythingParser
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="*")

    def handle(self, *args: Any, **options: Any) -> None:
        with bilingual_output():
            raise CommandError(self.refusal.bilingual(), returncode=1)
