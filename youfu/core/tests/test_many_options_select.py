"""ManyOptionsSelect writes the same select as Django's own (what it saves is measured by hand and
by the load bench, not here)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms

from youfu.core.forms import ManyOptionsSelect

CHOICES: list[Any] = [
    ("", "—"),
    ("城关镇", [("341199100001", "柳湾村"), ("341199100002", '<b>&"村')]),
    ("341199200000", "东山乡 & 'x'"),
    ("河口镇", [(f"3411993000{i:02d}", f"村{i}") for i in range(1, 40)]),
]


def _options(html: str) -> list[tuple[str, ...]]:
    """(group, value, label, selected) of every option, and the select's attributes."""
    found: list[tuple[str, ...]] = [tuple(sorted(re.findall(r'(\w+)="([^"]*)"', html.split(">", 1)[0])))]  # type: ignore[arg-type]
    group = ""
    for m in re.finditer(
        r'<optgroup label="([^"]*)">|</optgroup>|<option value="([^"]*)"( selected)?>([^<]*)</option>', html
    ):
        if m.group(0).startswith("<optgroup"):
            group = m.group(1)
        elif m.group(0) == "</optgroup>":
            group = ""
        else:
            found.append((group, m.group(2), m.group(4), "selected" if m.group(3) else ""))
    return found


@pytest.mark.parametrize("value", ["", "341199100002", "341199200000", None, "nowhere"])
def test_it_writes_what_django_writes(value: Any) -> None:
    attrs = {"id": "id_village", "class": "wide"}
    ours = ManyOptionsSelect(choices=CHOICES).render("village", value, attrs)
    django = forms.Select(choices=CHOICES).render("village", value, attrs)
    assert _options(ours) == _options(django)
    assert "<b>" not in ours and "&lt;b&gt;&amp;&quot;村" in ours  # escaped as Django escapes
