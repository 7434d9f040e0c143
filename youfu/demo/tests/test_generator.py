"""The synthetic county: calibrated, valid, the same for the same seed, loaded once."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.verify import verify_chain
from youfu.benefits import changes
from youfu.benefits import services as benefits
from youfu.benefits.models import Batch, BatchItem, BatchState, RecomputeMark, StandardImport
from youfu.benefits.money import add_months, ym
from youfu.benefits.services.reconcile import do_reconcile
from youfu.core.crypto import decrypt
from youfu.core.idnumber import make_id_number, parse_id_number
from youfu.demo import generator
from youfu.demo.bureau import COUNTY, STANDARD_DATES, standards_rows
from youfu.demo.generator import AS_OF, BASE_PERSONS, load_county, scaled_counts
from youfu.regions.models import Region
from youfu.registry.categories import PRIORITY_CATEGORIES, Category
from youfu.registry.models import (
    Beneficiary,
    DisabilityAssessment,
    Household,
    PersonStatus,
    Qualification,
    QualificationStatus,
    Suspension,
)
from youfu.registry.services import id_number_index, name_keys

TWO_PARTICIPANTS = (Category.WAR_PARTICIPANT, Category.NUCLEAR_TEST_PARTICIPANT)
PERSONS = 2000


def _people_holding(categories: Any) -> int:
    return Beneficiary.objects.filter(qualifications__category__in=categories).distinct().count()


def _load(persons: int = PERSONS, *args: str) -> str:
    """The registry only: the bureau's history has its own tests (test_bureau.py)."""
    out = StringIO()
    call_command(
        "load-demo",
        "--persons",
        str(persons),
        "--i-know-this-is-not-production",
        "--registry-only",
        *args,
        stdout=out,
    )
    return out.getvalue()


def _age(born: date, on: date = AS_OF) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _snapshot() -> list[tuple[Any, ...]]:
    """What a seed decides (everything but the randomised ciphertexts and the row ids)."""
    people = Beneficiary.objects.order_by("id").values_list(
        "name",
        "sex",
        "birth_date",
        "id_number_index",
        "id_number_masked",
        "phone",
        "bank_name",
        "bank_account_masked",
        "region_id",
        "status",
        "death_date",
        "household__address",
    )
    categories = Qualification.objects.order_by("beneficiary_id", "category").values_list(
        "category", "approved_on", "status", "disability_level", "enlisted_on"
    )
    return [*people, *categories]


@pytest.mark.django_db
def test_the_default_size_is_calibrated_to_the_design() -> None:
    """DESIGN.md's county, counted in what the generator writes (not in its own tables):
    14,000 people, 3,300 of them priority, 1,460 两参 and 220 disabled veterans."""
    _load(BASE_PERSONS)
    assert Beneficiary.objects.count() == 14_000
    assert _people_holding(PRIORITY_CATEGORIES) == 3300
    assert _people_holding(TWO_PARTICIPANTS) == 1460
    assert _people_holding([Category.DISABLED_VETERAN]) == 220


@pytest.mark.parametrize("persons", [1, 999, 2000, 1_000_000])
def test_counts_scale_and_add_up(persons: int) -> None:
    counts = scaled_counts(persons)
    assert sum(counts.values()) == persons
    share = persons / BASE_PERSONS
    for key, _, base in generator.PROFILES:
        assert abs(counts[key] - base * share) < 1


