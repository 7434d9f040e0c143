from __future__ import annotations

from django.utils.translation import gettext_noop

from youfu.core.messages import Message

from ._refused import RefusedCommand


class Command(RefusedCommand):
    help = "Not available in youfu: use create-user, which checks the role and region and is audited."
    refusal = Message(
        gettext_noop(
            "youfu has no superuser and does not use Django's createsuperuser: it writes no audit "
            "record. The first admin of a new installation is "
            "`echo PASSWORD | youfu create-user USERNAME --role county_admin --region CODE "
            "--password-stdin`; "
            "every other account is created by an admin with `--as ADMIN` or on the users page."
        )
    )
