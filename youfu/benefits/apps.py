from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "youfu.benefits"
    label = "benefits"

    def ready(self) -> None:
        from youfu.benefits.sections import payments_card
        from youfu.core.sections import register_person_section

        register_person_section("payments", payments_card, order=10)
