"""Region scope, in one place.

Every model holding data that belongs to a place declares a ``scope`` and uses
``ScopedManager``; every read for a user goes through ``Model.objects.visible_to(user)``
or ``get_visible_or_404``. A record outside the user's region is simply not there:
views answer 404, never 403, so its existence does not leak. The URL-walking test in
``accounts/tests/test_scope_walk.py`` proves this for every route, including routes that
later apps add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404

from youfu.core.roles import Capability, Role, has_capability

if TYPE_CHECKING:
    from youfu.accounts.models import User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class RegionScoped:
    code_path: str  # ORM path to the region's code, e.g. "region__code" (no join: it is the FK)
    # Beneficiaries' personal data: hidden from roles without READ_PERSONAL_DATA
    # (the system admin and the auditor: separation of duties).
    personal_data: bool = True
    # For records a department liaison may see: the path to the assigned department's id.
    # A personal-data model without one is invisible to liaisons.
    department_path: str | None = None
    # Records with no region at all (system events) are visible to every user that may
    # read the model; the path is the nullable foreign key, e.g. "region".
    regionless_path: str | None = None
    # Records attached to a region above the user's (a county-wide campaign, a county
    # department) are visible too: a township clerk works inside the county's campaign.
    include_ancestors: bool = False


class ScopedQuerySet(models.QuerySet[M]):
    def visible_to(self, user: User | Any) -> ScopedQuerySet[M]:
        return apply_scope(self, user)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


def region_prefix(user: User | Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.region_id is None:
        return None
    region = user.region
    return None if region is None else str(region.scope_prefix)


def ancestor_codes(prefix: str) -> list[str]:
    """The 12-digit codes of the regions above the one with this prefix."""
    return [prefix[:n].ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)]


def apply_scope(queryset: models.QuerySet[M], user: User | Any) -> Any:
    scope: RegionScoped | None = getattr(queryset.model, "scope", None)
    if scope is None:
        raise TypeError(f"{queryset.model.__name__} declares no region scope")
    prefix = region_prefix(user)
    if prefix is None:
        return queryset.none()
    if scope.personal_data and not has_capability(user.role, Capability.READ_PERSONAL_DATA):
        return queryset.none()
    in_region = Q(**{f"{scope.code_path}__startswith": prefix})
    if scope.regionless_path:
        in_region |= Q(**{f"{scope.regionless_path}__isnull": True})
    if scope.include_ancestors:
        in_region |= Q(**{f"{scope.code_path}__in": ancestor_codes(prefix)})
    queryset = queryset.filter(in_region)
    if scope.personal_data and user.role == Role.DEPARTMENT_LIAISON:
        if scope.department_path is None or user.department_id is None:
            return queryset.none()
        queryset = queryset.filter(**{scope.department_path: user.department_id})
    return queryset


def get_visible_or_404(model_or_qs: type[M] | models.QuerySet[M], user: User | Any, **lookup: Any) -> M:
    queryset = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    try:
        obj: M = apply_scope(queryset, user).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    return obj
