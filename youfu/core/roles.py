"""Roles and what each may do. The one table every permission check reads, and ``require``,
the one check every service makes. They live in core so that every app, the lowest included,
can ask "may this user do that?" without importing accounts."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from youfu.core.errors import PermissionDenied

if TYPE_CHECKING:
    from youfu.accounts.models import User


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("county system admin")
    COUNTY_CLERK = "county_clerk", _("county clerk")
    TOWNSHIP_CLERK = "township_clerk", _("township clerk")
    VILLAGE_ASSISTANT = "village_assistant", _("village assistant")
    LEADER = "leader", _("leader")
    DEPARTMENT_LIAISON = "department_liaison", _("department liaison")
    AUDITOR = "auditor", _("auditor")


class Capability(enum.Enum):
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"  # regions, calendar, standards' reference data
    READ_PERSONAL_DATA = "read_personal_data"  # beneficiaries, petitions, payments
    WRITE_RECORDS = "write_records"  # casework: relief, petitions
    # The registry is kept by the region's own clerks; a liaison works on what is
    # assigned to the department and never edits people's records.
    WRITE_REGISTRY = "write_registry"
    APPROVE = "approve"
    REVEAL_ID_NUMBER = "reveal_id_number"
    READ_AUDIT = "read_audit"
    # A backup copies every record to a file, as the database file itself holds them: a duty of
    # the admin who keeps the server and the keys (who still reads nobody's record in youfu),
    # never a caseworker's.
    BACKUP = "backup"


_CASEWORK = {Capability.READ_PERSONAL_DATA, Capability.WRITE_RECORDS}
_REGISTRY = {Capability.WRITE_REGISTRY}

# Separation of duties: the admin runs the system but never reads beneficiaries' data;
# the auditor reads the audit log and nothing else.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.COUNTY_ADMIN: frozenset({Capability.MANAGE_USERS, Capability.MANAGE_SETTINGS, Capability.BACKUP}),
    Role.COUNTY_CLERK: frozenset(_CASEWORK | _REGISTRY | {Capability.REVEAL_ID_NUMBER}),
    Role.TOWNSHIP_CLERK: frozenset(_CASEWORK | _REGISTRY),
    Role.VILLAGE_ASSISTANT: frozenset(_CASEWORK | _REGISTRY),
    Role.LEADER: frozenset({Capability.READ_PERSONAL_DATA, Capability.APPROVE, Capability.REVEAL_ID_NUMBER}),
    Role.DEPARTMENT_LIAISON: frozenset(_CASEWORK),
    Role.AUDITOR: frozenset({Capability.READ_AUDIT}),
}

# Roles whose accounts must use a second factor.
TWO_FACTOR_REQUIRED = frozenset({Role.COUNTY_ADMIN, Role.LEADER})

# The region level a user of each role is attached to ("county" means county or above).
ROLE_REGION_LEVEL: dict[Role, str] = {
    Role.COUNTY_ADMIN: "county",
    Role.COUNTY_CLERK: "county",
    Role.TOWNSHIP_CLERK: "township",
    Role.VILLAGE_ASSISTANT: "village",
    Role.LEADER: "county",
    Role.DEPARTMENT_LIAISON: "county",
    Role.AUDITOR: "county",
}


def has_capability(role: str, capability: Capability) -> bool:
    try:
        return capability in ROLE_CAPABILITIES[Role(role)]
    except ValueError:
        return False


def require(actor: User | None, capability: Capability) -> None:
    """``actor=None`` is the bootstrap "system" actor, allowed only while no user exists."""
    if actor is None:
        if get_user_model().objects.exists():
            raise PermissionDenied()
        return
    if not actor.can(capability):
        raise PermissionDenied()
