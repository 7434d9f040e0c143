from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "youfu.benefits"
    label = "benefits"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.benefits.batch_work import batches_waiting, unlisted_banks_waiting
        from youfu.benefits.sections import payments_card
        from youfu.benefits.work import money_parameters_to_approve
        from youfu.core.sections import register_person_section, register_work_source

        register_person_section("payments", payments_card, order=10)
        register_work_source("batches", _("Payment batches"), batches_waiting, order=15)
        register_work_source("banks", _("Banks"), unlisted_banks_waiting, order=16)
        register_work_source(
            "money_parameters", _("Standards and top-ups to approve"), money_parameters_to_approve, order=20
        )
