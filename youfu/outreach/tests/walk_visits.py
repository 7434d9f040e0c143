"""The route walk's samples and payloads for visits's routes (see youfu/accounts/tests/walking.py).

The sample campaign is county-wide (``Shared``): township B's clerk may open it, but must see and
record none of township A's targets in it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from youfu.accounts.tests.walking import STAFF, Access, Shared, Write, acl, api, page, person_a
from youfu.outreach.tests.factories_visits import campaign, person, visit
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.registry.categories import Category
from youfu.testing import World

WALK_CAMPAIGN = "全县走访"


def walk_campaign(world: World) -> VisitCampaign:
    found = VisitCampaign.objects.filter(name=WALK_CAMPAIGN).first()  # scope: the walk's own sample
    if found is None:
        # A second person of township A, not yet visited: the one the write walk tries to record.
        person(world, name="柳湾赵六")
        found = campaign(world, name=WALK_CAMPAIGN)
    return found


def walk_visit(world: World) -> Visit:
    c = walk_campaign(world)
    found = Visit.objects.filter(
        target__campaign=c, target__beneficiary_id=person_a(world)
    ).first()  # scope: test
    return found or visit(world, c, c.targets.get(beneficiary_id=person_a(world)).beneficiary)


def target_to_record(world: World) -> int:
    c = walk_campaign(world)
    return int(
        VisitTarget.objects.get(campaign=c, beneficiary__name="柳湾赵六").pk
    )  # scope: the walk's sample


def today() -> str:
    return timezone.localdate().isoformat()


SAMPLES: dict[str, Callable[[World], Any]] = {
    "campaign_id": Shared(lambda w: walk_campaign(w).pk),
    "visit_id": lambda w: walk_visit(w).pk,
}
WRITES: dict[tuple[str, str], Write] = {
    ("POST", "visits/<int:campaign_id>/change/"): page(
        lambda w: {"name": "改名", "ends_on": (timezone.localdate() + timedelta(days=40)).isoformat()}
    ),
    ("PATCH", "api/v1/visits/campaigns/<campaign_id>"): api(
        lambda w: {"name": "改名", "ends_on": (timezone.localdate() + timedelta(days=40)).isoformat()}
    ),
}
# The county's campaign, and a target of township A in it.
RECORD_IN_A: dict[tuple[str, str], Write] = {
    ("POST", "visits/<int:campaign_id>/record/"): page(
        lambda w: {
            "target": target_to_record(w),
            "visited_on": today(),
            "visitors": "东岭王五",
            "money": "500",
            "goods": "米一袋",
        }
    ),
}


def _campaign_in_township_a(w: World) -> dict[str, Any]:
    """A new campaign for township A, on the page's form and through the API alike."""
    return {
        "name": "八一走访",
        "starts_on": today(),
        "ends_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "categories": [Category.WAR_PARTICIPANT],
        "region": w.township_a.code,
    }


NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    **RECORD_IN_A,
    ("POST", "visits/new/"): page(_campaign_in_township_a),
    ("POST", "api/v1/visits/campaigns"): api(_campaign_in_township_a),
    ("POST", "api/v1/visits"): api(
        lambda w: {
            "campaign": walk_campaign(w).pk,
            "beneficiary": VisitTarget.objects.get(pk=target_to_record(w)).beneficiary_id,  # scope: sample
            "visited_on": today(),
            "visitors": "东岭王五",
            "money": "500.00",
        }
    ),
}
READ_ONLY: set[str] = set()

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "visits/": acl(get=STAFF),
    "visits/campaigns.xlsx": acl(get=STAFF),
    "visits/new/": acl(get="ct", post="ct"),
    "visits/<int:campaign_id>/": acl(get="cltv"),
    "visits/<int:campaign_id>/change/": acl(get="c", post="c"),
    "visits/<int:campaign_id>/record/": acl(get="ctv", post="ctv"),
    "visits/<int:campaign_id>/not-visited.xlsx": acl(get="cltv"),
    "visits/<int:campaign_id>/visits.xlsx": acl(get="cltv"),
    "api/v1/visits/campaigns": acl(get=STAFF, post="ct"),
    "api/v1/visits/campaigns/<campaign_id>": acl(get="cltv", patch="c"),
    "api/v1/visits/campaigns/<campaign_id>/not-visited": acl(get="cltv"),
    "api/v1/visits/campaigns/<campaign_id>/visits": acl(get="cltv"),
    "api/v1/visits": acl(get=STAFF, post="ctv"),
    "api/v1/visits/<visit_id>": acl(get="cltv"),
}
