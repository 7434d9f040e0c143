from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from youfu.accounts.models import User


class CharacterClassValidator:
    """A password must mix at least two kinds of character: lowercase, uppercase, digits, others."""

    def validate(self, password: str, user: User | None = None) -> None:
        classes = {
            "lower": any(c.islower() for c in password),
            "upper": any(c.isupper() for c in password),
            "digit": any(c.isdigit() for c in password),
            # Han characters are letters without case: their own kind.
            "uncased": any(c.isalpha() and not c.islower() and not c.isupper() for c in password),
            "other": any(not c.isalnum() for c in password),
        }
        if sum(classes.values()) < 2:
            raise ValidationError(
                _("The password must mix at least two kinds of character (letters, digits, symbols)."),
                code="password_one_class",
            )

    def get_help_text(self) -> str:
        return _("Mix at least two kinds of character: letters, digits, symbols.")
