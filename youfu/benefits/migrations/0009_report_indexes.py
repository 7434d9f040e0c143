"""Two indexes on the bank lines for the reports (issue 14), found with ``bench/bench_reports.py``.

``line_person`` (person, status, benefits, batch, amount, arrears): the summary and the dashboard
count a year's paid lines person by person from the index alone — at a million people and ten
million lines, reading the wide rows (names, encrypted numbers) instead took most of a minute. It
begins with the person, so it takes over from the foreign key's own index on the person, which is
dropped. ``line_mixed``: the few lines paying more than one benefit, whose items the summary reads
to split their amount by benefit; every other line's amount is its one benefit's.

Both are plain ``AddIndex``/``AlterField``: reversed, the foreign key's index comes back."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0008_partition_items_by_month"),
        ("regions", "0001_initial"),
        ("registry", "0003_normalise_bank_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="batchline",
            index=models.Index(
                fields=["beneficiary", "status", "benefits", "batch", "amount_fen", "arrears_fen"],
                name="line_person",
            ),
        ),
        migrations.AlterField(
            model_name="batchline",
            name="beneficiary",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.beneficiary",
            ),
        ),
        migrations.AddIndex(
            model_name="batchline",
            index=models.Index(fields=["batch", "status", "beneficiary", "amount_fen"], name="line_batch"),
        ),
        migrations.AddIndex(
            model_name="batchline",
            index=models.Index(
                condition=models.Q(("benefits__in", (1, 2, 4, 8, 16, 32, 64, 128, 256)), _negated=True),
                fields=["batch", "beneficiary", "status"],
                name="line_mixed",
            ),
        ),
    ]
