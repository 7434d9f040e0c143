"""The OpenAPI document describes each operation's own schemas and answers."""

from __future__ import annotations

from typing import Any

from youfu.api.api import api


def _document() -> dict[str, Any]:
    return dict(api.get_openapi_schema())


def _answer(document: dict[str, Any], method: str, path: str, status: int = 200) -> dict[str, Any]:
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    name = schema["$ref"].removeprefix("#/components/schemas/")
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def test_classes_that_share_a_name_keep_their_own_schemas() -> None:
    # benefits, relief and medical each have a SettingsOut: each operation names its own.
    document = _document()
    assert "payments_start" in _answer(document, "get", "/api/v1/benefit-settings")["properties"]
    assert "case_cap" in _answer(document, "get", "/api/v1/relief/settings")["properties"]
    assert "target" in _answer(document, "get", "/api/v1/medical/settings")["properties"]
    assert "townships" in _answer(document, "get", "/api/v1/medical/totals")["properties"]


def test_a_shared_name_is_qualified_by_its_module_and_a_unique_one_is_not() -> None:
    components = _document()["components"]["schemas"]
    assert "benefits.api.SettingsOut" in components and "SettingsOut" not in components
    assert "PublicPetitionOut" in components


def test_answers_the_rules_cannot_infer_are_declared_with_the_operation() -> None:
    paths = _document()["paths"]
    assert 401 in paths["/api/v1/auth/token"]["post"]["responses"]  # a failed login
    assert 429 in paths["/api/v1/public/petitions/{receipt_code}"]["get"]["responses"]
    # The extension is turned into answers, not left in the document.
    assert "x-youfu-errors" not in paths["/api/v1/auth/token"]["post"]


def test_an_operation_whose_input_names_records_may_answer_404() -> None:
    paths = _document()["paths"]
    assert 404 in paths["/api/v1/medical/claims"]["post"]["responses"]  # an unknown beneficiary
    assert 404 not in paths["/api/v1/me"]["get"]["responses"]
