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


class ApiEnvelopeMiddleware:
    """An /api/ answer is in the error envelope also where no operation gave it: a path that no
    route matches (``/api/v1/relief/-1``: Django's HTML 404 page) and a method its path does not
    take (django-ninja's plain-text 405). A script reads every error the same way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in (404, 405)
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _unrouted(response)
        return response


def _unrouted(response: HttpResponse) -> HttpResponse:
    if response.status_code == 404:
        code, message = "not_found", gettext("Not found.")
    else:
        code, message = "method_not_allowed", gettext("This method is not allowed here.")
    body = {"error": {"code": code, "message": message, "fields": {}}}
    answer = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=response.status_code, content_type="application/json"
    )
    if response.has_header("Allow"):
        answer["Allow"] = response["Allow"]
    return answer
