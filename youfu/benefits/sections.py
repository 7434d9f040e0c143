"""What benefits shows on other apps' pages (registered in ``BenefitsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string


def payments_card(request: HttpRequest, person: Any) -> str:
    """The payments card of a person's page; htmx loads its body (entitlements, transfers)."""
    return render_to_string("benefits/_person_section_loader.html", {"person": person}, request=request)
