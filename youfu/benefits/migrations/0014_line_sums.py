"""A batch's bank lines summed by status and benefits (``LineSum``; issue 14,
``bench/bench_reports.py``).

A county's summary of a year summed its ten million lines from the index ``line_sums`` (3.5 s of
the county summary's 7.4 s at a million people on PostgreSQL). The bank returns' import now
writes each batch's sums once it has marked the lines; here they are made for the batches the
bank has already answered (a line paid or failed), from their lines, in one ``INSERT … SELECT``.
The batches it has not answered yet keep none: the reports read their lines, and their first
import writes them.

Reversed: the table goes."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "INSERT INTO benefits_linesum (batch_id, status, benefits, lines, amount_fen, arrears_fen) "
    "SELECT l.batch_id, l.status, l.benefits, COUNT(*), SUM(l.amount_fen), SUM(l.arrears_fen) "
    "FROM benefits_batchline l WHERE l.batch_id IN (SELECT b.id FROM benefits_batch b "
    "WHERE b.state <> 'discarded' AND b.returned_paid + b.returned_failed > 0) "
    "GROUP BY l.batch_id, l.status, l.benefits"
)


def fill_line_sums(apps: Any, schema_editor: Any) -> None:
    """The sums of the batches answered by the bank (``tests/test_line_sums.py``)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0013_line_parts"),
    ]

    operations = [
        migrations.CreateModel(
            name="LineSum",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "batch",
                        "status",
                        "benefits",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "awaiting the bank"),
                            ("paid", "paid"),
                            ("failed", "failed"),
                            ("held", "held: no bank account"),
                        ],
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("benefits", models.PositiveIntegerField()),
                ("lines", models.PositiveIntegerField()),
                ("amount_fen", models.BigIntegerField()),
                ("arrears_fen", models.BigIntegerField()),
                (
                    "batch",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="benefits.batch",
                    ),
                ),
            ],
            options={
                "ordering": ["batch", "status", "benefits"],
            },
        ),
        migrations.RunPython(fill_line_sums, migrations.RunPython.noop, elidable=False),
    ]