@pytest.mark.django_db
def test_a_small_county_keeps_the_proportions_and_the_rules() -> None:
    _load(PERSONS)
    share = PERSONS / BASE_PERSONS
    assert Beneficiary.objects.count() == PERSONS
    assert abs(_people_holding(PRIORITY_CATEGORIES) - 3300 * share) <= 2
    assert abs(_people_holding(TWO_PARTICIPANTS) - 1460 * share) <= 2
    assert abs(Qualification.objects.filter(category=Category.DISABLED_VETERAN).count() - 220 * share) <= 2
    others = Beneficiary.objects.exclude(qualifications__category__in=PRIORITY_CATEGORIES).distinct()
    assert set(others.values_list("qualifications__category", flat=True)) == {
        Category.CONSCRIPT_FAMILY,
        Category.ACTIVE_DUTY_FAMILY,
        Category.OTHER_VETERAN,
    }

    # Households: most people live alone in the registry, families share one, in a village.
    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert sizes[0] == 0 and sizes[1] > sizes[2] > 0 and sizes[3] > 0
    assert not Beneficiary.objects.exclude(household__region_id=F("region_id")).exists()
    villages = set(Region.objects.filter(level="village").values_list("code", flat=True))
    assert Beneficiary.objects.filter(region_id__in=villages).count() > 0.95 * PERSONS
    for person in Beneficiary.objects.select_related("region").filter(region__level="village")[:200]:
        assert person.township_id == person.region.parent_id

    # Ages that fit the categories.
    for qual in Qualification.objects.select_related("beneficiary"):
        born = qual.beneficiary.birth_date
        assert born < qual.approved_on <= AS_OF
        if qual.category in TWO_PARTICIPANTS:
            assert 1925 <= born.year <= 1975
        if qual.category in (Category.ELDERLY_MARTYR_CHILD, Category.ELDERLY_RURAL_VETERAN):
            assert _age(born) >= 60 and _age(born, qual.approved_on) >= 60
        if qual.category == Category.DEMOBILIZED_VETERAN:
            assert qual.enlisted_on is not None and qual.enlisted_on < date(1954, 11, 1)
        if qual.category == Category.CONSCRIPT_FAMILY:
            assert 35 <= _age(born) <= 80
        if qual.enlisted_on is not None:
            assert qual.discharged_on is not None and qual.service_years is not None
            assert 16 <= _age(born, qual.enlisted_on) <= 24
            assert qual.enlisted_on < qual.discharged_on <= qual.approved_on + timedelta(days=730)
        if qual.category == Category.DISABLED_VETERAN:
            assert qual.disability_level is not None and 1 <= qual.disability_level <= 10
            assert qual.disability_cause in ("combat", "duty", "illness")
            if qual.disability_cause == "illness":
                assert qual.disability_level <= 6
        else:
            assert qual.disability_level is None and qual.disability_cause == ""
        if qual.status == QualificationStatus.ENDED:
            assert qual.ended_on is not None and qual.approved_on <= qual.ended_on <= AS_OF
            assert qual.end_reason

    # Levels skew to the milder end; one assessment per disabled veteran, from approval.
    levels = Counter(
        Qualification.objects.filter(category=Category.DISABLED_VETERAN).values_list(
            "disability_level", flat=True
        )
    )
    assert sum(n for level, n in levels.items() if level >= 7) > sum(
        n for level, n in levels.items() if level <= 4
    )
    assert not Qualification.objects.filter(
        category=Category.DISABLED_VETERAN, assessments__isnull=True
    ).exists()
    for assessment in DisabilityAssessment.objects.select_related("qualification"):
        assert assessment.effective_on == assessment.qualification.approved_on
        assert assessment.level == assessment.qualification.disability_level

    # Deaths, suspensions and cancellations, as the services would have recorded them.
    deceased = Beneficiary.objects.filter(status=PersonStatus.DECEASED)
    assert 0.005 * PERSONS < deceased.count() < 0.05 * PERSONS
    for person in deceased:
        assert person.death_date is not None and person.birth_date < person.death_date <= AS_OF
    assert not Beneficiary.objects.filter(status=PersonStatus.ALIVE, death_date__isnull=False).exists()
    suspended = Qualification.objects.filter(status=QualificationStatus.SUSPENDED)
    assert suspended.exists()
    for qual in suspended:
        assert qual.suspensions.filter(ended_on__isnull=True).count() == 1
    assert Qualification.objects.filter(status=QualificationStatus.ENDED).exists()
    for suspension in Suspension.objects.select_related("qualification"):
        assert suspension.qualification.approved_on <= suspension.started_on <= AS_OF
        assert suspension.ended_on is None or suspension.started_on <= suspension.ended_on <= AS_OF


@pytest.mark.django_db
def test_identifiers_are_valid_and_consistent() -> None:
    _load(PERSONS)
    numbers = []
    areas: Counter[str] = Counter()
    for person in Beneficiary.objects.all():
        number = decrypt(person.id_number_encrypted)
        parsed = parse_id_number(number, today=AS_OF)  # raises on an invalid number
        numbers.append(number)
        areas[number[:6]] += 1
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == person.sex
        assert person.id_number_index == id_number_index(number)
        assert person.id_number_masked == parsed.masked and person.id_number_last4 == number[-4:]
        assert (person.name_pinyin, person.name_initials) == name_keys(person.name)
        assert 2 <= len(person.name) <= 4
        if person.phone:
            assert len(person.phone) == 11 and person.phone[:2] in ("13", "15", "18")
        account = decrypt(person.bank_account_encrypted)
        if account:
            assert len(account) == 19 and account.isdigit() and _luhn_ok(account)
            assert person.bank_name in {b[0] for b in generator.BANKS}
            assert person.bank_account_masked == "*" * 15 + account[-4:]
        else:
            assert person.bank_name == "" and person.bank_account_masked == ""
    assert len(set(numbers)) == len(numbers)
    assert areas["341199"] > 0.8 * PERSONS
    assert set(areas) - {"341199"}, "some people keep an old area code"
    # Paid categories have an account to be paid into.
    assert not Beneficiary.objects.filter(
        qualifications__category__in=PRIORITY_CATEGORIES, bank_account_masked=""
    ).exists()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def test_the_fast_check_character_is_the_standard_one() -> None:
    county = generator._County(_spec_for_test(), 0)
    for born in (date(1930, 1, 1), date(1964, 2, 29), date(1999, 12, 31), date(2024, 6, 30)):
        for male in (True, False):
            person = generator._Person("张", male, born, [])
            number = county.id_number(person)
            assert number == make_id_number(number[:6], person.birth, int(number[14:17]))


