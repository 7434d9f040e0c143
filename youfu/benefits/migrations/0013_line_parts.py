"""The parts of the bank lines paying more than one benefit, per benefit (``LinePart``; issue 14,
``bench/bench_reports.py``).

The summary split what the bank paid by benefit from the items of those lines; on PostgreSQL the
items lie in a partition per month with no lower bound to prune them by (arrears reach back), and
at a million people and two years of history that one query cost 12.9 s of the county's 19.4 s.
The engine now writes each mixed line's amount per benefit beside it; here they are made from the
items of the mixed lines already there (those of every status, and those from before lines kept
their benefits, whose ``benefits`` is 0), in one ``INSERT … SELECT``.

Reversed: the table goes."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

# The lines of ``line_mixed`` (benefits migration 0009): their ``benefits`` is no single benefit's
# bit. ``{lines}`` is the lines table, on SQLite read through that index (and first: ``CROSS
# JOIN``), which without statistics would rather read every item and look its line up.
FILL = (
    "INSERT INTO benefits_linepart (batch_id, beneficiary_id, benefit, amount_fen, arrears_fen) "
    "SELECT i.batch_id, i.beneficiary_id, i.benefit, SUM(i.amount_fen), "
    "SUM(CASE WHEN i.arrears THEN i.amount_fen ELSE 0 END) "
    "FROM {lines} CROSS JOIN benefits_batchitem i "
    "WHERE NOT (l.benefits IN (1, 2, 4, 8, 16, 32, 64, 128, 256)) "
    "AND i.batch_id = l.batch_id AND i.beneficiary_id = l.beneficiary_id "
    "GROUP BY i.batch_id, i.beneficiary_id, i.benefit"
)


def fill_line_parts(apps: Any, schema_editor: Any) -> None:
    """The parts of the mixed lines there are, from their items (``tests/test_line_parts.py``)."""
    connection = schema_editor.connection
    hint = " INDEXED BY line_mixed" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        cursor.execute(FILL.format(lines=f"benefits_batchline l{hint}"))


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0012_line_person_by_month"),
        ("registry", "0003_normalise_bank_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="LinePart",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "batch",
                        "beneficiary",
                        "benefit",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "benefit",
                    models.CharField(
                        choices=[
                            ("disability_pension", "disability pension"),
                            ("survivor_pension", "survivor pension"),
                            ("living_subsidy", "living subsidy"),
                            ("conscript_family_allowance", "conscript family allowance"),
                            ("lump_sum_disability_pension", "death lump sum (disability pension)"),
                            ("lump_sum_survivor_pension", "death lump sum (survivor pension)"),
                            ("lump_sum_living_subsidy", "death lump sum (living subsidy)"),
                            ("relief", "temporary relief"),
                            ("medical", "medical top-up"),
                        ],
                        max_length=32,
                        verbose_name="benefit",
                    ),
                ),
                ("amount_fen", models.BigIntegerField()),
                ("arrears_fen", models.BigIntegerField(default=0)),
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
                (
                    "beneficiary",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="registry.beneficiary",
                    ),
                ),
            ],
            options={
                "ordering": ["batch", "beneficiary", "benefit"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount_fen__gt", 0)), name="line_part_amount_positive"
                    ),
                ],
            },
        ),
        migrations.RunPython(fill_line_parts, migrations.RunPython.noop, elidable=False),
    ]
