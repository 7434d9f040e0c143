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
  A page that asks more of the user than a capability (the dashboard refuses a department
  liaison) registers its view's own check as ``check``: the entry is shown to a user the check
  lets through, so the menu never leads to a 403 and the rule is not written twice.
- A **reference** names a higher app's record in a lower app's data ("relief:12" on a one-off
  payment); the app that owns it registers how to link it, and the lower page shows the link.
- A **nav group** gathers the entries of one line of work that several apps share (relief and care:
  relief, medical, housing, pairing, visits …) under one menu link, which opens a page listing them.
  A user who may open only one entry of a group gets that entry itself.

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

from youfu.core.errors import PermissionDenied
from youfu.core.roles import Capability

if TYPE_CHECKING:
    from youfu.accounts.models import User

PersonRenderer = Callable[[HttpRequest, Any], "SafeString | str | None"]
WorkProvider = Callable[["User"], Iterable["WorkItem"]]
# The view's own permission check: returns when the user may open the page, raises
# ``PermissionDenied`` when the page would answer 403.
NavCheck = Callable[["User"], None]


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
    group: str | None = None
    check: NavCheck | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def opens_for(self, user: User) -> bool:
        """Whether ``user`` may open the page: their role has the capability and the view's own
        check (if any) lets them through."""
        if not user.can(self.capability):
            return False
        if self.check is None:
            return True
        try:
            self.check(user)
        except PermissionDenied:
            return False
        return True


@dataclass(frozen=True)
class NavGroup:
    key: str
    order: int
    label: str | Promise
    description: str | Promise

    @property
    def url(self) -> str:
        return reverse("area", args=[self.key])


_person_sections: dict[str, PersonSection] = {}
_work_sources: dict[str, WorkSource] = {}
_nav_entries: dict[str, NavEntry] = {}
_nav_groups: dict[str, NavGroup] = {}
_references: dict[str, tuple[str, str | Promise]] = {}


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
    group: str | None = None,
    check: NavCheck | None = None,
) -> None:
    _nav_entries[key] = NavEntry(key, order, label, url_name, capability, description, group, check)


def register_nav_group(key: str, label: str | Promise, description: str | Promise, *, order: int) -> None:
    """A menu link for a line of work; the apps that share it each register it (the same values)."""
    _nav_groups[key] = NavGroup(key, order, label, description)


def register_reference(prefix: str, url_name: str, label: str | Promise) -> None:
    """How to link a reference ``"<prefix>:<id>"``: the page ``url_name`` takes the id."""
    _references[prefix] = (url_name, label)


@dataclass(frozen=True)
class ReferenceLink:
    label: str
    url: str | None  # None: a reference no app links (shown as written)


def reference_link(reference: str) -> ReferenceLink:
    """A reference as a user reads it: "临时救助 #12" with the link to its page."""
    prefix, _, number = reference.partition(":")
    known = _references.get(prefix)
    if known is None or not number.isdigit():
        return ReferenceLink(reference, None)
    url_name, label = known
    return ReferenceLink(f"{label} #{number}", reverse(url_name, args=[int(number)]))


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


def _entries_for(user: User | None) -> list[NavEntry]:
    """The entries ``user`` may open, in order, each URL once."""
    if user is None or not user.is_authenticated:
        return []
    seen: set[str] = set()
    entries = []
    for entry in sorted(_nav_entries.values(), key=lambda e: (e.order, e.key)):
        if entry.url_name not in seen and entry.opens_for(user):
            seen.add(entry.url_name)
            entries.append(entry)
    return entries


def nav_for(user: User | None) -> list[NavEntry | NavGroup]:
    """The areas ``user`` may open, in menu order, each URL once (none before signing in:
    the page may pass ``None`` or Django's anonymous user); a group's entries as the group."""
    entries = _entries_for(user)
    grouped: dict[str, list[NavEntry]] = {}
    for entry in entries:
        if entry.group in _nav_groups:
            grouped.setdefault(entry.group, []).append(entry)
    shown: list[NavEntry | NavGroup] = []
    for entry in entries:
        members = grouped.get(entry.group or "", [])
        if len(members) < 2:
            shown.append(entry)
        elif entry is members[0]:
            shown.append(_nav_groups[members[0].group or ""])
    return sorted(shown, key=lambda e: (e.order, e.key))


def nav_group_for(user: User | None, key: str) -> tuple[NavGroup, list[NavEntry]] | None:
    """A group and the entries of it ``user`` may open, or ``None`` when there is no such group."""
    group = _nav_groups.get(key)
    if group is None:
        return None
    return group, [e for e in _entries_for(user) if e.group == key]
