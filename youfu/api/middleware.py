"""The API's answer to a body larger than any upload it takes: the error envelope (413),
before Django reads or spools a byte of it."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext


def too_large_response() -> HttpResponse:
    body = {
        "error": {
            "code": "too_large",
            "message": gettext("The request is larger than the server accepts; send less."),
            "fields": {},
        }
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=413, content_type="application/json")


class ApiBodyLimitMiddleware:
    """Refuse an /api/ request whose declared length exceeds ``YOUFU_MAX_REQUEST_BYTES``.

    Django limits form and JSON bodies (DATA_UPLOAD_MAX_MEMORY_SIZE, answered by the API's
    exception handler) but not uploaded files, which it would write to disk first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.YOUFU_MAX_REQUEST_BYTES:
                return too_large_response()
        return self.get_response(request)
