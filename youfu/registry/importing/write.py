"""Writing a checked plan: set-based inserts and updates in one transaction, with the one
REGISTRY_IMPORTED audit record."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from youfu.audit.events import EventType
from youfu.audit.services import diff, record_event
from youfu.core.crypto import encrypt
from youfu.registry.categories import Category
from youfu.registry.importing.validate import PersonPlan, Plan, Update, chunks
from youfu.registry.models import Beneficiary, DisabilityAssessment, Qualification
from youfu.registry.services import (
    mask_account,
    name_keys,
    person_columns,
    qualification_columns,
    snapshot,
)
from youfu.registry.signals import entitlement_changed
from youfu.registry.validation import QualificationData

if TYPE_CHECKING:
    from youfu.accounts.models import User

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "the importer's write stage: set-based writes of a checked plan, inside the transaction of "
    "an import the entry point authorised and audits"
)

BATCH = 2000


# --- writing ----------------------------------------------------------------------------------


class _NameKeys(dict[str, tuple[str, str]]):
    """``services.name_keys`` once per distinct name, and per character where that gives the
    very same answer: pypinyin reads a character differently only inside a phrase of its
    dictionary, so a name none of whose substrings is such a phrase is the concatenation of
    its characters' pinyin (``test_import.TestNameKeys`` holds the two equal). Pinyin costs
    more than encrypting a row; a province's names repeat their characters far more often
    than the names themselves repeat."""

    def __init__(self) -> None:
        super().__init__()
        self.chars: dict[str, tuple[str, str]] = {}

    def __missing__(self, name: str) -> tuple[str, str]:
        keys = self._by_character(name) or name_keys(name)
        self[name] = keys
        return keys

    def _by_character(self, name: str) -> tuple[str, str] | None:
        if not _phrase_rule_holds() or not 2 <= len(name) <= 6 or any(ord(c) not in _PINYIN for c in name):
            return None
        for i in range(len(name) - 1):
            for j in range(i + 2, len(name) + 1):
                if name[i:j] in _PHRASES:
                    return None
        pinyin, initials = [], []
        for char in name:
            if char not in self.chars:
                self.chars[char] = name_keys(char)
            syllable, initial = self.chars[char]
            pinyin.append(syllable)
            initials.append(initial)
        return "".join(pinyin), "".join(initials)


try:
    from pypinyin.constants import PHRASES_DICT as _PHRASES
    from pypinyin.constants import PINYIN_DICT as _PINYIN
except ImportError:  # pragma: no cover - a pypinyin without them: every name goes the long way
    _PHRASES, _PINYIN = {}, {}


@functools.cache
def _phrase_rule_holds() -> bool:
    """No one-character "phrase": else a character could read differently alone."""
    return bool(_PHRASES) and not any(len(phrase) == 1 for phrase in _PHRASES)


def _qualification_rows(
    pairs: Iterable[tuple[int, QualificationData]],
) -> tuple[list[Qualification], list[tuple[int, QualificationData]]]:
    objs: list[Qualification] = []
    data: list[tuple[int, QualificationData]] = []
    for beneficiary_id, q in pairs:
        objs.append(Qualification(beneficiary_id=beneficiary_id, **qualification_columns(q)))
        data.append((beneficiary_id, q))
    return objs, data


def _create_qualifications(pairs: list[tuple[int, QualificationData]]) -> list[Qualification]:
    """Qualifications and, for disabled veterans, their first assessment (as
    ``services._create_qualification`` does one by one)."""
    objs, data = _qualification_rows(pairs)
    created = Qualification.objects.bulk_create(objs, batch_size=BATCH)
    assessments = [
        DisabilityAssessment(
            qualification_id=obj.pk,
            cause=q.disability_cause,
            level=q.disability_level,
            effective_on=q.approved_on,
        )
        for obj, (_, q) in zip(created, data, strict=True)
        if q.category == Category.DISABLED_VETERAN and q.disability_level
    ]
    DisabilityAssessment.objects.bulk_create(assessments, batch_size=BATCH)
    return created


# Django's bulk_create spends most of a 100,000-row import compiling each value of each
# field; a plain INSERT run by executemany, with the values adapted the way Django adapts
# them, is several times faster. Used only for the new people of an import, whose rows are
# built from validated data by ``person_columns`` and ``qualification_columns``.
_PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveSmallIntegerField,
    models.ForeignKey,
)


def _adapter(model_field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How Django would turn a value of this field into a query parameter (None: as it is)."""
    ops = connection.ops
    if isinstance(model_field, models.DateTimeField):
        adapt_datetime = ops.adapt_datetimefield_value
        seen: dict[Any, Any] = {}  # every row of an import has the same created_at

        def adapt(value: Any) -> Any:
            if value not in seen:
                seen[value] = adapt_datetime(value)
            return seen[value]

        return adapt
    if isinstance(model_field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(model_field, _PASS_THROUGH):
        return None
    raise TypeError(f"{model_field!r} needs an adapter")  # a new field type: teach it here


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts keyed by attname; missing fields take their default)."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    values_of = operator.itemgetter(*defaults)
    adapters = [(i, adapt) for i, f in enumerate(fields) if (adapt := _adapter(f)) is not None]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        for chunk in chunks(rows, BATCH):
            params = []
            for row in chunk:
                got = values_of({**defaults, **row})
                values = list(got) if len(fields) > 1 else [got]
                for i, adapt in adapters:
                    values[i] = adapt(values[i])
                params.append(values)
            if connection.vendor == "postgresql":
                # COPY: one stream instead of a statement per row; errors wrapped as Django's
                # own cursor would (a unique violation is an IntegrityError).
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    for values in params:
                        copy.write_row(values)
            else:
                # Only quoted table and column names from the model's meta reach the SQL text.
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608


