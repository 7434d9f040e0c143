"""What benefits puts on the home work list (registered in ``BenefitsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.benefits import selectors
from youfu.benefits.models import ParameterState
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem


def money_parameters_to_approve(user: User) -> Iterable[WorkItem]:
    """Standards versions and top-ups a county clerk entered, waiting for a leader: only a
    county-level leader decides on them, and never on what they entered themselves."""
    can = getattr(user, "can", None)
    region = getattr(user, "region", None)
    if can is None or not can(Capability.APPROVE) or region is None or region.level != "county":
        return []
    url = reverse("benefits:standards") + "#pending"
    standards = selectors.standard_versions(state=ParameterState.PENDING).exclude(imported_by=user).count()
    topups = selectors.topups_for(user, state=ParameterState.PENDING).exclude(created_by=user).count()
    return [
        WorkItem(_("Standards versions to approve"), standards, url, urgent=True),
        WorkItem(_("Local top-ups to approve"), topups, url, urgent=True),
    ]
