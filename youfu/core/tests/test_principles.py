"""youfu serves people; it does not watch them (DESIGN.md, the principles; issue 15).

The bureau keeps a registry to pay and care for the people entitled to it, and handles
petitions because petitioning is a right (信访工作条例). So youfu keeps nothing whose purpose is
to follow a person or to treat a petitioner as a danger:

- no **location or movements** of a person: no GPS fix, latitude or longitude, no track,
  trajectory or whereabouts, no check-ins, no device or network position (an IP address is kept
  only in the audit record of what a user did, which GB/T 22239 asks for);
- no **watch-list**: no black-, block- or watch-list, no "key person" (重点人员) or suspect flag,
  no monitoring or surveillance field;
- no **risk or stability score** of a petitioner or a petition: no risk level, no 维稳 or 稳控
  rating, no danger or threat mark. A petition is measured by how well and how fast it is
  served, never by how troublesome its petitioner is thought to be.

This test walks every field of every model of youfu (its name, column, verbose name in both
languages, help text and choices) and the models' own names and tables, and fails on any that
reads as one of these. An address of residence, a region, a reception's place, a petitioner's
order on a petition are not location tracking: the few names that match by accident are
allowed below, each with its reason, and an allowance that no longer matches anything fails too,
so the list cannot grow stale. Adding to it is a decision to write down, not a way around the
rule: a field that tracks, lists or scores people does not belong in youfu whatever its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

# Word roots that mark tracking, watch-lists and scores, found anywhere in an English name.
ROOTS = (
    "locat",  # location, located, locator
    "gps",
    "latitud",
    "longitud",
    "whereabout",
    "track",
    "trajector",
    "movement",
    "trace",
    "checkin",
    "check_in",
    "surveil",
    "monitor",
    "watch",
    "blacklist",
    "blocklist",
    "denylist",
    "suspect",
    "keyperson",
    "key_person",
    "risk",
    "stabil",  # stability, stabilise, 维稳 in English
    "unstable",
    "danger",
    "threat",
)
# Short words that only count as a whole part of a name (``lat`` but not ``relation``).
WORDS = ("lat", "lng", "lon", "geo", "gis", "coords", "coordinates", "ip", "imei", "beacon")
# The same in the Chinese of the verbose names and choices.
CHINESE = (
    "维稳",
    "稳控",
    "稳定",
    "风险",
    "黑名单",
    "重点人员",
    "布控",
    "监控",
    "监视",
    "定位",
    "轨迹",
    "行踪",
    "位置",
    "经纬",
)

# (app_label.Model, field or "" for the model itself, the term matched) → why it is no tracking.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("audit.AuditEvent", "ip", "ip"): (
        "the address a user acted from, in the audit record of the act (GB/T 22239 §8.1.4.3); "
        "the public petition's is security.md's honest gap 9"
    ),
    ("relief.HousingSurvey", "grade", "danger"): (
        "a house's safety grade (危房 A–D, the housing authority's appraisal that decides a repair), "
        "about the building, not its occupant"
    ),
}


def _parts(identifier: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", identifier)
    return [part for part in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if part]


def forbidden_terms(text: str) -> set[str]:
    """The terms of ``text`` (a name, a label) that read as tracking, a watch-list or a score."""
    lowered = text.lower()
    found = {root for root in ROOTS if root in lowered}
    found |= {word for word in WORDS if word in _parts(text)}
    found |= {term for term in CHINESE if term in text}
    return found


def _texts(value: object) -> Iterator[str]:
    """A label as each language shows it (the English is the code's own)."""
    if not value:
        return
    for language in ("en", "zh-hans"):
        with translation.override(language):
            yield str(value)


def _field_texts(field: models.Field) -> Iterator[str]:  # type: ignore[type-arg]
    yield field.name
    yield str(field.column or "")
    yield from _texts(field.verbose_name)
    yield from _texts(field.help_text)
    for value, label in field.flatchoices or []:
        yield str(value)
        yield from _texts(label)


def youfu_models(registry: Apps = apps) -> list[type[models.Model]]:
    return [
        model
        for model in registry.get_models(include_auto_created=True)
        if model._meta.app_config is not None and model._meta.app_config.name.startswith("youfu.")
    ]


def findings(registry: Apps = apps) -> dict[tuple[str, str, str], str]:
    """Every (model, field, term) of youfu's schema that reads as tracking, listing or scoring."""
    found: dict[tuple[str, str, str], str] = {}
    for model in youfu_models(registry):
        meta = model._meta
        label = meta.label
        for text in (model.__name__, meta.db_table, *_texts(meta.verbose_name)):
            for term in forbidden_terms(text):
                found[(label, "", term)] = text
        for field in [*meta.local_fields, *meta.local_many_to_many]:
            for text in _field_texts(field):
                for term in forbidden_terms(text):
                    found[(label, field.name, term)] = text
    return found


def test_no_model_tracks_lists_or_scores_people() -> None:
    found = findings()
    refused = {key: text for key, text in found.items() if key not in ALLOWED}
    assert refused == {}, (
        "youfu keeps no location or movements of a person, no watch-list and no risk or stability "
        f"score (youfu/core/tests/test_principles.py): {refused}"
    )


def test_every_allowance_still_matches_something() -> None:
    stale = set(ALLOWED) - set(findings())
    assert stale == set(), f"remove the allowances that no longer match a field: {stale}"


def test_the_walk_sees_every_app() -> None:
    labels = {model._meta.app_label for model in youfu_models()}
    assert {
        "accounts",
        "audit",
        "registry",
        "benefits",
        "relief",
        "outreach",
        "petitions",
        "reports",
    } <= labels


def test_the_walk_finds_a_field_added_to_a_model() -> None:
    with isolate_apps("youfu.core") as registry:

        class Sighting(models.Model):  # noqa: DJ008 (never shown)
            place = models.CharField(max_length=100)
            last_seen_location = models.CharField(max_length=100)
            grade = models.CharField(max_length=1, choices=[("h", "高风险"), ("l", "低")])

            class Meta:
                app_label = "core"

        found = findings(registry)
    assert set(found) == {
        ("core.Sighting", "last_seen_location", "locat"),
        ("core.Sighting", "grade", "风险"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "last_known_location",
        "gps_fix",
        "home_lat",
        "currentLng",
        "whereabouts",
        "tracked_since",
        "movement_log",
        "on_watch_list",
        "WatchListEntry",
        "blacklisted",
        "is_key_person",
        "petition_risk_score",
        "stability_level",
        "threat_level",
        "维稳等级",
        "上访风险",
        "重点人员",
        "实时定位",
        "device_ip",
    ],
)
def test_it_would_catch(name: str) -> None:
    assert forbidden_terms(name), name


@pytest.mark.parametrize(
    "name",
    [
        "address",
        "region",
        "township",
        "place",
        "position",
        "relation",
        "translated_at",
        "recipient",
        "visited_on",
        "disability_level",
        "surgeon",
        "地址",
        "所属乡镇",
        "伤残等级",
    ],
)
def test_it_lets_an_ordinary_name_be(name: str) -> None:
    assert forbidden_terms(name) == set(), name
