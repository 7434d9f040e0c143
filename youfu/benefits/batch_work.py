"""What the payment batches put on the home work list (registered in ``BenefitsConfig.ready``):
for the county clerk who sends the bank files, batches to export, banks whose returns are
missing and batches to close; for a leader, batches to approve. Nothing for other roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.benefits.models import Batch, BatchState
from youfu.benefits.selectors import unlisted_bank_holders
from youfu.benefits.services import bank_statuses, may_send_bank_files
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.regions.models import RegionLevel


def _county_user(user: User) -> bool:
    region = getattr(user, "region", None)
    return region is not None and region.level == RegionLevel.COUNTY


def _url(batch: Batch, anchor: str = "") -> str:
    return reverse("benefits:batch", kwargs={"batch_id": batch.pk}) + anchor


def batches_waiting(user: User) -> Iterable[WorkItem]:
    can = getattr(user, "can", None)
    if can is None or not _county_user(user):
        return []
    batches = Batch.objects.visible_to(user).filter(
        state__in=[BatchState.DRAFT, BatchState.APPROVED, BatchState.EXPORTED, BatchState.RETURNS_IMPORTED]
    )
    items: list[WorkItem] = []
    if can(Capability.APPROVE):
        for batch in batches.filter(state=BatchState.DRAFT).exclude(created_by=user).order_by("period"):
            items.append(
                WorkItem(
                    _("%(period)s batch: to approve") % {"period": batch.period_label},
                    1,
                    _url(batch),
                    urgent=True,
                    hint=_("%(persons)d persons, %(total)s yuan")
                    % {"persons": batch.persons, "total": f"{batch.total:,.2f}"},
                )
            )
    if not may_send_bank_files(user):
        return items
    for batch in batches.exclude(state=BatchState.DRAFT).order_by("period"):
        if batch.state == BatchState.APPROVED:
            banks = bank_statuses(batch)
            items.append(
                WorkItem(
                    _("%(period)s batch: bank files to download and send") % {"period": batch.period_label},
                    len(banks) or 1,
                    _url(batch, "#banks"),
                    hint="、".join(b.bank for b in banks),
                )
            )
        elif batch.state == BatchState.EXPORTED:
            missing = [b.bank for b in bank_statuses(batch) if not b.returned]
            items.append(
                WorkItem(
                    _("%(period)s batch: banks whose returns are missing") % {"period": batch.period_label},
                    len(missing),
                    _url(batch, "#banks"),
                    hint="、".join(missing),
                )
            )
        elif batch.state == BatchState.RETURNS_IMPORTED:
            items.append(
                WorkItem(
                    _("%(period)s batch: every bank's returns are in, to close")
                    % {"period": batch.period_label},
                    1,
                    _url(batch),
                )
            )
    return items


def unlisted_banks_waiting(user: User) -> Iterable[WorkItem]:
    """People in the clerk's region whose 开户银行 is not on the bank list (old records kept as
    written): to correct with a bank change, so that each bank gets its own file."""
    can = getattr(user, "can", None)
    if can is None or not can(Capability.WRITE_REGISTRY) or not can(Capability.READ_PERSONAL_DATA):
        return []
    count = unlisted_bank_holders(user).count()
    return [WorkItem(_("People whose bank is not on the bank list"), count, reverse("benefits:banks"))]
