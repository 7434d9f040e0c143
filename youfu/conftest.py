from __future__ import annotations

import pytest
from django.conf import LazySettings

from youfu.testing import World, make_world


@pytest.fixture(autouse=True)
def _fast_hashing(settings: LazySettings) -> None:
    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()
