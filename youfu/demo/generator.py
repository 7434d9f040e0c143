"""The demo county's people: a synthetic registry calibrated to DESIGN.md §1.

At the default size (14,000 people) the county has ~3,300 priority beneficiaries, ~1,460
war or nuclear-test participants (两参) and ~220 disabled veterans; every count scales with
``persons``, so ``--persons 1000000`` is a county 71× larger with the same shape.

Each person lives in a household (family members of a conscript, an officer or a martyr
share one), in a village or community of the demo region tree, with an age that fits the
category: 两参 born in the 1930s–1960s, 烈士子女 and 农村籍退役士兵 over 60, conscripts'
parents in their 40s and 50s. Enlistment, discharge, approval and death dates follow from
the birth date and never lie after ``AS_OF``. ID numbers are valid (MOD 11-2 check
character; mostly the county's code 341199, some old or other codes), bank accounts are
19 digits with a Luhn check digit, phones are 11-digit mobiles. Names come from Faker's
zh_CN lists. The same seed gives the same people (not the same ciphertexts: encryption
is randomised).

Loading is set-based. The county is drawn in chunks of 25,000 people, each from its own
seeded random source, so the people are the same whichever process draws them: for a
large load, worker processes draw and encrypt (``core.crypto.encrypt``, ~15 µs a value)
while this one writes with COPY (PostgreSQL) or ``executemany`` (SQLite) into tables whose
secondary indexes — and on PostgreSQL foreign keys — are built again after the rows are
in, when the database holds nothing the demo did not make (otherwise its schema is left
alone and the rows go into the indexed tables). All of it is one transaction with one audit
event. It never adds people to a registry that already has some.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from faker import Faker

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits import changes
from youfu.benefits.models import Batch, BatchState
from youfu.core.crypto import encrypt
from youfu.core.idnumber import mask_id_number
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category, DisabilityCause
from youfu.registry.models import (
    Beneficiary,
    DisabilityAssessment,
    Household,
    PersonStatus,
    Qualification,
    QualificationStatus,
    Suspension,
)
from youfu.registry.services import id_number_index, mask_account, name_keys

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = "the demo county's generator fills a fictitious database; it never serves a request"

AS_OF = date(2026, 6, 30)  # the demo's "today": nothing happens after it
BASE_PERSONS = 14_000
DEFAULT_SEED = 2026
COUNTY = "341199000000"
COUNTY_AREA = "341199"
# Where older people's numbers were issued: the county's codes before the 2000s reform
# (342126 under the former prefecture), then neighbouring and distant counties.
OLD_AREAS = ("342126", "342126", "342126", "342101", "340121", "341221", "320324", "410526")
CHUNK = 25_000
# From this many people on, a load is large: worker processes draw the people, and the
# indexes (and foreign keys) are built and checked after the rows are written.
LARGE = 50_000
# Chunk k of n draws ID-number sequences k, k+n, ...: n stays small enough to leave each a few.
MAX_CHUNKS = 100

# Priority categories in the calibration below: 3,300 of 14,000 people. Profiles are the
# kinds of people, with their categories; two hold two categories (disabled 两参).
# (key, categories, people at 14,000)
PROFILES: tuple[tuple[str, tuple[Category, ...], int], ...] = (
    ("war", (Category.WAR_PARTICIPANT,), 1230),
    ("war_disabled", (Category.WAR_PARTICIPANT, Category.DISABLED_VETERAN), 70),
    ("nuclear", (Category.NUCLEAR_TEST_PARTICIPANT,), 150),
    ("nuclear_disabled", (Category.NUCLEAR_TEST_PARTICIPANT, Category.DISABLED_VETERAN), 10),
    ("disabled", (Category.DISABLED_VETERAN,), 140),
    ("martyr_survivor", (Category.MARTYR_SURVIVOR,), 55),
    ("duty_death_survivor", (Category.DUTY_DEATH_SURVIVOR,), 45),
    ("illness_death_survivor", (Category.ILLNESS_DEATH_SURVIVOR,), 50),
    ("demobilized", (Category.DEMOBILIZED_VETERAN,), 20),
    ("returned_ill", (Category.RETURNED_ILL_VETERAN,), 40),
    ("martyr_child", (Category.ELDERLY_MARTYR_CHILD,), 130),
    ("rural_veteran", (Category.ELDERLY_RURAL_VETERAN,), 1360),
    ("conscript_family", (Category.CONSCRIPT_FAMILY,), 1700),
    ("active_duty_family", (Category.ACTIVE_DUTY_FAMILY,), 2600),
    ("other_veteran", (Category.OTHER_VETERAN,), 6400),
)
# Household sizes (members in the registry) and their weights; the rest live alone.
HOUSEHOLD_SIZES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "martyr_survivor": ((1, 2, 3), (55, 35, 10)),
    "duty_death_survivor": ((1, 2, 3), (55, 35, 10)),
    "illness_death_survivor": ((1, 2, 3), (55, 35, 10)),
    "martyr_child": ((1, 2), (80, 20)),
    "conscript_family": ((1, 2, 3), (15, 70, 15)),
    "active_duty_family": ((1, 2, 3, 4), (30, 40, 25, 5)),
}
# 伤残等级: level 1 is the most severe; most disabled veterans have milder levels.
LEVEL_WEIGHTS = (1, 1.5, 2, 3, 4.5, 8, 11, 16, 22, 31)
BANKS = (
    # (name, 6-digit BIN, weight)
    ("农村商业银行", "623059", 45),
    ("中国邮政储蓄银行", "621799", 25),
    ("中国农业银行", "622848", 20),
    ("中国建设银行", "621700", 5),
    ("中国工商银行", "621226", 5),
)
PHONE_PREFIXES = tuple(
    [f"13{d}" for d in range(10)]
    + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + [f"18{d}" for d in range(10)]
)
ETHNICITIES = (("汉族", 980), ("回族", 15), ("满族", 3), ("壮族", 2))
SUSPENSION_REASONS = ("服刑", "出国定居待核实", "未参加年度确认")
END_REASONS = ("迁出本县", "取消资格")
STREETS = ("人民路", "解放路", "建设路", "文昌路", "新华街", "和平路", "胜利街", "青年路", "府前街", "东风路")

# ISO 7064 MOD 11-2 over 17 digits: weight 2^(17-i) mod 11, check character by remainder.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
_SEQ = tuple(f"{n:03d}" for n in range(1000))
_SEQ_SUM = tuple(
    sum(int(c) * w for c, w in zip(f"{n:03d}", _ID_WEIGHTS[14:], strict=True)) for n in range(1000)
)
_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def scaled_counts(persons: int) -> dict[str, int]:
    """Each profile's share of ``persons`` (largest remainder: they add up exactly)."""
    exact = [(key, count * persons / BASE_PERSONS) for key, _, count in PROFILES]
    counts = {key: int(x) for key, x in exact}
    short = persons - sum(counts.values())
    for key, _ in sorted(exact, key=lambda kx: kx[1] - int(kx[1]), reverse=True)[:short]:
        counts[key] += 1
    return counts


