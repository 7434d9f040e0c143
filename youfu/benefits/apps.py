from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "youfu.benefits"
    label = "benefits"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.benefits.batch_work import batches_waiting, unlisted_banks_waiting
        from youfu.benefits.changes import on_entitlement_changed
        from youfu.benefits.sections import payments_card
        from youfu.benefits.work import money_parameters_to_approve
        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav, register_person_section, register_work_source
        from youfu.registry.signals import entitlement_changed

        entitlement_changed.connect(on_entitlement_changed, dispatch_uid="benefits-recompute-marks")
        register_person_section("payments", payments_card, order=10)
        register_work_source("batches", _("Payment batches"), batches_waiting, order=15)
        register_work_source("banks", _("Banks"), unlisted_banks_waiting, order=16)
        register_work_source(
            "money_parameters", _("Standards and top-ups to approve"), money_parameters_to_approve, order=20
        )
        register_nav(
            "benefits",
            _("Benefits"),
            "benefits:batches",
            Capability.READ_PERSONAL_DATA,
            _("Standards, monthly bank batches, arrears, recoveries"),
            order=30,
        )
        # Standards and top-ups are entered by a county clerk and approved by a leader; the admin
        # keeps the payments start month on the same page. Each role reads its own description.
        register_nav(
            "standards_enter",
            _("Benefit standards"),
            "benefits:standards",
            Capability.WRITE_REGISTRY,
            _("Enter standards and the local top-up for a leader's approval"),
            order=40,
        )
        register_nav(
            "standards_approve",
            _("Benefit standards"),
            "benefits:standards",
            Capability.APPROVE,
            _("Approve or refuse the standards and top-ups a clerk entered"),
            order=41,
        )
        register_nav(
            "standards_settings",
            _("Benefit standards"),
            "benefits:standards",
            Capability.MANAGE_SETTINGS,
            _("Standards, local top-up, payments start month"),
            order=42,
        )
