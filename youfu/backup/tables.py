"""What a backup copies: every model's table, column by column, as plain JSON values.

The same description serves both ways. Writing, each row becomes a JSON array of the values the
ORM reads (dates and times in ISO 8601 with their microseconds, decimals as text, JSON columns as
JSON); reading, each value goes back through its field (``to_python``, then
``get_db_prep_save``), so it lands in SQLite or PostgreSQL exactly as Django itself would have
written it there. That is what makes a backup of one engine restorable into the other.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.duration import duration_iso_string

from youfu.benefits.models import BatchItem, BatchLine

SCOPE_TRUSTED = (
    "a backup copies every table whole, for the admin who keeps the server (Capability.BACKUP, "
    "checked by youfu/backup/services.py); nothing here is shown to anyone"
)

# Tables `migrate` fills by itself (content types, permissions, the calendar seeded 2004–2026): a
# new database has their rows, and a restore replaces them with the backup's.
SEEDED_TABLES = frozenset({"django_content_type", "auth_permission", "core_calendarday", "core_calendaryear"})
# Sessions are not kept: after a restore everyone signs in again.
SKIPPED_TABLES = frozenset({"django_session"})
# On PostgreSQL these tables are partitioned by a column (the items and the bank lines by month,
# benefits migrations 0008 and 0010): a backup lists the values present, so a restore can attach
# their partitions first.
PARTITION_KEYS = {BatchItem._meta.db_table: "month", BatchLine._meta.db_table: "month"}

# Fields whose values are not JSON's own: written as text, read back through the field.
_CONVERTED = (
    models.DateTimeField,  # also DateField's subclass check below: DateTimeField first
    models.DateField,
    models.TimeField,
    models.DecimalField,
    models.DurationField,
    models.UUIDField,
    models.BinaryField,
    models.GenericIPAddressField,
    models.JSONField,
)


@dataclass(frozen=True)
class Table:
    model: type[models.Model]

    @property
    def name(self) -> str:
        return str(self.model._meta.db_table)

    @property
    def label(self) -> str:
        return str(self.model._meta.label)

    @cached_property
    def fields(self) -> list[models.Field[Any, Any]]:
        return list(self.model._meta.concrete_fields)

    @property
    def columns(self) -> list[str]:
        return [str(f.column) for f in self.fields]

    @property
    def attnames(self) -> list[str]:
        return [str(f.attname) for f in self.fields]

    @property
    def order(self) -> list[str]:
        """The primary key's columns (items have a composite key), so a dump is in a fixed order."""
        return [str(f.attname) for f in self.model._meta.pk_fields]

    @property
    def money(self) -> list[str]:
        """Money is integer fen (youfu/benefits/money.py): every ``*_fen`` column is summed."""
        return [
            str(f.column)
            for f in self.fields
            if isinstance(f, models.IntegerField) and str(f.column).endswith("_fen")
        ]

    @property
    def file_columns(self) -> list[int]:
        """Positions of the columns naming an uploaded or generated file under MEDIA_ROOT."""
        return [i for i, f in enumerate(self.fields) if isinstance(f, models.FileField)]

    @property
    def partition_column(self) -> int | None:
        column = PARTITION_KEYS.get(self.name)
        return None if column is None else self.columns.index(column)


def tables() -> list[Table]:
    """Every table Django knows, the many-to-many ones included, in the app registry's order."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in SKIPPED_TABLES:
            continue
        found.append(Table(model))
    return found


def encode(value: Any) -> Any:
    """``json.dumps``' ``default``: the text of a value JSON has no type for."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} to a backup")


Converter = Callable[[Any], Any]


def converters(table: Table, connection: BaseDatabaseWrapper) -> list[Converter | None]:
    """For each column, how a backup's value becomes the one to insert on ``connection``
    (None: as it is — integers, text, booleans)."""
    result: list[Converter | None] = []
    for field in table.fields:
        if isinstance(field, models.JSONField):
            result.append(_json(field, connection))
        elif isinstance(field, _CONVERTED):
            result.append(_through(field, connection))
        else:
            result.append(None)
    return result


def _json(field: models.JSONField[Any, Any], connection: BaseDatabaseWrapper) -> Converter:
    def convert(value: Any) -> Any:
        # None is SQL NULL, as Django stores it; the value itself is already JSON.
        return None if value is None else field.get_db_prep_save(value, connection)

    return convert


def _through(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Converter:
    def convert(value: Any) -> Any:
        return None if value is None else field.get_db_prep_save(field.to_python(value), connection)

    return convert
