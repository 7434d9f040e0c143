from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from youfu.accounts.models import User
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.messages import Message
from youfu.registry.importing import RegistryImportRejected, import_registry


class Command(YoufuCommand):
    help = (
        "Import people and qualifications from an .xlsx or .csv file (UTF-8, UTF-8 with BOM or GBK); "
        "all or nothing."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=".xlsx, or .csv in UTF-8, UTF-8 with BOM or GBK")
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
        parser.add_argument(
            "--update",
            action="store_true",
            help="update phone and bank details of people already registered; add their new qualifications",
        )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                Message(
                    gettext_noop("Cannot read %(path)s: %(reason)s"),
                    {"path": str(path), "reason": exc.strerror},
                )
            ) from None
        result = import_registry(
            data, path.name, acting_user=actor, dry_run=options["dry_run"], update=options["update"]
        )
        return result.as_dict()

    def describe(self, result: dict[str, Any]) -> str:
        lines = [f"{w['row']} {w['column']}: {w['message']}" for w in result["warnings"]]
        summary = gettext(
            "%(rows)d rows: %(persons)d people and %(qualifications)d qualifications created, "
            "%(updated)d people updated."
        ) % {
            "rows": result["rows"],
            "persons": result["persons_created"],
            "qualifications": result["qualifications_created"],
            "updated": result["persons_updated"],
        }
        if result.get("dry_run"):
            summary = gettext("Dry run, nothing written.") + " " + summary
        return "\n".join([*lines, summary])

    def fail(self, exc: YoufuError, *, as_json: bool) -> None:
        if not isinstance(exc, RegistryImportRejected):
            super().fail(exc, as_json=as_json)
            return
        if as_json:
            self.stdout.write(json.dumps({**exc.as_dict(), **exc.envelope()}, ensure_ascii=False))
        else:
            for warning in exc.warnings:
                self.stderr.write(f"({gettext('warning')}) {warning}")
            for error in exc.errors:
                self.stderr.write(str(error))
        raise CommandError(exc.message.bilingual(), returncode=1)
