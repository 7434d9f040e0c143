"""Test personas and the small world they live in, shared by every app's tests.

Test support only: production code never imports this module.

青山县 (county) → 城关镇 (township A, with a village) and 东岭镇 (township B, with a
village). ``township_clerk`` works in A; ``other_township_clerk`` in B is the outsider
that the scope tests use. Built with plain model writes (fast, no audit noise); service
tests build what they test through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.models import Department, User
from youfu.accounts.services import do_issue_token
from youfu.accounts.tests.factories import PASSWORD, UserFactory
from youfu.core.roles import Role
from youfu.core.sections import NavGroup, nav_for, nav_group_for
from youfu.regions.models import Region, RegionLevel

__all__ = [
    "PASSWORD",
    "World",
    "api_get",
    "api_post",
    "bearer",
    "enrol_totp",
    "log_in",
    "make_world",
    "run_command",
    "totp_now",
]

COUNTY = "341199000000"
TOWNSHIP_A = "341199100000"
VILLAGE_A = "341199100201"
TOWNSHIP_B = "341199101000"
VILLAGE_B = "341199101201"


@dataclass
class World:
    county: Region
    township_a: Region
    village_a: Region
    township_b: Region
    village_b: Region
    department: Department
    admin: User
    county_clerk: User
    township_clerk: User
    other_township_clerk: User
    village_assistant: User
    leader: User
    liaison: User
    auditor: User


def make_user(username: str, role: Role, region: Region, **extra: object) -> User:
    user: User = UserFactory(username=username, role=role, region=region, **extra)
    return user


def make_world() -> World:
    county = Region.objects.create(code=COUNTY, name="青山县", level=RegionLevel.COUNTY)
    township_a = Region.objects.create(
        code=TOWNSHIP_A, name="城关镇", parent=county, level=RegionLevel.TOWNSHIP
    )
    village_a = Region.objects.create(
        code=VILLAGE_A, name="柳湾村", parent=township_a, level=RegionLevel.VILLAGE
    )
    township_b = Region.objects.create(
        code=TOWNSHIP_B, name="东岭镇", parent=county, level=RegionLevel.TOWNSHIP
    )
    village_b = Region.objects.create(
        code=VILLAGE_B, name="石桥村", parent=township_b, level=RegionLevel.VILLAGE
    )
    department = Department.objects.create(region=county, name="县民政局")
    return World(
        county=county,
        township_a=township_a,
        village_a=village_a,
        township_b=township_b,
        village_b=village_b,
        department=department,
        admin=make_user("admin", Role.COUNTY_ADMIN, county),
        county_clerk=make_user("clerk", Role.COUNTY_CLERK, county),
        township_clerk=make_user("township", Role.TOWNSHIP_CLERK, township_a, full_name="城关经办员"),
        other_township_clerk=make_user("outsider", Role.TOWNSHIP_CLERK, township_b),
        village_assistant=make_user("village", Role.VILLAGE_ASSISTANT, village_a),
        leader=make_user("leader", Role.LEADER, county),
        liaison=make_user("liaison", Role.DEPARTMENT_LIAISON, county, department=department),
        auditor=make_user("auditor", Role.AUDITOR, county),
    )


def enrol_totp(user: User) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def totp_now(device: TOTPDevice) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def log_in(client: Any, user: User) -> None:
    """Log a persona in as the login page would, second factor included where required."""
    client.force_login(user)
    if user.requires_two_factor:
        from django_otp import DEVICE_ID_SESSION_KEY

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_totp(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def bearer(user: User) -> dict[str, str]:
    """The Authorization header of a new API token of ``user``. Issuing one is audited: take a
    test's before-state after it."""
    key, _ = do_issue_token(user, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def api_get(client: Any, user: User, url: str, params: dict[str, Any] | None = None) -> Any:
    """GET an API ``url`` as ``user`` (with a new token)."""
    return client.get(url, params or {}, **bearer(user))


def api_post(client: Any, user: User, url: str, body: dict[str, Any]) -> Any:
    """POST a JSON ``body`` to an API ``url`` as ``user`` (with a new token)."""
    return client.post(url, body, content_type="application/json", **bearer(user))


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    """``youfu <name> <args>`` as the CLI runs it: its exit code, output and errors."""
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    except SystemExit as exc:  # a command whose exit code is its answer (reconcile: 1 = differ)
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def menu_urls(user: User) -> set[str]:
    """Every page the menu leads ``user`` to, the pages listed on its groups' pages included."""
    urls: set[str] = set()
    for entry in nav_for(user):
        found = nav_group_for(user, entry.key) if isinstance(entry, NavGroup) else None
        urls |= {e.url for e in found[1]} if found else {entry.url}
    return urls
