"""Limits of the public status lookup against guessing a phone tail, on Django's cache
(LocMemCache by default; use a shared cache such as Redis when several web processes
serve the site). Submitting a petition is never limited.

A receipt code carries 60 random bits and cannot be guessed; the phone's last four digits
can, by someone who has seen the code (10,000 tails). So failed tries are counted — per
client, per code, and per client and code — in fixed windows, and a client is held back
only on a code it has itself failed on:

- once it has failed ``ip`` times in its window, whatever the codes (one client cannot go
  on guessing), or
- once it has failed ``ip_code`` times on the code, when the code has had ``code`` failures
  in its window from all clients together (someone is guessing at it: many clients together
  get only ``ip_code`` tries each, so they are stopped long before they could walk through
  the tails).

A client that has not failed on a code is always answered on it: the right code and phone
pair is not refused because of somebody else's tries (somebody behind the same address who
guessed at other codes included), so nobody can lock a petitioner out of their own matter.
The one case that cannot be told apart is somebody behind the very same address guessing at
that very code. Successful lookups and refused tries are not counted.

A client is its IP address; an IPv6 address counts with its whole /64, which one household
or one attacker holds.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache

# (failures, seconds of the window) per client, per code, and per client on one code.
DEFAULT_LIMITS = {"ip": (30, 3600), "code": (10, 3600), "ip_code": (2, 3600)}


def _limits(kind: str) -> tuple[int, int]:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "YOUFU_PETITION_LOOKUP_LIMITS", {})}
    attempts, seconds = limits[kind]
    return int(attempts), int(seconds)


def client_of(ip: str | None) -> str:
    """Who counts as one client: the IPv4 address, or the IPv6 /64."""
    if not ip:
        return "-"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _keys(ip: str | None, code: str) -> dict[str, str]:
    client = client_of(ip)
    values = {"ip": client, "code": code, "ip_code": f"{client}|{code}"}
    # Hashed: neither an address nor a code is kept in the cache in clear.
    return {
        kind: f"youfu:lookup:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
        for kind, value in values.items()
    }


def lookup_refused(ip: str | None, code: str) -> bool:
    """Whether this client is held back on this code (see the module's rules)."""
    keys = _keys(ip, code)
    counts = cache.get_many(list(keys.values()))
    failed = {kind: int(counts.get(key, 0)) for kind, key in keys.items()}
    if failed["ip_code"] == 0:
        return False
    if failed["ip"] >= _limits("ip")[0]:
        return True
    return failed["code"] >= _limits("code")[0] and failed["ip_code"] >= _limits("ip_code")[0]


def record_failure(ip: str | None, code: str) -> None:
    """Count one failed try (a wrong pair or an unknown code: counted alike)."""
    for kind, key in _keys(ip, code).items():
        seconds = _limits(kind)[1]
        if cache.add(key, 1, timeout=seconds):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds)
