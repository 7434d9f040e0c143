from __future__ import annotations

import factory

from youfu.accounts.models import Department, User
from youfu.core.roles import Role
from youfu.regions.tests.factories import RegionFactory

PASSWORD = "correct-horse-42"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"县第{n}局")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda u: u.username)
    role = Role.COUNTY_CLERK
    region = factory.SubFactory(RegionFactory)
    password = factory.django.Password(PASSWORD)
