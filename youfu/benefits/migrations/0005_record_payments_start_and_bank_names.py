"""Two data fixes of the batches (issue 10):

- The payments start month is set explicitly now; before, an unset start silently meant the
  period of the county's first batch. Where a county has batches and no start month, that
  month is recorded as its start, so every batch pays exactly what it paid before.
- A payee's 开户银行 is folded onto the maintained bank list like the registry's (names not on
  the list are left as they are)."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Case, Min, Value, When


def record_start(apps: Any, schema_editor: Any) -> None:
    Batch = apps.get_model("benefits", "Batch")
    BenefitSettings = apps.get_model("benefits", "BenefitSettings")
    firsts = (
        Batch.objects.exclude(state="discarded").values("county_id").annotate(first=Min("period")).order_by()
    )
    for row in firsts:
        settings, _ = BenefitSettings.objects.get_or_create(region_id=row["county_id"])
        if settings.payments_start is None:
            settings.payments_start = row["first"]
            settings.save(update_fields=["payments_start"])


def normalise_payee_banks(apps: Any, schema_editor: Any) -> None:
    from youfu.core.banks import normalize_bank

    PendingLumpSum = apps.get_model("benefits", "PendingLumpSum")
    names = (
        PendingLumpSum.objects.exclude(payee_bank_name="")
        .values_list("payee_bank_name", flat=True)
        .order_by()
    )
    folded = {written: normalize_bank(written) for written in names.distinct()}
    changes = {written: bank for written, bank in folded.items() if bank is not None and bank != written}
    if changes:
        PendingLumpSum.objects.filter(payee_bank_name__in=list(changes)).update(
            payee_bank_name=Case(*(When(payee_bank_name=w, then=Value(b)) for w, b in changes.items()))
        )


class Migration(migrations.Migration):
    dependencies = [("benefits", "0004_money_parameters_maker_checker")]

    operations = [
        migrations.RunPython(record_start, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(normalise_payee_banks, migrations.RunPython.noop, elidable=True),
    ]
