from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_schema_lists_the_petition_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/petitions",
        "/api/v1/petitions/{petition_id}",
        "/api/v1/petitions/{petition_id}/accept",
        "/api/v1/petitions/{petition_id}/review-request",
        "/api/v1/petitions/{petition_id}/rereview-reply",
        "/api/v1/petitions/{petition_id}/conclude",
        "/api/v1/public/petitions/{receipt_code}",
        "/api/v1/departments",
    ):
        assert path in paths, path
