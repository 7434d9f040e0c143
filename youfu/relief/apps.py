from django.apps import AppConfig


class ReliefConfig(AppConfig):
    """Relief, medical top-ups, housing and what people are owed:
    one sub-package per area, each registering its own person card, work items and menu entry."""

    name = "youfu.relief"
    label = "relief"

    def ready(self) -> None:
        from youfu.relief.discoveries import wiring as discoveries
        from youfu.relief.grants import wiring as grants
        from youfu.relief.housing import wiring as housing
        from youfu.relief.medical import wiring as medical

        grants.register()
        medical.register()
        housing.register()
        discoveries.register()
