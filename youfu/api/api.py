"""The /api/v1 router: authentication, the error envelope and the OpenAPI schema.

django-ninja rather than DRF: the schemas are typed Pydantic models that mypy checks,
the OpenAPI 3 document is generated from the same code that validates input, and a
router per app keeps each app's API beside its services.
"""

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from youfu.accounts.api import router as accounts_router
from youfu.accounts.api_departments import router as departments_router
from youfu.api.auth import API_AUTH
from youfu.api.openapi import Document, add_error_responses
from youfu.api.validation import field_message
from youfu.audit.api import router as audit_router
from youfu.benefits.api import router as benefits_router
from youfu.core.errors import YoufuError
from youfu.outreach.needs.api import router as needs_router
from youfu.outreach.pairing.api import router as pairing_router
from youfu.outreach.visits.api import router as visits_router
from youfu.petitions.api import router as petitions_router
from youfu.petitions.api_public import router as public_router
from youfu.regions.api import router as regions_router
from youfu.registry.api_import import router as registry_import_router
from youfu.registry.api_people import router as beneficiaries_router
from youfu.relief.discoveries.api import router as discoveries_router
from youfu.relief.grants.api import router as relief_router
from youfu.relief.housing.api import router as housing_router
from youfu.relief.medical.api import router as medical_router
from youfu.reports.api import router as reports_router


class YoufuAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = Document(self, path_prefix)
        add_error_responses(schema)
        return schema


api = YoufuAPI(
    title="youfu API",
    version="1",
    description="优抚 — registry, benefits, relief and petitions. Errors: "
    '{"error": {"code", "message", "fields"}}; lists: {"count", "results"}.',
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=API_AUTH,
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@api.exception_handler(YoufuError)
def on_youfu_error(request: HttpRequest, exc: YoufuError) -> HttpResponse:
    return api.create_response(request, exc.envelope(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    # A union (an id or a name) fails once per member: the member of the value's own type
    # says what is wrong, "should be a valid string" for an integer says nothing.
    errors = sorted(exc.errors, key=lambda e: str(e.get("type", "")).endswith("_type"))
    for error in errors:
        loc = [str(p) for p in error.get("loc", []) if p not in _LOC_NOISE and not _UNION_TAG.search(str(p))]
        fields.setdefault(".".join(loc) or "_", field_message(error))
    return error_response(request, 400, "invalid", gettext("The request is not valid."), fields)


_LOC_NOISE = frozenset({"body", "query", "path", "payload"})
# Pydantic names a union's member in the error's location: "constrained-int", "str",
# "function-after[...]", "PetitionerIn". Field names are lower-case words.
_UNION_TAG = re.compile(r"^(constrained-)?(int|str|float|bool|decimal|date|list|dict|none)$|[\[\]]|^[A-Z]")


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def on_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Django's own answer is an HTML 400 page; a script needs the envelope.
    return error_response(
        request, 413, "too_large", gettext("The request is larger than the server accepts; send less.")
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "not_authenticated", gettext("Log in first: send a valid bearer token.")
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", gettext("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def on_forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", gettext("You may not do this."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "invalid",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        429: "too_many_requests",
    }
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


# This package only assembles: each app keeps its router beside its services, and a new area
# plugs in with one import and one line here (the layers check keeps apps from importing api).
api.add_router("/", accounts_router)
api.add_router("/regions", regions_router)
api.add_router("/audit", audit_router)
api.add_router("/beneficiaries", beneficiaries_router)
api.add_router("/registry", registry_import_router)
api.add_router("/departments", departments_router)
api.add_router("/", benefits_router)
api.add_router("/petitions", petitions_router)
api.add_router("/public", public_router)
api.add_router("/relief", relief_router)
api.add_router("/medical", medical_router)
api.add_router("/housing", housing_router)
api.add_router("/discoveries", discoveries_router)
api.add_router("/pairings", pairing_router)
api.add_router("/visits", visits_router)
api.add_router("/needs-checks", needs_router)
api.add_router("/reports", reports_router)
