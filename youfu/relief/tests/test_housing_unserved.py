"""The homes graded C or D that no case serves (``selectors.unserved_surveys``), the list the
discoveries rule ``housing_unserved`` reuses: one row per home, its latest survey."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from youfu.core.errors import Conflict
from youfu.registry.models import Beneficiary
from youfu.relief.housing import services
from youfu.relief.housing.selectors import unserved_for, unserved_surveys
from youfu.relief.tests.factories_housing import approved_case, case, person, same_home, survey
from youfu.testing import World

pytestmark = pytest.mark.django_db


def names() -> list[str]:
    return sorted(s.beneficiary.name for s in unserved_surveys())


class TestGrades:
    def test_c_and_d_are_listed_a_and_b_are_not(self, world: World) -> None:
        for grade in "ABCD":
            survey(world, person(world, name=f"等级{grade}"), grade)
        assert names() == ["等级C", "等级D"]

    def test_the_latest_survey_decides(self, world: World) -> None:
        repaired = person(world, name="已修好")
        worse = person(world, name="变差")
        survey(world, repaired, "D", on=date(2023, 5, 1))
        survey(world, repaired, "A", on=date(2025, 5, 1))
        survey(world, worse, "B", on=date(2023, 5, 1))
        survey(world, worse, "C", on=date(2025, 5, 1))
        assert names() == ["变差"]
        (row,) = unserved_surveys()
        assert row.surveyed_on == date(2025, 5, 1)

    def test_the_same_day_the_later_entry_decides(self, world: World) -> None:
        who = person(world, name="同日")
        survey(world, who, "C")
        survey(world, who, "B")  # a correction entered later the same day
        assert names() == []


class TestCases:
    def test_a_waiting_approved_or_completed_case_serves_the_home(self, world: World) -> None:
        waiting, approved, completed, refused = (
            person(world, name=n) for n in ("待批", "已批", "竣工", "被拒")
        )
        for who in (waiting, approved, completed, refused):
            survey(world, who, "D")
        case(world, waiting)
        approved_case(world, approved)
        done = approved_case(world, completed)
        services.do_complete(done, completed_on=date(2025, 4, 1), acting_user=world.township_clerk)
        turned_down = case(world, refused)
        services.do_refuse_budget(turned_down, reason="不符合条件", acting_user=world.leader)
        assert names() == ["被拒"]  # a refused case does not serve the home

    def test_a_case_of_someone_else_does_not_serve(self, world: World) -> None:
        survey(world, person(world, name="甲"), "C")
        case(world, person(world, name="乙"))
        assert names() == ["甲"]


class TestHouseholds:
    """A home shared by a household is one home: husband and wife graded C are listed once, and a
    case for either serves both."""

    def test_a_shared_home_is_listed_once_by_its_latest_survey(self, world: World) -> None:
        husband = person(world, name="丈夫")
        wife = person(world, name="妻子", male=False)
        same_home(husband, wife)
        survey(world, husband, "C", on=date(2024, 3, 1))
        survey(world, wife, "D", on=date(2025, 3, 1))
        rows = list(unserved_surveys())
        assert [(r.beneficiary.name, r.grade) for r in rows] == [("妻子", "D")]

    def test_the_latest_survey_of_the_home_counts_whoever_it_names(self, world: World) -> None:
        husband = person(world, name="丈夫")
        wife = person(world, name="妻子", male=False)
        same_home(husband, wife)
        survey(world, husband, "D", on=date(2024, 3, 1))
        survey(world, wife, "A", on=date(2025, 3, 1))  # repaired since: the home is sound
        assert names() == []

    def test_a_case_for_either_serves_the_home(self, world: World) -> None:
        husband = person(world, name="丈夫")
        wife = person(world, name="妻子", male=False)
        same_home(husband, wife)
        survey(world, husband, "C")
        case(world, wife)
        assert names() == []

    def test_one_case_open_per_home(self, world: World) -> None:
        husband = person(world, name="丈夫")
        wife = person(world, name="妻子", male=False)
        same_home(husband, wife)
        case(world, husband)
        with pytest.raises(Conflict):
            case(world, wife)

    def test_people_without_a_household_are_each_their_own_home(self, world: World) -> None:
        survey(world, person(world, name="甲"), "C")
        survey(world, person(world, name="乙"), "C")
        assert names() == sorted(["甲", "乙"])


class TestPeople:
    def test_a_dead_persons_survey_is_not_listed(self, world: World) -> None:
        who = person(world, name="已故")
        survey(world, who, "D")
        Beneficiary.objects.filter(pk=who.pk).update(
            status="deceased", death_date=date(2025, 5, 1)
        )  # scope: test
        assert names() == []


class TestScope:
    def test_the_selector_is_unscoped_and_the_caller_scopes_it(self, world: World) -> None:
        survey(world, person(world, name="城关"), "C")
        survey(world, person(world, world.village_b, name="东岭"), "C")
        assert names() == sorted(["城关", "东岭"])
        assert [s.beneficiary.name for s in unserved_for(world.township_clerk)] == ["城关"]
        assert [s.beneficiary.name for s in unserved_for(world.other_township_clerk)] == ["东岭"]
        assert unserved_surveys().visible_to(world.admin).count() == 0  # type: ignore[attr-defined]
        township = unserved_for(world.county_clerk, township=world.township_b.code)
        assert [s.beneficiary.name for s in township] == ["东岭"]

    def test_the_list_is_one_query_whatever_its_length(self, world: World) -> None:
        for i in range(5):
            survey(world, person(world, name=f"人{i}"), "D")
        listed = unserved_for(world.county_clerk)
        with CaptureQueriesContext(connection) as queries:
            rows = [(s.beneficiary.name, s.beneficiary.township.name) for s in listed]
        assert len(rows) == 5
        assert len(queries) == 1
