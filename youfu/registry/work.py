"""What the registry puts on a clerk's home work list (registered in ``RegistryConfig.ready``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.registry.models import ReviewItem, ReviewStatus


def annual_confirmations_outstanding(user: User) -> Iterable[WorkItem]:
    """People not yet confirmed in each open 年审, counted within the user's scope: a township
    clerk sees their township's, a county clerk the county's. Only those who confirm (the
    registry's clerks) get the item; a leader or a liaison has nothing to do here."""
    can = getattr(user, "can", None)
    if can is None or not can(Capability.WRITE_REGISTRY):
        return []
    rows = (
        ReviewItem.objects.visible_to(user)
        .filter(review__closed_at__isnull=True, status=ReviewStatus.PENDING)
        .values("review_id", "review__year")
        .annotate(n=Count("pk"))
        .order_by("review__year")
    )
    return [
        WorkItem(
            _("people not yet confirmed in the %(year)d annual confirmation") % {"year": row["review__year"]},
            row["n"],
            reverse("registry:review_detail", kwargs={"review_id": row["review_id"]}) + "?status=pending",
        )
        for row in rows
    ]
