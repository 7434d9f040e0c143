"""Extensions need a leader's approval (信访工作条例 Art. 34): each request is a row.

Petitions extended before this change keep their extension: it is recorded as approved
(the approving leader was not recorded then, so ``decided_by`` stays empty; the clerk who
extended is taken from the petition's timeline)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def extended_as_approved(apps, schema_editor):  # type: ignore[no-untyped-def]
    Petition = apps.get_model("petitions", "Petition")
    PetitionEvent = apps.get_model("petitions", "PetitionEvent")
    Extension = apps.get_model("petitions", "Extension")
    extender = (
        PetitionEvent.objects.filter(petition_id=OuterRef("pk"), action="extend")
        .order_by("at", "pk")
        .values("actor_id")[:1]
    )
    rows = (
        Petition.objects.filter(extension_days__isnull=False)
        .annotate(extender=Subquery(extender))
        .values("pk", "extension_days", "extension_reason", "extended_on", "created_at", "extender")
        .order_by("pk")
    )
    batch = []
    for row in rows.iterator(chunk_size=2000):
        on = row["extended_on"] or row["created_at"].date()
        batch.append(
            Extension(
                petition_id=row["pk"],
                state="approved",
                days=row["extension_days"],
                reason=row["extension_reason"],
                requested_on=on,
                requested_by_id=row["extender"],
                decided_on=on,
                decided_by_id=None,
            )
        )
        if len(batch) >= 2000:
            Extension.objects.bulk_create(batch)
            batch = []
    Extension.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_reception_day_cancellation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Extension",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "waiting for a leader's approval"),
                            ("approved", "approved"),
                            ("refused", "not approved"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("days", models.PositiveSmallIntegerField(verbose_name="days")),
                ("reason", models.TextField(verbose_name="reason for the extension")),
                ("requested_on", models.DateField(verbose_name="requested on")),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_on", models.DateField(blank=True, null=True, verbose_name="decided on")),
                ("refusal_reason", models.TextField(blank=True, verbose_name="reason for the refusal")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "petition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="extensions",
                        to="petitions.petition",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "extension",
                "verbose_name_plural": "extensions",
                "ordering": ["petition", "pk"],
                "indexes": [models.Index(fields=["state", "requested_on"], name="extension_state_requested")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("days__gte", 1), ("days__lte", 30)), name="extension_days_1_30"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("state__in", ["pending", "approved"])),
                        fields=("petition",),
                        name="extension_one_live_per_petition",
                    ),
                ],
            },
        ),
        migrations.RunPython(extended_as_approved, migrations.RunPython.noop),
    ]
