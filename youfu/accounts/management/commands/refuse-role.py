from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from youfu.accounts.management.commands._role_requests import decided, waiting_request
from youfu.accounts.models import User
from youfu.accounts.services import do_refuse_role_request
from youfu.core.commands import YoufuCommand


class Command(YoufuCommand):
    help = (
        "Refuse a role request, saying why (the admin reads the reason); the account keeps what it "
        "held. Only a leader who neither asked for it nor receives it; audited (972)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("request_id", type=int)
        parser.add_argument("--reason", required=True)

    def run(self, actor: User, **options: Any) -> dict[str, Any]:
        request = waiting_request(actor, options["request_id"])
        return decided(do_refuse_role_request(request, reason=options["reason"], acting_user=actor))
