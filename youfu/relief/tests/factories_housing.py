"""Housing test data, built through the housing services (they check, lock and audit)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from youfu.accounts.models import User
from youfu.regions.models import Region
from youfu.registry.models import Beneficiary, Household
from youfu.registry.tests.factories import register
from youfu.relief.housing import services
from youfu.relief.housing.models import HousingCase, HousingSurvey
from youfu.testing import World

SURVEYED = date(2025, 3, 3)


@pytest.fixture
def housing_media(settings: LazySettings, tmp_path: Path) -> Iterator[Path]:
    """Photos go to a fresh directory per test (use it by naming the fixture)."""
    root = tmp_path / "files"
    settings.MEDIA_ROOT = root
    yield root


def person(world: World, region: Region | None = None, **kwargs: Any) -> Beneficiary:
    return register(
        world.township_clerk if region is None else world.county_clerk, region or world.village_a, **kwargs
    )


def survey(
    world: World,
    who: Beneficiary,
    grade: str = "C",
    on: date = SURVEYED,
    by: User | None = None,
    note: str = "",
) -> HousingSurvey:
    return services.do_record_survey(
        who, grade=grade, surveyed_on=on, note=note, acting_user=by or world.county_clerk
    )


def case(
    world: World, who: Beneficiary, budget_fen: int = 3_000_000, kind: str = "repair", by: User | None = None
) -> HousingCase:
    return services.do_open_case(
        who, kind=kind, budget_fen=budget_fen, opened_on=SURVEYED, acting_user=by or world.township_clerk
    )


def approved_case(world: World, who: Beneficiary, budget_fen: int = 3_000_000, **kwargs: Any) -> HousingCase:
    opened = case(world, who, budget_fen, **kwargs)
    return services.do_approve_budget(opened, acting_user=world.leader, on=SURVEYED)


def same_home(*people: Beneficiary) -> Household:
    """Put ``people`` in one registry household (as an import of a household sheet would)."""
    household = Household.objects.create(region=people[0].region, address="柳湾村3组")
    Beneficiary.objects.filter(pk__in=[p.pk for p in people]).update(household=household)  # scope: test data
    for p in people:
        p.refresh_from_db()
    return household


def jpeg(width: int = 64, height: int = 48, *, exif: bytes | None = None, color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def png(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, format="PNG")
    return out.getvalue()


def gps_exif() -> bytes:
    """EXIF with a GPS position (31°13'N 121°28'E), the camera's make and a time."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0132] = "2025:03:03 10:00:00"  # DateTime
    gps = {1: "N", 2: (31.0, 13.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif.tobytes()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
