"""The county's benefit settings and the month its payments start."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes
from youfu.benefits.models import (
    Batch,
    BatchState,
    BenefitSettings,
)
from youfu.benefits.money import (
    month_label,
)
from youfu.benefits.services.common import county_of
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import Region
from youfu.registry.categories import Category

if TYPE_CHECKING:
    from youfu.accounts.models import User


def settings_for(county: Region | str) -> BenefitSettings:
    code = county if isinstance(county, str) else county.code
    found = BenefitSettings.objects.filter(region_id=code).first()
    return found or BenefitSettings(region_id=code)


_UNSET: Any = object()


def do_update_benefit_settings(
    *, acting_user: User, payments_start: date = _UNSET, allowance_month: int = _UNSET
) -> BenefitSettings:
    """The admin's settings of the county's payments. The start month is a month, never
    "unset": once set, it stays set (it may only move as ``_check_start_move`` allows)."""
    require(acting_user, Capability.MANAGE_SETTINGS)
    county = county_of(acting_user)
    if payments_start is None:
        raise InvalidInput(
            Message(gettext_noop("Give the payments start month, like 2026-01.")),
            fields={"payments_start": gettext_noop("YYYY-MM")},
        )
    if allowance_month is not _UNSET and not 1 <= allowance_month <= 12:
        raise InvalidInput(
            Message(gettext_noop("The allowance month is 1 to 12.")),
            fields={"allowance_month": gettext_noop("1 to 12")},
        )
    with transaction.atomic():
        current, _ = BenefitSettings.objects.select_for_update().get_or_create(region=county)
        before = {"payments_start": current.payments_start, "allowance_month": current.allowance_month}
        if payments_start is not _UNSET:
            _check_start_move(county, payments_start.replace(day=1))
            current.payments_start = payments_start.replace(day=1)
        if allowance_month is not _UNSET and allowance_month != current.allowance_month:
            current.allowance_month = allowance_month
            # The allowance moves to another month in every year paid: recompute them all.
            changes.mark_categories(county, [Category.CONSCRIPT_FAMILY], None, "allowance_month")
        after = {"payments_start": current.payments_start, "allowance_month": current.allowance_month}
        if after == before:
            return current
        current.updated_at = timezone.now()
        current.updated_by = acting_user
        current.save()
        record_event(
            EventType.BENEFIT_SETTINGS_CHANGED,
            actor=acting_user,
            region=county,
            obj=current,
            old=before,
            new=after,
        )
    return current


def start_month_fixed(county: Region | str) -> bool:
    """Whether the county has paid (a batch that was not discarded): its start month stays."""
    code = county if isinstance(county, str) else county.code
    return Batch.objects.filter(county_id=code).exclude(state=BatchState.DISCARDED).exists()


def _check_start_move(county: Region, new: date) -> None:
    """The start month is where the county began paying through youfu. Before the first batch
    it is the county's to choose; once a batch was made it stays: every month since is kept
    by the batches, which recompute only what changed (``changes.py``), so old months cost
    nothing, and a change recorded late for any of them is still paid or claimed back."""
    first = (
        Batch.objects.filter(county=county)
        .exclude(state=BatchState.DISCARDED)
        .order_by("period")
        .values_list("period", flat=True)
        .first()
    )
    if first is None:
        return  # nothing paid yet: the start is the county's to choose
    current = payments_start(county) or first
    if new == current:
        return
    raise InvalidInput(
        Message(
            gettext_noop(
                "The county began paying through youfu in %(start)s, and that stays the payments start "
                "month: each batch recomputes only what changed, however many months the county has "
                "paid, and a change recorded late for any month since %(start)s is still paid or "
                "claimed back. (Moving it to %(month)s would put those months out of reach.)"
            ),
            {"start": month_label(current), "month": month_label(new)},
        ),
        fields={"payments_start": gettext_noop("fixed once the county has paid")},
    )


def payments_start(county: Region | str) -> date | None:
    """The county's payments start month, None until the admin sets it. It is never taken
    from a batch: a first batch made for the current month would silently have made every
    earlier month settled history, never paid."""
    code = county if isinstance(county, str) else county.code
    return settings_for(code).payments_start


def start_month_missing_message() -> Message:
    return Message(
        gettext_noop(
            "The payments start month is not set, so youfu cannot know from which month to pay "
            "(months before it are never paid). The county admin sets it first, on the standards "
            "page (/benefits/standards/) or with: youfu benefit-settings --start-month YYYY-MM "
            "--as ADMIN. Choose the first month the bureau pays through youfu."
        )
    )
