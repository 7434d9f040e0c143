"""Who may act for which county, and the batch's compare-and-set move, shared by the
benefits services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from youfu.benefits.models import (
    Batch,
    BatchLine,
    BatchTransition,
)
from youfu.core.errors import Conflict, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability
from youfu.regions.models import Region, RegionLevel

if TYPE_CHECKING:
    from youfu.accounts.models import User


# The county's own clerks keep the payments, as they keep the registry (a department
# liaison, who has casework rights, does not).
WRITE = Capability.WRITE_REGISTRY


# --- who may act for which county ------------------------------------------------------------

PAYMENTS_NOT_READ = Message(
    gettext_noop(
        "The reconciliation checks the county's payments, which your role does not read"
        " (a department liaison reads the department's pairings and petitions)."
    )
)


def reads_payments(user: User) -> bool:
    """Whether the payments are in the user's scope at all (asked of the scope itself: a role
    whose scope can hold no payment line reads none — the department liaison)."""
    if not user.can(Capability.READ_PERSONAL_DATA):
        return False
    return not BatchLine.objects.visible_to(user).query.is_empty()


def require_payments_reader(user: User) -> None:
    """For the reconciliation: it reads and totals the county's payments (and its full check
    locks them while it runs), so a role that reads none gets a 403 with the reason, not a page
    of another scope's totals."""
    if not reads_payments(user):
        raise PermissionDenied(PAYMENTS_NOT_READ, code="payments_not_read")


def county_of(user: User) -> Region:
    """Standards' top-ups, settings and batches belong to a county: only its county-level
    users change them."""
    region = user.region
    if region is None or region.level != RegionLevel.COUNTY:
        raise PermissionDenied(Message(gettext_noop("Only a county-level user can do this.")))
    return region


def check_batch_county(user: User, batch: Batch) -> None:
    if county_of(user).code != batch.county_id:
        raise PermissionDenied()


def add_transition(batch: Batch, state: str, user: User, note: str = "") -> None:
    BatchTransition.objects.create(batch=batch, state=state, by=user, note=note[:500])


def move_batch(batch: Batch, from_states: Iterable[str], to_state: str, **fields: Any) -> None:
    """Compare-and-set: only a batch still in one of ``from_states`` moves."""
    changed = Batch.objects.filter(pk=batch.pk, state__in=list(from_states)).update(state=to_state, **fields)
    if not changed:
        batch.refresh_from_db(fields=["state"])
        raise Conflict(
            Message(
                gettext_noop("This batch is %(state)s: that step is not possible now."),
                {"state": batch.get_state_display()},
            ),
            code="batch_state",
        )
    batch.state = to_state
    for name, value in fields.items():
        setattr(batch, name, value)
