"""Base class for youfu's management commands: ``--as USERNAME``, ``--json`` and exit codes."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.imports import ImportRejected
from youfu.core.messages import Message, bilingual_output

if TYPE_CHECKING:
    from youfu.accounts.models import User


class YoufuCommand(BaseCommand):
    # A command that changes state needs an acting user (DESIGN.md §4).
    changes_state = True
    # Only import-regions and create-user may run without --as, and only on a database
    # that has no user yet: that is how a new installation gets its first admin.
    allow_bootstrap = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        if self.changes_state:
            parser.add_argument("--as", dest="acting_username", metavar="USERNAME", help="acting user")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        pass

    def handle(self, *args: Any, **options: Any) -> None:
        with bilingual_output():
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        try:
            actor = self.resolve_actor(options.get("acting_username")) if self.changes_state else None
            result = self.run(actor, **options)
        except YoufuError as exc:
            self.fail(exc, as_json=options["json"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        elif result is not None:
            self.stdout.write(self.describe(result))

    # ``actor`` is a User, or None for a command that changes nothing or bootstraps an empty
    # database; each command narrows it (``actor: User``), which Any alone lets it do.
    def run(self, actor: Any, **options: Any) -> dict[str, Any] | None:
        raise NotImplementedError

    def describe(self, result: dict[str, Any]) -> str:
        return "\n".join(f"{k}: {v}" for k, v in result.items())

    def resolve_actor(self, username: str | None) -> Any:
        return acting_user_for_command(username, allow_bootstrap=self.allow_bootstrap)

    def fail(self, exc: YoufuError, *, as_json: bool) -> None:
        if as_json:
            payload: dict[str, Any] = {"ok": False, **exc.envelope()}
            if isinstance(exc, ImportRejected):
                payload["errors"] = [e.as_dict() for e in exc.errors]
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            if isinstance(exc, ImportRejected):
                for error in exc.errors:
                    self.stderr.write(str(error))
            for name, message in exc.fields.items():
                self.stderr.write(f"{name}: {message.bilingual()}")
        raise CommandError(exc.message.bilingual(), returncode=1)


REQUIRES_ACTOR = Message(gettext_noop("This command changes data: name the acting user with --as USERNAME."))


def acting_user_for_command(username: str | None, *, allow_bootstrap: bool) -> User | None:
    """The user named by ``--as``; ``None`` (the "system" actor) only to bootstrap an
    empty database with the commands that allow it. The user model is looked up through
    ``get_user_model`` so that core needs no import of accounts."""
    users = get_user_model().objects
    if not username:
        if allow_bootstrap and not users.exists():
            return None
        raise InvalidInput(REQUIRES_ACTOR, code="acting_user_required")
    user = users.select_related("region").filter(username=username).first()
    if user is None or not user.is_active:
        raise InvalidInput(
            Message(gettext_noop("No active user named %(username)s."), {"username": username}),
            code="unknown_acting_user",
        )
    return cast("User", user)
