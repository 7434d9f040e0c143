"""开户银行 was free text ("农行城关支行"); from now on it names a bank on the maintained list
(``youfu/core/banks.csv``), so that each bank gets its own bank file. Existing names are folded
onto the list where they can be; a name that is not on it is left exactly as it is (nothing is
lost) and listed for the clerk on the benefits' banks page (/benefits/banks/) to correct."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Case, Value, When


def normalise(apps: Any, schema_editor: Any) -> None:
    from youfu.core.banks import normalize_bank

    # The distinct names written (a few hundred at most), then one UPDATE for all of them:
    # two passes over the table, never a loop over people.
    for model_name in ("Beneficiary", "DeathPayee"):
        model = apps.get_model("registry", model_name)
        names = model.objects.exclude(bank_name="").values_list("bank_name", flat=True).order_by().distinct()
        folded = {written: normalize_bank(written) for written in names}
        changes = {written: bank for written, bank in folded.items() if bank is not None and bank != written}
        if changes:
            model.objects.filter(bank_name__in=list(changes)).update(
                bank_name=Case(*(When(bank_name=w, then=Value(b)) for w, b in changes.items()))
            )


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_search_indexes")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
