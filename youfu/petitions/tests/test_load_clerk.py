"""The load test's clerk (bench/load/clerk.py, driven by bench/bench_load.py's locustfile) against
the real pages: what it reads from them and what it posts still work, so the bench measures work
done, not errors. One turn of each of its actions, through the login form with CSRF enforced."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.test import Client

from youfu.accounts.tests.factories import PASSWORD
from youfu.petitions.models import Petition, State
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.testing import World

CLERK = Path(__file__).resolve().parents[3] / "bench" / "load" / "clerk.py"


@pytest.fixture(scope="module")
def clerk() -> ModuleType:
    spec = importlib.util.spec_from_file_location("youfu_load_clerk", CLERK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def signed_in(clerk: ModuleType, username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    token = clerk.csrf_token(client.get("/accounts/login/").content.decode())
    response = client.post(
        "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    return client


@pytest.mark.parametrize("who", ["county_clerk", "township_clerk"])
def test_one_turn_of_each_action(clerk: ModuleType, world: World, who: str) -> None:
    user = getattr(world, who)
    mine = register(world.county_clerk, world.village_a, name="王建国")
    register(world.county_clerk, world.village_b, name="王建华")  # township B's: not the township clerk's
    client = signed_in(clerk, user.username)

    found = client.get("/registry/", {"q": "王建"})
    assert found.status_code == 200
    ids = clerk.person_ids(found.content.decode())
    visible = set(Beneficiary.objects.visible_to(user).values_list("pk", flat=True))
    assert mine.pk in ids and set(ids) <= visible
    assert client.get(f"/registry/{ids[0]}/").status_code == 200
    # --via api: the same through /api/v1, with the same session.
    listed = client.get("/api/v1/beneficiaries", {"q": "王建", "page_size": 50})
    assert listed.status_code == 200
    api_ids = clerk.api_person_ids(listed.json())
    assert mine.pk in api_ids and set(api_ids) <= visible
    assert client.get(f"/api/v1/beneficiaries/{api_ids[0]}").status_code == 200

    form = client.get("/petitions/new/")
    assert form.status_code == 200
    payload = clerk.petition_payload(clerk.csrf_token(form.content.decode()), user.region_id, 7)
    posted = client.post("/petitions/new/", payload)
    pk = clerk.registered_petition(posted.status_code, posted.get("Location", ""))
    assert pk is not None, posted.content.decode()[:2000]
    petition = Petition.objects.get(pk=pk)
    assert petition.state == State.REGISTERED and petition.created_by == user
    assert client.get(f"/petitions/{pk}/").status_code == 200

    # The same petitioner again: the form offers the earlier matter, and the clerk's "new" registers.
    again = client.post("/petitions/new/", payload)
    assert again.status_code == 200 and clerk.REPEAT_CANDIDATES in again.content.decode()
    token = clerk.csrf_token(again.content.decode())
    second = client.post("/petitions/new/", {**payload, "csrfmiddlewaretoken": token, "decision": "new"})
    assert clerk.registered_petition(second.status_code, second.get("Location", "")) not in (None, pk)

    assert client.get("/reports/dashboard/").status_code == 200


def test_the_floor_is_a_static_file_of_the_same_server(clerk: ModuleType, client: Client) -> None:
    assert client.get(clerk.FLOOR_PATH).status_code == 200


def test_a_post_that_did_not_register_is_not_counted(clerk: ModuleType) -> None:
    assert clerk.registered_petition(302, "/petitions/12/") == 12
    assert clerk.registered_petition(302, "http://127.0.0.1:8000/petitions/12/") == 12
    assert clerk.registered_petition(302, "/accounts/login/?next=/petitions/new/") is None
    assert clerk.registered_petition(200, "") is None