def _below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n): ``randrange`` without its argument checks (hot path)."""
    return int(rng.random() * n)


def _between(rng: random.Random, a: int, b: int) -> int:
    return a + int(rng.random() * (b - a + 1))


def _anniversary(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1)


@dataclass(slots=True)
class _Qual:
    category: str
    approved: date
    cause: str = ""
    level: int | None = None
    status: str = QualificationStatus.ACTIVE
    ended_on: date | None = None
    end_reason: str = ""
    enlisted: date | None = None
    discharged: date | None = None
    service_years: int | None = None
    # (started_on, ended_on or None, reason)
    suspension: tuple[date, date | None, str] | None = None


@dataclass(slots=True)
class _Person:
    surname: str
    male: bool
    birth: date
    quals: list[_Qual]
    residence: str = ""
    death: date | None = None


@dataclass
class DemoLoad:
    persons: int = 0
    households: int = 0
    qualifications: int = 0
    assessments: int = 0
    suspensions: int = 0
    deceased: int = 0
    seconds: float = 0.0
    skipped: bool = False
    # Whether the fast path dropped and rebuilt the tables' indexes (a large load into a
    # database that holds nothing the demo did not make).
    indexes_rebuilt: bool = False
    by_category: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Places:
    """The county's townships and villages (codes and names: plain data a worker process
    can receive), with how many people live where."""

    def __init__(self, rng: random.Random) -> None:
        regions = list(
            Region.objects.filter(code__startswith=COUNTY_AREA)
            .order_by("code")
            .values_list("code", "name", "level", "parent_id")
        )
        self.names = {code: name for code, name, _, _ in regions}
        self.townships = [code for code, _, level, _ in regions if level == RegionLevel.TOWNSHIP]
        if not self.townships:
            raise RuntimeError("Load the demo regions first.")
        self.villages: dict[str, list[str]] = {t: [] for t in self.townships}
        for code, _, level, parent in regions:
            if level == RegionLevel.VILLAGE and parent in self.villages:
                self.villages[parent].append(code)
        # The county seat is the largest; towns (镇, codes 1xx) are larger than 乡 (2xx).
        self._township_cum = _cumulative(
            [
                3.0 if i == 0 else (1.1 if t[6] == "1" else 0.6) * rng.uniform(0.7, 1.3)
                for i, t in enumerate(self.townships)
            ]
        )
        self._village_cum = {
            t: _cumulative([(2.5 if _is_community(v) else 1.0) * rng.uniform(0.5, 1.5) for v in vs])
            for t, vs in self.villages.items()
        }
        self._rural = {t: [v for v in vs if not _is_community(v)] or vs for t, vs in self.villages.items()}

    def pick(self, rng: random.Random, *, rural_only: bool = False) -> tuple[str, str]:
        """(region code, township code): a village, or rarely the township itself."""
        township = self.townships[_pick(rng, self._township_cum)]
        villages = self.villages[township]
        if not villages or rng.random() < 0.01:
            return township, township
        if rural_only:
            rural = self._rural[township]
            return rural[_below(rng, len(rural))], township
        return villages[_pick(rng, self._village_cum[township])], township


@dataclass(frozen=True)
class _Spec:
    """What every chunk is drawn from: the same in the main and the worker processes."""

    seed: int
    chunks: int
    stamp: Any
    places: _Places
    surnames: tuple[str, ...]
    male_names: tuple[str, ...]
    female_names: tuple[str, ...]


def _spec(seed: int, chunks: int, stamp: Any, places: _Places) -> _Spec:
    Faker.seed(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    # Faker draws surnames and given names with its own frequencies; a few thousand draws
    # keep those frequencies and let every person be named in O(1).
    return _Spec(
        seed=seed,
        chunks=chunks,
        stamp=stamp,
        places=places,
        surnames=tuple(fake.last_name() for _ in range(4000)),
        male_names=tuple(fake.first_name_male() for _ in range(1500)),
        female_names=tuple(fake.first_name_female() for _ in range(1500)),
    )


# Pure functions of a name or a birth date, cached for the life of the process.
_PINYIN: dict[str, tuple[str, str]] = {}
_ID_PREFIX: dict[tuple[str, date], tuple[str, int, int]] = {}


def _is_community(code: str) -> bool:
    """居委会 (社区) have village-segment codes 001–199; 村委会 200–399."""
    return code[9] in "01"


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cum: list[float]) -> int:
    """An index drawn with the weights whose running totals are ``cum``."""
    return bisect.bisect(cum, rng.random() * cum[-1])


class _County:
    """Draws one chunk's households, profile by profile, from its own seeded random source.

    Chunk ``k`` of ``n`` uses only ID-number sequences ``k, k + n, k + 2n, ...`` (times two,
    plus one for men), so chunks drawn in different processes never share a number.
    """

    def __init__(self, spec: _Spec, index: int) -> None:
        self.rng = random.Random(f"{spec.seed}/{index}")  # noqa: S311 - synthetic data, not secrets
        self.places = spec.places
        self.surnames = spec.surnames
        self.male_names = spec.male_names
        self.female_names = spec.female_names
        self._level_cum = _cumulative(LEVEL_WEIGHTS)
        self._bank_cum = _cumulative([b[2] for b in BANKS])
        self._ethnic_cum = _cumulative([e[1] for e in ETHNICITIES])
        self._sequences = tuple(range(index, 500, spec.chunks))
        self._used_ids: set[int] = set()

    # --- small draws ---------------------------------------------------------------------

    def day(self, lo: date, hi: date) -> date:
        a, b = lo.toordinal(), hi.toordinal()
        if b <= a:
            return lo
        return date.fromordinal(_between(self.rng, a, b))

    def after(self, d: date, lo_days: int, hi_days: int, *, cap: date = AS_OF) -> date:
        out = d + timedelta(days=_between(self.rng, lo_days, hi_days))
        return min(out, cap)

    def surname(self) -> str:
        return self.surnames[_below(self.rng, len(self.surnames))]

    def level(self) -> int:
        return _pick(self.rng, self._level_cum) + 1

    def service(self, birth: date, *, lo: date, hi: date, years: tuple[float, float]) -> tuple[date, date]:
        """Enlisted at 17–21 (within ``lo``..``hi``), discharged after ``years``."""
        start = max(_anniversary(birth, 17), lo)
        end = min(_anniversary(birth, 21), hi)
        enlisted = self.day(start, max(start, end))
        discharged = enlisted + timedelta(days=int(self.rng.uniform(*years) * 365.25))
        return enlisted, min(discharged, AS_OF - timedelta(days=30))

    # --- profiles ------------------------------------------------------------------------

    def household(self, profile: str, size: int) -> list[_Person]:
        make: Callable[[int], list[_Person]] = getattr(self, "_" + profile)
        return make(size)

    def _veteran(self, birth: date, category: str, approved: date, **service: Any) -> _Person:
        return _Person(
            surname=self.surname(),
            male=self.rng.random() < 0.985,
            birth=birth,
            quals=[_Qual(category, approved, **service)],
        )

    def _war(self, size: int, *, disabled: bool = False) -> list[_Person]:
        r = self.rng.random()
        # (born from, born to, war from, war to): 抗美援朝, 中印, 珍宝岛, 对越自卫反击战, 两山轮战
        if r < 0.04:
            era = (date(1928, 1, 1), date(1934, 6, 30), date(1950, 10, 19), date(1953, 7, 27))
        elif r < 0.08:
            era = (date(1939, 1, 1), date(1944, 6, 30), date(1962, 10, 20), date(1962, 11, 21))
        elif r < 0.11:
            era = (date(1946, 1, 1), date(1951, 3, 1), date(1969, 3, 2), date(1969, 3, 17))
        elif r < 0.71:
            era = (date(1955, 1, 1), date(1961, 12, 31), date(1979, 2, 17), date(1979, 3, 16))
        else:
            era = (date(1961, 1, 1), date(1969, 12, 31), date(1984, 4, 28), date(1989, 6, 30))
        birth = self.day(era[0], era[1])
        enlisted, discharged = self.service(
            birth, lo=era[2] - timedelta(days=4 * 365), hi=era[3] - timedelta(days=60), years=(3, 6)
        )
        discharged = max(discharged, era[3] + timedelta(days=180))
        person = self._veteran(
            birth,
            Category.WAR_PARTICIPANT,
            self._approved_2007(discharged),
            **self._served(enlisted, discharged),
        )
        if disabled:
            person.quals.append(self._disability(enlisted, discharged, combat=0.8, illness=0.0))
        if r < 0.04 and self.rng.random() < 0.45:
            person.death = self.day(person.quals[0].approved + timedelta(days=30), AS_OF)
        return [person]

    def _war_disabled(self, size: int) -> list[_Person]:
        return self._war(size, disabled=True)

    def _nuclear(self, size: int, *, disabled: bool = False) -> list[_Person]:
        birth = self.day(date(1940, 1, 1), date(1974, 12, 31))
        enlisted, discharged = self.service(birth, lo=date(1959, 1, 1), hi=date(1994, 12, 31), years=(3, 8))
        person = self._veteran(
            birth,
            Category.NUCLEAR_TEST_PARTICIPANT,
            self._approved_2007(discharged),
            **self._served(enlisted, discharged),
        )
        if disabled:
            person.quals.append(self._disability(enlisted, discharged, combat=0.0, illness=0.6))
        return [person]

    def _nuclear_disabled(self, size: int) -> list[_Person]:
        return self._nuclear(size, disabled=True)

    def _disabled(self, size: int) -> list[_Person]:
        birth = self.day(date(1935, 1, 1), date(2003, 12, 31))
        enlisted, discharged = self.service(
            birth, lo=date(1952, 1, 1), hi=AS_OF - timedelta(days=3 * 365), years=(2, 10)
        )
        qual = self._disability(enlisted, discharged, combat=0.15, illness=0.3)
        return [_Person(self.surname(), self.rng.random() < 0.98, birth, [qual])]

    def _disability(self, enlisted: date, discharged: date, *, combat: float, illness: float) -> _Qual:
        level = self.level()
        r = self.rng.random()
        if r < combat:
            cause = DisabilityCause.COMBAT
        elif r < combat + illness and level <= 6:
            cause = DisabilityCause.ILLNESS
        else:
            cause = DisabilityCause.DUTY
        # 评残: on or after discharge, mostly within two years.
        approved = self.after(discharged, 0, 730)
        return _Qual(
            Category.DISABLED_VETERAN,
            approved,
            cause=cause,
            level=level,
            **self._served(enlisted, discharged),
        )

    def _served(self, enlisted: date, discharged: date) -> dict[str, Any]:
        years = max(1, round((discharged - enlisted).days / 365.25))
        return {"enlisted": enlisted, "discharged": discharged, "service_years": years}

    def _approved_2007(self, discharged: date) -> date:
        """两参 living subsidies began in August 2007; most were approved in the first years."""
        start = max(date(2007, 8, 1), discharged + timedelta(days=30))
        if self.rng.random() < 0.6:
            return self.day(start, max(start, date(2009, 12, 31)))
        return self.day(start, AS_OF)

    def _survivors(self, size: int, category: str) -> list[_Person]:
        # The soldier died on ``died`` aged ``age``; his parents, spouse and children survive
        # him. Draw again until the household's members can all be alive and of an age.
        while True:
            if category == Category.MARTYR_SURVIVOR and self.rng.random() < 0.4:
                died = self.day(date(1979, 2, 17), date(1989, 12, 31))
            else:
                died = self.day(date(1965, 1, 1), date(2024, 12, 31))
            age = _between(self.rng, 19, 45)
            soldier = died - timedelta(days=int(age * 365.25))
            if soldier.year < 1934:
                continue
            roles = ["parent", "parent"] if soldier.year >= 1964 else []
            roles += ["spouse"] if age >= 21 else []
            roles += ["child"] * 3 if age >= 23 else []
            if len(roles) >= size:
                break
        surname = self.surname()
        approved = self.after(died, 30, 400)
        people = []
        for role in self.rng.sample(roles, size):
            if role == "parent":
                person = _Person(surname, self.rng.random() < 0.4, self._older(soldier, 21, 34), [])
            elif role == "spouse":
                birth = soldier + timedelta(days=_between(self.rng, -4 * 365, 4 * 365))
                person = _Person(self.surname(), self.rng.random() < 0.03, birth, [])
            else:
                birth = self.day(
                    soldier + timedelta(days=22 * 365), min(died, soldier + timedelta(days=40 * 365))
                )
                person = _Person(surname, self.rng.random() < 0.5, birth, [])
            qual = _Qual(category, max(approved, person.birth + timedelta(days=30)))
            adult = _anniversary(person.birth, 18)
            if role == "child" and qual.approved < adult <= AS_OF and self.rng.random() < 0.85:
                # A child's pension ends at 18 (unless still at school or unable to work).
                qual.status = QualificationStatus.ENDED
                qual.ended_on = adult
                qual.end_reason = "年满18周岁"
            person.quals.append(qual)
            people.append(person)
        return people

    def _martyr_survivor(self, size: int) -> list[_Person]:
        return self._survivors(size, Category.MARTYR_SURVIVOR)

    def _duty_death_survivor(self, size: int) -> list[_Person]:
        return self._survivors(size, Category.DUTY_DEATH_SURVIVOR)

    def _illness_death_survivor(self, size: int) -> list[_Person]:
        return self._survivors(size, Category.ILLNESS_DEATH_SURVIVOR)

    def _demobilized(self, size: int) -> list[_Person]:
        # 在乡复员军人: enlisted before November 1954.
        birth = self.day(date(1926, 1, 1), date(1936, 6, 30))
        enlisted = self.day(
            max(_anniversary(birth, 16), date(1945, 1, 1)), min(_anniversary(birth, 22), date(1954, 10, 31))
        )
        discharged = self.day(max(enlisted + timedelta(days=2 * 365), date(1955, 1, 1)), date(1958, 12, 31))
        approved = self.day(date(1985, 1, 1), date(2012, 12, 31))
        person = self._veteran(
            birth, Category.DEMOBILIZED_VETERAN, approved, **self._served(enlisted, discharged)
        )
        person.male = True
        person.residence = "rural"
        if self.rng.random() < 0.35:
            person.death = self.day(approved + timedelta(days=30), AS_OF)
        return [person]

    def _returned_ill(self, size: int) -> list[_Person]:
        birth = self.day(date(1945, 1, 1), date(1980, 12, 31))
        enlisted, discharged = self.service(birth, lo=date(1962, 1, 1), hi=date(2001, 12, 31), years=(2, 5))
        approved = self.after(discharged, 30, 730)
        return [
            self._veteran(
                birth, Category.RETURNED_ILL_VETERAN, approved, **self._served(enlisted, discharged)
            )
        ]

    def _martyr_child(self, size: int) -> list[_Person]:
        # 烈士子女 aged 60 or over; subsidies since 2012. Siblings share a household.
        surname = self.surname()
        people = []
        for _ in range(size):
            birth = self.day(date(1932, 1, 1), _anniversary(AS_OF, -60))
            start = max(_anniversary(birth, 60), date(2012, 1, 1))
            qual = _Qual(Category.ELDERLY_MARTYR_CHILD, self.day(start, AS_OF))
            people.append(_Person(surname, self.rng.random() < 0.5, birth, [qual]))
        return people

    def _rural_veteran(self, size: int) -> list[_Person]:
        # 农村籍退役士兵 aged 60 or over, paid per year of service; subsidies since August 2011.
        birth = self.day(date(1938, 1, 1), _anniversary(AS_OF, -60))
        enlisted, discharged = self.service(birth, lo=date(1954, 11, 1), hi=date(1990, 12, 31), years=(2, 6))
        start = max(_anniversary(birth, 60), date(2011, 8, 1))
        if self.rng.random() < 0.5:
            approved = self.day(start, max(start, _anniversary(start, 2)))
        else:
            approved = self.day(start, AS_OF)
        person = self._veteran(
            birth, Category.ELDERLY_RURAL_VETERAN, min(approved, AS_OF), **self._served(enlisted, discharged)
        )
        person.residence = "rural"
        return [person]

    def _conscript_family(self, size: int) -> list[_Person]:
        # The parents (and a grandparent) of a conscript; two years' service from March or
        # September. Families of conscripts who came home no longer receive the allowance.
        cohort = self.rng.choice(
            (
                date(2023, 3, 1),
                date(2023, 9, 1),
                date(2024, 3, 1),
                date(2024, 9, 1),
                date(2024, 9, 1),
                date(2025, 3, 1),
                date(2025, 3, 1),
                date(2025, 9, 1),
                date(2025, 9, 1),
                date(2026, 3, 1),
            )
        )
        conscript = self.day(_anniversary(cohort, -22), _anniversary(cohort, -18))
        surname = self.surname()
        approved = self.after(cohort, 10, 90)
        home = _anniversary(cohort, 2)
        people = []
        for i in range(size):
            if i == 0:
                person = _Person(surname, True, self._older(conscript, 22, 34), [])
            elif i == 1:
                person = _Person(self.surname(), False, self._older(conscript, 20, 32), [])
            else:
                person = _Person(surname, self.rng.random() < 0.5, self._older(conscript, 44, 56), [])
            qual = _Qual(Category.CONSCRIPT_FAMILY, approved)
            if home <= AS_OF:
                qual.status, qual.ended_on, qual.end_reason = QualificationStatus.ENDED, home, "服役期满"
            person.quals.append(qual)
            people.append(person)
        return people

    def _older(self, birth: date, lo_years: int, hi_years: int) -> date:
        return birth - timedelta(days=_between(self.rng, lo_years * 365, hi_years * 365))

    def _active_duty_family(self, size: int) -> list[_Person]:
        # An officer or NCO's parents, spouse and children.
        soldier = self.day(date(1976, 1, 1), date(2004, 12, 31))
        surname = self.surname()
        roles = ["parent", "parent", "spouse"]
        last_child = min(AS_OF - timedelta(days=60), soldier + timedelta(days=40 * 365))
        first_child = soldier + timedelta(days=24 * 365)
        if first_child < last_child:
            roles += ["child", "child"]
        people = []
        for role in self.rng.sample(roles, min(size, len(roles))) + ["parent"] * (size - len(roles)):
            if role == "parent":
                male = self.rng.random() < 0.5
                birth = self._older(soldier, 22, 34)
                person = _Person(surname if male else self.surname(), male, birth, [])
            elif role == "spouse":
                birth = soldier + timedelta(days=_between(self.rng, -4 * 365, 4 * 365))
                person = _Person(self.surname(), self.rng.random() < 0.1, birth, [])
            else:
                person = _Person(surname, self.rng.random() < 0.5, self.day(first_child, last_child), [])
            start = max(date(2008, 1, 1), person.birth + timedelta(days=30), _anniversary(soldier, 20))
            person.quals.append(_Qual(Category.ACTIVE_DUTY_FAMILY, self.day(min(start, AS_OF), AS_OF)))
            people.append(person)
        return people

    def _other_veteran(self, size: int) -> list[_Person]:
        r = self.rng.random()
        if r < 0.15:
            birth = self.day(date(1955, 1, 1), date(1966, 6, 30))
        elif r < 0.55:
            birth = self.day(date(1966, 7, 1), date(1985, 12, 31))
        else:
            birth = self.day(date(1986, 1, 1), date(2004, 12, 31))
        long_service = self.rng.random() < 0.2
        enlisted, discharged = self.service(
            birth,
            lo=date(1972, 1, 1),
            hi=AS_OF - timedelta(days=3 * 365),
            years=(5, 16) if long_service else (2, 4),
        )
        approved = self.after(discharged, 7, 120)
        person = self._veteran(birth, Category.OTHER_VETERAN, approved, **self._served(enlisted, discharged))
        if birth < date(1966, 7, 1):
            person.residence = "urban"  # rural veterans of that age are 农村籍退役士兵
        return [person]

    # --- life after approval -------------------------------------------------------------

    DEATH_RATE = {
        "war": 0.04,
        "war_disabled": 0.05,
        "nuclear": 0.04,
        "nuclear_disabled": 0.05,
        "disabled": 0.03,
        "martyr_survivor": 0.04,
        "duty_death_survivor": 0.03,
        "illness_death_survivor": 0.03,
        "returned_ill": 0.05,
        "martyr_child": 0.04,
        "rural_veteran": 0.04,
        "other_veteran": 0.005,
        "conscript_family": 0.002,
        "active_duty_family": 0.002,
    }

    def life(self, profile: str, person: _Person) -> None:
        """Deaths, suspensions, cancellations: what the services would have recorded."""
        rng = self.rng
        last = max(q.approved for q in person.quals)
        rate = self.DEATH_RATE.get(profile, 0.0)
        if person.death is None and rng.random() < rate and last + timedelta(days=30) < AS_OF:
            person.death = self.day(last + timedelta(days=30), AS_OF)
        if person.death is not None:
            return
        for qual in person.quals:
            if qual.status != QualificationStatus.ACTIVE or qual.category in (
                Category.ACTIVE_DUTY_FAMILY,
                Category.OTHER_VETERAN,
                Category.CONSCRIPT_FAMILY,
            ):
                continue
            if qual.approved + timedelta(days=400) >= AS_OF:
                continue
            r = rng.random()
            if r < 0.007:
                started = self.day(qual.approved + timedelta(days=365), AS_OF - timedelta(days=1))
                qual.status = QualificationStatus.SUSPENDED
                qual.suspension = (started, None, SUSPENSION_REASONS[_below(rng, len(SUSPENSION_REASONS))])
            elif r < 0.017:
                started = self.day(qual.approved + timedelta(days=365), AS_OF - timedelta(days=60))
                ended = self.after(started, 30, 720, cap=AS_OF - timedelta(days=1))
                qual.suspension = (started, ended, SUSPENSION_REASONS[_below(rng, len(SUSPENSION_REASONS))])
            elif r < 0.029:
                qual.status = QualificationStatus.ENDED
                qual.ended_on = self.day(qual.approved + timedelta(days=30), AS_OF)
                qual.end_reason = END_REASONS[_below(rng, len(END_REASONS))]

    # --- identifiers ---------------------------------------------------------------------

    def name(self, person: _Person) -> str:
        pool = self.male_names if person.male else self.female_names
        return person.surname + pool[_below(self.rng, len(pool))]

    def keys(self, name: str) -> tuple[str, str]:
        keys = _PINYIN.get(name)
        if keys is None:
            keys = _PINYIN[name] = name_keys(name)
        return keys

    def id_number(self, person: _Person) -> str:
        """A valid, unused number: area + birth date + sequence (odd for men) + check."""
        rng = self.rng
        area = COUNTY_AREA
        if person.birth.year < 1995 and rng.random() < 0.15:
            area = OLD_AREAS[_below(rng, len(OLD_AREAS))]
        birth = person.birth
        sex = 1 if person.male else 0
        for attempt in range(200):
            key = (area, birth)
            cached = _ID_PREFIX.get(key)
            if cached is None:
                prefix = f"{area}{birth:%Y%m%d}"
                total = sum(int(c) * w for c, w in zip(prefix, _ID_WEIGHTS, strict=False))
                cached = _ID_PREFIX[key] = (prefix, int(prefix) * 1000, total)
            prefix, body, total = cached
            sequences = self._sequences
            seq = 2 * sequences[_below(rng, len(sequences))] + sex
            if body + seq in self._used_ids:
                if attempt % 10 == 9:  # a crowded day: the registered birth date is a day off
                    birth -= timedelta(days=1)
                    person.birth = birth
                continue
            self._used_ids.add(body + seq)
            return f"{prefix}{_SEQ[seq]}{_ID_CHECK[(total + _SEQ_SUM[seq]) % 11]}"
        raise RuntimeError("no free ID number")  # pragma: no cover

    def phone(self) -> str:
        rng = self.rng
        return PHONE_PREFIXES[_below(rng, len(PHONE_PREFIXES))] + f"{_below(rng, 100_000_000):08d}"

    def bank(self) -> tuple[str, str]:
        name, bin_, _ = BANKS[_pick(self.rng, self._bank_cum)]
        payload = bin_ + f"{_below(self.rng, 10**12):012d}"
        total = 0
        for i, ch in enumerate(reversed(payload)):
            d = ord(ch) - 48
            total += _LUHN_DOUBLE[d] if i % 2 == 0 else d
        return name, payload + str((10 - total % 10) % 10)

    def ethnicity(self) -> str:
        return ETHNICITIES[_pick(self.rng, self._ethnic_cum)][0]

    def address(self, region: str, township: str) -> str:
        rng = self.rng
        town = self.places.names[township]
        if region == township:
            return f"{town}{STREETS[_below(rng, len(STREETS))]}{_between(rng, 1, 300)}号"
        place = self.places.names[region]
        if _is_community(region):
            street = STREETS[_below(rng, len(STREETS))]
            return f"{town}{place}{street}{_between(rng, 1, 400)}号"
        return f"{town}{place}{_between(rng, 1, 12)}组{_between(rng, 1, 99)}号"


# --- writing ----------------------------------------------------------------------------------


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


class _Writer:
    """Rows straight into tables: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self) -> None:
        self.vendor = connection.vendor

    def insert(self, model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        columns = ", ".join(qn(_column(model, f)) for f in fields)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from _meta
                cursor.executemany(sql, rows)


HOUSEHOLD_FIELDS = ("id", "region", "address", "created_at")
PERSON_FIELDS = (
    "id",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number_encrypted",
    "id_number_index",
    "id_number_masked",
    "id_number_last4",
    "residence",
    "region",
    "township",
    "household",
    "phone",
    "bank_name",
    "bank_account_encrypted",
    "bank_account_masked",
    "status",
    "death_date",
    "notes",
    "created_at",
    "updated_at",
)
QUALIFICATION_FIELDS = (
    "id",
    "beneficiary",
    "category",
    "disability_cause",
    "disability_level",
    "approved_on",
    "status",
    "ended_on",
    "end_reason",
    "enlisted_on",
    "discharged_on",
    "service_years",
    "notes",
    "created_at",
)
ASSESSMENT_FIELDS = ("qualification", "cause", "level", "effective_on")
SUSPENSION_FIELDS = ("qualification", "started_on", "ended_on", "reason")
_MODELS: tuple[type[models.Model], ...] = (
    Household,
    Beneficiary,
    Qualification,
    DisabilityAssessment,
    Suspension,
)


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("id"))["m"] or 0) + 1


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def plan(persons: int, rng: random.Random) -> list[tuple[str, int]]:
    """The households to draw, (profile, members), in a shuffled order."""
    groups: list[tuple[str, int]] = []
    for key, count in scaled_counts(persons).items():
        sizes, weights = HOUSEHOLD_SIZES.get(key, ((1,), (1,)))
        left = count
        while left > 0:
            size = min(left, rng.choices(sizes, weights)[0])
            groups.append((key, size))
            left -= size
    rng.shuffle(groups)
    return groups


