from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from youfu.core.sections import NavEntry, NavGroup, nav_for

_NAV = "_youfu_nav"


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu: the entries the apps registered (``register_nav``) that the user's role may use.

    Worked out when a template first shows it, and then once a request. Only the full page's
    frame shows the menu: the person page's cards and the fragments htmx asks for (the search
    results as a clerk types) render templates with the request too, and every entry's check
    builds the areas' scoped querysets (bench/README.md, "Load"). Kept with the user it was made
    for, so a request whose user changes gets the new user's."""
    return {"nav_apps": SimpleLazyObject(lambda: _menu(request))}


def _menu(request: HttpRequest) -> list[NavEntry | NavGroup]:
    user = getattr(request, "user", None)
    who = tuple(getattr(user, name, None) for name in ("pk", "role", "region_id", "department_id"))
    cached = getattr(request, _NAV, None)
    if cached is None or cached[0] != who:
        cached = (who, nav_for(user))
        setattr(request, _NAV, cached)
    menu: list[NavEntry | NavGroup] = cached[1]
    return menu
