"""``youfu report``: the summary of a period for a region, written to FILE.xlsx or FILE.pdf."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.regions.models import Region
from youfu.reports import selectors
from youfu.reports.pdf import summary_pdf_for
from youfu.reports.periods import parse_period
from youfu.reports.selectors import Summary
from youfu.reports.workbook import summary_workbook_for

FORMATS = {".xlsx": "xlsx", ".pdf": "pdf"}


def _format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            Message(
                gettext_noop("Name the output FILE.xlsx or FILE.pdf (not %(name)s)."), {"name": path.name}
            ),
            code="unknown_format",
            fields={"output": Message(gettext_noop("FILE.xlsx or FILE.pdf"))},
        )
    return fmt


def _region(actor: User, code: str | None) -> Region | None:
    """The region asked for, in the user's scope; a code outside it is refused, as the pages'
    404 would (it does not say whether the region exists)."""
    if not code:
        return None
    region = Region.objects.visible_to(actor).filter(code=code.strip()).first()
    if region is None:
        raise InvalidInput(
            Message(gettext_noop("No region %(code)s in your region."), {"code": code[:20]}),
            code="unknown_region",
            fields={"region": Message(gettext_noop("not in your region"))},
        )
    return region


def _write(path: Path, data: bytes) -> None:
    """Written beside the target and renamed, so a failure never leaves half a file."""
    if path.is_dir():
        raise InvalidInput(
            Message(gettext_noop("Cannot write %(path)s: it is a folder."), {"path": str(path)}),
            code="unwritable",
        )
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            Message(
                gettext_noop("Cannot write %(path)s: %(reason)s"),
                {"path": str(path), "reason": exc.strerror or str(exc)},
            ),
            code="unwritable",
        ) from None


class Command(YoufuCommand):
    help = (
        "Write the summary of a period (both days included) for your region, or one in it, to "
        "FILE.xlsx (a 说明 sheet and one sheet per section, set up for A4) or FILE.pdf (A4, with "
        "the dashboard's charts). Both are the bureau's report of every area: a role that reads "
        "only some (a department liaison) is refused."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="start", required=True, metavar="DATE", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, metavar="DATE", help="YYYY-MM-DD (included)")
        parser.add_argument("--region", metavar="CODE", help="a region in your scope (default: your own)")
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.xlsx or FILE.pdf")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        path = Path(options["output"])
        fmt = _format(path)
        selectors.require_reader(actor)
        start, end = parse_period(options["start"], options["end"])
        region = _region(actor, options.get("region"))
        found: Summary = selectors.summary(actor, start, end, region)
        today = timezone.localdate()
        data = (
            summary_workbook_for(actor, found, filed_on=today)
            if fmt == "xlsx"
            else summary_pdf_for(actor, found, filed_on=today)
        )
        _write(path, data)
        return {
            "ok": True,
            "file": str(path),
            "format": fmt,
            "bytes": len(data),
            "region": found.region.code,
            "region_name": found.region.name,
            "from": start.isoformat(),
            "to": end.isoformat(),
        }
