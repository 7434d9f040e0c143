"""A small fixed-window rate limit on Django's cache (LocMemCache by default; use a
shared cache such as Redis when several web processes serve the site).

Used only against guessing receipt codes in the public lookup. Submitting a petition is
never rate-limited.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

# (attempts, seconds) per client IP and per receipt code.
DEFAULT_LIMITS = {"ip": (30, 3600), "code": (10, 3600)}


def _limits(kind: str) -> tuple[int, int]:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "YOUFU_PETITION_LOOKUP_LIMITS", {})}
    attempts, seconds = limits[kind]
    return int(attempts), int(seconds)


def _hit(kind: str, value: str) -> bool:
    """Count one attempt; True while the window's count is within the limit."""
    attempts, seconds = _limits(kind)
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"youfu:lookup:{kind}:{digest}"
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return True
    return count <= attempts


def lookup_allowed(ip: str | None, code: str) -> bool:
    # Count both even when the first is over: a guesser spreading codes over one IP and
    # one code over many IPs are both held back.
    by_ip = _hit("ip", ip or "-")
    by_code = _hit("code", code)
    return by_ip and by_code
