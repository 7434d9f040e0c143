"""scripts/check-scope.py: a read of personal data with no user in scope fails `make test`.

The checker runs on the real tree (so the plain test run enforces it too) and on small
made-up packages that show each way a query may or may not pass."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[3]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_scope", REPO / "scripts" / "check-scope.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_scope"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


check_scope = _load()

MODELS = """
from youfu.core.scope import RegionScoped

class Person(models.Model):
    scope = RegionScoped(code_path="region__code")

class Place(models.Model):
    scope = RegionScoped(code_path="code", personal_data=False)

class Suspension(models.Model):
    pass
"""


def _findings(tmp_path: Path, files: dict[str, str]) -> list[str]:
    root = tmp_path / "youfu"
    for name, text in {"registry/models.py": MODELS, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return [f"{f.path.relative_to(root)}:{f.line}:{f.model}" for f in check_scope.check(root)]


def test_the_tree_reads_no_personal_data_outside_scope() -> None:
    findings = check_scope.check(REPO / "youfu")
    assert [str(f) for f in findings] == []


def test_the_personal_data_models_are_found_not_listed() -> None:
    models = check_scope.personal_models(REPO / "youfu")
    for name in ("Beneficiary", "Qualification", "LifeEvent", "Household", "Petition", "Petitioner"):
        assert name in models
    for name in ("BatchLine", "BatchItem", "Recovery", "AnnualReview", "ReviewItem", "Attachment"):
        assert name in models
    for name in ("Region", "Department", "User", "AuditEvent", "LocalTopUp", "ReceptionDay"):
        assert name not in models


def test_a_view_that_forgets_scope_is_reported(tmp_path: Path) -> None:
    view = """
    from youfu.registry.models import Person, Place
    from youfu.registry.models import Person as P
    from youfu.registry import models
    import youfu.registry.models

    def page(request, pk):
        Place.objects.get(pk=pk)  # not personal data
        a = Person.objects.filter(pk=pk)
        b = P.objects.all()
        c = models.Person._default_manager.get(pk=pk)
        d = youfu.registry.models.Person.objects.count()
        e = models.Suspension.objects.all()
        f = Person.objects.select_related("region")
        return get_visible_or_404(f, request.user, pk=pk)  # scope applied too late for the checker
    """
    assert _findings(tmp_path, {"registry/views.py": view}) == [
        "registry/views.py:9:Person",
        "registry/views.py:10:Person",
        "registry/views.py:11:Person",
        "registry/views.py:12:Person",
        "registry/views.py:13:Suspension",
        "registry/views.py:14:Person",
    ]


def test_scoped_queries_pass(tmp_path: Path) -> None:
    view = """
    from youfu.registry.models import Person

    def page(request, pk):
        a = Person.objects.visible_to(request.user).get(pk=pk)
        b = Person.objects.select_related("region").visible_to(request.user)
        c = get_visible_or_404(Person.objects.select_related("region"), request.user, pk=pk)
        d = scope.apply_scope(Person.objects.all(), request.user)
        e = Person.objects.none()
        f = Person.objects.filter(receipt=pk).first()  # scope: the public receipt lookup has a secret code
        g = show(  # scope: re-reads the record fetched in scope above
            Person.objects.get(pk=a.pk)
        )
        return a, b, c, d, e, f, g
    """
    assert _findings(tmp_path, {"registry/views.py": view}) == []


def test_services_selectors_and_marked_modules_are_trusted(tmp_path: Path) -> None:
    query = """
    from youfu.registry.models import Person

    def run():
        return Person.objects.all()
    """
    marked = 'SCOPE_TRUSTED = "the engine computes a whole county"\n' + textwrap.dedent(query)
    files = {
        "registry/services.py": query,
        "registry/selectors.py": query,
        "petitions/services/intake.py": query,
        "benefits/engine.py": marked,
        "registry/tests/test_x.py": query,
        "registry/migrations/0002_x.py": query,
    }
    assert _findings(tmp_path, files) == []


def test_a_marker_without_a_reason_trusts_nothing(tmp_path: Path) -> None:
    view = """
    SCOPE_TRUSTED = " "
    from youfu.registry.models import Person

    def run():
        return Person.objects.all()
    """
    assert _findings(tmp_path, {"benefits/engine.py": view}) == ["benefits/engine.py:6:Person"]


def test_the_command_fails_with_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _findings(
        tmp_path, {"registry/views.py": "from youfu.registry.models import Person\nPerson.objects.all()\n"}
    )
    assert check_scope.main(["check-scope.py", str(tmp_path / "youfu")]) == 1
    out, err = capsys.readouterr()
    assert "registry/views.py:2: Person.objects read with no user in scope" in out
    assert "visible_to(user)" in err
    assert check_scope.main(["check-scope.py", str(REPO / "youfu")]) == 0
