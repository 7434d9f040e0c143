from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from youfu.core.sections import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu: the entries the apps registered (``register_nav``) that the user's role may use."""
    return {"nav_apps": nav_for(getattr(request, "user", None))}
