"""The OpenAPI document: the error answers of every operation, added in one place, and one
component per schema class.

Each operation lists the answers it can give besides success, all with the error envelope:
400 where it takes input, 401 and 403 where it needs a login (a role may not be enough),
404 where the path or the input names an object (a person, a campaign, a region that does not
exist or lies outside the user's region), 409 where it changes something (a state that moved
on, a duplicate), and 413 where it takes a body (the body size limit). An operation that can
give another answer says so where it is declared, with ``openapi_extra=also_answers(...)``
(``youfu/core/errors.py``: the login's 401, the public lookup's 429).

django-ninja names a schema's component by its class name alone: two apps' ``SettingsOut``
would share one entry, the later describing both operations (a client generated from the
document then reads the benefits settings with the medical settings' fields). The classes
that share a name are given their module's name here (``benefits.api.SettingsOut``).
"""

from __future__ import annotations

import enum
import typing
from typing import TYPE_CHECKING, Any

from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from youfu.core.errors import API_ERRORS

if TYPE_CHECKING:
    from ninja import NinjaAPI
    from pydantic.json_schema import JsonSchemaMode

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "stable, e.g. invalid, not_found, conflict"},
                "message": {"type": "string", "description": "in the request's language"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "what is wrong with each field, by its name",
                },
            },
        }
    },
}

DESCRIPTIONS = {
    400: "The input is not valid; nothing changed.",
    401: "Not logged in: send a valid bearer token.",
    403: "The role or region may not do this.",
    404: "Not found, or outside the user's region.",
    409: "The object's state does not allow this now; nothing changed.",
    413: "The body is larger than the server accepts.",
    429: "Too many failed tries from this client; try again later.",
}

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    """The error answers an operation can give (see the module's docstring)."""
    statuses: list[int] = []
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    authenticated = bool(operation.get("security"))
    if has_input:
        statuses.append(400)
    if authenticated:
        statuses += [401, 403]
    if has_input:
        statuses.append(404)
    if method in WRITE_METHODS and (authenticated or "{" in path):
        statuses.append(409)
    if "requestBody" in operation:
        statuses.append(413)
    statuses += [s for s in operation.pop(API_ERRORS, []) if s not in statuses]
    return statuses


def add_error_responses(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITE_METHODS | {"get", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, path, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": DESCRIPTIONS[status], "content": reference}


# --- one component per schema class -------------------------------------------------------------


def _classes_in(annotation: Any, found: set[type]) -> None:
    """The models and enumerations an annotation reaches, through lists, unions and fields."""
    for argument in typing.get_args(annotation):
        _classes_in(argument, found)
    if not isinstance(annotation, type) or annotation in found:
        return
    if issubclass(annotation, enum.Enum):
        found.add(annotation)
    elif issubclass(annotation, BaseModel):
        found.add(annotation)
        for field in annotation.model_fields.values():
            _classes_in(field.annotation, found)


def _reached(model: Any) -> set[type]:
    found: set[type] = set()
    _classes_in(model, found)
    return found


def component_name(cls: type) -> str:
    return f"{cls.__module__.removeprefix('youfu.')}.{cls.__qualname__}"


def _renamed_refs(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.removeprefix("#/components/schemas/")
            if name in renames:
                value = {**value, "$ref": REF_TEMPLATE.format(model=renames[name])}
        return {key: _renamed_refs(item, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed_refs(item, renames) for item in value]
    return value


class Document(OpenAPISchema):
    """ninja's document, but a schema class whose name another class of the API shares is
    named by its module, and so keeps its own component."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        classes: set[type] = set()
        for bound in api._get_bound_routers():
            for path_view in bound.path_operations.values():
                for operation in path_view.operations:
                    for model in [*operation.models, *operation.response_models.values()]:
                        classes |= _reached(model)
        # Two classes made alike at run time (a page of the same items for two lists) are one.
        names: dict[str, set[str]] = {}
        for cls in classes:
            names.setdefault(cls.__name__, set()).add(component_name(cls))
        self.shared = {name for name, owners in names.items() if len(owners) > 1}
        super().__init__(api, path_prefix)

    def _create_schema_from_model(
        self,
        model: Any,
        by_alias: bool = True,
        remove_level: bool = True,
        mode: JsonSchemaMode = "validation",
    ) -> tuple[dict[str, Any], bool]:
        if hasattr(model, "__ninja_flatten_map__"):
            return super()._create_schema_from_model(model, by_alias, remove_level, mode)
        schema = model.model_json_schema(
            ref_template=REF_TEMPLATE, by_alias=by_alias, schema_generator=NinjaGenerateJsonSchema, mode=mode
        )
        # Within one model pydantic tells same-named classes apart itself; across the
        # operations only the class of each plain name this model reaches can be meant.
        owners: dict[str, list[type]] = {}
        for cls in _reached(model):
            owners.setdefault(cls.__name__, []).append(cls)
        renames = {
            name: component_name(found[0])
            for name, found in owners.items()
            if name in self.shared and len(found) == 1
        }
        schema = _renamed_refs(schema, renames)
        definitions = schema.pop("$defs", {})
        if definitions:
            self.add_schema_definitions({renames.get(name, name): body for name, body in definitions.items()})
        if remove_level and len(schema["properties"]) == 1:
            name, details = next(iter(schema["properties"].items()))
            return details, name in schema.get("required", {})
        return schema, True
