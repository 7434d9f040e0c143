"""``line_person`` led by the month: (month, person, status, benefits, batch, amount, arrears)
instead of (person, status, …) (issue 13, ``bench/bench_batch.py``).

Led by the person, the index held each person's lines together, so every batch put one new entry
beside each person's earlier ones, all over an index as large as the months paid: on SQLite (one
table, no partitions) a quiet month's lines cost more the longer the county had paid. Led by the
month, a batch's entries go in at the end. The readers name the months they want: a township's
summary its batches' months, a person's page the months of the county's batches.

Rebuilds the index over every line (about a minute per ten million lines). Reversed: the index
led by the person comes back."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0011_paid_months"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="batchline", name="line_person"),
        migrations.AddIndex(
            model_name="batchline",
            index=models.Index(
                fields=["month", "beneficiary", "status", "benefits", "batch", "amount_fen", "arrears_fen"],
                name="line_person",
            ),
        ),
    ]
