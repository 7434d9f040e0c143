"""The layers hold (docs/architecture.md): the navigation is assembled from what each app
registers, core writes the calendar without importing audit, and no module hides an import of
youfu inside a function (the place where a cycle would be dodged instead of removed)."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.receivers import on_calendar_imported
from youfu.core import sections
from youfu.core.errors import PermissionDenied
from youfu.core.models import CalendarYear
from youfu.core.roles import Capability, Role
from youfu.core.sections import nav_for, register_nav, register_nav_group
from youfu.core.workdays import calendar_imported, import_calendar
from youfu.testing import World, log_in

ROOT = Path(__file__).resolve().parents[2]


def _imports_inside_functions() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent).as_posix()
        if "/tests/" in relative or "/migrations/" in relative or relative.endswith("conftest.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            # Django's idiom: an app wires itself up once the app registry is ready.
            if function.name == "ready" and path.name == "apps.py":
                continue
            for node in ast.walk(function):
                module = ""
                if isinstance(node, ast.ImportFrom):
                    module = "." * node.level + (node.module or "")
                elif isinstance(node, ast.Import):
                    module = node.names[0].name
                if module.startswith(("youfu", ".")):
                    found.append(f"{relative}:{node.lineno} {function.name}(): {module}")
    return found


def test_no_module_imports_youfu_inside_a_function() -> None:
    assert _imports_inside_functions() == []


def test_the_scan_finds_an_import_inside_a_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "youfu" / "some"
    package.mkdir(parents=True)
    (package / "apps.py").write_text("def ready():\n    from youfu.core import sections\n")
    (package / "views.py").write_text("def page():\n    from youfu.registry.models import Beneficiary\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path / "youfu")
    assert _imports_inside_functions() == ["youfu/some/views.py:2 page(): youfu.registry.models"]


@pytest.fixture
def clean_nav() -> Iterator[None]:
    saved, groups = dict(sections._nav_entries), dict(sections._nav_groups)
    sections._nav_entries.clear()
    sections._nav_groups.clear()
    yield
    sections._nav_entries.clear()
    sections._nav_entries.update(saved)
    sections._nav_groups.clear()
    sections._nav_groups.update(groups)


@pytest.mark.django_db
def test_the_menu_lists_each_page_once_in_order_with_the_first_description_the_role_may_use(
    clean_nav: None, world: World
) -> None:
    register_nav("users", "Users", "accounts:users", Capability.MANAGE_USERS, "accounts", order=80)
    register_nav("regions_read", "Regions", "regions:list", Capability.READ_PERSONAL_DATA, "read", order=61)
    register_nav("regions_admin", "Regions", "regions:list", Capability.MANAGE_SETTINGS, "admin", order=60)
    register_nav("audit", "Audit log", "audit:search", Capability.READ_AUDIT, "audit", order=90)
    admin = [(e.key, e.description) for e in nav_for(world.admin)]
    assert admin == [("regions_admin", "admin"), ("users", "accounts")]
    assert [(e.key, e.description) for e in nav_for(world.county_clerk)] == [("regions_read", "read")]
    assert nav_for(None) == []


@pytest.mark.django_db
def test_a_group_of_entries_is_one_menu_link_to_a_page_listing_them(
    clean_nav: None, world: World, client: Client
) -> None:
    register_nav_group("care", "Care", "relief and visits", order=55)
    register_nav(
        "relief", "Relief", "registry:list", Capability.WRITE_RECORDS, "apply", order=60, group="care"
    )
    register_nav(
        "visits", "Visits", "audit:search", Capability.READ_PERSONAL_DATA, "visit", order=61, group="care"
    )
    register_nav("approve", "Relief", "regions:list", Capability.APPROVE, "approve", order=62, group="care")
    register_nav("audit", "Audit log", "audit:search", Capability.READ_AUDIT, "audit", order=90)
    # Two entries of the group: one link, to the group's page, in the group's place.
    assert [e.key for e in nav_for(world.county_clerk)] == ["care"]
    log_in(client, world.county_clerk)
    page = client.get(reverse("area", args=["care"])).content.decode()
    assert "relief and visits" in page and "apply" in page and "visit" in page and "approve" not in page
    # One entry of it: the entry itself, no page in between.
    assert [e.key for e in nav_for(world.auditor)] == ["audit"]
    log_in(client, world.auditor)
    assert client.get(reverse("area", args=["care"])).status_code == 404
    assert client.get(reverse("area", args=["nothing"])).status_code == 404


@pytest.mark.django_db
def test_an_entry_with_its_view_s_check_is_shown_to_whom_the_check_lets_through(
    clean_nav: None, world: World
) -> None:
    def no_liaison(user: User) -> None:  # a view's own check, as the dashboard's
        if user.role == Role.DEPARTMENT_LIAISON:
            raise PermissionDenied()

    register_nav_group("reports", "Reports", "the reports", order=88)
    register_nav(
        "summary", "Summary", "registry:list", Capability.READ_PERSONAL_DATA, "s", order=90, group="reports"
    )
    register_nav(
        "charts",
        "Charts",
        "audit:search",
        Capability.READ_PERSONAL_DATA,
        "c",
        order=89,
        group="reports",
        check=no_liaison,
    )
    assert [e.key for e in nav_for(world.county_clerk)] == ["reports"]
    # The check leaves the liaison one entry of the group: that entry itself.
    assert [e.key for e in nav_for(world.liaison)] == ["summary"]
    assert nav_for(world.admin) == []  # the capability is asked first


@pytest.mark.django_db
def test_every_app_registers_its_menu_entries() -> None:
    assert {e.url_name for e in sections._nav_entries.values()} >= {
        "registry:list",
        "registry:reviews",
        "benefits:batches",
        "benefits:standards",
        "petitions:inbox",
        "regions:list",
        "core:calendar",
        "accounts:users",
        "audit:search",
    }


@pytest.mark.django_db
def test_a_calendar_import_nobody_audits_is_refused_and_writes_nothing(world: World) -> None:
    """core cannot call audit; it signals inside its transaction, and refuses to write unaudited."""
    calendar_imported.disconnect(dispatch_uid="audit.calendar_imported")
    try:
        with pytest.raises(RuntimeError):
            import_calendar(b"date,kind,name\n2031-01-01,holiday,x\n", acting_user=world.admin)
    finally:
        calendar_imported.connect(on_calendar_imported, dispatch_uid="audit.calendar_imported")
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert not AuditEvent.objects.filter(event_type=EventType.CALENDAR_IMPORTED).exists()


ARCHITECTURE = ROOT.parent / "docs" / "architecture.md"
NOT_WRITTEN_YET = {"relief", "outreach"}


def test_every_path_the_architecture_page_names_exists() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:youfu|docs)/[\w./-]+)`", text))
    assert len(paths) > 30
    missing = [
        p for p in sorted(paths) if not (ROOT.parent / p).exists() and p.split("/")[1] not in NOT_WRITTEN_YET
    ]
    assert missing == []


def test_the_architecture_page_draws_the_layers_the_check_enforces() -> None:
    contract = tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c["layers"] for c in contract["tool"]["importlinter"]["contracts"] if c["name"] == "layers"]
    enforced = [re.sub(r"[()]", "", layer) for layer in reversed(layers)]
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = text.split("```")[1]
    drawn = [
        re.match(r"(youfu\.\w+(?: \| youfu\.\w+)*)", line).group(1)  # type: ignore[union-attr]
        for line in block.splitlines()
        if line.startswith("youfu.")
    ]
    assert drawn == enforced


# URL namespaces and the app that owns each (the petitioner's pages are petitions' too).
NAMESPACES = {
    "core": "core",
    "audit": "audit",
    "regions": "regions",
    "accounts": "accounts",
    "registry": "registry",
    "benefits": "benefits",
    "petitions": "petitions",
    "public": "petitions",
}
URL_NAME = re.compile(r"""(?:\{% url |reverse\(|redirect\(|url_name=|["'])["']?([a-z]+):[a-z_]+["']""")


def _rank() -> dict[str, int]:
    contract = tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c["layers"] for c in contract["tool"]["importlinter"]["contracts"] if c["name"] == "layers"]
    rank = {}
    for height, layer in enumerate(reversed(layers)):
        for module in re.findall(r"youfu\.(\w+)", layer):
            rank[module] = height
    return rank


def _upward_links(root: Path) -> list[str]:
    rank = _rank()
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix not in {".html", ".py"} or "tests" in relative.parts or "migrations" in relative.parts:
            continue
        app = relative.parts[0]
        if app not in rank:
            continue
        for namespace in URL_NAME.findall(path.read_text(encoding="utf-8")):
            owner = NAMESPACES.get(namespace)
            if owner is not None and rank[owner] > rank[app]:
                found.append(f"{relative.as_posix()} names {namespace}:")
    return found


def test_no_page_links_an_app_above_its_own() -> None:
    """Links to a higher app come through sections and nav entries that the higher app registers."""
    assert _upward_links(ROOT) == []


def test_the_link_scan_finds_an_upward_link(tmp_path: Path) -> None:
    (tmp_path / "registry" / "templates").mkdir(parents=True)
    (tmp_path / "registry" / "templates" / "p.html").write_text("{% url 'benefits:person_section' 1 %}")
    (tmp_path / "benefits").mkdir()
    (tmp_path / "benefits" / "views.py").write_text('reverse("registry:detail")')
    assert _upward_links(tmp_path) == ["registry/templates/p.html names benefits:"]


MOVED = {
    "youfu.accounts.roles": "youfu.core.roles",
    "youfu.accounts.scope": "youfu.core.scope",
    "youfu.accounts.authed": "youfu.core.authed",
    "youfu.api.pagination": "youfu.core.pagination",
}


def test_nothing_imports_the_old_homes_of_what_moved_to_core() -> None:
    """The old modules only re-export, for work in progress while the move lands; they go next."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        if module in MOVED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in MOVED:
                found.append(f"{path.relative_to(ROOT.parent)}: use {MOVED[node.module]}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [
                    f"{node.module}.{a.name}" if isinstance(node, ast.ImportFrom) else a.name
                    for a in node.names
                ]
                found += [f"{path.relative_to(ROOT.parent)}: use {MOVED[n]}" for n in names if n in MOVED]
    assert found == []


def test_a_reference_to_a_higher_apps_record_is_linked_by_the_app_that_owns_it() -> None:
    # relief registers "relief:<id>" (its grants) in its AppConfig.ready; benefits only shows it.
    link = sections.reference_link("relief:12")
    assert (link.url, link.label.endswith(" #12")) == ("/relief/12/", True)
    assert sections.reference_link("medical:7").url == "/medical/claims/7/"
    assert sections.reference_link("nothing:3") == sections.ReferenceLink("nothing:3", None)
    assert sections.reference_link("relief:x") == sections.ReferenceLink("relief:x", None)
