from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from youfu.regions.models import Region


def regions_for(user: Any) -> QuerySet[Region]:
    """The regions inside the user's own region (their region and everything under it)."""
    qs: QuerySet[Region] = Region.objects.visible_to(user)
    return qs


def region_tree_for(user: Any) -> QuerySet[Region]:
    return regions_for(user).annotate(child_count=Count("children")).order_by("code")
