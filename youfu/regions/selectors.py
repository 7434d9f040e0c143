from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from youfu.regions.models import Region

if TYPE_CHECKING:
    from youfu.accounts.models import User


def regions_for(user: User) -> QuerySet[Region]:
    """The regions inside the user's own region (their region and everything under it)."""
    qs: QuerySet[Region] = Region.objects.visible_to(user)
    return qs


def region_tree_for(user: User) -> QuerySet[Region]:
    return regions_for(user).annotate(child_count=Count("children")).order_by("code")
