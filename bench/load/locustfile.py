"""The clerks of ``bench/bench_load.py``: locust users driving youfu's own pages over loopback.

Run by ``bench_load.py``, which writes the two files it reads (their paths in the environment):

  YOUFU_LOAD_ACCOUNTS  JSON list of {"username", "password", "region"}: one clerk a simulated user
  YOUFU_LOAD_QUERIES   JSON {region code: [search text, ...]}: names and pinyin of people in
                       that region's scope, drawn from the loaded registry
  YOUFU_LOAD_THINK     mean think time between a clerk's actions, seconds (uniform 0..2×; default 0)
  YOUFU_LOAD_DURATION  seconds the mix runs once every clerk is signed in (then locust stops)
  YOUFU_LOAD_RESET_FILE  written when the figures are reset (every clerk signed in)
  YOUFU_LOAD_VIA       "pages" (default) or "api": the search and the person's record through /api/v1
  YOUFU_LOAD_MIX       the weights of the actions, e.g. "search=45,person=35,petition=12,dashboard=8"

Each ``Clerk`` signs in through the real login form (its CSRF token included) and then loops over a
weighted mix of what a clerk does at the counter: search the registry, open a person found by the
search (so always one in the clerk's scope), register a petition through the register form (its
page, the post, the petition's page it redirects to) and open the dashboard. A response counts as
an error unless it is the status the page gives a clerk (200, or the 302 of a successful post).
``Floor`` asks for a static file of the same server, the floor the mix is compared with.

Petitions are registered as a clerk registers them: one petitioner with a name and a phone number,
a subject and a content that say they come from the load test. Nothing here follows anyone.
"""

# Random draws of a load test, not secrets.
# ruff: noqa: S311

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any
from urllib.parse import quote

import gevent
from clerk import (  # bench/load/, which locust puts on the path
    FLOOR_PATH,
    REPEAT_CANDIDATES,
    api_person_ids,
    csrf_token,
    person_ids,
    petition_payload,
    registered_petition,
)
from locust import FastHttpUser, between, constant, task


def _load(name: str, default: Any) -> Any:
    path = os.environ.get(name)
    if not path:
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


ACCOUNTS: list[dict[str, str]] = _load("YOUFU_LOAD_ACCOUNTS", [])
QUERIES: dict[str, list[str]] = _load("YOUFU_LOAD_QUERIES", {})
# "pages": the search and the person as the browser asks for them (the whole page); "api": as
# /api/v1 gives them (the baseline measured those), with the same session.
VIA = os.environ.get("YOUFU_LOAD_VIA", "pages")
DURATION = float(os.environ.get("YOUFU_LOAD_DURATION", "0") or 0)
THINK = float(os.environ.get("YOUFU_LOAD_THINK", "0") or 0)
# The weights of a clerk's actions, per 100: YOUFU_LOAD_MIX="search=45,person=35,petition=12,dashboard=8".
MIX = {"search": 45, "person": 35, "petition": 12, "dashboard": 8}
for _part in filter(None, os.environ.get("YOUFU_LOAD_MIX", "").split(",")):
    _kind, _, _weight = _part.partition("=")
    if _kind.strip() not in MIX:
        raise ValueError(f"YOUFU_LOAD_MIX: no action {_kind!r} (the actions: {', '.join(MIX)})")
    MIX[_kind.strip()] = int(_weight)
_next_account = itertools.count()
_signed_in = itertools.count(1)


class Clerk(FastHttpUser):
    """A county or township clerk at work."""

    wait_time = between(0, 2 * THINK) if THINK > 0 else constant(0)

    def on_start(self) -> None:
        if not ACCOUNTS:
            raise RuntimeError("YOUFU_LOAD_ACCOUNTS names no accounts (run bench/bench_load.py)")
        account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.region = account["region"]
        self.queries = QUERIES.get(self.region) or ["王"]
        self.people: list[int] = []
        self.serial = random.randrange(10**9)
        with self.client.get("/accounts/login/", name="login page", catch_response=True) as page:
            token = csrf_token(page.text or "")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": account["username"],
                "password": account["password"],
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"login answered {r.status_code}, not 302")
        # The figures count from the moment the last clerk is signed in: sign-ins (an argon2 hash
        # each) are the morning's, not the day's work.
        if next(_signed_in) == self.environment.runner.target_user_count:
            self.environment.stats.reset_all()
            if os.environ.get("YOUFU_LOAD_RESET_FILE"):  # bench_load.py reads the CPU spent from here
                with open(os.environ["YOUFU_LOAD_RESET_FILE"], "w") as f:
                    f.write("reset\n")
            if DURATION:  # the mix's time runs from here
                gevent.spawn_later(DURATION, self.environment.runner.quit)

    def search(self) -> None:
        q = quote(random.choice(self.queries))
        if VIA == "api":
            url, name = f"/api/v1/beneficiaries?q={q}&page_size=50", "search (API)"
        else:
            url, name = f"/registry/?q={q}", "search"
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return
            found = api_person_ids(r.json()) if VIA == "api" else person_ids(r.text or "")
            if found:
                self.people = found

    def person(self) -> None:
        if not self.people:
            self.search()
            return
        pk = random.choice(self.people)
        url, name = (
            (f"/api/v1/beneficiaries/{pk}", "person (API)")
            if VIA == "api"
            else (f"/registry/{pk}/", "person page")
        )
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    def petition(self) -> None:
        with self.client.get("/petitions/new/", name="petition form", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"{page.status_code}")
                return
            token = csrf_token(page.text or "")
        self.serial += 1
        payload = petition_payload(token, self.region, self.serial)
        with self.client.post(
            "/petitions/new/",
            data=payload,
            name="petition register",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            text = (r.text or "") if r.status_code == 200 else ""
            petition = registered_petition(r.status_code, r.headers.get("Location", ""))
            if petition is None and REPEAT_CANDIDATES not in text:
                r.failure(f"{r.status_code}: not registered")
                return
        if petition is None:
            # The form offered likely repeats (the same phone number within a year): the clerk
            # looks and registers it as a new matter.
            payload.update(csrfmiddlewaretoken=csrf_token(text), decision="new")
            with self.client.post(
                "/petitions/new/",
                data=payload,
                name="petition register (new)",
                allow_redirects=False,
                catch_response=True,
            ) as r:
                petition = registered_petition(r.status_code, r.headers.get("Location", ""))
                if petition is None:
                    r.failure(f"{r.status_code}: not registered")
                    return
        with self.client.get(f"/petitions/{petition}/", name="petition page", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    def dashboard(self) -> None:
        with self.client.get("/reports/dashboard/", name="dashboard", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    tasks = {
        search: MIX["search"],
        person: MIX["person"],
        petition: MIX["petition"],
        dashboard: MIX["dashboard"],
    }


class Floor(FastHttpUser):
    """The floor: the same server answering a static file (WhiteNoise, no view, no database)."""

    wait_time = constant(0)

    @task
    def health(self) -> None:
        with self.client.get(FLOOR_PATH, name="floor (static file)", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
