from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext_noop

from youfu.accounts.models import Department, User
from youfu.accounts.selectors import pending_request_of
from youfu.accounts.services import do_create_user
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Role


class Command(YoufuCommand):
    help = (
        "Create a user. The password is read from standard input (--password-stdin). A role that "
        "reads personal data waits for a leader's approval, except while the installation has no "
        "leader yet (the bootstrap)."
    )
    allow_bootstrap = True

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        # No argparse choices: an unknown role gets the same bilingual error as elsewhere.
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument("--region", required=True, help="12-digit region code")
        parser.add_argument("--password-stdin", action="store_true", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--department", default="", help="department name (liaisons)")

    def run(self, actor: User | None, **options: Any) -> dict[str, Any]:
        password = sys.stdin.readline().rstrip("\r\n")
        department = None
        if options["department"]:
            department = Department.objects.filter(
                name=options["department"], region_id=options["region"]
            ).first()
            if department is None:
                raise InvalidInput(
                    Message(gettext_noop("Unknown department %(name)s."), {"name": options["department"]})
                )
        user = do_create_user(
            options["username"],
            role=options["role"],
            region_code=options["region"],
            password=password,
            acting_user=actor,
            full_name=options["full_name"],
            email=options["email"],
            department=department,
            # Setting up an installation from a script: nobody could approve before the first
            # leader exists, so until then the command grants the role itself.
            bootstrap=True,
        )
        request = pending_request_of(user)
        return {
            "ok": True,
            "id": user.pk,
            "username": user.username,
            "role": user.role,
            "region": user.region_id,
            "awaiting_approval": request is not None,
            "role_request": request.pk if request else None,
            "requested_role": request.role if request else None,
        }
