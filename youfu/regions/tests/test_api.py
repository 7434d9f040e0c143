"""/api/v1/regions over HTTP."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.regions.models import Region
from youfu.testing import TOWNSHIP_A, World, bearer

pytestmark = pytest.mark.django_db


def test_the_admin_imports_regions_through_the_api(world: World, client: Client) -> None:
    # /imports is matched before /{code}, whose GET-only view answered this POST with 405.
    data = f"code,name,parent_code,level\n341199102000,西河镇,{world.county.code},township\n".encode()
    response = client.post(
        "/api/v1/regions/imports",
        {"file": SimpleUploadedFile("regions.csv", data, "text/csv")},
        **bearer(world.admin),
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert Region.objects.get(code="341199102000").name == "西河镇"


def test_a_region_is_still_read_by_its_code(world: World, client: Client) -> None:
    response = client.get(f"/api/v1/regions/{TOWNSHIP_A}", **bearer(world.county_clerk))
    assert response.status_code == 200
    assert response.json()["name"] == "城关镇"
