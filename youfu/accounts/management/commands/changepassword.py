from __future__ import annotations

from django.utils.translation import gettext_noop

from youfu.core.messages import Message

from ._refused import RefusedCommand


class Command(RefusedCommand):
    help = (
        "Not available in youfu: use reset-password, which is audited and ends the user's sessions "
        "and tokens."
    )
    refusal = Message(
        gettext_noop(
            "youfu does not use Django's changepassword: it writes no audit record and leaves the "
            "user's API tokens valid. An admin resets a password with "
            "`echo PASSWORD | youfu reset-password USERNAME --password-stdin --as ADMIN` (good for one "
            "sign-in, then the user chooses their own); a user changes their own on the profile page."
        )
    )
