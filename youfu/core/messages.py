"""Translatable messages that can be rendered in either language after the fact.

A clerk reading an import report and a script reading ``--json`` both need the reason
in Chinese *and* English. Django's lazy strings evaluate as soon as they are formatted,
so a message keeps its English msgid and its parameters and renders on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

# The command line prints ``中文 / English`` (its reader and the script parsing it may want
# either); pages and the API answer in the request's language only. The CLI turns this on.
_BILINGUAL_OUTPUT: ContextVar[bool] = ContextVar("bilingual_output", default=False)


@contextmanager
def bilingual_output() -> Iterator[None]:
    """Within this block, ``Message.for_output()`` renders both languages (the CLI's form)."""
    token = _BILINGUAL_OUTPUT.set(True)
    try:
        yield
    finally:
        _BILINGUAL_OUTPUT.reset(token)


@dataclass(frozen=True)
class Message:
    msgid: str  # English, marked with gettext_noop at the call site
    params: Mapping[str, Any] = field(default_factory=dict)
    # Text already rendered per language by code we do not own (Django's validators).
    rendered: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_each_language(cls, produce: Callable[[], str]) -> Message:
        """Run ``produce`` under each language and keep both results."""
        rendered = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                rendered[language] = produce()
        return cls(rendered["en"], rendered=rendered)

    def render(self, language: str | None = None) -> str:
        language = language or translation.get_language() or "zh-hans"
        if language in self.rendered:
            return self.rendered[language]
        with translation.override(language):
            return self._format(gettext(self.msgid))

    def _format(self, template: str) -> str:
        # Called inside the target language: a nested Message or a lazy string parameter
        # (a choice label) renders in that language too.
        if not self.params:
            return template
        return template % {k: v.render() if isinstance(v, Message) else v for k, v in self.params.items()}

    @property
    def zh(self) -> str:
        return self.render("zh-hans")

    @property
    def en(self) -> str:
        return self.render("en")

    def bilingual(self) -> str:
        zh, en = self.zh, self.en
        return zh if zh == en else f"{zh} / {en}"

    def for_output(self) -> str:
        """Both languages on the command line, the active language on pages and in the API."""
        return self.bilingual() if _BILINGUAL_OUTPUT.get() else self.render()

    def __str__(self) -> str:
        return self.render()
