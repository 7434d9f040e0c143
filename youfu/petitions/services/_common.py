"""What every petition service checks: the acting user's role and scope, and dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.errors import InvalidInput, NotFound, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability
from youfu.petitions.models import (
    Petition,
)
from youfu.petitions.services.transitions import Action, Transition, Who, is_in_role, require_role, row_for
from youfu.petitions.validation import invalid
from youfu.regions.models import Region


def _today() -> date:
    return timezone.localdate()


# --- permission ----------------------------------------------------------------------------


def _require_casework(actor: User) -> None:
    if not actor.can(Capability.WRITE_RECORDS):
        raise PermissionDenied()


def _require_intake(actor: User) -> None:
    """The petition office's work that is not a move of a petition (reception days): the
    same people as the table's intake rows."""
    if not is_in_role(Who.INTAKE, actor):
        raise PermissionDenied()


def _require_visible(petition: Petition, actor: User) -> None:
    if not Petition.objects.visible_to(actor).filter(pk=petition.pk).exists():
        raise NotFound()


# --- dates ---------------------------------------------------------------------------------


def _check_date(value: date, field_name: str, *, not_before: date | None, before_what: Any) -> None:
    if value > _today():
        raise invalid(field_name, gettext_noop("The date %(date)s is in the future."), {"date": value})
    if not_before is not None and value < not_before:
        raise InvalidInput(
            Message(
                gettext_noop("The date %(date)s is before %(what)s (%(earlier)s)."),
                {"date": value, "what": before_what, "earlier": not_before},
            ),
            code="date_too_early",
            fields={field_name: Message(gettext_noop("before %(earlier)s"), {"earlier": not_before})},
        )


def _latest(*dates: date | None) -> date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def _check_region(actor: User, region: Region) -> None:
    if actor.region is None or not actor.region.contains(region.code):
        raise invalid("region", gettext_noop("Unknown region code %(code)s."), {"code": region.code})


def begin(petition: Petition, action: Action, actor: User) -> Transition:
    """403 for a role the table does not let take ``action``, 404 for a petition outside the
    actor's region, 409 when the petition's state does not allow it: the table's row."""
    require_role(action, actor)
    _require_visible(petition, actor)
    return row_for(petition, action)
