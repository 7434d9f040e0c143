"""Extension points: how a higher app shows its data on a lower app's page.

The registry's person page, the home work list and the navigation are assembled from sections that
the apps register in their ``AppConfig.ready``. The page that shows them never names the app that
filled them, so dependencies keep running one way (core → … → registry → benefits → petitions).

- A **person section** renders one card of a person's page, or ``None`` when it has nothing to show
  (then the card is left out: a page never shows an empty "not available" card).
- A **work source** lists what waits for a user: each ``WorkItem`` is a count with a link, shown on the
  home page grouped by the source's title. A source returns nothing for a role it does not concern.

- A **nav entry** is one link of the menu and of the home page's list of areas, shown to the roles
  with its capability. Several entries may share a URL (one per capability, each with the
  description that role reads): a user sees the first one, by order, that their role may use.

Sources receive the request (or user) as given by the page; they do their own permission checks
through their app's selectors, so a section never widens what a user may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from youfu.core.roles import Capability

if TYPE_CHECKING:
    from youfu.accounts.models import User

PersonRenderer = Callable[[HttpRequest, Any], "SafeString | str | None"]
WorkProvider = Callable[["User"], Iterable["WorkItem"]]


@dataclass(frozen=True)
class PersonSection:
    key: str  # also the card's data-testid
    order: int
    render: PersonRenderer


@dataclass(frozen=True)
class WorkItem:
    label: str | Promise
    count: int
    url: str
    urgent: bool = False  # overdue, or waiting on this user's decision
    hint: str | Promise = ""


@dataclass(frozen=True)
class WorkSource:
    key: str
    order: int
    title: str | Promise
    provide: WorkProvider


@dataclass
class WorkGroup:
    key: str
    title: str | Promise
    items: list[WorkItem] = field(default_factory=list)


@dataclass(frozen=True)
class NavEntry:
    key: str
    order: int
    label: str | Promise
    url_name: str
    capability: Capability
    description: str | Promise

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_person_sections: dict[str, PersonSection] = {}
_work_sources: dict[str, WorkSource] = {}
_nav_entries: dict[str, NavEntry] = {}


def register_person_section(key: str, render: PersonRenderer, *, order: int) -> None:
    """Called from an app's ``ready``; registering the same key again replaces it (tests, reloads)."""
    _person_sections[key] = PersonSection(key, order, render)


def register_work_source(key: str, title: str | Promise, provide: WorkProvider, *, order: int) -> None:
    _work_sources[key] = WorkSource(key, order, title, provide)


def register_nav(
    key: str,
    label: str | Promise,
    url_name: str,
    capability: Capability,
    description: str | Promise,
    *,
    order: int,
) -> None:
    _nav_entries[key] = NavEntry(key, order, label, url_name, capability, description)


def person_sections(request: HttpRequest, person: Any) -> list[tuple[str, SafeString]]:
    """The rendered cards of a person's page in order, without the ones with nothing to show."""
    cards = []
    for section in sorted(_person_sections.values(), key=lambda s: (s.order, s.key)):
        html = section.render(request, person)
        if html:
            cards.append((section.key, SafeString(html)))
    return cards


def work_for(user: User) -> list[WorkGroup]:
    """What waits for ``user``, grouped by source; only items with a count, groups with an item."""
    groups = []
    for source in sorted(_work_sources.values(), key=lambda s: (s.order, s.key)):
        items = [item for item in source.provide(user) if item.count > 0]
        if items:
            groups.append(WorkGroup(source.key, source.title, items))
    return groups


def nav_for(user: User | None) -> list[NavEntry]:
    """The areas ``user`` may open, in menu order, each URL once (none before signing in:
    the page may pass ``None`` or Django's anonymous user)."""
    if user is None or not user.is_authenticated:
        return []
    seen: set[str] = set()
    entries = []
    for entry in sorted(_nav_entries.values(), key=lambda e: (e.order, e.key)):
        if entry.url_name not in seen and user.can(entry.capability):
            seen.add(entry.url_name)
            entries.append(entry)
    return entries
