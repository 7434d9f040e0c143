"""docs/security.md stays true to the repository: every path it names in backticks exists, and
every test it names as a pytest node id (``youfu/…/test_x.py::test_y`` or
``youfu/…/test_x.py::TestClass::test_y``) is defined in that file, so an assessor can run it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import youfu

ROOT = Path(youfu.__file__).resolve().parent.parent
SECURITY = ROOT / "docs" / "security.md"

# A path in backticks, optionally followed by ::Class::test or ::test.
NAMED = re.compile(r"`((?:youfu|docs|bench|scripts)/[\w./-]+?)((?:::\w+)*)`")


def named(text: str) -> list[tuple[str, list[str]]]:
    """(path, node-id parts after the path) for each backticked path in ``text``."""
    return [(path, [part for part in rest.split("::") if part]) for path, rest in NAMED.findall(text)]


def _defined(tree: ast.Module, parts: list[str]) -> bool:
    """Whether ``parts`` (a class chain ending in a function, or a function) is defined."""
    body: list[ast.stmt] = tree.body
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        kinds: tuple[type, ...] = (ast.FunctionDef, ast.AsyncFunctionDef) if last else (ast.ClassDef,)
        found = next((node for node in body if isinstance(node, kinds) and node.name == part), None)
        if found is None:
            return False
        if not last:
            assert isinstance(found, ast.ClassDef)
            body = found.body
    return True


def wrong_names(text: str, root: Path) -> list[str]:
    """What ``text`` names that ``root`` does not hold."""
    wrong = []
    trees: dict[str, ast.Module] = {}
    for path, parts in named(text):
        target = root / path
        if not target.exists():
            wrong.append(f"{path}: no such file")
            continue
        if not parts:
            continue
        if target.suffix != ".py":
            wrong.append(f"{path}::{'::'.join(parts)}: not a Python file")
            continue
        tree = trees.setdefault(path, ast.parse(target.read_text(encoding="utf-8")))
        if not _defined(tree, parts):
            wrong.append(f"{path}::{'::'.join(parts)}: not defined there")
    return wrong


def test_every_path_and_test_the_security_page_names_exists() -> None:
    text = SECURITY.read_text(encoding="utf-8")
    names = named(text)
    assert len([parts for _, parts in names if parts]) >= 80  # the page maps duties to tests
    assert ("youfu/core/scope.py", []) in names
    assert wrong_names(text, ROOT) == []


def test_it_finds_a_missing_file_a_missing_test_and_a_test_in_the_wrong_class(tmp_path: Path) -> None:
    tests = tmp_path / "youfu" / "x" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text(
        "def test_top() -> None: ...\n\nclass TestK:\n    def test_inner(self) -> None: ...\n",
        encoding="utf-8",
    )
    good = "`youfu/x/tests/test_a.py::test_top`, `youfu/x/tests/test_a.py::TestK::test_inner`, `youfu/x/`"
    assert wrong_names(good, tmp_path) == []
    bad = (
        "`youfu/x/tests/test_b.py`, `youfu/x/tests/test_a.py::test_gone`, "
        "`youfu/x/tests/test_a.py::test_inner`, `youfu/x/tests/test_a.py::TestK::test_top`"
    )
    assert wrong_names(bad, tmp_path) == [
        "youfu/x/tests/test_b.py: no such file",
        "youfu/x/tests/test_a.py::test_gone: not defined there",
        "youfu/x/tests/test_a.py::test_inner: not defined there",
        "youfu/x/tests/test_a.py::TestK::test_top: not defined there",
    ]