def _insert_new_people(new: list[PersonPlan], now: datetime) -> tuple[list[int], int]:
    """The new people, their qualifications and first assessments; returns the people's ids
    and the number of qualifications."""
    keys = _NameKeys()
    people: list[dict[str, Any]] = []
    for p in new:
        columns = person_columns(p.person, keys=keys[p.person.name], index=p.index)
        columns["region_id"] = columns.pop("region").pk
        columns["township_id"] = columns.pop("township").pk
        columns["created_at"] = columns["updated_at"] = now
        people.append(columns)
    _insert(Beneficiary, people)
    ids: dict[str, int] = {}
    for chunk in chunks([p.index for p in new]):
        ids.update(Beneficiary.objects.filter(id_number_index__in=chunk).values_list("id_number_index", "pk"))
    qualifications = [
        {**qualification_columns(q), "beneficiary_id": ids[p.index], "created_at": now}
        for p in new
        for _, q in p.qualifications
    ]
    _insert(Qualification, qualifications)
    disabled = {
        ids[p.index]: q
        for p in new
        for _, q in p.qualifications
        if q.category == Category.DISABLED_VETERAN and q.disability_level
    }
    assessments: list[dict[str, Any]] = []
    for chunk in chunks(sorted(disabled)):
        found = Qualification.objects.filter(
            beneficiary_id__in=chunk, category=Category.DISABLED_VETERAN
        ).values_list("beneficiary_id", "pk")
        for beneficiary_id, pk in found:
            q = disabled[beneficiary_id]
            assessments.append(
                {
                    "qualification_id": pk,
                    "cause": q.disability_cause,
                    "level": q.disability_level,
                    "effective_on": q.approved_on,
                }
            )
    _insert(DisabilityAssessment, assessments)
    return sorted(ids.values()), len(qualifications)


def write(plan: Plan, updates: list[Update], *, acting_user: User, filename: str, digest: str) -> None:
    new = [p for p in plan.persons.values() if p.existing_pk is None]
    now = timezone.now()
    person_ids, qualifications_created = _insert_new_people(new, now)
    changed: list[Beneficiary] = []
    fields_changed: set[str] = set()
    added: list[Qualification] = []
    for u in updates:
        b = u.beneficiary
        if u.changes:
            before = snapshot(b)
            if "phone" in u.changes:
                b.phone = u.changes["phone"]
            if "bank_name" in u.changes:
                b.bank_name = u.changes["bank_name"]
            if "bank_account" in u.changes:
                b.bank_account_encrypted = encrypt(u.changes["bank_account"])
                b.bank_account_masked = mask_account(u.changes["bank_account"])
            b.updated_at = now
            old, _ = diff(before, snapshot(b))
            fields_changed.update(old)
            changed.append(b)
        if u.new_qualifications:
            added += _create_qualifications([(b.pk, q) for q in u.new_qualifications])
    Beneficiary.objects.bulk_update(
        changed,
        ["phone", "bank_name", "bank_account_encrypted", "bank_account_masked", "updated_at"],
        batch_size=BATCH,
    )
    # New people and new qualifications are owed from their approval: the payments recompute
    # them (a phone or an account changes nothing that is due).
    entitled = [*person_ids, *{u.beneficiary.pk for u in updates if u.new_qualifications}]
    if entitled:
        entitlement_changed.send(sender=Beneficiary, persons=entitled, since=None, reason="import")
    # One record for the whole file, however many people it holds (a province's import stays
    # fast): the ids it created and changed and the names of the fields it changed, never values.
    townships = {p.person.township.pk for p in new} | {
        u.beneficiary.township_id for u in updates if u.changes or u.new_qualifications
    }
    record_event(
        EventType.REGISTRY_IMPORTED,
        actor=acting_user,
        # The township when the file concerns one (its auditor sees it), else the importer's region.
        region=next(iter(townships)) if len(townships) == 1 else acting_user.region_id,
        object_type="registry.beneficiary",
        extra={
            "file": filename,
            "sha256": digest,
            "rows": plan.rows,
            "persons_created": len(person_ids),
            "qualifications_created": qualifications_created + len(added),
            "persons_updated": len(changed),
            # The new people's ids, so the log can tell which rows this import made.
            "beneficiary_ids": _ranges(person_ids),
            "updated_ids": _ranges([b.pk for b in changed]),
            "fields_changed": sorted(fields_changed),
            "qualification_ids": _ranges([q.pk for q in added]),
        },
    )


def _ranges(ids: list[int]) -> list[list[int]]:
    """[1, 2, 3, 7] → [[1, 3], [7, 7]]: bulk inserts are mostly consecutive."""
    out: list[list[int]] = []
    for pk in sorted(ids):
        if out and pk == out[-1][1] + 1:
            out[-1][1] = pk
        else:
            out.append([pk, pk])
    return out
