"""Two refreshes at the same moment (the nightly run and a clerk's "refresh now") both finish
and leave each fact once: the insert skips what the other inserted (PostgreSQL; SQLite writes one
at a time)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from youfu.relief.discoveries.models import Discovery
from youfu.relief.discoveries.services import do_refresh_discoveries, refresh_everywhere
from youfu.relief.tests import factories_discoveries as f
from youfu.testing import World, make_world

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(not IS_POSTGRES, reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_refreshes_at_once_record_each_fact_once() -> None:
    world: World = make_world()
    for i in range(20):
        f.veteran(world.county_clerk, world.village_a, born=date(1950, 1, 1), name=f"老兵{i}")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(which: str) -> None:
        try:
            start.wait()
            if which == "night":
                refresh_everywhere()
            else:
                do_refresh_discoveries(acting_user=world.township_clerk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(which,)) for which in ("night", "clerk")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert Discovery.objects.count() == 20  # scope: the test's view