@dataclass
class _Chunk:
    households: list[tuple[Any, ...]] = field(default_factory=list)
    people: list[tuple[Any, ...]] = field(default_factory=list)
    qualifications: list[tuple[Any, ...]] = field(default_factory=list)
    assessments: list[tuple[Any, ...]] = field(default_factory=list)
    suspensions: list[tuple[Any, ...]] = field(default_factory=list)
    deceased: int = 0
    by_category: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Task:
    """Chunk ``index``: these households, with ids numbered from these."""

    index: int
    groups: list[tuple[str, int]]
    household_id: int
    person_id: int
    qualification_id: int


def _tasks(groups: list[tuple[str, int]], chunk_size: int) -> list[_Task]:
    per_person = {key: len(categories) for key, categories, _ in PROFILES}
    household_id, person_id, qual_id = (_next_id(m) for m in (Household, Beneficiary, Qualification))
    tasks: list[_Task] = []
    start = people = quals = 0
    for i, (profile, size) in enumerate(groups, 1):
        people += size
        quals += size * per_person[profile]
        if people >= chunk_size or i == len(groups):
            tasks.append(_Task(len(tasks), groups[start:i], household_id, person_id, qual_id))
            household_id += i - start
            person_id += people
            qual_id += quals
            start, people, quals = i, 0, 0
    return tasks


