"""The bank lines carry their batch's period (``month``, yyyymm) and, on PostgreSQL, are
partitioned by it (RANGE on ``month``, one partition per month, named
``benefits_batchline_m202612``), as the items are (0008).

Why: the lines' indexes — one of them led by the person, into which every batch put a
million keys spread over the whole index — grew with every month paid, and so did the cost of
writing a month's lines (issue 13's history cost). A month's lines now go into a fresh, small
partition whose indexes start empty, whatever the history. The unique keys and the primary key
take the month as their last column, which PostgreSQL requires of a partitioned table's unique
keys; a batch has one period, so they mean what they meant. SQLite keeps one table."""

# Table names are constants here; months are integers read back from the table.
# ruff: noqa: S608

from django.db import migrations, models

LINES = "benefits_batchline"
OLD = "benefits_batchline_unpartitioned"


def _next(month: int) -> int:
    year, m = divmod(month, 100)
    return (year + 1) * 100 + 1 if m == 12 else month + 1


def add_month(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The column added in place (no copy of the table: ``ALTER TABLE … ADD COLUMN`` with a
    default is instant on both databases, where Django's own way on SQLite copies every line).
    SQLite fills it now; PostgreSQL as it moves the lines into their partitions below."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE {LINES} ADD COLUMN "month" integer NOT NULL DEFAULT 0 CHECK ("month" >= 0)'
        )
        if connection.vendor != "postgresql":
            cursor.execute(
                f"UPDATE {LINES} SET month = (SELECT CAST(strftime('%Y%m', b.period) AS INTEGER) "
                f"FROM benefits_batch b WHERE b.id = {LINES}.batch_id)"
            )


def drop_month(apps, schema_editor):  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {LINES} DROP COLUMN "month"')


def _constraints(cursor, table):  # type: ignore[no-untyped-def]
    """(name, kind, columns) of the table's primary key and unique constraints."""
    cursor.execute(
        "SELECT c.conname, c.contype, array_agg(a.attname ORDER BY k.i) FROM pg_constraint c "
        "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, i) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        "WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u') GROUP BY c.conname, c.contype",
        [table],
    )
    return [(name, kind, list(columns)) for name, kind, columns in cursor.fetchall()]


def _plain_indexes(cursor, table):  # type: ignore[no-untyped-def]
    """(name, definition) of the table's indexes that back no constraint."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    return list(cursor.fetchall())


def _rebuild(cursor, partitioned: bool) -> None:  # type: ignore[no-untyped-def]
    """The lines moved into a new table of the same name, columns, defaults, identity,
    checks, keys and indexes: partitioned by month or not."""
    constraints = _constraints(cursor, LINES)
    indexes = _plain_indexes(cursor, LINES)  # their definitions name LINES, the new table's name
    cursor.execute(f"ALTER TABLE {LINES} RENAME TO {OLD}")
    for name, _kind, _columns in constraints:
        cursor.execute(f'ALTER TABLE {OLD} RENAME CONSTRAINT "{name}" TO "{name}_old"')
    for name, _definition in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_old"')
    by = " PARTITION BY RANGE (month)" if partitioned else ""
    cursor.execute(
        f"CREATE TABLE {LINES} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY){by}"
    )
    for name, kind, columns in constraints:
        columns = [c for c in columns if c != "month"] + (["month"] if partitioned else [])
        what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
        cursor.execute(f'ALTER TABLE {LINES} ADD CONSTRAINT "{name}" {what} ({", ".join(columns)})')
    for _name, definition in indexes:
        cursor.execute(definition)
    if partitioned:
        cursor.execute(
            "SELECT DISTINCT CAST(to_char(b.period, 'YYYYMM') AS INTEGER) FROM benefits_batch b "
            f"WHERE EXISTS (SELECT 1 FROM {OLD} o WHERE o.batch_id = b.id) ORDER BY 1"
        )
        for (month,) in cursor.fetchall():
            cursor.execute(
                f"CREATE TABLE {LINES}_m{int(month)} PARTITION OF {LINES} "
                f"FOR VALUES FROM ({int(month)}) TO ({_next(int(month))})"
            )
    # Every column as it is, but the month: the batch's period (the column was just added).
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [OLD],
    )
    names = [name for (name,) in cursor.fetchall()]
    values = [
        "CAST(to_char(b.period, 'YYYYMM') AS INTEGER)" if name == "month" else f'o."{name}"' for name in names
    ]
    columns = ", ".join(f'"{name}"' for name in names)
    cursor.execute(
        f"INSERT INTO {LINES} ({columns}) SELECT {', '.join(values)} "
        f"FROM {OLD} o JOIN benefits_batch b ON b.id = o.batch_id"
    )
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{LINES}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
        f"FROM {LINES}"
    )
    cursor.execute(f"DROP TABLE {OLD} CASCADE")
    # Statistics for the new table and its partitions now, not when autovacuum comes by: the
    # engine's and the reports' plans depend on them (a partitioned parent is never analysed
    # by autovacuum at all).
    cursor.execute(f"ANALYZE {LINES}")


def partition(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0009_report_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="batchline",
                    name="month",
                    field=models.PositiveIntegerField(verbose_name="month"),
                ),
            ],
            database_operations=[
                migrations.RunPython(add_month, drop_month, elidable=False),
                migrations.RunPython(partition, unpartition, elidable=False),
            ],
        ),
    ]
