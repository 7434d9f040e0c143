from __future__ import annotations

import factory

from youfu.regions.models import Region, RegionLevel


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"341199{100 + n:03d}000")
    name = factory.Sequence(lambda n: f"第{n}镇")
    level = RegionLevel.TOWNSHIP
    parent = None
