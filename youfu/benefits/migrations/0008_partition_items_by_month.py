"""On PostgreSQL, the payment items are partitioned by month (RANGE on ``month``, one partition
per month, named ``benefits_batchitem_m202612``): a batch writes its new month into a fresh,
small partition, and the months a late change reaches are found without touching the others.
The engine attaches the partitions a batch needs before it runs (``engine.prepare_partitions``).
SQLite keeps one table. The model is unchanged: Django sees the same table either way."""

# Table names are constants here; months are integers read back from the table.
# ruff: noqa: S608

from django.db import migrations

ITEMS = "benefits_batchitem"
OLD = "benefits_batchitem_unpartitioned"


def _next(month: int) -> int:
    year, m = divmod(month, 100)
    return (year + 1) * 100 + 1 if m == 12 else month + 1


def partition(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [ITEMS]
        )
        (pkey,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {ITEMS} RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {pkey} TO {OLD}_pkey")
        cursor.execute(
            f"CREATE TABLE {ITEMS} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
            "PARTITION BY RANGE (month)"
        )
        cursor.execute(
            f"ALTER TABLE {ITEMS} ADD CONSTRAINT {pkey} "
            "PRIMARY KEY (batch_id, beneficiary_id, benefit, month)"
        )
        cursor.execute(f"SELECT DISTINCT month FROM {OLD} ORDER BY month")
        for (month,) in cursor.fetchall():
            cursor.execute(
                f"CREATE TABLE {ITEMS}_m{int(month)} PARTITION OF {ITEMS} "
                f"FOR VALUES FROM ({int(month)}) TO ({_next(int(month))})"
            )
        cursor.execute(f"INSERT INTO {ITEMS} SELECT * FROM {OLD}")
        cursor.execute(f"DROP TABLE {OLD}")


def unpartition(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [ITEMS]
        )
        (pkey,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {ITEMS} RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {pkey} TO {OLD}_pkey")
        cursor.execute(f"CREATE TABLE {ITEMS} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"ALTER TABLE {ITEMS} ADD CONSTRAINT {pkey} "
            "PRIMARY KEY (batch_id, beneficiary_id, benefit, month)"
        )
        cursor.execute(f"INSERT INTO {ITEMS} SELECT * FROM {OLD}")
        cursor.execute(f"DROP TABLE {OLD} CASCADE")


class Migration(migrations.Migration):
    dependencies = [("benefits", "0007_recompute_marks")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
