from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.models import User
from youfu.benefits.commanding import read_file
from youfu.benefits.services import do_import_standards
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Import benefit standards (.xlsx or .csv: 优抚类别, 伤残性质, 伤残等级, 户籍性质, 年标准(元), "
        "生效日期, 计发方式); all or nothing; a later 生效日期 adds a version, which applies once a "
        "leader approves it (approve-standards ID)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=".xlsx, or CSV in UTF-8, UTF-8 with BOM or GBK")

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        data, name = read_file(options["file"])
        return do_import_standards(data, acting_user=actor, filename=name).as_dict()
