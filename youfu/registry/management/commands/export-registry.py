from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from youfu.accounts.models import User
from youfu.core.commands import YoufuCommand
from youfu.registry.exporting import ExportRequest, export_to_file, region_for_export


class Command(YoufuCommand):
    help = (
        "Export the registry in the import template's columns to FILE.xlsx or FILE.csv "
        "(one row per qualification); identifiers are masked unless the user may reveal them. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.xlsx or FILE.csv")
        parser.add_argument(
            "--region", metavar="CODE", help="only this township or village (default: the user's region)"
        )

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        region = region_for_export(actor, options["region"]) if options.get("region") else None
        path = Path(options["output"])
        result = export_to_file(actor, path, ExportRequest(region=region))
        return {**result.as_dict(), "file": str(path)}
