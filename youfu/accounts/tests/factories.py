from __future__ import annotations

from typing import Any

import factory

from youfu.accounts.models import Department, RoleRequest, RoleRequestState, User
from youfu.accounts.services import do_approve_role_request, do_create_user
from youfu.core.roles import Role
from youfu.regions.models import Region
from youfu.regions.tests.factories import RegionFactory

PASSWORD = "correct-horse-42"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"县第{n}局")


class UserFactory(factory.django.DjangoModelFactory):
    """A user written straight to the table with its role (as the bootstrap grants it): for tests
    about something else. Tests of how roles are granted use ``approved_user`` or the services."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda u: u.username)
    role = Role.COUNTY_CLERK
    region = factory.SubFactory(RegionFactory)
    password = factory.django.Password(PASSWORD)


def approved_user(
    username: str,
    *,
    role: Role,
    region: Region,
    admin: User,
    leader: User,
    one_time_password: bool = False,
    **extra: Any,
) -> User:
    """A user made as the admin makes one (``do_create_user``) and, where the role reads
    personal data, approved by ``leader``: the way an installation past its bootstrap works.
    The admin's password is one-time; unless ``one_time_password``, the user is taken to have
    chosen their own since (still ``PASSWORD``, so that tests can sign in with it)."""
    user = do_create_user(
        username, role=role, region_code=region.code, password=PASSWORD, acting_user=admin, **extra
    )
    pending = RoleRequest.objects.filter(user=user, state=RoleRequestState.PENDING).first()
    if pending is not None:
        do_approve_role_request(pending, acting_user=leader)
    if not one_time_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.refresh_from_db()
    return user
