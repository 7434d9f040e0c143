from __future__ import annotations

import pytest
from django.conf import LazySettings

from youfu.testing import World, make_world


@pytest.fixture(autouse=True)
def _fast_hashing(settings: LazySettings) -> None:
    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings: LazySettings, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("files")


@pytest.fixture
def world(db: None) -> World:
    return make_world()
