from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from youfu.core.sections import nav_for

_NAV = "_youfu_nav"


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu: the entries the apps registered (``register_nav``) that the user's role may use.

    Worked out once a request: a page may render several templates with the request (the person
    page renders each area's card so), and every entry's check builds the areas' scoped querysets
    (bench/README.md, "Load": a sixth of the person page's time). Kept with the user it was made
    for, so a request whose user changes gets the new user's."""
    user = getattr(request, "user", None)
    who = tuple(getattr(user, name, None) for name in ("pk", "role", "region_id", "department_id"))
    cached = getattr(request, _NAV, None)
    if cached is None or cached[0] != who:
        cached = (who, nav_for(user))
        setattr(request, _NAV, cached)
    return {"nav_apps": cached[1]}