def _draw(spec: _Spec, task: _Task) -> _Chunk:
    """One chunk's rows, personal data encrypted: the same whichever process draws it."""
    county = _County(spec, task.index)
    rng, places, stamp = county.rng, spec.places, spec.stamp
    household_id, person_id, qual_id = task.household_id, task.person_id, task.qualification_id
    chunk = _Chunk()
    by_category = chunk.by_category
    for profile, size in task.groups:
        members = county.household(profile, size)
        region, township = places.pick(rng, rural_only=profile in ("rural_veteran", "demobilized"))
        chunk.households.append((household_id, region, county.address(region, township), stamp))
        community = _is_community(region) or region == township
        shared_phone = county.phone()
        for person in members:
            county.life(profile, person)
            if person.residence:
                residence = person.residence
            elif community:
                residence = "urban" if rng.random() < 0.85 else "rural"
            else:
                residence = "rural" if rng.random() < 0.95 else "urban"
            name = county.name(person)
            pinyin, initials = county.keys(name)
            number = county.id_number(person)
            if profile in ("active_duty_family", "other_veteran") and rng.random() >= 0.35:
                bank_name = account = ""
            else:
                bank_name, account = county.bank()
            if person.birth.year < 1936 and rng.random() < 0.3:
                phone = ""
            elif size > 1 and rng.random() < 0.3:
                phone = shared_phone
            else:
                phone = county.phone()
            dead = person.death is not None
            chunk.deceased += dead
            chunk.people.append(
                (
                    person_id,
                    name,
                    pinyin,
                    initials,
                    "male" if person.male else "female",
                    county.ethnicity(),
                    person.birth.isoformat(),
                    encrypt(number),
                    id_number_index(number),
                    mask_id_number(number),
                    number[-4:],
                    residence,
                    region,
                    township,
                    household_id,
                    phone,
                    bank_name,
                    encrypt(account),
                    mask_account(account),
                    PersonStatus.DECEASED if dead else PersonStatus.ALIVE,
                    _iso(person.death),
                    "",
                    stamp,
                    stamp,
                )
            )
            for qual in person.quals:
                by_category[qual.category] = by_category.get(qual.category, 0) + 1
                approved = qual.approved.isoformat()
                chunk.qualifications.append(
                    (
                        qual_id,
                        person_id,
                        qual.category,
                        qual.cause,
                        qual.level,
                        approved,
                        qual.status,
                        _iso(qual.ended_on),
                        qual.end_reason,
                        _iso(qual.enlisted),
                        _iso(qual.discharged),
                        qual.service_years,
                        "",
                        stamp,
                    )
                )
                if qual.level is not None:
                    chunk.assessments.append((qual_id, qual.cause, qual.level, approved))
                if qual.suspension is not None:
                    started, ended, reason = qual.suspension
                    chunk.suspensions.append((qual_id, started.isoformat(), _iso(ended), reason))
                qual_id += 1
            person_id += 1
        household_id += 1
    return chunk


