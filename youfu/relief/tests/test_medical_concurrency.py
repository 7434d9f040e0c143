"""Two claims for one person entered at the same moment must not both take the same share
of the yearly cap: entering locks the person's row (PostgreSQL; SQLite writes one at a time)."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from youfu.relief.medical.models import MedicalClaim
from youfu.relief.medical.services import claims as claim_services
from youfu.relief.tests.factories_medical import eligible_person, figures
from youfu.testing import World, make_world

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(not IS_POSTGRES, reason="row locks and concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_claims_at_once_share_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    world: World = make_world()
    who = eligible_person(world)
    read = claim_services.cap_used_fen

    def slow_read(*args: Any, **kwargs: Any) -> int:
        # Without the lock both entries would read "nothing taken yet" here, then both insert.
        used = read(*args, **kwargs)
        time.sleep(0.5)
        return used

    monkeypatch.setattr(claim_services, "cap_used_fen", slow_read)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def enter(day: int) -> None:
        try:
            start.wait()
            # 90% × 15,000.00 = 13,500.00 each; the cap is 20,000.00
            data = figures("15000", admitted=date(2025, 3, day), discharged=date(2025, 3, day + 1))
            claim_services.do_enter_claim(who, data, acting_user=world.township_clerk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(day,)) for day in (1, 10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    subsidies = sorted(
        MedicalClaim.objects.filter(beneficiary=who).values_list("subsidy_fen", flat=True)
    )  # scope: test
    assert subsidies == [650_000, 1_350_000]
