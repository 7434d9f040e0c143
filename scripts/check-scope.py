#!/usr/bin/env python3
"""Scope by default: no query of a personal-data model escapes region scope unnoticed.

Region scope is applied in one place (``Model.objects.visible_to(user)`` and
``get_visible_or_404``). This check makes forgetting it loud: it reads every module of
youfu and fails on each use of a personal-data model's manager (``Model.objects``,
``Model._default_manager``, ``Model._base_manager``) that is not immediately narrowed by
``.visible_to(user)`` (or emptied by ``.none()``), unless the module is trusted:

* services (``services.py``, ``services/*.py``) and selectors (``selectors.py``,
  ``selectors/*.py``): the two layers STYLE.md assigns to writes (checked by ``require``,
  audited) and to the scoped reads themselves;
* tests and migrations;
* any other module that says why it may read across regions with a module-level
  ``SCOPE_TRUSTED = "why"`` (the payment engine, the importer, management commands, the
  deadline worker, the demo generator).

A single query elsewhere can be let through with a ``# scope: <why>`` comment on a line of
its statement (e.g. re-reading a record the handler has just fetched in scope).

Personal-data models are found, not listed: every model class whose ``scope =
RegionScoped(...)`` keeps ``personal_data`` on, plus the child tables without a scope of
their own that ``EXTRA_PERSONAL`` names.

Run: ``scripts/check-scope.py [ROOT]`` (ROOT defaults to ``youfu``); exit 1 lists each use.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MANAGERS = {"objects", "_default_manager", "_base_manager"}
# Methods that keep a query inside scope (or empty) when called right on the manager.
SCOPED = {"visible_to", "none"}
# Functions that apply scope to the queryset given as their first argument.
SCOPING_CALLS = {"get_visible_or_404", "apply_scope"}
# Personal data in tables that reach their region only through a parent record.
EXTRA_PERSONAL = {
    "DisabilityAssessment",  # registry: a person's disability cause and level
    "Suspension",  # registry: why a person's benefit stopped
    "DeathPayee",  # registry: the survivor's name, masked ID and account
    "Notification",  # petitions: deadline notices naming a petition
}
MARKER = "SCOPE_TRUSTED"
LINE_PRAGMA = "# scope:"


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    model: str
    manager: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.model}.{self.manager} read with no user in scope"


def module_name(path: Path, root: Path) -> str:
    """``youfu/registry/models.py`` → ``youfu.registry.models`` (the package is root's name)."""
    return ".".join((root.name, *path.relative_to(root).with_suffix("").parts))


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = set(path.parts)
        if "tests" in parts or "migrations" in parts or path.name in {"conftest.py", "testing.py"}:
            continue
        yield path


def _is_region_scoped_personal(call: ast.expr) -> bool:
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name != "RegionScoped":
        return False
    for kw in call.keywords:
        if kw.arg == "personal_data" and isinstance(kw.value, ast.Constant) and kw.value.value is False:
            return False
    return True


def personal_models(root: Path) -> dict[str, str]:
    """Model class name → the module that defines it (``youfu.registry.models``)."""
    found: dict[str, str] = {}
    for path in root.rglob("*.py"):
        if "models" not in (path.stem, path.parent.name) or "migrations" in path.parts:
            continue
        module = module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            if node.name in EXTRA_PERSONAL:
                found[node.name] = module
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "scope" for t in stmt.targets)
                    and _is_region_scoped_personal(stmt.value)
                ):
                    found[node.name] = module
    return found


def _trusted_by_name(path: Path) -> bool:
    return path.stem in {"services", "selectors"} or path.parent.name in {"services", "selectors"}


def _trusted_by_marker(tree: ast.Module) -> bool:
    for node in tree.body:
        targets: list[ast.expr]
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == MARKER for t in targets):
            # The reason is the point: an empty one trusts nothing.
            return (
                isinstance(value, ast.Constant) and isinstance(value.value, str) and bool(value.value.strip())
            )
    return False


def _local_names(tree: ast.Module, models: dict[str, str], module: str) -> dict[str, str]:
    """Names in this module that stand for a personal-data model (imports and aliases,
    module objects such as ``from youfu.registry import models`` included as "module.")."""
    names: dict[str, str] = {}
    for name, home in models.items():
        if home == module:
            names[name] = name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in models and models[alias.name] == node.module:
                    names[local] = alias.name
                elif f"{node.module}.{alias.name}" in set(models.values()):
                    names[local] = f"{node.module}.{alias.name}."
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in set(models.values()):
                    names[alias.asname or alias.name] = alias.name + "."
    return names


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _model_of(node: ast.expr, names: dict[str, str], models: dict[str, str]) -> str | None:
    dotted = _dotted(node)
    if dotted is None:
        return None
    if dotted in names and not names[dotted].endswith("."):
        return names[dotted]
    head, _, last = dotted.rpartition(".")
    if head and last in models:
        module = names.get(head, head + ".")
        if module.endswith(".") and module[:-1] == models[last]:
            return last
    return None


def _scoped_chain(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the query built on this manager is narrowed to a user before it is used:
    ``.visible_to(user)`` (or ``.none()``) somewhere along its method chain, or the whole
    chain handed to ``get_visible_or_404`` / ``apply_scope`` as the queryset."""
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if parent.attr in SCOPED:
                return True
        elif isinstance(parent, ast.Call) and parent.func is node:
            pass
        elif isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
            name = _dotted(parent.func) or ""
            return name.rpartition(".")[2] in SCOPING_CALLS
        else:
            return False
        node = parent


def check_source(source: str, path: Path, models: dict[str, str], module: str = "") -> list[Finding]:
    tree = ast.parse(source, str(path))
    if _trusted_by_name(path) or _trusted_by_marker(tree):
        return []
    names = _local_names(tree, models, module)
    lines = source.splitlines()
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    findings = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in MANAGERS):
            continue
        model = _model_of(node.value, names, models)
        if model is None:
            continue
        if _scoped_chain(node, parents):
            continue
        statement: ast.AST = node
        while not isinstance(statement, ast.stmt) and statement in parents:
            statement = parents[statement]
        first, last = getattr(statement, "lineno", node.lineno), getattr(statement, "end_lineno", None)
        if any(LINE_PRAGMA in lines[n - 1] for n in range(first, (last or first) + 1)):
            continue
        findings.append(Finding(path, node.lineno, model, node.attr))
    return findings


def check(root: Path, files: Iterable[Path] | None = None) -> list[Finding]:
    models = personal_models(root)
    findings: list[Finding] = []
    for path in files if files is not None else python_files(root):
        findings.extend(check_source(path.read_text(encoding="utf-8"), path, models, module_name(path, root)))
    return sorted(findings, key=lambda f: (str(f.path), f.line))


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "youfu")
    findings = check(root)
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"{len(findings)} read(s) of personal data with no user in scope. Narrow each with "
            f"Model.objects.visible_to(user) or get_visible_or_404(queryset, user, ...), move it into a "
            f'service or selector, mark a trusted module with {MARKER} = "why", or end the line with '
            f'"{LINE_PRAGMA} why" (see scripts/check-scope.py).',
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
