from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "youfu.petitions"
    label = "petitions"

    def ready(self) -> None:
        from youfu.core.workdays import calendar_changed
        from youfu.petitions.services import on_calendar_changed

        # core may not import petitions (data flows one way): it signals instead.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="petitions.recompute_deadlines")