_WORKER_SPEC: _Spec | None = None


def _start_worker(spec: _Spec) -> None:
    global _WORKER_SPEC
    _WORKER_SPEC = spec


def _draw_in_worker(task: _Task) -> _Chunk:
    assert _WORKER_SPEC is not None
    return _draw(_WORKER_SPEC, task)


def _drawn(spec: _Spec, tasks: list[_Task], workers: int) -> Iterator[_Chunk]:
    """The chunks in order, drawn here or by ``workers`` processes forked from this one
    (they inherit the settings and the key, and never touch the database connection)."""
    if workers <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            yield _draw(spec, task)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(spec,)
    ) as pool:
        ahead = 2 * workers  # chunks drawn ahead of the writer: bounded memory
        pending: deque[Future[_Chunk]] = deque(pool.submit(_draw_in_worker, t) for t in tasks[:ahead])
        queued = iter(tasks[ahead:])
        while pending:
            chunk = pending.popleft().result()
            following = next(queued, None)
            if following is not None:
                pending.append(pool.submit(_draw_in_worker, following))
            yield chunk


def _write(writer: _Writer, chunk: _Chunk, result: DemoLoad) -> None:
    writer.insert(Household, HOUSEHOLD_FIELDS, chunk.households)
    writer.insert(Beneficiary, PERSON_FIELDS, chunk.people)
    writer.insert(Qualification, QUALIFICATION_FIELDS, chunk.qualifications)
    writer.insert(DisabilityAssessment, ASSESSMENT_FIELDS, chunk.assessments)
    writer.insert(Suspension, SUSPENSION_FIELDS, chunk.suspensions)
    result.households += len(chunk.households)
    result.persons += len(chunk.people)
    result.qualifications += len(chunk.qualifications)
    result.assessments += len(chunk.assessments)
    result.suspensions += len(chunk.suspensions)
    result.deceased += chunk.deceased
    for category, n in chunk.by_category.items():
        result.by_category[category] = result.by_category.get(category, 0) + n


