"""What accounts shows on the home page's work list."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from youfu.accounts.models import User
from youfu.accounts.selectors import recoveries_to_decide, role_requests_to_decide
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem


def roles_to_approve_work(user: User) -> Iterable[WorkItem]:
    """For leaders: roles the admin asked for, waiting for their approval."""
    if not user.can(Capability.APPROVE):
        return []
    return [
        WorkItem(
            _("roles to approve"),
            role_requests_to_decide(user).count(),
            reverse("accounts:approvals"),
            urgent=True,
        ),
        WorkItem(
            _("account recoveries to approve"),
            recoveries_to_decide(user).count(),
            reverse("accounts:approvals"),
            urgent=True,
        ),
    ]
