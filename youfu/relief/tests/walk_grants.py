"""The route walk's samples and payloads for grants's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from youfu.accounts.tests.walking import DAY, STAFF, Access, Write, acl, api, nothing, page, upload
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


def returned_grant(world: World) -> ReliefGrant:
    """A second application of the same person, returned to the village: to resubmit or cancel."""
    person = walk_person(world)
    found = ReliefGrant.objects.filter(beneficiary=person, note="退回样本").first()  # scope: test data
    if found is not None:
        return found
    document = SimpleUploadedFile("walk.pdf", PDF, content_type="application/pdf")
    grant = services.do_apply(
        person,
        application("500.00", note="退回样本"),
        documents=[document],
        acting_user=world.village_assistant,
    )
    return services.do_return(grant, reason="材料不全", acting_user=world.township_clerk)


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
            {"action": "cancel", "reason": "撤销", "@relief_id": returned_grant(w).pk},
            {"action": "resubmit", **APPLICATION, "@relief_id": returned_grant(w).pk},
        ]
    ),
    ("POST", "relief/<int:relief_id>/documents/"): page(lambda w: {"documents": upload("b.pdf", PDF)}),
    ("POST", "api/v1/relief/<int:relief_id>/approve"): api(nothing),
    ("POST", "api/v1/relief/<int:relief_id>/return"): api(lambda w: {"reason": "退回"}),
    ("POST", "api/v1/relief/<int:relief_id>/cancel"): api(
        lambda w: {"reason": "撤销", "@relief_id": returned_grant(w).pk}
    ),
    ("POST", "api/v1/relief/<int:relief_id>/resubmit"): api(
        lambda w: {**APPLICATION, "@relief_id": returned_grant(w).pk}
    ),
    ("POST", "api/v1/relief/<int:relief_id>/documents"): page(lambda w: {"files": upload("b.pdf", PDF)}),
}

NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "relief/new/"): page(lambda w: {"person": walk_person(w).pk, **APPLICATION}),
    ("POST", "api/v1/relief"): api(lambda w: {"beneficiary": walk_person(w).pk, **APPLICATION}),
}
READ_ONLY: set[str] = {"relief/"}
SETTINGS = {"case_cap": "5000", "year_cap": "10000", "leader_above": "3000"}
WRITES.update(
    {
        ("POST", "relief/settings/"): page(lambda w: {**SETTINGS, "categories": ["disabled_veteran"]}),
        ("POST", "api/v1/relief/settings"): api(lambda w: {**SETTINGS, "categories": ["disabled_veteran"]}),
    }
)

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "relief/": acl(get=STAFF, post=STAFF),
    "relief/export.xlsx": acl(get=STAFF),
    "relief/new/": acl(get="ctv", post="ctv"),
    "relief/settings/": acl(get=STAFF, post="l"),  # the care settings are a leader's
    "relief/<int:relief_id>/": acl(
        get="cltv", post={"approve": "t", "return": "t", "cancel": "cvl", "resubmit": "v"}
    ),
    "relief/<int:relief_id>/documents/": acl(post="ctv"),
    "relief/<int:relief_id>/documents/<int:relief_document_id>/": acl(get="cltv"),
    "api/v1/relief": acl(get=STAFF, post="ctv"),
    "api/v1/relief/<int:relief_id>": acl(get="cltv"),
    "api/v1/relief/<int:relief_id>/approve": acl(post="t"),
    "api/v1/relief/<int:relief_id>/return": acl(post="t"),
    "api/v1/relief/<int:relief_id>/resubmit": acl(post="v"),  # the village that applied
    "api/v1/relief/<int:relief_id>/cancel": acl(post="cvl"),  # who submitted it, or the county
    "api/v1/relief/<int:relief_id>/documents": acl(post="ctv"),
    "api/v1/relief/settings": acl(get=STAFF, post="l"),
}
