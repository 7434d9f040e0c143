"""The property issue 14 demands of the appraisal: a township that receives more petitions and
handles them all on time never scores below one that received none; a repeat petition or a
petition taken to (or passed down by) a higher level never lowers a score.

Proved twice: on the scoring itself (hypothesis, every weight and count), and end to end through
the API with petitions made by the petitions' services, for several numbers of petitions. The
last test adds a measure that rewards fewer petitions and shows the sweep then fails: the
property test can fail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from youfu.outreach.tests import factories_visits
from youfu.petitions.models import Petition, Satisfaction
from youfu.regions.models import Region
from youfu.reports import appraisal
from youfu.reports.appraisal import MEASURE_KEYS, Measure, score_parts
from youfu.reports.tests import appraisal_scenario as scenario
from youfu.testing import World, api_get

PETITION_MEASURES = ("accepted_on_time", "concluded_on_time", "satisfaction")
OTHER_MEASURES = tuple(k for k in MEASURE_KEYS if k not in PETITION_MEASURES)

weights_st = st.fixed_dictionaries({k: st.integers(0, 100) for k in MEASURE_KEYS}).filter(
    lambda w: any(w.values())
)


@st.composite
def share(draw: Any, max_due: int = 40) -> tuple[int, int]:
    due = draw(st.integers(0, max_due))
    return draw(st.integers(0, due)), due


others_st = st.fixed_dictionaries({k: share() for k in OTHER_MEASURES})


@settings(max_examples=400, deadline=None)
@given(
    weights=weights_st,
    others=others_st,
    accepted=st.integers(0, 60),
    concluded=st.integers(0, 60),
    rated=st.integers(0, 60),
)
def test_more_petitions_all_on_time_never_score_below_none(
    weights: dict[str, int], others: dict[str, tuple[int, int]], accepted: int, concluded: int, rated: int
) -> None:
    """``rated`` petitions all rated satisfied or basically satisfied (or none rated)."""
    none = score_parts(others, weights)[1]
    some = score_parts(
        others
        | {
            "accepted_on_time": (accepted, accepted),
            "concluded_on_time": (concluded, concluded),
            "satisfaction": (rated, rated),
        },
        weights,
    )[1]
    if none is not None:
        assert some is not None and some >= none


@settings(max_examples=400, deadline=None)
@given(
    weights=weights_st,
    others=others_st,
    before=st.fixed_dictionaries({k: share() for k in PETITION_MEASURES}),
    which=st.sampled_from(["accepted_on_time", "concluded_on_time", "both"]),
)
def test_one_more_petition_handled_on_time_never_lowers_a_score(
    weights: dict[str, int],
    others: dict[str, tuple[int, int]],
    before: dict[str, tuple[int, int]],
    which: str,
) -> None:
    counts = others | before
    after = dict(counts)
    for key in ("accepted_on_time", "concluded_on_time") if which == "both" else (which,):
        done, due = after[key]
        after[key] = (done + 1, due + 1)
    old, new = score_parts(counts, weights)[1], score_parts(after, weights)[1]
    if old is not None:
        assert new is not None and new >= old


# --- end to end ---------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def on_time(w: World, region: Region, i: int, **extra: Any) -> Petition:
    """A petition of ``region`` accepted and replied in time in 2026 (``extra`` overrides)."""
    fields: dict[str, Any] = {
        "received_on": date(2026, 3, 2) + timedelta(days=i),
        "accept_due": date(2026, 5, 1),
        "accepted_on": date(2026, 4, 1),
        "handle_due": date(2026, 8, 1),
        "replied_on": date(2026, 7, 1),
    }
    return scenario.petition(w, region, **(fields | extra))


def shared_service(w: World) -> None:
    """The same service record in both townships: two people each to visit, one visited (0.5)."""
    people = [
        factories_visits.person(w, village, name=f"{village.name}{i}")
        for village in (w.village_a, w.village_b)
        for i in range(2)
    ]
    ended = factories_visits.campaign(w, starts_on=date(2026, 1, 5), ends_on=date(2026, 2, 10))
    for who in (people[0], people[2]):
        factories_visits.visit(w, ended, who, visited_on=date(2026, 1, 20))


def scores(client: Client, w: World) -> dict[str, Decimal | None]:
    with scenario.travel():
        body = api_get(client, w.county_clerk, "/api/v1/reports/appraisal", {"year": "2026"}).json()
    return {t["code"]: None if t["score"] is None else Decimal(t["score"]) for t in body["townships"]}


def sweep(client: Client, w: World, counts: tuple[int, ...]) -> None:
    """Township A receives more and more petitions, all handled on time; township B none.
    A never scores below B, and never below itself with fewer."""
    with scenario.travel():
        shared_service(w)
    previous = scores(client, w)[w.township_a.code]
    made = 0
    for n in counts:
        with scenario.travel():
            while made < n:
                rating = {} if made % 2 else {"satisfaction": Satisfaction.SATISFIED}
                if rating:
                    rating["rated_at"] = scenario.rated(date(2026, 7, 10))
                on_time(w, w.township_a, made, **rating)
                made += 1
        now = scores(client, w)
        a, b = now[w.township_a.code], now[w.township_b.code]
        assert a is not None and b is not None
        assert a >= b, (n, a, b)
        assert previous is not None and a >= previous, (n, a, previous)
        previous = a


@pytest.mark.parametrize("counts", [(1,), (1, 2, 5), (3, 12)])
def test_more_petitions_handled_on_time_never_score_below_none(
    client: Client, world: World, counts: tuple[int, ...]
) -> None:
    sweep(client, world, counts)


def test_a_repeat_or_a_higher_level_petition_never_lowers_a_score(client: Client, world: World) -> None:
    w = world
    with scenario.travel():
        shared_service(w)
        # A late matter, so the score has room to fall.
        first = scenario.petition(
            w,
            w.township_a,
            received_on=date(2026, 2, 2),
            accept_due=date(2026, 2, 20),
            accepted_on=date(2026, 2, 25),
            handle_due=date(2026, 4, 26),
            replied_on=date(2026, 5, 20),
        )
    start = scores(client, w)[w.township_a.code]
    assert start is not None
    with scenario.travel():
        # A repeat: linked to the first and handled in it; its own acceptance deadline passes.
        repeat = scenario.petition(w, w.township_a, repeat_of=first, accept_due=date(2026, 6, 1))
        assert repeat.state == "repeat"
    assert scores(client, w)[w.township_a.code] == start
    steps: list[dict[str, Any]] = [
        # passed down by a higher level (上级交办), handled in time
        {"referred_by": "市信访局交办"},
        # taken to the county: registered by the county's petition office for township A
        {"clerk": w.county_clerk},
        # forwarded up to the authority that decides it, in time
        {"forwarded_on": date(2026, 4, 10), "accepted_on": None, "replied_on": None, "state": "forwarded"},
    ]
    level = start
    for i, step in enumerate(steps):
        with scenario.travel():
            on_time(w, w.township_a, 10 + i, **step)
        now = scores(client, w)[w.township_a.code]
        assert now is not None and now >= level, (step, now, level)
        level = now


def test_the_sweep_fails_when_a_measure_rewards_fewer_petitions(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 'quiet township' measure (1 when no petition was received, else 0) is exactly what the
    issue forbids: with it added, the sweep above must fail."""

    def quiet(user: Any, prefix: str, year: int) -> dict[str, tuple[int, int]]:
        received = Petition.objects.visible_to(user).filter(region__code__startswith=prefix)
        loud = {p.region_id[:9] for p in received}
        townships = Region.objects.filter(code__startswith=prefix, level="township")  # scope: test
        return {t.code[:9]: (0 if t.code[:9] in loud else 1, 1) for t in townships}

    measure = Measure("quiet", "quiet", "quiet", "quiet", 50)
    monkeypatch.setattr(appraisal, "MEASURES", (*appraisal.MEASURES, measure))
    monkeypatch.setattr(appraisal, "COUNTERS", appraisal.COUNTERS | {"quiet": quiet})
    monkeypatch.setattr(appraisal, "DEFAULT_WEIGHTS", appraisal.DEFAULT_WEIGHTS | {"quiet": 50})
    with pytest.raises(AssertionError):
        sweep(client, world, (1, 3))
