"""The route walk's samples and payloads for grants's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from youfu.accounts.tests.walking import DAY, Write, api, nothing, page, upload
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.relief.grants import services
from youfu.relief.grants.models import ReliefDocument, ReliefGrant
from youfu.relief.tests.factories_grants import PDF, application
from youfu.testing import World

NAME = "柳湾王伤残"  # a disabled veteran of township A: eligible for relief


def walk_person(world: World) -> Beneficiary:
    found = Beneficiary.objects.filter(name=NAME).first()  # scope: test data
    if found is not None:
        return found
    return register(world.township_clerk, world.village_a, (Category.DISABLED_VETERAN,), name=NAME)


def walk_grant(world: World) -> ReliefGrant:
    """A pending application of township A's person, with a document."""
    person = walk_person(world)
    existing = ReliefGrant.objects.filter(beneficiary=person).order_by("pk").first()  # scope: test data
    if existing is not None:
        return existing
    document = SimpleUploadedFile("walk.pdf", PDF, content_type="application/pdf")
    return services.do_apply(
        person, application("1000.00", note="柳湾"), documents=[document], acting_user=world.village_assistant
    )


def walk_document(world: World) -> ReliefDocument:
    return ReliefDocument.objects.filter(grant=walk_grant(world)).get()  # scope: test data


SAMPLES: dict[str, Callable[[World], Any]] = {
    "relief_id": lambda w: walk_grant(w).pk,
    "relief_document_id": lambda w: walk_document(w).pk,
}

APPLICATION = {"reason": "illness", "amount": "900.00", "applied_on": DAY, "note": "外乡镇"}

WRITES: dict[tuple[str, str], Write] = {
    ("POST", "relief/<int:relief_id>/"): page(
        lambda w: [
            {"action": "approve", "note": "同意"},
            {"action": "return", "reason": "退回"},
            {"action": "cancel", "reason": "撤销"},
            {"action": "resubmit", **APPLICATION},
        ]
    ),
    ("POST", "relief/<int:relief_id>/documents/"): page(lambda w: {"documents": upload("b.pdf", PDF)}),
    ("POST", "api/v1/relief/<int:relief_id>/approve"): api(nothing),
    ("POST", "api/v1/relief/<int:relief_id>/return"): api(lambda w: {"reason": "退回"}),
    ("POST", "api/v1/relief/<int:relief_id>/cancel"): api(lambda w: {"reason": "撤销"}),
    ("POST", "api/v1/relief/<int:relief_id>/resubmit"): api(lambda w: APPLICATION),
    ("POST", "api/v1/relief/<int:relief_id>/documents"): page(lambda w: {"files": upload("b.pdf", PDF)}),
}

NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "relief/new/"): page(lambda w: {"person": walk_person(w).pk, **APPLICATION}),
    ("POST", "api/v1/relief"): api(lambda w: {"beneficiary": walk_person(w).pk, **APPLICATION}),
}
READ_ONLY: set[str] = set()