def _spec_for_test() -> Any:
    places = object.__new__(generator._Places)
    return generator._Spec(
        seed=1,
        chunks=1,
        stamp=None,
        places=places,
        surnames=("张",),
        male_names=("伟",),
        female_names=("芳",),
    )


def _clear_registry() -> None:
    Suspension.objects.all().delete()
    DisabilityAssessment.objects.all().delete()
    Qualification.objects.all().delete()
    Beneficiary.objects.all().delete()
    Household.objects.all().delete()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_county_and_another_seed_another() -> None:
    _load(600, "--seed", "7")
    first = _snapshot()
    _clear_registry()
    _load(600, "--seed", "7")
    assert _snapshot() == first
    _clear_registry()
    _load(600, "--seed", "8")
    assert _snapshot() != first


@pytest.mark.django_db
def test_chunks_drawn_in_a_worker_process_are_the_same_people(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "CHUNK", 250)
    _load(0)
    load_county(persons=1000, seed=3, actor=None, workers=0)
    here = _snapshot()
    numbers = [
        decrypt(t) for t in Beneficiary.objects.order_by("id").values_list("id_number_encrypted", flat=True)
    ]
    _clear_registry()
    result = load_county(persons=1000, seed=3, actor=None, workers=1)
    assert result.persons == 1000
    assert _snapshot() == here
    assert [
        decrypt(t) for t in Beneficiary.objects.order_by("id").values_list("id_number_encrypted", flat=True)
    ] == numbers


@pytest.mark.django_db
def test_loading_again_adds_nobody_and_one_audit_event_records_the_load() -> None:
    first = _load(PERSONS)
    assert f"{PERSONS:,} people" in first
    counts = (Beneficiary.objects.count(), Qualification.objects.count(), Household.objects.count())
    events = AuditEvent.objects.count()
    imported = AuditEvent.objects.get(event_type=EventType.REGISTRY_IMPORTED)
    assert imported.extra["source"] == "demo" and imported.extra["persons"] == PERSONS
    assert imported.actor_name == "admin"

    again = _load(PERSONS)
    assert "none added" in again
    assert (Beneficiary.objects.count(), Qualification.objects.count(), Household.objects.count()) == counts
    assert AuditEvent.objects.count() == events
    assert verify_chain().ok


@pytest.mark.django_db
def test_ids_continue_after_existing_rows_and_new_rows_still_get_ids() -> None:
    _load(300)
    last = Beneficiary.objects.order_by("-id").values_list("id", flat=True).first()
    person = Beneficiary.objects.order_by("id").first()
    assert person is not None
    person.pk = None
    person.id_number_index = "x" * 64
    person.save()
    assert person.pk is not None and last is not None and person.pk > last
    assert Beneficiary.objects.count() == 301


def _standards_in_force(clerk: User, leader: User) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(benefits.STANDARD_COLUMNS)
    writer.writerows(standards_rows(STANDARD_DATES[0]))
    data = out.getvalue().encode("utf-8-sig")
    imported = benefits.do_import_standards(data, acting_user=clerk, filename="standards.csv")
    version = StandardImport.objects.get(pk=imported.version)
    benefits.do_approve_standards(version, acting_user=leader)


@pytest.mark.django_db
def test_people_loaded_where_a_batch_settled_months_are_marked_for_the_next_batch() -> None:
    """The rows are written behind the registry's services: the load writes the marks their
    import would, so the county's next batch pays the new people every month owed since the
    payments start, as the full recomputation does, and not the new month alone."""
    _load(0)  # the regions and the demo accounts
    users = {u.username: u for u in User.objects.all()}
    clerk, leader, admin = users["clerk"], users["leader"], users["admin"]
    this_month = timezone.localdate().replace(day=1)
    start = add_months(this_month, -3)
    benefits.do_update_benefit_settings(acting_user=admin, payments_start=start)
    _standards_in_force(clerk, leader)
    # Last month's batch, settled while the county had nobody on its registry; it took the
    # standards' marks.
    settled = Batch.objects.create(
        county_id=COUNTY,
        period=add_months(this_month, -1),
        state=BatchState.CLOSED,
        created_by=clerk,
        payments_start=start,
    )
    changes.consume(settled)
    load_county(persons=300, actor=admin)
    marks = RecomputeMark.objects.filter(batch__isnull=True)
    assert set(marks.values_list("beneficiary_id", "since", "reason")) == {
        (pk, 0, "import") for pk in Beneficiary.objects.values_list("pk", flat=True)
    }
    result = do_reconcile(acting_user=clerk)
    assert result.agree, result.as_dict()["listed"][:5]
    batch = benefits.do_create_batch(this_month, acting_user=clerk)
    months = set(BatchItem.objects.filter(batch=batch).values_list("month", flat=True))
    assert months == {ym(add_months(start, n)) for n in range(4)}
    assert do_reconcile(acting_user=clerk, batch=batch).agree


@pytest.mark.django_db
def test_people_loaded_where_no_batch_settled_anything_need_no_marks() -> None:
    _load(50)
    assert not RecomputeMark.objects.exists()
