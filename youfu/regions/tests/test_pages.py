from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.regions.models import Region
from youfu.testing import World, log_in


@pytest.mark.django_db
class TestRegionPages:
    def test_a_township_clerk_sees_their_township_only(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        page = client.get("/regions/").content.decode()
        assert "城关镇" in page and "东岭镇" not in page and "青山县" not in page
        assert client.get(f"/regions/{world.township_b.code}/").status_code == 404

    def test_the_county_clerk_browses_down_to_villages(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        page = client.get(f"/regions/{world.township_a.code}/").content.decode()
        assert "柳湾村" in page

    def test_the_admin_imports_and_sees_row_errors(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        csv = (
            "code,name,parent_code,level\n"
            "341199102000,西河镇,341199000000,township\n"
            "341199102201,,341199102000,village\n"
        )
        response = client.post(
            "/regions/import/",
            {"file": SimpleUploadedFile("r.csv", csv.encode("gbk"))},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "A name is required." in response.content.decode()
        assert not Region.objects.filter(code="341199102000").exists()
        good = csv.replace(",,341199102000", ",杨庄村,341199102000")
        response = client.post("/regions/import/", {"file": SimpleUploadedFile("r.csv", good.encode("gbk"))})
        assert response.status_code == 302
        assert Region.objects.get(code="341199102201").name == "杨庄村"

    def test_clerks_cannot_import(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        assert client.get("/regions/import/").status_code == 403
