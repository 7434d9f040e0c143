from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.management.commands._role_requests import decided, waiting_request
from youfu.accounts.models import User
from youfu.accounts.services import do_approve_role_request
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Approve a role request (create-user prints its number; `youfu role-requests` lists those "
        "waiting): the account gets the role, region and department asked for. Only a leader who "
        "neither asked for it nor receives it; audited (971)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("request_id", type=int)

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        request = do_approve_role_request(waiting_request(actor, options["request_id"]), acting_user=actor)
        return decided(request)
