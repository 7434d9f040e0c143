"""Translatable messages that can be rendered in either language after the fact.

A clerk reading an import report and a script reading ``--json`` both need the reason
in Chinese *and* English. Django's lazy strings evaluate as soon as they are formatted,
so a message keeps its English msgid and its parameters and renders on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext


@dataclass(frozen=True)
class Message:
    msgid: str  # English, marked with gettext_noop at the call site
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        if language is None:
            return self._format(gettext(self.msgid))
        with translation.override(language):
            return self._format(gettext(self.msgid))

    def _format(self, template: str) -> str:
        return template % dict(self.params) if self.params else template

    @property
    def zh(self) -> str:
        return self.render("zh-hans")

    @property
    def en(self) -> str:
        return self.render("en")

    def bilingual(self) -> str:
        zh, en = self.zh, self.en
        return zh if zh == en else f"{zh} / {en}"

    def __str__(self) -> str:
        return self.render()
