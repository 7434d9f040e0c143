"""The application's errors. One hierarchy, mapped once for the API, once for the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_noop

from youfu.core.messages import Message


class YoufuError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Message | str,
        *,
        code: str | None = None,
        fields: Mapping[str, Message | str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message if isinstance(message, Message) else Message(message, params or {})
        if code is not None:
            self.code = code
        self.fields: dict[str, Message] = {
            k: v if isinstance(v, Message) else Message(v) for k, v in (fields or {}).items()
        }
        super().__init__(self.message.en)

    def envelope(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": str(self.message),
                "fields": {k: str(v) for k, v in self.fields.items()},
            }
        }


# The key of an API operation's ``openapi_extra`` that lists the error answers the OpenAPI
# document's rules (``youfu/api/openapi.py``) cannot infer from the operation itself.
API_ERRORS = "x-youfu-errors"


def also_answers(*statuses: int) -> dict[str, Any]:
    """``openapi_extra`` for an operation that can also answer ``statuses`` (in the envelope)."""
    return {API_ERRORS: list(statuses)}


class InvalidInput(YoufuError):
    status = 400
    code = "invalid"


class NotAuthenticated(YoufuError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(YoufuError, DjangoPermissionDenied):
    """A role may not do this. Also Django's own, so that a page whose service refuses answers
    403 wherever the view does not catch it, as the API does, never a 500."""

    status = 403
    code = "forbidden"

    def __init__(self, message: Message | str | None = None, **kwargs: Any) -> None:
        super().__init__(message or Message(gettext_noop("You may not do this.")), **kwargs)


class NotFound(YoufuError):
    status = 404
    code = "not_found"

    def __init__(self, message: Message | str | None = None, **kwargs: Any) -> None:
        super().__init__(message or Message(gettext_noop("Not found.")), **kwargs)


class Conflict(YoufuError):
    status = 409
    code = "conflict"
