from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from youfu.accounts.models import User
from youfu.audit.models import AuditEvent
from youfu.audit.verify import verify_chain
from youfu.regions.models import Region


@pytest.mark.django_db
def test_it_loads_the_demo_county_and_can_run_again() -> None:
    out = StringIO()
    call_command("load-demo", "--password", "youfu-demo-2026", stdout=out)
    assert "township" in out.getvalue() and "auditor" in out.getvalue()
    counts = (User.objects.count(), Region.objects.count(), AuditEvent.objects.count())
    assert counts[0] == 5
    assert set(User.objects.values_list("username", "role")) == {
        ("admin", "county_admin"),
        ("clerk", "county_clerk"),
        ("township", "township_clerk"),
        ("leader", "leader"),
        ("auditor", "auditor"),
    }
    assert User.objects.get(username="township").region.name == "城关镇"
    call_command("load-demo", "--password", "youfu-demo-2026", stdout=StringIO())
    assert (User.objects.count(), Region.objects.count(), AuditEvent.objects.count()) == counts
    assert User.objects.get(username="clerk").check_password("youfu-demo-2026")
    assert verify_chain().ok
