from django.apps import AppConfig


class OutreachConfig(AppConfig):
    """Pairing support, visits and needs checks:
    one sub-package per area, each registering its own person card, work items and menu entry."""

    name = "youfu.outreach"
    label = "outreach"

    def ready(self) -> None:
        from youfu.outreach.needs import wiring as needs
        from youfu.outreach.pairing import wiring as pairing
        from youfu.outreach.visits import wiring as visits

        pairing.register()
        visits.register()
        needs.register()  # their menu entries join relief's "care" group
