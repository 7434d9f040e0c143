"""Survey photos: stored re-encoded from their pixels (no GPS, no EXIF, no other metadata), only
real JPEG/PNG images of bounded size and pixel count, served only to users in scope."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import InvalidInput
from youfu.relief.housing import services
from youfu.relief.housing.models import HousingPhoto
from youfu.relief.tests.factories_housing import (
    gps_exif,
    housing_media,
    jpeg,
    person,
    png,
    survey,
    upload,
)
from youfu.testing import World, api_get, bearer, log_in

__all__ = ["housing_media"]

pytestmark = pytest.mark.django_db


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def send(client: Client, world: World, survey_id: int, name: str, content: bytes) -> Any:
    return client.post(
        f"/api/v1/housing/surveys/{survey_id}/photos",
        {"file": upload(name, content)},
        **bearer(world.township_clerk),
    )


def png_bomb(side: int = 30_000) -> bytes:
    """A valid PNG header claiming side × side pixels, its data a few KB of deflated zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


class TestStripping:
    def test_gps_and_all_other_exif_are_gone(self, world: World, client: Client, housing_media: Path) -> None:
        original = jpeg(80, 60, exif=gps_exif())
        with Image.open(io.BytesIO(original)) as before:
            assert before.getexif().get_ifd(0x8825)  # the test photo does carry a position
            assert before.getexif()[0x010F] == "PhoneMaker"
        s = survey(world, person(world))
        response = send(client, world, s.pk, "house.JPG", original)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["content_type"] == "image/jpeg" and (body["width"], body["height"]) == (80, 60)
        photo = HousingPhoto.objects.get()  # scope: test
        stored = Path(photo.file.path).read_bytes()
        assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"GPS" not in stored
        with Image.open(io.BytesIO(stored)) as after:
            assert len(after.getexif()) == 0
            assert "exif" not in after.info and "icc_profile" not in after.info and "xmp" not in after.info
            assert after.size == (80, 60) and after.format == "JPEG"
        assert photo.original_name == "house.JPG" and "house" not in photo.file.name
        served = client.get(body["url"], **bearer(world.township_clerk))
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        assert b"".join(served.streaming_content) == stored  # type: ignore[attr-defined]
        assert AuditEvent.objects.filter(event_type=EventType.HOUSING_PHOTO_ADDED).count() == 1

    def test_png_text_chunks_are_gone_too(self, world: World, client: Client, housing_media: Path) -> None:
        info = PngInfo()
        info.add_text("Location", "31.2N 121.5E")
        out = io.BytesIO()
        Image.new("RGBA", (20, 20), (10, 20, 30, 128)).save(out, format="PNG", pnginfo=info)
        s = survey(world, person(world))
        assert send(client, world, s.pk, "a.png", out.getvalue()).status_code == 201
        stored = Path(HousingPhoto.objects.get().file.path).read_bytes()  # scope: test
        assert b"Location" not in stored and b"121.5E" not in stored
        with Image.open(io.BytesIO(stored)) as after:
            assert after.mode == "RGBA" and after.getpixel((1, 1)) == (10, 20, 30, 128)


class TestRefusals:
    @pytest.mark.parametrize(
        ("name", "content", "code"),
        [
            ("notes.jpg", b"just some text, not a photo", "photo_type"),
            ("fake.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "photo_type"),  # a JPEG's magic, no image
            ("doc.pdf", b"%PDF-1.4\n%\xe2\xe3\n", "photo_type"),
            ("cut.jpg", jpeg(200, 200)[:300], "photo_type"),  # truncated
            ("bomb.png", png_bomb(), "photo_too_many_pixels"),
            ("wide.png", png(12_001, 1), "photo_too_many_pixels"),
        ],
        ids=["text", "fake-jpeg", "pdf", "truncated", "bomb", "too-wide"],
    )
    def test_a_non_image_or_a_bomb_is_refused_with_nothing_stored(
        self, world: World, client: Client, housing_media: Path, name: str, content: bytes, code: str
    ) -> None:
        s = survey(world, person(world))
        response = send(client, world, s.pk, name, content)
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == code
        assert "file" in response.json()["error"]["fields"]
        assert not HousingPhoto.objects.exists()  # scope: test
        assert stored_files(housing_media) == []
        assert not AuditEvent.objects.filter(event_type=EventType.HOUSING_PHOTO_ADDED).exists()

    def test_the_bomb_is_small_on_disk(self) -> None:
        assert len(png_bomb()) < 200_000

    def test_a_file_too_large_is_refused(self, world: World, housing_media: Path) -> None:
        s = survey(world, person(world))
        big = upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))
        with pytest.raises(InvalidInput) as raised:
            services.do_add_photo(s, big, acting_user=world.township_clerk)
        assert raised.value.code == "photo_too_large"
        assert stored_files(housing_media) == []


class TestScope:
    def test_photos_are_served_only_in_scope(self, world: World, client: Client, housing_media: Path) -> None:
        s = survey(world, person(world))
        photo = services.do_add_photo(s, upload("h.jpg", jpeg()), acting_user=world.township_clerk)
        api = f"/api/v1/housing/surveys/{s.pk}/photos/{photo.pk}"
        page = f"/housing/surveys/{s.pk}/photos/{photo.pk}/"
        assert api_get(client, world.other_township_clerk, api).status_code == 404
        log_in(client, world.other_township_clerk)
        assert client.get(page).status_code == 404
        log_in(client, world.township_clerk)
        response = client.get(page)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        log_in(client, world.admin)  # the system admin reads no beneficiary's data
        assert client.get(page).status_code in (403, 404)

    def test_the_outsider_cannot_upload(self, world: World, client: Client, housing_media: Path) -> None:
        s = survey(world, person(world))
        response = client.post(
            f"/api/v1/housing/surveys/{s.pk}/photos",
            {"file": upload("h.jpg", jpeg())},
            **bearer(world.other_township_clerk),
        )
        assert response.status_code == 404
        assert stored_files(housing_media) == []
