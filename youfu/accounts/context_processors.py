from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from youfu.accounts.roles import Capability


@dataclass(frozen=True)
class AppLink:
    label: str | Promise
    url_name: str
    capability: Capability
    description: str | Promise

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# Later apps add their entry here: the home page and the menu show only what the role may use.
APP_LINKS: list[AppLink] = [
    AppLink(
        _("Registry"),
        "registry:list",
        Capability.READ_PERSONAL_DATA,
        _("People, qualifications, life events"),
    ),
    AppLink(
        _("Annual confirmation"),
        "registry:reviews",
        Capability.READ_PERSONAL_DATA,
        _("Confirm each year that regular-benefit holders are alive and eligible"),
    ),
    AppLink(
        _("Benefits"),
        "benefits:batches",
        Capability.READ_PERSONAL_DATA,
        _("Standards, monthly bank batches, arrears, recoveries"),
    ),
    # Standards and top-ups are entered by a county clerk and approved by a leader; the admin
    # keeps the payments start month on the same page.
    AppLink(
        _("Benefit standards"),
        "benefits:standards",
        Capability.WRITE_REGISTRY,
        _("Enter standards and the local top-up for a leader's approval"),
    ),
    AppLink(
        _("Benefit standards"),
        "benefits:standards",
        Capability.APPROVE,
        _("Approve or refuse the standards and top-ups a clerk entered"),
    ),
    AppLink(
        _("Benefit standards"),
        "benefits:standards",
        Capability.MANAGE_SETTINGS,
        _("Standards, local top-up, payments start month"),
    ),
    AppLink(
        _("Petitions"), "petitions:inbox", Capability.READ_PERSONAL_DATA, _("Petitions, deadlines, replies")
    ),
    AppLink(_("Regions"), "regions:list", Capability.READ_PERSONAL_DATA, _("County, townships and villages")),
    AppLink(_("Regions"), "regions:list", Capability.MANAGE_SETTINGS, _("Import and browse the region tree")),
    AppLink(
        _("Working-day calendar"),
        "core:calendar",
        Capability.MANAGE_SETTINGS,
        _("Public holidays and make-up working days; import each year's notice"),
    ),
    AppLink(_("Users"), "accounts:users", Capability.MANAGE_USERS, _("Accounts, roles, regions, lock-outs")),
    AppLink(_("Audit log"), "audit:search", Capability.READ_AUDIT, _("Search and export the audit log")),
]


def apps_for(user: Any) -> list[AppLink]:
    if not getattr(user, "is_authenticated", False):
        return []
    seen: set[str] = set()
    links = []
    for link in APP_LINKS:
        if user.can(link.capability) and link.url_name not in seen:
            seen.add(link.url_name)
            links.append(link)
    return links


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"nav_apps": apps_for(getattr(request, "user", None))}
