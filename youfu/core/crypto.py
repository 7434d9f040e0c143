"""Personal data at rest: encryption and blind indexes, keyed from ``YOUFU_DATA_KEY``.

Encryption is Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``). Exact-match
lookups use a blind index: an HMAC-SHA256 of the normalized value under a separate
derived key, so equal values can be found without storing them readable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


def _derive(purpose: bytes) -> bytes:
    return hashlib.sha256(b"youfu\x00" + purpose + b"\x00" + settings.YOUFU_DATA_KEY.encode()).digest()


@lru_cache(maxsize=4)
def _fernet(data_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"encryption")))


@lru_cache(maxsize=4)
def _index_key(data_key: str) -> bytes:
    return _derive(b"blind-index")


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.YOUFU_DATA_KEY).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _fernet(settings.YOUFU_DATA_KEY).decrypt(token.encode("ascii")).decode()


def blind_index(value: str, purpose: str = "id_number") -> str:
    key = _index_key(settings.YOUFU_DATA_KEY)
    return hmac.new(key, purpose.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()
