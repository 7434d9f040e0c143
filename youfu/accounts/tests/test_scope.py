"""The one scope mechanism: region prefix, personal-data separation, liaison departments."""

from __future__ import annotations

import pytest

from youfu.accounts.models import Department
from youfu.accounts.tests.factories import DepartmentFactory
from youfu.core.scope import RegionScoped, get_visible_or_404
from youfu.testing import World


@pytest.fixture
def departments(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Department]:
    # Treat departments as if they held beneficiaries' data assigned to themselves, to
    # exercise every branch of apply_scope on a real model.
    monkeypatch.setattr(
        Department, "scope", RegionScoped(code_path="region__code", personal_data=True, department_path="pk")
    )
    return {
        "county": world.department,
        "other_county": DepartmentFactory(region=world.county, name="县人社局"),
        "township_a": DepartmentFactory(region=world.township_a, name="城关镇民政办"),
        "township_b": DepartmentFactory(region=world.township_b, name="东岭镇民政办"),
    }


def visible(user: object) -> set[str]:
    return set(Department.objects.visible_to(user).values_list("name", flat=True))


@pytest.mark.django_db
class TestApplyScope:
    def test_county_roles_see_the_whole_county(
        self, world: World, departments: dict[str, Department]
    ) -> None:
        assert visible(world.county_clerk) == {d.name for d in departments.values()}
        assert visible(world.leader) == {d.name for d in departments.values()}

    def test_a_township_clerk_sees_their_township(
        self, world: World, departments: dict[str, Department]
    ) -> None:
        assert visible(world.township_clerk) == {"城关镇民政办"}
        assert visible(world.other_township_clerk) == {"东岭镇民政办"}

    def test_a_village_assistant_sees_their_village_only(
        self, world: World, departments: dict[str, Department]
    ) -> None:
        assert visible(world.village_assistant) == set()

    def test_admin_and_auditor_never_see_personal_data(
        self, world: World, departments: dict[str, Department]
    ) -> None:
        assert visible(world.admin) == set()
        assert visible(world.auditor) == set()

    def test_a_liaison_sees_only_what_is_assigned_to_their_department(
        self, world: World, departments: dict[str, Department]
    ) -> None:
        assert visible(world.liaison) == {"县民政局"}

    def test_inactive_and_anonymous_users_see_nothing(
        self, world: World, departments: dict[str, Department]
    ) -> None:
        from django.contrib.auth.models import AnonymousUser

        world.county_clerk.is_active = False
        assert visible(world.county_clerk) == set()
        assert visible(AnonymousUser()) == set()

    def test_outside_the_scope_is_a_404(self, world: World, departments: dict[str, Department]) -> None:
        from django.http import Http404

        with pytest.raises(Http404):
            get_visible_or_404(Department, world.township_clerk, pk=departments["township_b"].pk)
        assert get_visible_or_404(Department, world.township_clerk, pk=departments["township_a"].pk)
        with pytest.raises(Http404):
            get_visible_or_404(Department, world.township_clerk, pk="not-a-number")


@pytest.mark.django_db
def test_records_of_a_region_above_are_visible_when_the_model_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        Department,
        "scope",
        RegionScoped(code_path="region__code", personal_data=False, include_ancestors=True),
    )
    DepartmentFactory(region=world.township_b, name="东岭镇民政办")
    assert visible(world.township_clerk) == {"县民政局"}  # the county's, not township B's
    assert visible(world.village_assistant) == {"县民政局"}
