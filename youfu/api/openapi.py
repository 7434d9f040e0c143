"""The error answers of every operation, added to the OpenAPI document in one place.

Each operation lists the answers it can give besides success, all with the error envelope:
400 where it takes input, 401 and 403 where it needs a login (a role may not be enough),
404 where the path names an object, 409 where it changes something (a state that moved on,
a duplicate), and 413 where it takes a body (the body size limit).
"""

from __future__ import annotations

from typing import Any

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
    if "{" in path:
        statuses.append(404)
    if method in WRITE_METHODS and (authenticated or "{" in path):
        statuses.append(409)
    if "requestBody" in operation:
        statuses.append(413)
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