def records_not_from_the_demo(demo_usernames: Iterable[str]) -> list[str]:
    """What the database holds that load-demo did not make: accounts other than the demo's,
    regions outside the demo county, people. Empty on a database only the demo has filled."""
    found = []
    if User.objects.exclude(username__in=list(demo_usernames)).exists():
        found.append("users")
    if Region.objects.exclude(code__startswith=COUNTY_AREA).exists():
        found.append("regions")
    if Beneficiary.objects.exists():
        found.append("people")
    return found


def load_county(
    *,
    persons: int = BASE_PERSONS,
    seed: int = DEFAULT_SEED,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    demo_usernames: Iterable[str] = (),
) -> DemoLoad:
    """Fill an empty registry with the demo county; a registry with people is left alone.

    ``workers``: processes drawing and encrypting chunks while this one writes (default:
    one per CPU for large loads, none for small ones). The people are the same either way.
    A large load drops the registry tables' indexes (and foreign keys) and builds them again
    afterwards, but only in a database holding nothing the demo did not make (its accounts
    are ``demo_usernames``): the schema of a database with real records is never touched.
    """
    started = time.monotonic()
    if persons <= 0:
        return DemoLoad()
    if Beneficiary.objects.exists():
        return DemoLoad(skipped=True)
    large = persons >= LARGE
    rebuild = large and not records_not_from_the_demo(demo_usernames)
    if workers is None:
        workers = (os.cpu_count() or 1) if large else 0
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    places = _Places(rng)
    result = DemoLoad()
    writer = _Writer()
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    # SQLite checks each row's foreign keys as it is written; a large load has them checked
    # once at the end instead (possible only outside a transaction, so never in tests).
    unchecked = rebuild and connection.vendor == "sqlite" and connection.disable_constraint_checking()
    result.indexes_rebuilt = rebuild
    try:
        with _large_sqlite_cache(), transaction.atomic(), _built_after(_MODELS, enabled=rebuild):
            tasks = _tasks(plan(persons, rng), max(CHUNK, -(-persons // MAX_CHUNKS)))
            spec = _spec(seed, len(tasks), stamp, places)
            for chunk in _drawn(spec, tasks, workers):
                _write(writer, chunk, result)
                if progress is not None:
                    progress(result.persons, persons)
            if unchecked:
                connection.check_constraints(table_names=[m._meta.db_table for m in _MODELS])
            _reset_sequences()
            _mark_for_the_next_batch()
            record_event(
                EventType.REGISTRY_IMPORTED,
                actor=actor,
                region=COUNTY,
                object_type="registry.beneficiary",
                extra={
                    "source": "demo",
                    "persons": result.persons,
                    "households": result.households,
                    "qualifications": result.qualifications,
                    "seed": seed,
                },
            )
    finally:
        if unchecked:
            connection.enable_constraint_checking()
    if large and connection.vendor == "postgresql":
        # Fresh statistics for the planner now, rather than when autovacuum comes round.
        with connection.cursor() as cursor:
            for model in _MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _mark_for_the_next_batch() -> None:
    """The marks the registry's import writes (through ``entitlement_changed``) for the people it
    adds: each person, every month. Written only where they mean something: a county that has a
    batch other than a discarded one would otherwise pay these people, in its next batch, only the
    new month, and disagree with the full recomputation (``youfu reconcile --full``). A county
    without one has settled nothing: its first batch computes everything (``changes.plan_for``),
    and a million marks would only be consumed."""
    if Batch.objects.filter(county_id=COUNTY).exclude(state=BatchState.DISCARDED).exists():
        # The registry was empty: everyone on it now came with this load.
        changes.mark_persons(Beneficiary.objects.values_list("pk", flat=True), None, "import")


@contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """A large page cache, and sorting in memory, while SQLite fills a million-row table
    and builds its indexes. (Where to sort can only be set outside a transaction.)"""
    if connection.vendor != "sqlite":
        yield
        return
    pragmas = ["cache_size"] if connection.in_atomic_block else ["cache_size", "temp_store"]
    with connection.cursor() as cursor:
        before = {}
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
            before[pragma] = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
        if "temp_store" in pragmas:
            cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in before.items():
                cursor.execute(f"PRAGMA {pragma} = {value:d}")


# Rows arrive in the order of these columns (ids numbered as they are written), so their
# indexes grow at the end, cheaply: they are kept up as the rows come in.
_IN_ORDER = frozenset({"household_id", "beneficiary_id", "qualification_id"})


def _secondary_indexes(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of a table's indexes that back no constraint and do
    not start with a column the rows arrive in order of."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = to_regclass(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                [connection.ops.quote_name(table)],
            )
        else:
            return []
        indexes = cursor.fetchall()
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        (name, sql)
        for name, sql in indexes
        if (constraints.get(name, {}).get("columns") or [""])[0] not in _IN_ORDER
    ]


def _foreign_keys(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, definition) of a PostgreSQL table's foreign keys."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        return [(name, definition) for name, definition in cursor.fetchall()]


@contextmanager
def _built_after(tables: Sequence[type[models.Model]], *, enabled: bool) -> Iterator[None]:
    """Drop the tables' secondary indexes while they are filled, then build each in one
    pass: sorting a million keys once is far cheaper than a million random inserts into
    each index. On PostgreSQL the foreign keys likewise: added back, each is checked by
    one query instead of a deferred trigger per row (which would also forbid building an
    index before the commit). Inside the caller's transaction, so a failed load leaves
    the schema as it was."""
    qn = connection.ops.quote_name
    after: list[str] = []
    with connection.cursor() as cursor:
        for model in tables if enabled else ():
            table = qn(model._meta.db_table)
            for name, sql in _secondary_indexes(model):
                cursor.execute(f"DROP INDEX {qn(name)}")
                after.insert(0, sql)
            for name, definition in _foreign_keys(model):
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
                after.append(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")
    yield
    with connection.cursor() as cursor:
        for sql in after:
            cursor.execute(sql)


def _reset_sequences() -> None:
    """Explicit ids were written: PostgreSQL's sequences must move past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(_MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
